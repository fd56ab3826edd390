"""The privacy center for a signed-in minor: the purposes closed to minors (`for_minors: false`) are not offered,
and saving the others works; the banner does the same when the host says the user is a minor (data-minor)."""

from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_privacy_center import _sign_in
from tests.e2e.helpers import approved_child

CLOSED_TO_MINORS = ["Newsletters", "Affiliate partners", "Social media buttons", "Marketing e-mails"]


def _born(years_ago: int) -> str:
    today = datetime.now(UTC).date()
    return (today.replace(year=today.year - years_ago) - timedelta(days=30)).isoformat()


def test_a_minor_is_not_offered_the_purposes_closed_to_minors(page, cloud, screenshot):
    # Given a 14-year-old in Germany, signed up with a parent's approval
    child = approved_child(cloud, _born(14), "DE", given_name="Kid")
    # When they sign in to the privacy center
    _sign_in(page, child["username"])
    # Then the purposes open to minors are offered, and those closed to minors are not
    expect(page.get_by_role("checkbox", name="Usage analytics")).to_be_visible()
    for title in [*CLOSED_TO_MINORS, "Sharing with third parties"]:
        expect(page.get_by_role("checkbox", name=title)).to_have_count(0)  # nor offered for an objection
    assert_no_axe_violations(page, "center-minor")
    screenshot(page)
    # And saving what is offered works
    page.get_by_role("checkbox", name="Usage analytics").check()
    page.get_by_role("button", name="Save my consents").click()
    expect(page.get_by_role("status").first).to_contain_text("Your consents are saved")
    consents = cloud.call("GET", "/me/consents", child["access_token"]).json()["consents"]
    assert consents["analytics"]["granted"] is True
    assert consents["marketing_emails"]["decided"] is False


def test_an_adult_is_offered_every_purpose(page):
    _sign_in(page)
    consents = page.get_by_role("region", name="Your consents")  # the objection offers some of them again
    for title in CLOSED_TO_MINORS:
        expect(consents.get_by_role("checkbox", name=title)).to_be_visible()


MINOR_HOST = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A host page for a signed-in minor</title>
<link rel="icon" href="data:,"><script src="/banner.js" data-minor="true" defer></script></head>
<body><main><h1>Signed in as a minor</h1></main></body></html>"""


def test_the_banner_told_the_user_is_a_minor_neither_offers_nor_grants_the_purposes_closed_to_minors(page, cloud):
    # Given a host page that knows its signed-in user is a minor and says so to the banner (data-minor="true")
    page.route("**/minor-host.html", lambda route: route.fulfill(content_type="text/html", body=MINOR_HOST))
    page.goto("/minor-host.html")
    dialog = page.get_by_role("dialog", name="Your privacy choices")
    expect(dialog).to_be_visible()
    # When the user accepts all
    dialog.get_by_role("button", name="Accept all", exact=True).click()
    expect(dialog).to_be_hidden()
    # Then what was granted holds no purpose closed to minors, and nothing of them reached the server
    decisions = page.evaluate("window.PrivacyConsent.get()")
    catalog = cloud.call("GET", "/consent/purposes").json()["purposes"]
    closed = {p["id"] for p in catalog if not p["for_minors"]}
    assert closed
    assert decisions["analytics"] is True
    assert not closed & {purpose for purpose, granted in decisions.items() if granted}
    visitor = next(c["value"] for c in page.context.cookies() if c["name"] == "privacy_visitor")
    stored = cloud.call("GET", f"/visitors/{visitor}/consents").json()["consents"]
    assert not [purpose for purpose in closed if stored[purpose]["decided"]]
