"""Restriction (Art. 18), objection (Art. 21) and the host's permission question, through the subject, admin and
minors handlers under moto."""

import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

import wiring.shared
from domain.audit.model import AuditEntry
from domain.profile import Profile
from handlers import subject_api
from tests.support import EVENTS, as_subject, at_path, load_event, routed, with_body


@pytest.fixture(autouse=True)
def _aws(aws):
    return


def signed_up() -> str:
    subject_id = str(uuid.uuid4())
    now = wiring.shared.clock().now()
    profile = Profile(subject_id=subject_id, email="ada@example.org", country="DE", created_at=now, updated_at=now)
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    return subject_id


def _answer(handler, event, context):
    answer = handler.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null")


def me(context, subject_id, route, body=None):
    event = routed(as_subject(load_event("subject_api/get_status.json"), subject_id), route)
    event["pathParameters"] = {}
    if body is not None:
        with_body(event, body)
    return _answer(subject_api, event, context)


def grant(context, subject_id, **decisions):
    from handlers import consent_api

    event = as_subject(load_event("consent_api/put_my_consents.json"), subject_id)
    with_body(event, {"decisions": decisions, "source": "settings"})
    status, _ = _answer(consent_api, event, context)
    assert status == 200


def permissions(context, subject_id, *purposes):
    event = routed(load_event("subject_api/put_record.json"), "GET /app/subjects/{subject_id}/permissions")
    at_path(event, f"/app/subjects/{subject_id}/permissions", subject_id=subject_id)
    event["rawQueryString"] = "&".join(f"purpose={p}" for p in purposes)
    event["queryStringParameters"] = {"purpose": ",".join(purposes)}
    event.pop("body", None)
    return _answer(subject_api, event, context)


def admin(context, route, path, body, **path_parameters):
    from handlers import admin_api

    event = routed(load_event("admin_api/get_certificate.json"), route, path)
    event["pathParameters"] = path_parameters
    with_body(event, body)
    return _answer(admin_api, event, context)


def outbox(detail_type):
    from adapters.aws import dynamodb

    table = wiring.shared.settings().subjects_table
    items = dynamodb().scan(TableName=table)["Items"]
    found = [json.loads(item["outbox"]["S"]) for item in items if "outbox" in item]
    return [entry["detail"] for entry in found if entry["detail_type"] == detail_type]


def conforms(detail_type, detail):
    schema = json.loads((Path(EVENTS) / "schemas" / f"{detail_type}.json").read_text())
    event = {"source": "privacy.rights", "detail-type": detail_type, "detail": detail}
    Draft202012Validator(schema).validate(event)


def test_a_restriction_refuses_marketing_to_the_host_until_the_subject_lifts_it(context):
    # Given a subject who granted marketing e-mails
    subject_id = signed_up()
    grant(context, subject_id, marketing_emails=True)
    assert permissions(context, subject_id, "marketing_emails")[1]["purposes"]["marketing_emails"] == {
        "allowed": True,
        "reason": "consent",
    }
    # When they restrict processing
    status, request = me(
        context, subject_id, "POST /me/requests", {"type": "restriction", "grounds": "accuracy_contested"}
    )
    # Then it is accepted, in force at once, and the host is told it is restricted
    assert status == 202
    assert request["type"] == "restriction"
    assert request["status"] == "completed"
    answer = permissions(context, subject_id, "marketing_emails", "account")[1]
    assert answer == {
        "subject_id": subject_id,
        "purposes": {
            "marketing_emails": {"allowed": False, "reason": "restricted"},
            "account": {"allowed": True, "reason": "required"},
        },
    }
    _, seen = me(context, subject_id, "GET /me/status")
    assert seen["state"] == "restricted"
    assert seen["restriction"]["grounds"] == "accuracy_contested"
    (event,) = [d for d in outbox("SubjectRestricted") if d["subject_id"] == subject_id]
    conforms("SubjectRestricted", event)
    # When they lift it, Then consent answers again, and a second lift is a conflict
    assert me(context, subject_id, "POST /me/restriction/lift")[1]["state"] == "active"
    assert (
        permissions(context, subject_id, "marketing_emails")[1]["purposes"]["marketing_emails"]["reason"] == "consent"
    )
    status, error = me(context, subject_id, "POST /me/restriction/lift")
    assert (status, error["error"]) == (409, "not_restricted")


def test_grounds_are_required_for_a_restriction_and_refused_for_other_types(context):
    subject_id = signed_up()
    assert me(context, subject_id, "POST /me/requests", {"type": "restriction"})[0] == 422
    assert me(context, subject_id, "POST /me/requests", {"type": "access", "grounds": "legal_claims"})[0] == 422


def test_an_operator_lift_is_announced_and_takes_effect_after_the_notice(context):
    # Given a restricted subject
    subject_id = signed_up()
    me(context, subject_id, "POST /me/requests", {"type": "restriction", "grounds": "legal_claims"})
    # When an operator lifts it
    path = f"/admin/subjects/{subject_id}/restriction/lift"
    route = "POST /admin/subjects/{subject_id}/restriction/lift"
    status, answer = admin(context, route, path, {"reason": "claim settled"}, subject_id=subject_id)
    # Then the lift is announced: still restricted, with lift_at the subject sees
    assert status == 202
    assert answer["restricted"] is True
    assert answer["restriction"]["lift_at"]
    _, seen = me(context, subject_id, "GET /me/status")
    assert seen["state"] == "restricted"
    assert seen["restriction"]["lift_at"] == answer["restriction"]["lift_at"]
    assert seen["restriction"]["lift_requested_by"] == "admin"
    (event,) = [d for d in outbox("RestrictionLiftAnnounced") if d["subject_id"] == subject_id]
    conforms("RestrictionLiftAnnounced", event)
    assert "claim settled" not in json.dumps(event)


def test_an_objection_to_marketing_is_absolute_and_other_purposes_are_refused_with_the_route(context):
    subject_id = signed_up()
    grant(context, subject_id, marketing_emails=True)
    # When they object to marketing e-mails
    status, request = me(
        context, subject_id, "POST /me/requests", {"type": "objection", "purposes": ["marketing_emails"]}
    )
    assert status == 202
    assert request["type"] == "objection"
    # Then the host is told it is objected, despite the grant
    assert permissions(context, subject_id, "marketing_emails")[1]["purposes"]["marketing_emails"] == {
        "allowed": False,
        "reason": "objected",
    }
    # And the subject sees their objection in their status
    _, seen = me(context, subject_id, "GET /me/status")
    assert [(o["purpose"], o["absolute"], o["in_force"]) for o in seen["objections"]] == [
        ("marketing_emails", True, True)
    ]
    # And compelling grounds cannot override it
    path = f"/admin/requests/{request['request_id']}/compelling-grounds"
    route = "POST /admin/requests/{request_id}/compelling-grounds"
    body = {"purpose": "marketing_emails", "reason": "we really want to"}
    status, error = admin(context, route, path, body, request_id=request["request_id"])
    assert (status, error["error"]) == (409, "objection_absolute")
    # And an objection to a consent purpose that is not marketing names the right route
    status, error = me(context, subject_id, "POST /me/requests", {"type": "objection", "purposes": ["analytics"]})
    assert (status, error["error"]) == (422, "objection_not_applicable")
    assert "PUT /me/consents" in error["message"]
    status, error = me(context, subject_id, "POST /me/requests", {"type": "objection", "purposes": ["nope"]})
    assert (status, error["error"]) == (422, "unknown_purpose")


def test_the_host_asking_about_an_unknown_purpose_gets_422(context):
    subject_id = signed_up()
    status, error = permissions(context, subject_id, "nope")
    assert (status, error["error"]) == (422, "unknown_purpose")


def test_a_restriction_is_kept_in_the_partition_and_shown_in_the_export(context):
    from adapters.aws import dynamodb
    from adapters.dynamo_json import from_item
    from domain.export import category_of, public_view, should_export

    subject_id = signed_up()
    me(context, subject_id, "POST /me/requests", {"type": "restriction", "grounds": "unlawful_processing"})
    item = dynamodb().get_item(
        TableName=wiring.shared.settings().subjects_table,
        Key={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "STANDING"}},
    )["Item"]
    values = from_item(item)
    assert should_export(values)
    assert category_of(values) == "standing"
    assert public_view(values)["standing"]["restriction"]["grounds"] == "unlawful_processing"


def test_objections_are_hidden_while_the_account_is_pending_deletion_and_come_back_with_a_restore(context):
    # Given a subject who objected to marketing e-mails
    subject_id = signed_up()
    me(context, subject_id, "POST /me/requests", {"type": "objection", "purposes": ["marketing_emails"]})
    # When they delete their account, Then the status is the deletion's, with no objection to show
    assert me(context, subject_id, "DELETE /me")[0] == 202
    _, seen = me(context, subject_id, "GET /me/status")
    assert (seen["state"], seen["objections"]) == ("pending_deletion", [])
    # When they restore it, Then the objection is there again, still in force
    assert me(context, subject_id, "POST /me/restore")[0] == 200
    _, seen = me(context, subject_id, "GET /me/status")
    assert [(o["purpose"], o["in_force"]) for o in seen["objections"]] == [("marketing_emails", True)]
