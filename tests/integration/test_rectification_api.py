"""Rectification on request and the notice to recipients (GDPR Art. 16 and 19) through the admin and subject routes,
under moto: what is applied, what is kept (names, never values), what recipients are told, when a request closes."""

import json

import pytest

import wiring.erasure
import wiring.requests
import wiring.shared
from handlers import subject_api
from tests.integration.test_minors_api import outbox
from tests.integration.test_requests_api import ADMIN, admin_call, signed_up
from tests.support import as_subject, load_event, routed, with_body

VERIFIED = "reply from the account's e-mail address"


@pytest.fixture
def two_systems(aws, monkeypatch):
    """Connected systems (CONNECTED_SYSTEMS=crm,mailer) that must report before any request completes."""
    monkeypatch.setenv("CONNECTED_SYSTEMS", "crm,mailer")
    wiring.requests.settings.cache_clear()
    wiring.requests.requests.cache_clear()
    wiring.requests.rectification.cache_clear()


def record(context, subject_id, **body):
    return admin_call(
        context,
        "POST /admin/requests",
        "/admin/requests",
        {"subject_id": subject_id, "verified_by": VERIFIED, **body},
    )


def report(context, request_id, system):
    path = f"/admin/requests/{request_id}/systems/{system}/complete"
    route = "POST /admin/requests/{request_id}/systems/{system}/complete"
    return admin_call(context, route, path, request_id=request_id, system=system)


def raw_items(ddb, aws, subject_id):
    table = aws.physical_ids["SubjectsTable"]
    answer = ddb.query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SUBJECT#{subject_id}"}},
    )
    return answer["Items"]


def chain_of(subject_id):
    log = wiring.shared.audit_log()
    return log.chain(log.pseudonym(subject_id))


def test_an_operator_records_a_rectification_that_is_applied_and_audited_by_field_name(aws, context, ddb):
    # Given a subject who signed up (ada@example.org, DE) and wrote in to correct their e-mail address and country
    subject = signed_up()
    # When an operator records the rectification with the verification performed
    status, body = record(
        context, subject, type="rectification", changes={"email": "ada@lovelace.example", "country": "GB"}
    )
    # Then it is applied through the profile's rules, and the request is completed (no connected system)
    assert (status, body["type"], body["status"], body["origin"]) == (202, "rectification", "completed", "admin")
    profile = wiring.shared.store().profile(subject)
    assert (profile.email, profile.country) == ("ada@lovelace.example", "GB")
    # And the audit trail holds the field names and the operator, never a value
    (rectified,) = [r for r in chain_of(subject) if r.action == "profile.rectified"]
    assert (rectified.actor, rectified.request_id) == ("admin", body["request_id"])
    assert rectified.details == {"fields": ["country", "email"], "admin": ADMIN}
    # And neither the trail nor the stored request record holds a value (old or new)
    stored = json.dumps([i for i in raw_items(ddb, aws, subject) if i["sk"]["S"].startswith(("REQUEST#", "OPENREQ#"))])
    assert "REQUEST#" in stored
    for value in ("lovelace.example", "ada@example.org"):
        assert value not in stored
        assert value not in repr(chain_of(subject))
    # And recipients are told the fields and the request, never a value
    (event,) = [e for e in outbox(ddb, aws, "ProfileRectified") if e["subject_id"] == subject]
    assert event == {"subject_id": subject, "fields": ["country", "email"], "request_id": body["request_id"]}


def test_a_rectification_stays_in_progress_until_each_connected_system_reports(aws, context, two_systems):
    # Given two connected systems, and a rectification recorded
    subject = signed_up()
    _, recorded = record(context, subject, type="rectification", changes={"family_name": "Lovelace"})
    request_id = recorded["request_id"]
    assert (recorded["status"], recorded["systems_pending"]) == ("in_progress", ["crm", "mailer"])
    # When one system reports, then the other
    _, after_crm = report(context, request_id, "crm")
    _, after_mailer = report(context, request_id, "mailer")
    # Then it is completed only once both have
    assert (after_crm["status"], after_crm["systems_done"]) == ("in_progress", ["crm"])
    assert (after_mailer["status"], after_mailer["systems_pending"]) == ("completed", [])


def test_a_second_rectification_while_the_first_is_open_is_a_409_naming_it(aws, context, two_systems):
    subject = signed_up()
    _, first = record(context, subject, type="rectification", changes={"family_name": "Lovelace"})
    status, body = record(context, subject, type="rectification", changes={"given_name": "Augusta"})
    assert (status, body["error"]) == (409, "rectification_open")
    assert body["details"][0]["request_id"] == first["request_id"]
    assert wiring.shared.store().profile(subject).given_name is None


@pytest.mark.parametrize(
    "body",
    [
        {"type": "rectification"},
        {"type": "rectification", "changes": {}},
        {"type": "access", "changes": {"family_name": "Lovelace"}},
        {"type": "rectification", "changes": {"nickname": "Zorro"}},
    ],
)
def test_a_rectification_without_changes_or_changes_for_another_type_are_422_on_changes(aws, context, body):
    subject = signed_up()
    status, answer = record(context, subject, **body)
    assert (status, answer["error"]) == (422, "validation_error"), answer
    assert {detail["field"] for detail in answer["details"]} <= {"changes", "changes.nickname"}
    assert "Lovelace" not in json.dumps(answer)
    assert "Zorro" not in json.dumps(answer)
    assert wiring.requests.request_store().list_for(subject) == []


def test_an_invalid_correction_is_422_naming_the_field_without_echoing_it(aws, context):
    subject = signed_up()
    status, answer = record(context, subject, type="rectification", changes={"email": "not-an-address"})
    assert (status, answer["details"][0]["field"]) == (422, "changes.email")
    assert "not-an-address" not in json.dumps(answer)


def test_a_subject_pending_deletion_is_not_rectified(aws, context):
    subject = signed_up()
    wiring.erasure.erasure().schedule_deletion(subject, "user_request", actor="subject")
    status, answer = record(context, subject, type="rectification", changes={"family_name": "Lovelace"})
    assert (status, answer["error"]) == (410, "subject_unavailable")
    assert wiring.requests.request_store().list_for(subject) == []


# ---------------------------------------------------------------- erasure: recipients can act, and report


def erase(context, subject_id):
    event = with_body(
        routed(as_subject(load_event("subject_api/post_request.json"), subject_id), "POST /me/requests"),
        {"type": "erasure"},
    )
    answer = subject_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"])


def test_an_erasure_tells_recipients_its_request_and_stays_open_until_each_system_reports(
    aws, context, ddb, two_systems
):
    # Given two connected systems, and a subject who asks for erasure
    subject = signed_up()
    status, erased = erase(context, subject)
    # Then the deletion event names the request, so each recipient can erase and report on it
    assert (status, erased["status"]) == (202, "in_progress")
    (scheduled,) = [e for e in outbox(ddb, aws, "SubjectDeletionScheduled") if e["subject_id"] == subject]
    assert (scheduled["request_id"], scheduled["reason"]) == (erased["request_id"], "erasure_request")
    # When one system reports, then the other
    assert report(context, erased["request_id"], "crm")[1]["status"] == "in_progress"
    # Then it is completed once both have
    assert report(context, erased["request_id"], "mailer")[1]["status"] == "completed"


def test_a_deletion_without_a_request_names_none(aws, context, ddb):
    subject = signed_up()
    wiring.erasure.erasure().schedule_deletion(subject, "user_request", actor="subject")
    (scheduled,) = [e for e in outbox(ddb, aws, "SubjectDeletionScheduled") if e["subject_id"] == subject]
    assert scheduled["request_id"] is None
