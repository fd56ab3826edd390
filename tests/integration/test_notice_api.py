"""Under moto: the subject learns the recipients (GDPR Art. 19, last sentence), and an operator restores, for a
subject who asked by e-mail, a deletion within its restore window (the rules of POST /me/restore)."""

import json

import wiring.erasure
import wiring.shared
from handlers import subject_api
from policy.loader import load_policy
from tests.integration.test_requests_api import ADMIN, admin_call, signed_up
from tests.support import as_subject, at_path, load_event


def recipients(context, subject_id, language=None):
    event = as_subject(load_event("subject_api/get_recipients.json"), subject_id)
    if language:
        event["headers"]["accept-language"] = language
    answer = subject_api.lambda_handler(event, context)
    return answer, json.loads(answer["body"])


def test_the_subject_learns_the_policys_recipients_and_the_purposes_each_serves(aws, context):
    # Given a subject under iMind's policy (the template's default)
    subject = signed_up()
    # When they ask who their data is disclosed to, in German
    answer, body = recipients(context, subject, "de-DE,de;q=0.9")
    # Then every recipient of the policy is listed, in German where the policy is localized
    policy = load_policy("imind")
    assert answer["statusCode"] == 200
    assert answer["headers"]["Content-Language"] == "de"
    assert [item["name"] for item in body["items"]] == [r.name for r in policy.recipients]
    stripe = next(item for item in body["items"] if item["name"] == "Stripe")
    assert (stripe["role"], stripe["safeguard"]) == (
        "processor",
        next(r.safeguard for r in policy.recipients if r.name == "Stripe"),
    )
    order = next(p for p in policy.purposes if p.id == "order_processing")
    assert stripe["purposes"] == [{"id": "order_processing", "title": order.title["de"], "via": "recipient"}]


def test_the_recipients_are_answered_while_the_account_is_pending_deletion(aws, context):
    # Given a subject who deleted their account (the recipients are the ones told of it)
    subject = signed_up()
    wiring.erasure.erasure().schedule_deletion(subject, "user_request", actor="subject")
    # When they ask for the recipients, then they get them
    answer, body = recipients(context, subject)
    assert answer["statusCode"] == 200
    assert body["items"]


# ---------------------------------------------------------------- an operator's restore


def test_the_sample_restore_event_restores_the_subject_it_names(aws, context):
    # Given the sample event of an operator's restore (what `sam local invoke -e` takes), naming a subject pending
    from handlers import admin_api

    subject = signed_up()
    wiring.erasure.erasure().schedule_deletion(subject, "erasure_request", actor="subject")
    event = at_path(
        load_event("admin_api/restore_subject.json"), f"/admin/subjects/{subject}/restore", subject_id=subject
    )
    # When it is handled, then the subject is active again
    answer = admin_api.lambda_handler(event, context)
    assert (answer["statusCode"], json.loads(answer["body"])["state"]) == (200, "active")


def restore(context, subject_id, verified_by="account_email_reply"):
    path = f"/admin/subjects/{subject_id}/restore"
    return admin_call(
        context, "POST /admin/subjects/{subject_id}/restore", path, {"verified_by": verified_by}, subject_id=subject_id
    )


def test_an_operator_restores_a_deletion_within_its_window_audited_as_their_act(aws, context):
    # Given a subject who deleted their account, then wrote to ask for it back
    subject = signed_up()
    wiring.erasure.erasure().schedule_deletion(subject, "user_request", actor="subject")
    # When an operator restores it, having verified the sender
    status, body = restore(context, subject)
    # Then the account is active again, and the trail says an operator did it, and how the sender was verified
    assert (status, body["state"]) == (200, "active")
    assert wiring.erasure.erasure().status(subject).state == "active"
    log = wiring.shared.audit_log()
    (restored,) = [r for r in log.chain(log.pseudonym(subject)) if r.action == "deletion.restored"]
    assert restored.actor == "admin"
    assert restored.details == {"admin": ADMIN, "verified_by": "account_email_reply"}


def test_an_operator_cannot_restore_a_deletion_the_subject_could_not_cancel(aws, context):
    subject = signed_up()
    wiring.erasure.erasure().schedule_binding_deletion(subject, "parent_request", actor="parent")
    status, body = restore(context, subject)
    assert (status, body["error"]) == (409, "deletion_not_cancellable")
    assert wiring.erasure.erasure().status(subject).state == "pending_deletion"


def test_an_operator_restore_of_an_active_subject_has_nothing_to_restore(aws, context):
    status, body = restore(context, signed_up())
    assert (status, body["error"]) == (409, "not_scheduled")


def test_an_operator_restore_takes_only_a_known_verification_method(aws, context):
    subject = signed_up()
    wiring.erasure.erasure().schedule_deletion(subject, "user_request", actor="subject")
    status, body = restore(context, subject, verified_by="ada@example.org said so")
    assert (status, body["details"][0]["field"]) == (422, "verified_by")
    assert "ada@example.org" not in json.dumps(body)
    assert wiring.erasure.erasure().status(subject).state == "pending_deletion"
