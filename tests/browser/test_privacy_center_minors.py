"""The privacy center for a signed-in minor: the purposes closed to minors (`for_minors: false`) are not offered,
and saving the others works; the banner does the same when the host says the user is a minor (data-minor). A parent
restricts and lifts the processing of their child's data from the child's card; the child cannot lift it."""

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.test_privacy_center import _sign_in
from tests.browser.test_privacy_center_languages import WORDS, _parent_with_child
from tests.browser.test_privacy_center_languages import _sign_in as _sign_in_as
from tests.e2e.helpers import approved_child, born

CLOSED_TO_MINORS = ["Newsletters", "Affiliate partners", "Social media buttons", "Marketing e-mails"]


def test_a_minor_is_not_offered_the_purposes_closed_to_minors(page, cloud, screenshot):
    # Given a 14-year-old in Germany, signed up with a parent's approval
    child = approved_child(cloud, born(14), "DE", given_name="Kid")
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


def test_a_parent_restricts_their_child_from_the_card_the_child_cannot_lift_it_and_the_parent_lifts_it(
    page, page_with, cloud, screenshot
):
    words = WORDS["en"]
    # Given a parent whose child's account is linked to theirs, signed in to the privacy center
    parent_name, child = _parent_with_child(cloud)
    page.goto("/")
    _sign_in_as(page, words, parent_name)
    card = page.get_by_role("region", name="Kid")
    # Then the child's card says what a restriction does before offering it, in a parent's words
    expect(card).to_contain_text(words["restrictChildWhat"])
    expect(card.get_by_role("group", name=words["childWhy"])).to_be_visible()
    expect(card.get_by_role("radio", name=words["pg_accuracy_contested"])).to_be_visible()
    expect(card.locator(".child-restricted")).to_have_count(0)
    # When they ask for it without saying why, Then they are told to choose, focus on the first ground
    card.get_by_role("button", name=words["restrictChildStart"]).click()
    expect(card).to_contain_text(words["childChoose"])
    expect(card.get_by_role("radio", name=words["pg_accuracy_contested"])).to_be_focused()
    assert_no_axe_violations(page, "center-parent-child-not-restricted")
    # When they choose a ground with the arrow keys, Tab to the button and press Enter
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(card.get_by_role("radio", name=words["pg_legal_claims"])).to_be_checked()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == words["restrictChildStart"]
    page.keyboard.press("Enter")
    # Then they are told it is done, and the card shows the restriction with its ground and offers only the lift
    expect(page.locator("#status")).to_have_text(words["restrictedChild"])
    restricted = card.locator(".child-restricted")
    expect(restricted).to_contain_text(words["childRestricted"].split("{date}")[0].strip())
    expect(restricted).to_contain_text(words["stateGrounds"].format(grounds=words["pg_legal_claims"]))
    expect(card).to_contain_text(words["liftChildWhat"])
    expect(card.get_by_role("button", name=words["restrictChildStart"])).to_have_count(0)
    (item,) = cloud.call("GET", "/parents/me/children", cloud.token(parent_name)).json()["items"]
    assert (item["restricted"], item["restriction"]["restricted_by"]) == (True, "parent")
    assert_no_axe_violations(page, "center-parent-child-restricted")
    screenshot(page, "parent-restricted")

    # When the child signs in to their own privacy center
    child_page = page_with()
    child_page.goto("/")
    _sign_in_as(child_page, words, child["username"])
    # Then they are told their parent restricted the use of their data and only the parent can lift it: no lift
    section = child_page.get_by_role("region", name=words["restrictionTitle"])
    expect(section.locator("#restriction-parent")).to_have_text(words["restrictedByParent"])
    expect(child_page.locator("#account-state")).to_contain_text(words["stateRestricted"].split("{date}")[0].strip())
    expect(section.get_by_role("button", name=words["liftStart"])).to_have_count(0)
    expect(child_page.locator("#lift-start")).to_be_hidden()
    expect(section.locator("#restriction-text")).to_be_hidden()  # it says "You can lift it at any time"
    assert_no_axe_violations(child_page, "center-child-restricted-by-parent")
    screenshot(child_page, "child")

    # When the parent lifts the restriction
    card.get_by_role("button", name=words["liftChildStart"]).click()
    # Then they are told so, the card offers to restrict again, and the child's account is active
    expect(page.locator("#status")).to_have_text(words["liftedChild"])
    expect(card.locator(".child-restricted")).to_have_count(0)
    expect(card.get_by_role("button", name=words["restrictChildStart"])).to_be_visible()
    (item,) = cloud.call("GET", "/parents/me/children", cloud.token(parent_name)).json()["items"]
    assert (item["state"], item["restricted"]) == ("active", False)
    assert cloud.call("GET", "/me/status", child["access_token"]).json()["state"] == "active"
    assert_no_axe_violations(page, "center-parent-child-lifted")
