"""The operator console (web/admin/) in Chromium, against the local cloud: who gets in, the request queue and its
deadlines, a request's actions, intake of an e-mailed request, legal holds, keyboard-only use, and axe-core on every
screen (0 WCAG 2.2 A/AA violations). Certificates and audit chains: test_admin_console_audit.py."""

import base64
import hashlib
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlparse

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.console import (
    admin,
    apply_filters,
    confirm,
    operator_sign_in,
    queue_row,
    server_now,
    status,
    subject_request,
    tab_to,
    wait_until,
)


def test_a_signed_in_user_who_is_not_an_operator_is_refused(page, screenshot):
    # Given the console's sign-in, and every answer of an /admin/ route watched
    admin_answers = []
    page.on(
        "response",
        lambda r: r.request.resource_type == "fetch" and "/admin/" in r.url and admin_answers.append(r.status),
    )
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Operator sign-in")).to_be_visible()
    assert_no_axe_violations(page, "console-sign-in")
    # When a user outside privacy-admin signs in
    page.get_by_label("Username").fill(f"not-op-{uuid.uuid4().hex[:8]}")
    page.get_by_label("Make this account a member of privacy-admin").uncheck()
    page.get_by_role("button", name="Sign in", exact=True).click()
    # Then they see a clear refusal and nothing of the console, because the API refused them
    expect(page.get_by_role("heading", name="You are not an operator")).to_be_visible()
    expect(page.get_by_text("only for members of the privacy-admin group")).to_be_visible()
    expect(page.get_by_role("navigation", name="Console")).to_be_hidden()
    expect(page.locator("#queue-rows tr")).to_have_count(0)
    assert admin_answers
    assert set(admin_answers) == {403}
    assert_no_axe_violations(page, "console-refused")
    screenshot(page)
    # And a request's address shows nothing more
    page.goto("/admin/#/requests/" + "0" * 32)
    expect(page.get_by_role("heading", name="You are not an operator")).to_be_visible()
    assert set(admin_answers) == {403}


def test_the_queue_is_soonest_due_first_and_shows_overdue_requests_once_the_clock_moves(page, cloud, screenshot):
    cloud.local("POST", "clock", {"reset": True})
    try:
        # Given a request, and another made ten days later
        _, first = subject_request(cloud)
        cloud.local("POST", "clock", {"advance_days": 10})
        _, second = subject_request(cloud)
        # When an operator opens the queue
        operator_sign_in(page)
        # Then both are listed, the sooner due first, and every row is in due order
        expect(queue_row(page, second)).to_be_visible()
        shown = page.locator("#queue-rows tr").evaluate_all("rows => rows.map(r => r.dataset.request)")
        assert shown.index(first["request_id"]) < shown.index(second["request_id"])
        dues = page.locator("#queue-rows tr td:nth-child(5) time").evaluate_all("times => times.map(t => t.dateTime)")
        assert dues == sorted(dues, key=datetime.fromisoformat)
        # And each row says what it is, how it arrived, the days left, the extension and the pending systems
        expect(queue_row(page, first).locator("td")).to_have_text(
            [
                re.compile(f"Access request\\s+{first['request_id'][:8]}"),
                "Access",
                "Subject (privacy center)",
                "Received",
                *_any(2),
                "No",
                "None",
            ],
            use_inner_text=True,
        )
        expect(queue_row(page, first)).not_to_contain_text("Overdue")
        # When the local clock moves past the first deadline, to two days before the second
        due = datetime.fromisoformat(second["due_at"])
        ahead = (due - server_now(cloud)) / timedelta(days=1) - 2
        cloud.local("POST", "clock", {"advance_days": ahead})
        apply_filters(page)
        # Then the first is overdue and the second due soon, in words as well as in colour
        expect(queue_row(page, first).locator("td").nth(5)).to_contain_text("Overdue by")
        expect(queue_row(page, second).locator("td").nth(5)).to_contain_text("Due soon")
        expect(queue_row(page, second).locator("td").nth(5)).to_contain_text("1 day left")
        expect(queue_row(page, first)).to_have_class("overdue")
        expect(queue_row(page, second)).to_have_class("soon")
        expect(page.locator("#queue-clock")).to_contain_text("clock is")
        assert_no_axe_violations(page, "console-queue")
        screenshot(page)
        # And "overdue only" keeps the first and leaves out the second
        page.get_by_label("Overdue only").check()
        apply_filters(page)
        expect(queue_row(page, second)).to_have_count(0)
        expect(queue_row(page, first)).to_be_visible()
        # And "due within 5 days" (overdue off) keeps both, "type erasure" neither
        page.get_by_label("Overdue only").uncheck()
        page.get_by_label("Due within (days)").fill("5")
        apply_filters(page)
        expect(queue_row(page, second)).to_be_visible()
        expect(queue_row(page, first)).to_be_visible()
        page.get_by_label("Type").select_option("erasure")
        apply_filters(page)
        expect(queue_row(page, first)).to_have_count(0)
        expect(queue_row(page, second)).to_have_count(0)
    finally:
        cloud.local("POST", "clock", {"reset": True})


def _any(count):
    return [re.compile(".*")] * count


def test_an_operator_extends_one_request_and_rejects_another(page, cloud, screenshot):
    # Given two open requests, and an operator on the first one's page
    _, extendable = subject_request(cloud)
    _, rejectable = subject_request(cloud)
    operator_sign_in(page)
    page.goto(f"/admin/#/requests/{extendable['request_id']}")
    expect(page.get_by_role("heading", name=f"Access request {extendable['request_id'][:8]}")).to_be_focused()
    expect(page.locator("#request-audit-rows")).to_contain_text("request.received")
    assert_no_axe_violations(page, "console-request")
    # When they extend it with a reason the API finds too short
    page.get_by_label("Reason for the extension").fill("no")
    page.get_by_role("button", name="Extend the deadline…").click()
    dialog = page.get_by_role("dialog", name="Extend the deadline?")
    # Then the console says first what will happen
    expect(dialog).to_contain_text("two months later")
    expect(dialog).to_contain_text("only once")
    assert_no_axe_violations(page, "console-confirm")
    confirm(page, "Yes, extend the deadline")
    # And shows the API's refusal
    expect(page.get_by_role("alert")).to_contain_text("The request is not valid")
    expect(page.get_by_role("alert")).to_contain_text("reason")
    # When they give a reason and confirm
    page.get_by_label("Reason for the extension").fill("Several connected systems hold the data")
    page.get_by_role("button", name="Extend the deadline…").click()
    confirm(page, "Yes, extend the deadline")
    # Then it is extended, once: the console confirms and no longer offers it
    expect(status(page)).to_contain_text("Deadline extended")
    expect(page.locator("#request-facts")).to_contain_text("Yes: Several connected systems hold the data")
    expect(page.get_by_role("button", name="Extend the deadline…")).to_be_hidden()
    expect(page.locator("#extend-note")).to_contain_text("extended already")
    expect(page.locator("#request-audit-rows")).to_contain_text("request.extended")
    stored = admin(cloud, "GET", f"/admin/requests/{extendable['request_id']}")
    assert stored["extended"] is True
    assert stored["due_at"] > extendable["due_at"]
    screenshot(page, "extended")
    # When they open the second, start a rejection and cancel it
    page.goto(f"/admin/#/requests/{rejectable['request_id']}")
    expect(page.get_by_role("heading", name=f"Access request {rejectable['request_id'][:8]}")).to_be_visible()
    page.get_by_label("Reason for the rejection").fill("Manifestly unfounded: a duplicate of an earlier request")
    page.get_by_role("button", name="Reject the request…").click()
    expect(page.get_by_role("dialog", name="Reject the request?")).to_contain_text("cannot be reopened")
    page.get_by_role("dialog").get_by_role("button", name="Cancel").click()
    # Then nothing changed
    expect(status(page)).to_contain_text("Nothing was changed")
    assert admin(cloud, "GET", f"/admin/requests/{rejectable['request_id']}")["status"] == "received"
    # When they confirm it
    page.get_by_role("button", name="Reject the request…").click()
    confirm(page, "Yes, reject it")
    # Then it is rejected with its reason
    expect(status(page)).to_contain_text("is rejected")
    expect(page.locator("#request-facts")).to_contain_text("Rejected")
    expect(page.get_by_role("button", name="Reject the request…")).to_be_hidden()
    rejected = admin(cloud, "GET", f"/admin/requests/{rejectable['request_id']}")
    assert (rejected["status"], rejected["rejection_reason"]) == (
        "rejected",
        "Manifestly unfounded: a duplicate of an earlier request",
    )
    screenshot(page, "rejected")


def test_an_operator_records_a_request_received_by_email(page, cloud, screenshot):
    # Given a subject who wrote to the privacy team, and an operator on the intake form
    subject = cloud.login(f"mail-{uuid.uuid4().hex[:8]}")
    operator_sign_in(page)
    page.get_by_role("link", name="Record an e-mail request").click()
    expect(page.get_by_role("heading", name="Record a request received by e-mail")).to_be_focused()
    assert_no_axe_violations(page, "console-intake")
    # When they record a portability request, saying how they verified the sender
    page.get_by_role("textbox", name="Subject id").fill(subject["sub"])
    page.get_by_label("Portability").check()
    page.get_by_label("An identity document checked against the account").check()
    page.get_by_label("Verification details").fill("ticket 4711")
    page.get_by_role("button", name="Record the request…").click()
    dialog = page.get_by_role("dialog", name="Record this request?")
    expect(dialog).to_contain_text("Identity document checked against the account: ticket 4711")
    confirm(page, "Yes, record it")
    # Then the console confirms it, and the request's page shows how it arrived and how it was verified
    expect(status(page)).to_contain_text("The request is recorded")
    page.locator("#intake-result").get_by_role("link").click()
    facts = page.locator("#request-facts")
    expect(facts).to_contain_text("E-mail (recorded by an operator)")
    expect(facts).to_contain_text("Identity document checked against the account: ticket 4711")
    expect(facts).to_contain_text("Portability")
    request_id = page.url.rsplit("/", 1)[-1]
    stored = admin(cloud, "GET", f"/admin/requests/{request_id}")
    assert (stored["origin"], stored["type"], stored["subject_id"]) == ("admin", "portability", subject["sub"])
    screenshot(page)


def test_an_intake_for_an_unknown_subject_shows_the_apis_message(page):
    # Given an operator on the intake form
    operator_sign_in(page)
    page.goto("/admin/#/intake")
    # When they record a request for a subject that does not exist
    page.get_by_role("textbox", name="Subject id").fill(str(uuid.uuid4()))
    page.get_by_role("button", name="Record the request…").click()
    confirm(page, "Yes, record it")
    # Then the API's message is shown, and nothing is claimed to be recorded
    expect(page.get_by_role("alert")).to_have_text("No subject with this id.")
    expect(page.locator("#intake-result")).to_be_hidden()


def test_an_operator_places_and_lifts_a_legal_hold(page, cloud, screenshot):
    # Given a subject, and an operator on the holds screen
    subject = cloud.login(f"held-{uuid.uuid4().hex[:8]}")
    operator_sign_in(page)
    page.get_by_role("link", name="Legal holds").click()
    page.get_by_role("textbox", name="Subject id").fill(subject["sub"])
    page.get_by_role("button", name="Show holds").click()
    expect(page.get_by_text("No hold on this subject.")).to_be_visible()
    # When they place a hold on the subject's invoices until a date, with the case as reason
    until = (datetime.now(UTC) + timedelta(days=400)).date().isoformat()
    page.get_by_label("Record category").fill("invoices")
    page.get_by_label("Ends at the end of (UTC)").fill(until)
    page.get_by_label("Reason (e.g. the case reference)").fill("Case 2026-17, regional court")
    page.get_by_role("button", name="Place the hold…").click()
    expect(page.get_by_role("dialog", name="Place this legal hold?")).to_contain_text(f"until the end of {until}")
    confirm(page, "Yes, place the hold")
    # Then it is listed with its category, end and reason
    expect(status(page)).to_contain_text("Hold placed on invoices")
    row = page.locator("#holds-rows tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("invoices")
    expect(row).to_contain_text("Case 2026-17, regional court")
    (hold,) = admin(cloud, "GET", f"/admin/subjects/{subject['sub']}/holds")["items"]
    assert (hold["category"], hold["until"][:10]) == ("invoices", until)
    assert_no_axe_violations(page, "console-holds")
    screenshot(page, "placed")
    # When they lift it
    page.get_by_role("button", name="Lift the hold on invoices").click()
    expect(page.get_by_role("dialog", name="Lift this legal hold?")).to_contain_text("ends now")
    confirm(page, "Yes, lift the hold")
    # Then it is gone, here and in the API
    expect(status(page)).to_contain_text("The hold on invoices is lifted")
    expect(page.get_by_text("No hold on this subject.")).to_be_visible()
    assert admin(cloud, "GET", f"/admin/subjects/{subject['sub']}/holds")["items"] == []
    screenshot(page, "lifted")


def test_the_queue_can_be_used_with_the_keyboard_alone(page, cloud, screenshot):
    # Given a portability request in the queue
    _, request = subject_request(cloud, "portability")
    link_name = f"Portability request {request['request_id'][:8]}"
    # When an operator signs in with the keyboard alone
    page.goto("/admin/")
    expect(page.get_by_role("heading", name="Operator sign-in")).to_be_visible()
    tab_to(page, "#username")
    page.keyboard.type(f"keys-{uuid.uuid4().hex[:8]}")
    page.keyboard.press("Enter")
    # Then focus lands on the queue's heading
    expect(page.get_by_role("heading", name="Request queue")).to_be_focused()
    # When they filter by type, apply, and open the request, all from the keyboard
    tab_to(page, "#filter-type")
    page.keyboard.press("p")  # type-ahead: Portability
    expect(page.locator("#filter-type")).to_have_value("portability")
    tab_to(page, "#queue-filters button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#queue-table")).not_to_have_attribute("aria-busy", "true")
    types = page.locator("#queue-rows tr td:nth-child(2)")
    expect(types.first).to_have_text("Portability")
    assert set(types.all_inner_texts()) == {"Portability"}
    link = page.get_by_role("link", name=link_name)
    tab_to(page, f'a[href="#/requests/{request["request_id"]}"]')
    # Then the focused link is visibly marked
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    screenshot(page, "focused-row")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=link_name)).to_be_focused()
    # And they get back to the queue with the keyboard, where focus is on its heading again
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("link", name="Back to the queue")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Request queue")).to_be_focused()
    expect(link).to_be_visible()


def test_filters_applied_while_the_first_listing_still_loads_show_only_the_new_listing(page, cloud):
    # Given a portability request, and an API whose first queue page is held back until we release it
    _, request = subject_request(cloud, "portability")
    held = []

    def hold_the_first(route):
        if held or "status=" not in route.request.url:  # the sign-in's access probe passes
            route.continue_()
        else:
            held.append(route)

    page.route("**/admin/requests?*", hold_the_first)
    operator_sign_in(page)
    page.wait_for_function("() => document.getElementById('queue-table').getAttribute('aria-busy') === 'true'")
    assert len(held) == 1
    # When the operator filters by portability while the first listing still waits, and only then it is answered
    page.get_by_label("Type").select_option("portability")
    apply_filters(page)
    expect(queue_row(page, request)).to_be_visible()
    held[0].continue_()
    page.wait_for_load_state("networkidle")
    # Then the stale listing neither steals the new one's rows nor draws its own: the filtered rows stay
    expect(queue_row(page, request)).to_be_visible()
    types = page.locator("#queue-rows tr td:nth-child(2)")
    assert set(types.all_inner_texts()) == {"Portability"}
    expect(page.locator("#queue-table")).not_to_have_attribute("aria-busy", "true")


def test_the_queue_follows_the_apis_next_cursor_across_pages(page, cloud):
    # Given three open requests, and an API that answers one request per page (the console asks for 50)
    made = [subject_request(cloud)[1] for _ in range(3)]
    asked = []

    def one_per_page(route):
        url = route.request.url.replace("limit=50", "limit=1")
        asked.append(url)
        route.continue_(url=url)

    page.route("**/admin/requests?*", one_per_page)
    # When an operator opens the queue
    operator_sign_in(page)
    # Then every request is there, in due order, gathered page after page with the API's cursor
    for request in made:
        expect(queue_row(page, request)).to_be_visible()
    dues = page.locator("#queue-rows tr td:nth-child(5) time").evaluate_all("times => times.map(t => t.dateTime)")
    assert dues == sorted(dues, key=datetime.fromisoformat)
    assert len(dues) == page.locator("#queue-rows tr").count() >= 3
    assert any("cursor=" in url for url in asked)


def test_sign_in_through_the_hosted_ui_returns_to_the_console(page, cloud, screenshot):
    # Given the console configured for the hosted UI (the privacy center's config.js), and an operator of the pool
    hosted_ui = "https://privacy-dev-123456789012.auth.eu-west-1.amazoncognito.com"
    config = {"apiUrl": "", "cognitoDomain": hosted_ui, "clientId": "center-client", "redirectUri": f"{cloud.url}/"}
    page.route(
        "**/config.js", lambda route: route.fulfill(body=f"window.PRIVACY_CENTER_CONFIG = {json.dumps(config)};")
    )
    access_token = cloud.token(f"hosted-op-{uuid.uuid4().hex[:8]}", ["privacy-admin"])
    asked = {}

    def authorize(route):
        asked.update({k: v[0] for k, v in parse_qs(urlparse(route.request.url).query).items()})
        back = f"{asked['redirect_uri']}?{urlencode({'code': 'the-code', 'state': asked['state']})}"
        route.fulfill(status=302, headers={"location": back})

    def token(route):
        asked.update({f"token_{k}": v[0] for k, v in parse_qs(route.request.post_data or "").items()})
        body = json.dumps({"access_token": access_token, "token_type": "Bearer", "expires_in": 3600})
        route.fulfill(
            status=200, body=body, headers={"content-type": "application/json", "access-control-allow-origin": "*"}
        )

    page.route(f"{hosted_ui}/oauth2/authorize?*", authorize)
    page.route(f"{hosted_ui}/oauth2/token", token)
    # When the operator signs in
    page.goto("/admin/")
    page.get_by_role("button", name="Sign in", exact=True).click()
    # Then they are back on the console's queue, the code redeemed with its PKCE verifier, and gone from the address
    expect(page.get_by_role("heading", name="Request queue")).to_be_visible()
    assert asked["redirect_uri"] == asked["token_redirect_uri"] == f"{cloud.url}/admin/"
    assert (asked["response_type"], asked["client_id"], asked["code_challenge_method"]) == (
        "code",
        "center-client",
        "S256",
    )
    digest = hashlib.sha256(asked["token_code_verifier"].encode()).digest()
    assert base64.urlsafe_b64encode(digest).rstrip(b"=").decode() == asked["code_challenge"]
    assert "code=" not in page.url
    # And the privacy center on the same origin does not see the operator's token
    assert page.evaluate("sessionStorage.getItem('privacy_center_token')") is None
    screenshot(page)


def test_no_action_is_offered_until_the_request_is_loaded(page, cloud):
    # Given an operator on the queue, and an API whose answer for one request is held back
    _, request = subject_request(cloud)
    operator_sign_in(page)
    held = []
    page.route(f"**/admin/requests/{request['request_id']}", lambda route: held.append(route))
    # When they open that request's page
    page.goto(f"/admin/#/requests/{request['request_id']}")
    expect(page.get_by_role("heading", name=re.compile(f"Request {request['request_id'][:8]}"))).to_be_visible()
    # Then nothing can be extended, rejected or marked done while it loads (the call is made after the heading shows)
    wait_until(page, lambda: held)
    expect(page.get_by_role("button", name="Reject the request…")).to_be_hidden()
    expect(page.get_by_role("button", name="Extend the deadline…")).to_be_hidden()
    # And once it is answered, the actions are there, for this request
    held[0].continue_()
    expect(page.get_by_role("button", name="Reject the request…")).to_be_visible()
    expect(page.get_by_role("heading", name=f"Access request {request['request_id'][:8]}")).to_be_visible()


def test_escape_closes_a_confirmation_without_changing_anything(page, cloud):
    # Given an operator about to reject a request
    _, request = subject_request(cloud)
    operator_sign_in(page)
    page.goto(f"/admin/#/requests/{request['request_id']}")
    page.get_by_label("Reason for the rejection").fill("Duplicate of an earlier request")
    page.get_by_role("button", name="Reject the request…").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    # When they press Escape
    page.keyboard.press("Escape")
    # Then the dialog closes, focus is back on the button, and the request is still open
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="Reject the request…")).to_be_focused()
    expect(status(page)).to_contain_text("Nothing was changed")
    assert admin(cloud, "GET", f"/admin/requests/{request['request_id']}")["status"] == "received"
