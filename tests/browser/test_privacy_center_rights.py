"""The privacy center's rights of restriction (GDPR Art. 18) and objection (Art. 21), the account's state with an
operator's announced lift (Art. 18(3)), and the recipients (Art. 19), in Chromium against the local cloud: what the
subject does on the page is what the host application is told through its permission question."""

import base64
import json
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.support import ROOT

PARTS = ["center", "consents", "account", "requests", "restriction", "objection", "policy"]


def _words(lang):
    return {k: v for part in PARTS for k, v in json.loads((ROOT / f"web/i18n/{part}/{lang}.json").read_text()).items()}


EN, DE = _words("en"), _words("de")


def _sign_in(page, words=EN):
    page.goto("/")
    expect(page.get_by_role("heading", name=words["signInTitle"])).to_be_visible()
    page.get_by_label(words["username"]).fill(f"rights-{uuid.uuid4().hex[:10]}")
    page.get_by_role("button", name=words["signIn"], exact=True).click()
    expect(page.get_by_role("heading", name=words["consentsTitle"])).to_be_visible()
    expect(page.locator("#account-state")).to_have_text(words["accountActive"])
    token = page.evaluate("sessionStorage.getItem('privacy_center_token')")
    payload = token.split(".")[1]
    subject_id = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"]
    return token, subject_id


def _host_permission(cloud, subject_id, purpose):
    app = cloud.token(f"host-{uuid.uuid4().hex[:8]}", ["privacy-app"])
    answer = cloud.call("GET", f"/app/subjects/{subject_id}/permissions?purpose={purpose}", app)
    assert answer.status_code == 200, answer.text
    return answer.json()["purposes"][purpose]


def _restriction(page):
    return page.get_by_role("region", name=EN["restrictionTitle"])


def _objection(page):
    return page.get_by_role("region", name=EN["objectionTitle"])


def _before(text):
    return text.split("{")[0].strip()


def test_restrict_with_a_ground_then_lift_it_and_the_account_is_active_again(page, cloud, screenshot):
    # Given a signed-in subject who sees what a restriction does before asking for it
    token, subject_id = _sign_in(page)
    section = _restriction(page)
    expect(section).to_contain_text(EN["restrictionText"])
    expect(section.get_by_role("radio")).to_have_count(4)
    expect(section.get_by_role("radio", name=EN["g_legal_claims"])).to_have_accessible_description(
        EN["gd_legal_claims"]
    )
    # When they ask without choosing why, Then they are told to choose, and nothing is sent
    section.get_by_role("button", name=EN["restrictStart"]).click()
    expect(section.locator("#grounds-error")).to_have_text(EN["chooseGrounds"])
    assert cloud.call("GET", "/me/status", token).json()["state"] == "active"
    # When they choose "I need my data for a legal claim" and ask
    section.get_by_role("radio", name=EN["g_legal_claims"]).check()
    section.get_by_role("button", name=EN["restrictStart"]).click()
    # Then the page confirms, the state says restricted with the ground in words, and only the lift is offered
    expect(page.locator("#status")).to_have_text(EN["restrictDone"])
    expect(page.locator("#account-state")).to_contain_text(_before(EN["stateRestricted"]))
    expect(page.locator("#account-grounds")).to_have_text(EN["stateGrounds"].format(grounds=EN["g_legal_claims"]))
    expect(page.locator("#account-lift")).to_be_hidden()
    expect(section.get_by_role("button", name=EN["restrictStart"])).to_be_hidden()
    expect(section).to_contain_text(EN["liftText"])
    # And the server and the host application agree
    status = cloud.call("GET", "/me/status", token).json()
    assert (status["state"], status["restriction"]["grounds"]) == ("restricted", "legal_claims")
    assert _host_permission(cloud, subject_id, "analytics") == {"allowed": False, "reason": "restricted"}
    # And the request is listed with the others
    expect(page.locator("#requests-rows")).to_contain_text(EN["t_restriction"])
    assert_no_axe_violations(page, "center-rights-restricted")
    screenshot(page, "restricted")
    # When they lift it
    section.get_by_role("button", name=EN["liftStart"]).click()
    # Then the page confirms and the account is active again, the request form back
    expect(page.locator("#status")).to_have_text(EN["liftDone"])
    expect(page.locator("#account-state")).to_have_text(EN["accountActive"])
    expect(page.locator("#account-grounds")).to_be_hidden()
    expect(section.get_by_role("button", name=EN["restrictStart"])).to_be_visible()
    assert cloud.call("GET", "/me/status", token).json()["state"] == "active"
    assert _host_permission(cloud, subject_id, "account") == {"allowed": True, "reason": "required"}


def test_an_objection_to_a_marketing_purpose_is_shown_and_the_host_is_told_objected(page, cloud, screenshot):
    # Given a signed-in subject: only the purposes an objection applies to are offered (the catalog says which)
    token, subject_id = _sign_in(page)
    section = _objection(page)
    catalog = cloud.call("GET", "/consent/purposes", token).json()["purposes"]
    objectable = [p for p in catalog if p["objectable"]]
    assert objectable
    assert all(p["direct_marketing"] for p in objectable)  # the bundled catalog's only kind
    expect(section.get_by_role("checkbox")).to_have_count(len(objectable))
    expect(section.get_by_role("checkbox", name="Usage analytics")).to_have_count(0)  # consent: withdraw instead
    marketing = next(p for p in objectable if p["id"] == "marketing_emails")
    box = section.get_by_role("checkbox", name=marketing["title"], exact=True)
    expect(box).to_have_accessible_description(EN["objAbsolute"])
    # When they object to marketing e-mails
    box.check()
    section.get_by_role("button", name=EN["objectStart"]).click()
    # Then the page confirms, lists the objection as in force, and no longer offers it
    expect(page.locator("#status")).to_have_text(EN["objectDone"])
    made = section.get_by_role("list", name=EN["objMadeTitle"]).get_by_role("listitem")
    expect(made).to_have_count(1)
    expect(made).to_contain_text(marketing["title"])
    expect(made).to_contain_text(_before(EN["objStopped"]))
    expect(section.get_by_role("checkbox", name=marketing["title"], exact=True)).to_have_count(0)
    # And the host application is told the purpose is objected to
    assert _host_permission(cloud, subject_id, "marketing_emails") == {"allowed": False, "reason": "objected"}
    assert [o["purpose"] for o in cloud.call("GET", "/me/status", token).json()["objections"]] == ["marketing_emails"]
    assert_no_axe_violations(page, "center-rights-objection")
    screenshot(page, "objected")


def test_an_objection_the_api_refuses_shows_the_apis_message(page, cloud):
    # Given a catalog that (wrongly) offers a consent purpose for objection
    def offer_analytics(route):
        answer = route.fetch()
        body = answer.json()
        for purpose in body["purposes"]:
            if purpose["id"] == "analytics":
                purpose["objectable"] = True
        route.fulfill(response=answer, json=body)

    page.route("**/consent/purposes", offer_analytics)
    _sign_in(page)
    section = _objection(page)
    # When the subject objects to it
    section.get_by_role("checkbox", name="Usage analytics").check()
    section.get_by_role("button", name=EN["objectStart"]).click()
    # Then the API's own sentence tells them to withdraw their consent instead
    expect(page.get_by_role("alert").filter(has_text="PUT /me/consents")).to_contain_text("withdraw it")


def test_an_operator_announced_lift_shows_its_date(page, cloud):
    # Given a subject who restricted processing
    _, subject_id = _sign_in(page)
    section = _restriction(page)
    section.get_by_role("radio", name=EN["g_accuracy_contested"]).check()
    section.get_by_role("button", name=EN["restrictStart"]).click()
    expect(page.locator("#account-grounds")).to_contain_text(EN["g_accuracy_contested"])
    # When an operator announces the lift (Art. 18(3))
    admin = cloud.token(f"op-{uuid.uuid4().hex[:8]}", ["privacy-admin"])
    path = f"/admin/subjects/{subject_id}/restriction/lift"
    answer = cloud.call("POST", path, admin, json={"reason": "accuracy checked and confirmed"})
    assert answer.status_code == 202, answer.text
    lift_at = answer.json()["restriction"]["lift_at"]
    # Then, on their next visit, the page tells them the date the restriction will be lifted
    page.reload()
    expect(page.locator("#account-state")).to_contain_text(_before(EN["stateRestricted"]))
    lift = page.locator("#account-lift")
    expect(lift).to_contain_text(_before(EN["stateLiftAt"]))
    expect(lift.locator("time")).to_have_attribute("datetime", lift_at)
    expected_day = page.evaluate(
        "(iso) => new Intl.DateTimeFormat('en', {dateStyle: 'long'}).format(new Date(iso))", lift_at
    )
    expect(lift.locator("time")).to_have_text(expected_day)
    # And they can still ask again (which keeps the restriction) or lift it now
    expect(section.get_by_role("button", name=EN["restrictStart"])).to_be_visible()
    expect(section.get_by_role("button", name=EN["liftStart"])).to_be_visible()
    assert_no_axe_violations(page, "center-rights-lift-announced")


def test_the_recipients_section_lists_the_policys_recipients_once(page, cloud, screenshot):
    # Given a signed-in subject and the recipients the API discloses
    token, _ = _sign_in(page)
    recipients = cloud.call("GET", "/me/recipients", token, headers={"Accept-Language": "en"}).json()["items"]
    assert recipients
    expect(page.locator("#recipients")).to_be_hidden()
    # When they open the recipients section
    page.get_by_role("link", name=EN["navRecipients"]).click()
    section = page.get_by_role("region", name=EN["policyRecipients"])
    expect(section).to_be_visible()
    # Then a table lists every recipient: name, what for, country and transfer safeguard in words
    table = section.get_by_role("table", name=EN["policyRecipients"])
    expect(table.get_by_role("row")).to_have_count(len(recipients) + 1)
    first = recipients[0]
    row = table.get_by_role("row").filter(has_text=first["name"])
    expect(row).to_contain_text(first["purpose"])
    expect(row).to_contain_text(EN[f"sg_{first['safeguard']}"])
    for served in first["purposes"]:
        expect(row).to_contain_text(served["title"])
    assert_no_axe_violations(page, "center-rights-recipients")
    screenshot(page)
    # And the policy section points to this list instead of repeating it
    page.get_by_role("link", name=EN["navPolicy"]).click()
    policy = page.get_by_role("region", name=EN["policyTitle"])
    expect(policy.get_by_role("heading", name=EN["policyRights"])).to_be_visible()
    expect(policy.get_by_role("table")).to_have_count(1)  # retention only
    expect(policy.get_by_role("link", name=EN["recipientsSee"])).to_have_attribute("href", "#recipients")


def _tab_to(page, predicate, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate):
            return
    pytest.fail(f"Tab never reached {predicate}")


def test_the_restriction_flow_works_by_keyboard_alone(page, cloud):
    # Given a signed-in subject at the top of the page
    token, _ = _sign_in(page)
    page.locator("#main").focus()
    # When they reach the first ground by Tab, choose the next one with the arrow key, and submit with Enter
    _tab_to(page, "document.activeElement.id === 'ground-accuracy_contested'")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.id") == "ground-unlawful_processing"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "restrict-start"
    page.keyboard.press("Enter")
    # Then the account is restricted on the ground chosen, and focus is back on the section's heading
    expect(page.locator("#account-grounds")).to_have_text(
        EN["stateGrounds"].format(grounds=EN["g_unlawful_processing"])
    )
    expect(page.locator("#restriction-title")).to_be_focused()
    assert cloud.call("GET", "/me/status", token).json()["restriction"]["grounds"] == "unlawful_processing"
    # When they Tab to the lift button and press Enter
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "lift-start"
    page.keyboard.press("Enter")
    # Then the account is active again
    expect(page.locator("#account-state")).to_have_text(EN["accountActive"])
    assert cloud.call("GET", "/me/status", token).json()["state"] == "active"


def test_the_new_sections_follow_a_switch_to_german(page, cloud):
    # Given a restricted subject on the English page
    _sign_in(page)
    _restriction(page).get_by_role("radio", name=EN["g_objection_pending"]).check()
    _restriction(page).get_by_role("button", name=EN["restrictStart"]).click()
    expect(page.locator("#account-grounds")).to_contain_text(EN["g_objection_pending"])
    # When they switch to German
    page.get_by_label("Language").select_option("de")
    # Then the restriction, its state and the objection speak German
    expect(page.get_by_role("heading", name=DE["restrictionTitle"])).to_be_visible()
    expect(page.locator("#account-state")).to_contain_text(_before(DE["stateRestricted"]))
    expect(page.locator("#account-grounds")).to_have_text(DE["stateGrounds"].format(grounds=DE["g_objection_pending"]))
    expect(page.get_by_role("button", name=DE["liftStart"])).to_be_visible()
    expect(page.get_by_role("heading", name=DE["objectionTitle"])).to_be_visible()
    expect(page.get_by_role("link", name=DE["navRestriction"])).to_be_visible()
    # And the recipients section too, once opened
    page.get_by_role("link", name=DE["navRecipients"]).click()
    expect(page.get_by_role("table", name=DE["policyRecipients"])).to_contain_text(DE["recSafeguard"])
