"""The privacy center in every language and state: axe-core at 0 WCAG 2.2 A/AA violations on every section, the
language switch (remembered, purposes asked for in that language), requests with status and due date, a parent's
children, keyboard-only flows, reduced motion. Screenshots of each language and state go to test-output/browser."""

import json
import re
import time
import uuid
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.e2e.helpers import link_child, mailed_token
from tests.support import ROOT

LANGUAGES = ["en", "ro", "de", "fr", "es", "it"]
LOCALES = {"en": "en-GB", "ro": "ro-RO", "de": "de-DE", "fr": "fr-FR", "es": "es-ES", "it": "it-IT"}
PARTS = ["center", "consents", "account", "requests", "restriction", "objection", "parent"]
WORDS = {
    lang: {k: v for part in PARTS for k, v in json.loads((ROOT / f"web/i18n/{part}/{lang}.json").read_text()).items()}
    for lang in LANGUAGES
}
DOCS_SHOT = {"width": 960, "height": 720}
EXPORT_WAIT_SECONDS = 90


def _sign_in(page, words, username=None):
    expect(page.get_by_role("heading", name=words["signInTitle"])).to_be_visible()
    page.get_by_label(words["username"]).fill(username or f"lang-{uuid.uuid4().hex[:10]}")
    page.get_by_role("button", name=words["signIn"], exact=True).click()
    expect(page.get_by_role("heading", name=words["consentsTitle"])).to_be_visible()
    expect(page.locator("#consent-analytics")).to_be_visible()
    return page.evaluate("sessionStorage.getItem('privacy_center_token')")


def _focus_ring(page):
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle") not in ("none", "")


def _tab_to(page, predicate, limit=80, key="Tab"):
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate(predicate):
            return
    pytest.fail(f"{key} never reached {predicate}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_section_and_state_in_each_language_has_no_axe_violation(
    page_with, cloud, lang, screenshot, screenshot_dir
):
    words = WORDS[lang]
    # Given a visitor whose browser prefers the language: the sign-in view, in it
    page = page_with(locale=LOCALES[lang])
    fetched = []
    page.on("request", lambda r: "/i18n/" in r.url and fetched.append(urlparse(r.url).path))
    page.goto("/")
    expect(page.get_by_role("heading", name=words["signInTitle"])).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == lang
    assert fetched == [f"/i18n/center/{lang}.json"]  # only what the sign-in view needs
    assert_no_axe_violations(page, f"center-{lang}-sign-in")
    screenshot(page, "sign-in")
    # When they sign in and change a consent: consents, history, profile, requests and deletion, in the language
    _sign_in(page, words)
    assert sorted(fetched) == sorted(f"/i18n/{part}/{lang}.json" for part in PARTS if part != "parent")
    expect(page.locator("#account-state")).to_have_text(words["accountActive"])
    page.locator("#consent-analytics").check()
    page.get_by_role("button", name=words["saveConsents"]).click()
    expect(page.locator("#status")).to_contain_text(words["saved"].split("{")[0].strip())
    expect(page.locator("#history-rows tr")).to_have_count(1)
    expect(page.locator("#history-rows tr").first.locator("td").nth(2)).to_have_text(words["allowed"])
    # The README's picture of this language (docs/screenshots/): the top of the page, as a user first sees it
    page.set_viewport_size(DOCS_SHOT)
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    page.screenshot(path=str(screenshot_dir / f"privacy-center-{lang}.png"))
    page.set_viewport_size({"width": 1100, "height": 900})
    assert_no_axe_violations(page, f"center-{lang}-active")
    screenshot(page, "active")
    # And with a receipt open, and the deletion asked to confirm
    page.locator("#history-rows tr").first.get_by_role("button", name=re.compile(words["viewReceipt"])).click()
    expect(page.get_by_role("region", name=words["receiptTitle"])).to_be_visible()
    page.get_by_role("button", name=words["deleteStart"]).click()
    expect(page.get_by_role("button", name=words["deleteYes"])).to_be_visible()
    assert_no_axe_violations(page, f"center-{lang}-receipt-and-confirm")
    screenshot(page, "receipt-and-confirm")
    # And once the account is scheduled for deletion: its purge date in the language, and Restore
    page.get_by_role("button", name=words["deleteYes"]).click()
    expect(page.get_by_role("heading", name=words["pendingTitle"])).to_be_visible()
    expect(page.locator("#purge-at")).not_to_have_text(words["noDate"])
    assert words["pendingText"].split("{date}")[0].strip() in page.locator("#pending-text").inner_text()
    assert_no_axe_violations(page, f"center-{lang}-pending-deletion")
    screenshot(page, "pending-deletion")
    page.get_by_role("button", name=words["restore"]).click()
    expect(page.locator("#status")).to_contain_text(words["restored"])


def test_the_deleted_account_view_has_no_axe_violation(page, cloud, screenshot):
    page.route("**/me/status", lambda route: route.fulfill(json={"state": "purged", "purge_at": None, "reason": None}))
    _sign_in_purged(page)
    assert_no_axe_violations(page, "center-en-purged")
    screenshot(page)


def _sign_in_purged(page):
    words = WORDS["en"]
    page.goto("/")
    page.get_by_label(words["username"]).fill(f"purged-{uuid.uuid4().hex[:10]}")
    page.get_by_role("button", name=words["signIn"], exact=True).click()
    expect(page.get_by_role("heading", name=words["purgedTitle"])).to_be_visible()


def test_switching_the_language_shows_the_page_and_the_policys_purposes_in_it_and_is_remembered(
    page, cloud, screenshot
):
    # Given a signed-in English user of iMind, whose policy words its purposes in German too (no mock: the API serves
    # the policy document's own words)
    asked = []
    page.on("request", lambda r: urlparse(r.url).path == "/consent/purposes" and asked.append(r))
    page.goto("/")
    _sign_in(page, WORDS["en"])
    expect(page.get_by_role("checkbox", name="Usage analytics")).to_be_visible()
    # When they choose Deutsch in the language switch
    page.get_by_label("Language").select_option("de")
    # Then the page speaks German, asked the API for German, and shows the purposes as the policy words them
    de = WORDS["de"]
    expect(page.get_by_role("heading", name=de["consentsTitle"])).to_be_visible()
    expect(page.get_by_role("checkbox", name="Nutzungsanalyse")).to_be_visible()
    assert asked[-1].headers["accept-language"] == "de"
    assert page.evaluate("document.documentElement.lang") == "de"
    screenshot(page)
    # And after a reload (a later visit) the choice is remembered
    page.reload()
    expect(page.get_by_role("heading", name=de["consentsTitle"])).to_be_visible()
    expect(page.get_by_label(de["language"])).to_have_value("de")
    expect(page.get_by_role("checkbox", name="Nutzungsanalyse")).to_be_visible()


def test_purposes_the_api_answers_in_another_language_are_marked_with_it(page_with, cloud):
    # Given an Italian user and an API whose catalog has no Italian (a policy in English only: the API answers in
    # the policy's default language, as a request for a language it lacks does)
    page = page_with(locale="it-IT")
    page.route(
        "**/consent/purposes*",
        lambda route: route.continue_(headers={**route.request.headers, "accept-language": "en"}),
    )
    page.goto("/")
    _sign_in(page, WORDS["it"])
    # Then the purpose texts are marked as English inside the Italian page (WCAG 3.1.2)
    expect(page.locator("label[for=consent-analytics]")).to_have_attribute("lang", "en")
    expect(page.locator("#consent-analytics-desc")).to_have_attribute("lang", "en")
    expect(page.locator("#consent-analytics-state")).not_to_have_attribute("lang", "en")


def test_each_request_shows_its_status_in_words_its_due_date_and_its_download(page, cloud, screenshot):
    words = WORDS["en"]
    # Given a signed-in user who asks for a copy of their data
    page.goto("/")
    token = _sign_in(page, words)
    expect(page.locator("#requests-none")).to_be_visible()
    page.get_by_role("button", name=words["exportStart"]).click()
    # Then the request is listed: what it is, when received, its status in words, the date it is due by
    row = page.locator("#requests-rows tr").first
    expect(row.locator("td").nth(0)).to_have_text(words["t_access"])
    expect(row.locator("td").nth(2)).to_have_text(re.compile(f"{words['s_received']}|{words['s_in_progress']}"))
    request = cloud.call("GET", "/me/requests", token).json()["items"][0]
    expect(row.locator("td").nth(3).locator("time")).to_have_attribute("datetime", request["due_at"])
    # When the work is done (each connected system reporting its part, as they would)
    admin = cloud.token(f"center-admin-{uuid.uuid4().hex[:6]}", ["privacy-admin"])
    download = row.get_by_role("button", name=re.compile(f"^{words['fetchFile']}"))
    deadline = time.monotonic() + EXPORT_WAIT_SECONDS
    while time.monotonic() < deadline and not download.is_visible():
        cloud.local("POST", "drain")
        state = cloud.call("GET", f"/admin/requests/{request['request_id']}", admin).json()
        if state.get("export_ready") and state.get("status") == "in_progress":
            for system in state.get("systems_pending", []):
                cloud.call("POST", f"/admin/requests/{request['request_id']}/systems/{system}/complete", admin)
        page.wait_for_timeout(500)
    # Then the row says Completed and offers the file, which a click fetches through the download route
    expect(row.locator("td").nth(2)).to_have_text(words["s_completed"])
    assert_no_axe_violations(page, "center-en-requests-completed")
    screenshot(page)
    page.route(re.compile(r"^https?://[^/]+/(?!me/).*\.zip.*|.*X-Amz-.*"), lambda route: route.fulfill(body=b"PK"))
    with page.expect_response(lambda r: r.url.endswith(f"/me/requests/{request['request_id']}/download")) as link:
        download.click()
    assert link.value.status == 200


def _parent_with_child(cloud):
    """A parent (with an account) who approved a child's sign-up, the two accounts linked by the host app."""
    tag = uuid.uuid4().hex[:10]
    parent_name = f"parent-{tag}"
    parent = cloud.login(parent_name, given_name="Mum")
    app = cloud.token(f"host-{tag}", ["privacy-app"])
    parent_email = str(parent["username"])  # the mail goes to the parent's login: only that account can be linked
    asked = cloud.call(
        "POST",
        "/minors/consent-requests",
        app,
        json={"parent_email": parent_email, "country": "DE", "child_reference": f"signup-{tag}"},
    ).json()
    token = mailed_token(cloud, parent_email)
    assert cloud.call("POST", "/minors/consent-requests/confirm", json={"token": token, "decision": "approve"}).ok
    metadata = {"parental_request_id": asked["request_id"]}
    child = cloud.login(f"kid-{tag}", given_name="Kid", birth_date="2015-04-02", country="DE", client_metadata=metadata)
    linked = link_child(cloud, app, asked["request_id"], child, parent)
    assert linked.status_code == 200, linked.text
    return parent_name, child


def test_a_parent_sees_each_child_and_deletes_one_childs_data_by_keyboard_alone(page_with, cloud, screenshot):
    words = WORDS["fr"]
    # Given a French parent whose child's account is linked to theirs
    parent_name, _child = _parent_with_child(cloud)
    page = page_with(locale="fr-FR")
    page.goto("/")
    _sign_in(page, words, parent_name)
    # Then the page lists the child: state, what is held, and what the parent can do, each explained first
    card = page.get_by_role("region", name="Kid")
    expect(card).to_be_visible()
    expect(page.get_by_role("link", name=words["navChildren"])).to_be_visible()
    expect(card).to_contain_text(words["copyWhat"])
    expect(card).to_contain_text(words["withdrawWhat"])
    expect(card).to_contain_text(words["eraseWhat"])
    assert_no_axe_violations(page, "center-fr-parent")
    screenshot(page, "children")
    # When they Tab to "Delete their data…" and press Enter
    page.locator("#children-title").evaluate("e => e.scrollIntoView()")
    page.locator("body").focus()
    _tab_to(page, f"document.activeElement.textContent === {json.dumps(words['eraseStart'])}")
    assert _focus_ring(page)
    page.keyboard.press("Enter")
    # Then it asks once more, focus on Cancel; Cancel (Enter) changes nothing and gives focus back
    assert page.evaluate("document.activeElement.textContent") == words["cancel"]
    assert_no_axe_violations(page, "center-fr-parent-confirm")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent") == words["eraseStart"]
    # When they ask again and confirm with Shift+Tab to "Yes" and Enter
    page.keyboard.press("Enter")
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.textContent") == words["eraseYes"]
    page.keyboard.press("Enter")
    # Then they are told what happened, with the date, and the child shows as scheduled for deletion
    expect(card).to_contain_text(words["erased"].split("{date}")[0].strip())
    expect(card.locator(".child-state")).to_contain_text(words["childPending"].split("{date}")[0].strip())
    expect(page.locator("#status")).to_contain_text(words["erased"].split("{date}")[0].strip())
    status = cloud.call("GET", "/parents/me/children", cloud.token(parent_name)).json()["items"][0]
    assert status["state"] == "pending_deletion"
    screenshot(page)


def test_keyboard_only_sign_in_consent_delete_and_restore_with_a_visible_focus(page, cloud, screenshot):
    words = WORDS["en"]
    # Given a keyboard user on the sign-in page: the first Tab reaches the skip link, then the language switch
    page.goto("/")
    expect(page.get_by_role("heading", name=words["signInTitle"])).to_be_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert _focus_ring(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lang"
    # When they Tab to the username, type it and press Enter
    _tab_to(page, "document.activeElement.id === 'username'")
    page.keyboard.type(f"keys-{uuid.uuid4().hex[:10]}")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=words["consentsTitle"])).to_be_visible()
    expect(page.locator("#consent-analytics")).to_be_visible()
    # And Tab to a purpose, tick it with Space, Tab to Save and press Enter
    _tab_to(page, "document.activeElement.id === 'consent-analytics'")
    assert _focus_ring(page)
    page.keyboard.press("Space")
    _tab_to(page, f"document.activeElement.textContent === {json.dumps(words['saveConsents'])}")
    assert _focus_ring(page)
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text("Your consents are saved")
    # And Tab to "Delete my account…", Enter, then Shift+Tab from Cancel to "Yes" and Enter
    _tab_to(page, f"document.activeElement.textContent === {json.dumps(words['deleteStart'])}")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "delete-cancel"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "delete-yes"
    assert _focus_ring(page)
    page.keyboard.press("Enter")
    # Then the pending view has focus on its heading; Tab reaches Restore; Enter restores
    expect(page.get_by_role("heading", name=words["pendingTitle"])).to_be_focused()
    _tab_to(page, "document.activeElement.id === 'restore'")
    assert _focus_ring(page)
    page.keyboard.press("Enter")
    expect(page.locator("#status")).to_contain_text(words["restored"])
    expect(page.get_by_role("heading", name=words["consentsTitle"])).to_be_focused()
    screenshot(page)


def test_the_page_scrolls_smoothly_only_for_those_who_did_not_ask_for_reduced_motion(page_with, cloud):
    behaviour = "getComputedStyle(document.documentElement).scrollBehavior"
    still = page_with(reduced_motion="reduce")
    still.goto("/")
    assert still.evaluate(behaviour) == "auto"
    moving = page_with(reduced_motion="no-preference")
    moving.goto("/")
    assert moving.evaluate(behaviour) == "smooth"
