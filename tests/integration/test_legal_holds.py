"""Legal holds an operator places through the admin routes, under moto: what the routes accept and refuse, and the
purge keeping a held subject's records of that category (isolated under its pseudonym until the hold ends)."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

import wiring.erasure
import wiring.shared
from domain.audit.model import AuditEntry
from domain.profile import Profile
from handlers import admin_api, purge_worker
from tests.support import LambdaContext, load_event, purge_queue_event, routed, with_body

SAMPLE = "admin_api/place_hold.json"
OPERATOR = "a9b8c7d6-e5f4-4a3b-9c2d-1e0f9a8b7c6d"  # the sample's token
CONTEXT = LambdaContext("test")
REASON = "Litigation hold, case 2026-0142 (Ada v. Shop)"


# ---------------------------------------------------------------- helpers


def _call(method: str, subject_id: str, body: Any = None, *, category: str | None = None, groups: str = "") -> dict:
    """An admin route on `subject_id`'s holds, sent with the sample's operator token (or another group's)."""
    event = load_event(SAMPLE)
    path = f"/admin/subjects/{subject_id}/holds" + (f"/{category}" if category else "")
    template = "/admin/subjects/{subject_id}/holds" + ("/{category}" if category else "")
    routed(event, f"{method} {template}", path)
    event["pathParameters"] = {"subject_id": subject_id, **({"category": category} if category else {})}
    if body is None:
        event.pop("body")
        event["headers"].pop("content-length")
    else:
        with_body(event, body)
    if groups:
        event["requestContext"]["authorizer"]["jwt"]["claims"]["cognito:groups"] = groups
    return admin_api.lambda_handler(event, CONTEXT)


def _hold(category: str = "support_tickets", *, days: int = 730, reason: str = REASON) -> dict[str, str]:
    until = (datetime.now(UTC) + timedelta(days=days)).replace(microsecond=0)
    return {"category": category, "until": until.isoformat(), "reason": reason}


def _subject(**records: int) -> str:
    """A subject with a profile and `records` host records of each named category (through the store's code)."""
    import wiring.erasure
    import wiring.shared

    subject_id, now = str(uuid.uuid4()), datetime.now(UTC)
    profile = Profile(subject_id=subject_id, email="ada@example.org", given_name="Ada", created_at=now, updated_at=now)
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    for category, count in records.items():
        for number in range(count):
            audit = AuditEntry(action="record.registered", actor="app", at=now, details={"category": category})
            document = json.dumps({"number": number, "text": f"{category} {number}"})
            assert wiring.shared.store().put_record(
                subject_id, category, f"R-{number}", document, audit=audit, now=now.isoformat()
            )
    return subject_id


def _schedule_purge(subject_id: str, *, due_now: bool = True) -> None:

    grace = timedelta(0) if due_now else timedelta(days=60)
    wiring.erasure.erasure().schedule_deletion(subject_id, "user_request", actor="subject", grace=grace)


def _purge(aws: Any, subject_id: str) -> None:
    assert purge_worker.lambda_handler(purge_queue_event(aws, subject_id), CONTEXT) == {"batchItemFailures": []}


def _partition(ddb: Any, aws: Any, pk: str) -> list[dict[str, Any]]:
    return ddb.query(
        TableName=aws.physical_ids["SubjectsTable"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": pk}},
    )["Items"]


def _holds_of(subject_id: str) -> list[dict[str, Any]]:
    answer = _call("GET", subject_id)
    assert answer["statusCode"] == 200, answer["body"]
    return json.loads(answer["body"])["items"]  # type: ignore[no-any-return]


def _audit_actions(subject_id: str) -> list[dict[str, Any]]:

    audit = wiring.shared.store().audit
    return [{"action": r.action, "actor": r.actor, **r.details} for r in audit.chain(audit.pseudonym(subject_id))]


def _error(answer: dict) -> str:
    return str(json.loads(answer["body"])["error"])


# ---------------------------------------------------------------- placing, reading, replacing, lifting


def test_an_operator_places_a_hold_and_reads_it_back(aws):
    # Given a subject with a profile
    subject_id = _subject()
    hold = _hold()
    # When an operator places a hold on its support tickets
    placed = _call("POST", subject_id, hold)
    # Then it is created, and listed with when and by whom it was placed
    assert placed["statusCode"] == 201, placed["body"]
    body = json.loads(placed["body"])
    assert body["category"] == "support_tickets"
    assert datetime.fromisoformat(body["until"]) == datetime.fromisoformat(hold["until"])
    assert body["reason"] == REASON
    assert body["placed_by"] == OPERATOR
    assert _holds_of(subject_id) == [body]


def test_placing_a_hold_again_on_a_category_replaces_its_end_and_reason(aws):
    # Given a hold on a subject's support tickets
    subject_id = _subject()
    assert _call("POST", subject_id, _hold(days=30))["statusCode"] == 201
    # When an operator places it again with another end and reason
    again = _hold(days=3650, reason="Extended: appeal lodged")
    assert _call("POST", subject_id, again)["statusCode"] == 201
    # Then the subject has one hold on that category, with the new end and reason
    (hold,) = _holds_of(subject_id)
    assert datetime.fromisoformat(hold["until"]) == datetime.fromisoformat(again["until"])
    assert hold["reason"] == "Extended: appeal lodged"


def test_an_operator_lifts_a_hold_and_it_is_gone(aws):
    # Given holds on two categories of a subject
    subject_id = _subject()
    for category in ("support_tickets", "orders"):
        assert _call("POST", subject_id, _hold(category))["statusCode"] == 201
    # When an operator lifts the one on orders
    lifted = _call("DELETE", subject_id, category="orders")
    # Then it answers 204 with no body, and only the other hold is left
    assert lifted["statusCode"] == 204, lifted["body"]
    assert not lifted.get("body")
    assert [hold["category"] for hold in _holds_of(subject_id)] == ["support_tickets"]


def test_lifting_a_hold_that_does_not_exist_is_404(aws):
    # Given a subject without any hold
    subject_id = _subject()
    # When an operator lifts a hold on its orders
    answer = _call("DELETE", subject_id, category="orders")
    # Then there is none to lift
    assert answer["statusCode"] == 404, answer["body"]
    assert _error(answer) == "not_found"


def test_a_subject_without_holds_has_an_empty_list(aws):
    assert _holds_of(_subject()) == []


def test_placing_and_lifting_are_audited_with_the_operator_but_not_the_reason(aws):
    # Given a subject
    subject_id = _subject()
    hold = _hold()
    # When an operator places a hold and lifts it
    assert _call("POST", subject_id, hold)["statusCode"] == 201
    assert _call("DELETE", subject_id, category="support_tickets")["statusCode"] == 204
    # Then the subject's audit chain records both, with the category, the end and the operator
    placed, lifted = _audit_actions(subject_id)[-2:]
    assert placed["action"] == "hold.placed"
    assert placed["actor"] == "admin"
    assert placed["admin"] == OPERATOR
    assert placed["category"] == "support_tickets"
    assert datetime.fromisoformat(str(placed["until"])) == datetime.fromisoformat(hold["until"])
    assert lifted == {"action": "hold.lifted", "actor": "admin", "admin": OPERATOR, "category": "support_tickets"}
    # And the operator's reason is nowhere in the audit table
    audit = boto3.client("dynamodb").scan(TableName=wiring.shared.store().audit.table)["Items"]
    assert "Litigation" not in json.dumps(audit)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    "change",
    [
        {"until": "2020-01-01T00:00:00Z"},  # in the past
        {"until": "2099-01-01T00:00:00"},  # no offset: which moment is it?
        {"until": "next year"},
        {"until": "9999-12-31T23:30:00-01:00"},  # past the last moment a date-time can name, once in UTC
        {"reason": ""},
        {"reason": "x" * 501},
        {"category": "invoices_everything"},  # not a configured record category
        {"scope": "all"},  # an unknown field
    ],
    ids=[
        "until-past",
        "until-naive",
        "until-not-a-date",
        "until-out-of-range",
        "reason-empty",
        "reason-too-long",
        "category",
        "extra",
    ],
)
def test_an_invalid_hold_is_refused_with_422_and_nothing_is_written(aws, change):
    # Given a subject
    subject_id = _subject()
    # When an operator sends a hold with one invalid part
    sent = {**_hold(), **change}
    answer = _call("POST", subject_id, sent)
    # Then it is refused as unprocessable without echoing the operator's text or dates, and the subject has no hold
    assert answer["statusCode"] == 422, answer["body"]
    assert all(sent[name][:20] not in answer["body"] for name in ("until", "reason") if sent[name])
    assert _holds_of(subject_id) == []


def test_a_hold_on_an_unconfigured_category_names_the_configured_ones(aws):
    answer = _call("POST", _subject(), _hold("medical_records"))
    assert answer["statusCode"] == 422
    body = json.loads(answer["body"])
    assert body["error"] == "unknown_category"
    assert "invoices" in body["details"][0]["known"]


def test_a_hold_on_an_unknown_subject_is_404_and_writes_nothing(aws, ddb):
    # Given a subject id nobody signed up with
    subject_id = str(uuid.uuid4())
    # When an operator places a hold on it, or reads its holds
    placed = _call("POST", subject_id, _hold())
    listed = _call("GET", subject_id)
    # Then both are 404 and nothing was written for nobody
    assert placed["statusCode"] == listed["statusCode"] == 404, placed["body"]
    assert _partition(ddb, aws, f"SUBJECT#{subject_id}") == []


def test_a_hold_on_a_purged_subject_is_410(aws, ddb):
    # Given a subject purged (its tombstone remains)
    subject_id = _subject(orders=1)
    _schedule_purge(subject_id)
    _purge(aws, subject_id)
    # When an operator places a hold on it
    answer = _call("POST", subject_id, _hold())
    # Then it is gone, and no hold was written next to the tombstone
    assert answer["statusCode"] == 410, answer["body"]
    assert {item["sk"]["S"] for item in _partition(ddb, aws, f"SUBJECT#{subject_id}")} == {"TOMBSTONE"}


def test_a_hold_on_a_subject_whose_purge_is_due_is_410_not_a_hold_for_nobody(aws, ddb):
    # Given a subject whose restore window has ended but whose purge has not run yet (the profile is still there)
    subject_id = _subject(orders=1)
    _schedule_purge(subject_id, due_now=True)
    # When an operator places a hold on it
    answer = _call("POST", subject_id, _hold("orders"))
    # Then it is refused as gone (the purge may already have read the holds), and nothing was written
    assert answer["statusCode"] == 410, answer["body"]
    assert not [i for i in _partition(ddb, aws, f"SUBJECT#{subject_id}") if i["sk"]["S"].startswith("HOLD#")]


def test_a_hold_on_a_subject_pending_deletion_within_its_window_is_placed(aws):
    # Given a subject who deleted its account, within the restore window
    subject_id = _subject(orders=1)
    _schedule_purge(subject_id, due_now=False)
    # When an operator places a hold on it
    answer = _call("POST", subject_id, _hold("orders"))
    # Then the hold is placed (it is what the coming purge must honour)
    assert answer["statusCode"] == 201, answer["body"]
    assert [hold["category"] for hold in _holds_of(subject_id)] == ["orders"]


@pytest.mark.parametrize(
    ("method", "category"), [("POST", None), ("GET", None), ("DELETE", "orders")], ids=["place", "list", "lift"]
)
def test_a_token_without_the_admin_group_gets_403(aws, method, category):
    # Given a subject with a hold
    subject_id = _subject()
    assert _call("POST", subject_id, _hold("orders"))["statusCode"] == 201
    # When the host application (or a plain user) calls a hold route
    body = _hold() if method == "POST" else None
    answers = [_call(method, subject_id, body, category=category, groups=groups) for groups in ("[privacy-app]", "[]")]
    # Then both are forbidden, and the hold is as it was
    assert [answer["statusCode"] for answer in answers] == [403, 403]
    assert [hold["category"] for hold in _holds_of(subject_id)] == ["orders"]


# ---------------------------------------------------------------- the purge honours the hold


def test_records_under_a_hold_placed_by_an_operator_outlive_the_purge_isolated_until_the_hold_ends(aws, ddb):

    # Given a subject with support tickets and orders, and an operator's hold on the support tickets
    subject_id = _subject(support_tickets=2, orders=3)
    hold = _hold("support_tickets", days=400)
    assert _call("POST", subject_id, hold)["statusCode"] == 201
    until = datetime.fromisoformat(hold["until"])
    # When the subject deletes its account and is purged
    _schedule_purge(subject_id)
    _purge(aws, subject_id)
    # Then the support tickets live on only in the pseudonymous HELD# partition, expiring when the hold ends
    pseudonym = wiring.shared.store().audit.pseudonym(subject_id)
    held = _partition(ddb, aws, f"HELD#{pseudonym}")
    assert sorted(item["sk"]["S"] for item in held) == ["RECORD#support_tickets#R-0", "RECORD#support_tickets#R-1"]
    assert {int(item["expires_at"]["N"]) for item in held} == {int(until.timestamp())}
    assert all(subject_id not in item["pk"]["S"] for item in held)
    # And the orders, the hold itself and everything else of the subject are gone but the tombstone
    assert {item["sk"]["S"] for item in _partition(ddb, aws, f"SUBJECT#{subject_id}")} == {"TOMBSTONE"}
    # And the certificate lists the held category until the hold's end, under the operator's hold
    certificates = [
        json.loads(i["certificate"]["S"])
        for i in ddb.scan(TableName=aws.physical_ids["AuditTable"])["Items"]
        if i["pk"]["S"].startswith("CERT#")
    ]
    (certificate,) = [c for c in certificates if c["subject"] == pseudonym]
    (listed,) = certificate["held"]
    assert listed["category"] == "support_tickets"
    assert listed["count"] == 2
    assert datetime.fromisoformat(listed["until"]) == until
    assert listed["basis"] == "legal hold placed by an operator"
    assert "support_tickets" not in certificate["deleted_counts"]
    assert certificate["deleted_counts"]["orders"] == 3


def test_records_of_a_lifted_hold_are_purged_like_the_rest(aws, ddb):

    # Given a subject with support tickets under a hold that an operator then lifted
    subject_id = _subject(support_tickets=2)
    assert _call("POST", subject_id, _hold("support_tickets"))["statusCode"] == 201
    assert _call("DELETE", subject_id, category="support_tickets")["statusCode"] == 204
    # When the subject is purged
    _schedule_purge(subject_id)
    _purge(aws, subject_id)
    # Then nothing of it is kept
    assert _partition(ddb, aws, f"HELD#{wiring.shared.store().audit.pseudonym(subject_id)}") == []
    assert {item["sk"]["S"] for item in _partition(ddb, aws, f"SUBJECT#{subject_id}")} == {"TOMBSTONE"}


def test_a_subjects_own_export_does_not_show_an_operators_hold(aws, ddb, context):
    import boto3 as _boto3

    from tests.integration.test_export_worker import data_of, exported, submit

    # Given a subject with support tickets under an operator's hold
    subject_id = _subject(support_tickets=1)
    assert _call("POST", subject_id, _hold("support_tickets"))["statusCode"] == 201
    # When the subject's access export is built
    archive = exported(aws, _boto3.client("s3"), context, submit(subject_id))
    # Then it holds the support ticket, but not the hold (operator text and the operator's id)
    data = data_of(archive)
    assert [item["record_id"] for item in data["categories"]["records.support_tickets"]] == ["R-0"]
    assert "hold" not in data["categories"]
    assert "Litigation" not in archive.read("data.json").decode()
