"""Audit of issue 21 (the operator console): promises the console did not keep (a signed chain head or certificate
not bound to what is shown, a CCPA extension announced as two months, overdue failed requests missing from the
open queue), each shown by a test that failed before its fix."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.browser.console import admin, apply_filters, confirm, operator_sign_in, queue_row, subject_request
from tests.browser.test_admin_console_audit import purged  # noqa: F401  (the module-scoped fixture, reused)


def _chain_of_a_new_subject(cloud):
    """A new subject with one request, and that subject's audit chain as the API gives it (a signed head)."""
    _, request = subject_request(cloud)
    name = admin(cloud, "GET", f"/admin/requests/{request['request_id']}")["subject_pseudonym"]
    chain = admin(cloud, "GET", f"/admin/audit/{name}")
    assert chain["head_signature"], "the local cloud signs chain heads"
    return name, chain


def _audit_facts_answered_with_head(page, name, head_signature):
    """The operator signs in and looks up `name`'s audit chain, answered with `head_signature` in place of its own
    head; the chain's facts once they show a signed head."""

    def with_that_head(route):
        response = route.fetch()
        chain = response.json()
        chain["head_signature"] = head_signature
        route.fulfill(response=response, body=json.dumps(chain))

    operator_sign_in(page)
    page.route(f"**/admin/audit/{name}", with_that_head)
    page.goto(f"/admin/#/audit/{name}")
    facts = page.locator("#audit-facts")
    expect(facts).to_contain_text("Signed head")
    return facts


def test_a_signed_head_of_another_chain_is_not_shown_as_verified(page, cloud):
    # Given two subjects' chains, and an answer for the first that carries the second's (genuinely signed) head
    shown, _ = _chain_of_a_new_subject(cloud)
    _, other = _chain_of_a_new_subject(cloud)
    # When the operator looks up the first chain
    facts = _audit_facts_answered_with_head(page, shown, other["head_signature"])
    # Then the browser does not vouch for a signature that is about another subject's chain
    expect(facts).not_to_contain_text("Signature verified offline")
    # And says what differs
    expect(facts).to_contain_text("NOT a statement about this chain")
    expect(facts).to_contain_text(f'subject: signed "{other["subject"]}", shown "{shown}"')
    assert_no_axe_violations(page, "console-audit-head-of-another-chain")


def test_a_signed_head_of_the_same_chain_before_its_newest_record_is_not_shown_as_verified(page, cloud):
    # Given a subject's chain with its signed head, then one more record in that chain
    login, request = subject_request(cloud)
    name = admin(cloud, "GET", f"/admin/requests/{request['request_id']}")["subject_pseudonym"]
    before = admin(cloud, "GET", f"/admin/audit/{name}")
    answer = cloud.call("POST", "/me/requests", login["access_token"], json={"type": "portability"})
    assert answer.status_code == 202, answer.text
    now = admin(cloud, "GET", f"/admin/audit/{name}")["verification"]["length"]
    assert now > before["verification"]["length"]
    # When the operator looks up the chain, answered with its earlier (genuinely signed) head
    facts = _audit_facts_answered_with_head(page, name, before["head_signature"])
    # Then the browser does not vouch for it, and says the signed head states fewer records than are shown
    expect(facts).not_to_contain_text("Signature verified offline")
    expect(facts).to_contain_text(f"number of records: signed {before['verification']['length']}, shown {now}")


def test_a_certificate_answered_for_another_id_is_not_shown_as_verified(page, purged):  # noqa: F811
    # Given a genuine signed certificate, answered when the operator opens a different certificate id
    _, certificate_id = purged
    asked = uuid.uuid4().hex
    operator_sign_in(page)

    def the_other_certificate(route):
        genuine = route.fetch(url=route.request.url.replace(asked, certificate_id))
        route.fulfill(response=genuine)

    page.route(f"**/admin/certificates/{asked}", the_other_certificate)
    # When the operator opens the certificate `asked`
    page.goto(f"/admin/#/certificates/{asked}")
    verdict = page.locator("#certificate-verdict")
    expect(page.locator("#certificate-facts")).to_contain_text(certificate_id)
    # Then the console does not call it verified: what was signed is not the certificate that was asked for
    expect(verdict).not_to_contain_text("Verified")
    expect(verdict).to_contain_text(f"for certificate {certificate_id}, not for the certificate {asked}")
    assert_no_axe_violations(page, "console-certificate-of-another-id")


def test_the_extension_dialog_says_how_far_the_deadline_of_a_ccpa_request_moves(page, cloud):
    # Given a request of a subject living in the US (CCPA: 45 days, extendable once by 45 more)
    login = cloud.login(f"us-{uuid.uuid4().hex[:8]}", country="US")
    answer = cloud.call("POST", "/me/requests", login["access_token"], json={"type": "access"})
    assert answer.status_code == 202, answer.text
    request = answer.json()
    # When an operator asks to extend it
    operator_sign_in(page)
    page.goto(f"/admin/#/requests/{request['request_id']}")
    expect(page.locator("#extend-note")).to_contain_text("45 days later")
    assert_no_axe_violations(page, "console-request-ccpa")
    page.get_by_label("Reason for the extension").fill("Several connected systems hold the data")
    page.get_by_role("button", name="Extend the deadline…").click()
    promise = page.get_by_role("dialog").inner_text()
    confirm(page, "Yes, extend the deadline")
    expect(page.locator("#status")).to_contain_text("Deadline extended")
    # Then what the dialog said would happen is what happened
    moved = datetime.fromisoformat(admin(cloud, "GET", f"/admin/requests/{request['request_id']}")["due_at"])
    moved_days = (moved - datetime.fromisoformat(request["due_at"])).days
    assert moved_days == 45
    assert "two months" not in promise, f"the dialog promised two months; the deadline moved {moved_days} days"
    assert f"45 days later, to {moved.day} {moved:%b %Y}" in promise


def test_overdue_only_lists_a_failed_request_the_service_reports_as_overdue(page):
    # Given an API whose failed requests hold one past its deadline (the local cloud has no way to fail an export)
    now = datetime.now(UTC)
    failed = {
        "request_id": uuid.uuid4().hex,
        "type": "access",
        "format": "json",
        "status": "failed",
        "received_at": (now - timedelta(days=40)).isoformat(),
        "due_at": (now - timedelta(days=9)).isoformat(),
        "extended": False,
        "started_at": (now - timedelta(days=40)).isoformat(),
        "completed_at": None,
        "export_ready": False,
        "export_expires_at": None,
        "purge_at": None,
        "subject_id": str(uuid.uuid4()),
        "subject_pseudonym": "0" * 64,
        "origin": "subject",
        "verified_by": None,
        "extension_reason": None,
        "rejection_reason": None,
        "systems_pending": [],
        "systems_done": [],
    }

    def failed_one_overdue(route):
        if "status=failed" in route.request.url:
            body = json.dumps({"items": [failed], "next": None})
            route.fulfill(status=200, body=body, headers={"content-type": "application/json"})
        else:
            route.continue_()

    page.route("**/admin/requests?*", failed_one_overdue)
    # When an operator opens the queue as it first shows (open requests) and keeps the overdue ones only
    operator_sign_in(page)
    page.get_by_label("Overdue only").check()
    apply_filters(page)
    # Then the overdue failed request is among them, waiting for an operator to close it
    expect(queue_row(page, failed)).to_be_visible()
    # And it says it failed, in words
    expect(queue_row(page, failed).locator("td").nth(3)).to_have_text("Failed needs an operator")
    assert_no_axe_violations(page, "console-queue-failed")
