import json
import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

import wiring.erasure
import wiring.requests
import wiring.shared
from handlers import purge_worker
from tests.support import given_up_batch, load_event, purge_queue_event, stream_records

SUBJECT = "5f0c7a3e-0d7b-4f0e-9d51-3c1b2a4e6f70"
SUBJECT_PK = f"SUBJECT#{SUBJECT}"


def _put(ddb, table, pk, sk, **attributes):
    ddb.put_item(
        TableName=table, Item={"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}
    )


def _keys(ddb, table, pk):
    items = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}})[
        "Items"
    ]
    return {item["sk"]["S"] for item in items}


def _completed_request_json() -> str:
    from domain.requests.model import DataRequest
    from domain.values import to_json

    now = datetime.now(UTC)
    request = DataRequest(
        request_id="abc",
        subject_id=SUBJECT,
        type="access",
        status="completed",
        jurisdiction="gdpr",
        received_at=now,
        due_at=now,
        updated_at=now,
    )
    return to_json(request)


def _certificates(ddb, table):
    return [i for i in ddb.scan(TableName=table)["Items"] if i["pk"]["S"].startswith("CERT#")]


def test_ttl_removal_of_a_pending_profile_purges_the_subject_with_one_certificate(aws, ddb, context):
    # Given a subject whose profile TTL expired, with items left in the partition, and another subject
    table = aws.physical_ids["SubjectsTable"]
    for index in range(30):
        _put(ddb, table, SUBJECT_PK, f"CONSENTEVT#{index:04d}")
    _put(ddb, table, SUBJECT_PK, "REQUEST#abc", request=_completed_request_json())
    _put(ddb, table, "SUBJECT#someone-else", "PROFILE")
    event = load_event("purge_worker/ttl_profile_removed.json")
    # When the purge worker receives the TTL REMOVE record of the profile, twice (a redelivery)
    first = purge_worker.lambda_handler(event, context)
    second = purge_worker.lambda_handler(event, context)
    # Then only the request record (evidence) and a tombstone remain, the other subject is untouched, and
    # exactly one deletion certificate exists, signed, counting what was deleted
    assert first == second == {"batchItemFailures": []}
    assert _keys(ddb, table, SUBJECT_PK) == {"REQUEST#abc", "TOMBSTONE"}
    assert _keys(ddb, table, "SUBJECT#someone-else") == {"PROFILE"}
    (certificate,) = _certificates(ddb, aws.physical_ids["AuditTable"])
    body = json.loads(certificate["certificate"]["S"])
    assert body["deleted_counts"] == {"consentevt": 30}
    assert body["reason"] == "user_request"
    assert SUBJECT not in json.dumps(body)
    assert certificate["signature"]["S"]


def test_invoices_under_a_legal_hold_are_isolated_not_deleted(aws, ddb, context):
    # Given an invoice of this year (iMind's policy keeps them 7 years, Estonia's Accounting Act) and an order (no
    # retention)
    table = aws.physical_ids["SubjectsTable"]
    _put(
        ddb,
        table,
        SUBJECT_PK,
        "RECORD#invoices#INV-1",
        document=json.dumps({"invoice_date": "2026-01-31", "total": 10}),
    )
    _put(ddb, table, SUBJECT_PK, "RECORD#orders#O-1", document=json.dumps({"item": "book"}))
    # When the subject is purged
    purge_worker.lambda_handler(load_event("purge_worker/ttl_profile_removed.json"), context)
    # Then the invoice lives on only in a pseudonymous HELD# partition, expiring at the end of the hold
    held = [i for i in ddb.scan(TableName=table)["Items"] if i["pk"]["S"].startswith("HELD#")]
    assert [i["sk"]["S"] for i in held] == ["RECORD#invoices#INV-1"]
    assert SUBJECT not in held[0]["pk"]["S"]
    held_until = datetime.fromtimestamp(int(held[0]["expires_at"]["N"]), tz=UTC)
    assert held_until.year == 2033  # the invoice's date + the policy's 7 years
    assert _keys(ddb, table, SUBJECT_PK) == {"TOMBSTONE"}
    (certificate,) = _certificates(ddb, aws.physical_ids["AuditTable"])
    assert json.loads(certificate["certificate"]["S"])["held"][0]["category"] == "invoices"


def test_a_user_deletion_of_a_profile_is_not_a_purge(aws, ddb, context):
    # Given a REMOVE record made by a user, not by TTL
    table = aws.physical_ids["SubjectsTable"]
    _put(ddb, table, SUBJECT_PK, "CONSENTS")
    event = load_event("purge_worker/ttl_profile_removed.json")
    del event["Records"][0]["userIdentity"]
    # When the worker receives it
    purge_worker.lambda_handler(event, context)
    # Then the subject's other items stay
    assert _keys(ddb, table, SUBJECT_PK) == {"CONSENTS"}
    assert boto3.client("dynamodb").scan(TableName=aws.physical_ids["AuditTable"])["Count"] == 0


# ---------------------------------------------------------------- resuming: the queue's redelivery, a stream batch given up


def _due_subject(ddb, aws, *, erasure_request: bool = False, login: bool = False) -> tuple[str, str | None]:
    """A subject past its restore window: profile pending deletion, consents, orders, an export in the bucket (and a
    login in the user pool if `login`)."""
    import wiring.erasure
    import wiring.requests
    import wiring.shared
    from domain.audit.model import AuditEntry
    from domain.profile import Profile

    subject_id, now = str(uuid.uuid4()), datetime.now(UTC)
    if login:
        user = boto3.client("cognito-idp").admin_create_user(
            UserPoolId=aws.physical_ids["UserPool"], Username=f"{subject_id[:8]}@example.org"
        )["User"]
        subject_id = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
    profile = Profile(subject_id=subject_id, email="ada@example.org", given_name="Ada", created_at=now, updated_at=now)
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    table = aws.physical_ids["SubjectsTable"]
    for number in range(3):
        _put(ddb, table, f"SUBJECT#{subject_id}", f"RECORD#orders#O-{number}", document=json.dumps({"n": number}))
    boto3.client("s3").put_object(Bucket=aws.physical_ids["ExportsBucket"], Key=f"exports/{subject_id}/r.zip", Body=b"")
    request_id = wiring.requests.requests().submit(subject_id, "erasure").request_id if erasure_request else None
    wiring.erasure.erasure().schedule_deletion(
        subject_id,
        "erasure_request" if request_id else "user_request",
        actor="subject",
        request_id=request_id,
        grace=timedelta(0),
    )
    return subject_id, request_id


def _left(ddb, aws, subject_id: str) -> set[str]:
    """The sort keys left in the subject's partition."""
    return _keys(ddb, aws.physical_ids["SubjectsTable"], f"SUBJECT#{subject_id}")


def _exports(aws, subject_id: str) -> list:
    listed = boto3.client("s3").list_objects_v2(
        Bucket=aws.physical_ids["ExportsBucket"], Prefix=f"exports/{subject_id}/"
    )
    return listed.get("Contents", [])


def test_a_queue_purge_interrupted_after_its_items_went_is_finished_by_the_redelivered_message(
    aws, ddb, context, monkeypatch
):
    from adapters import purger as purger_module

    # Given a due subject with an open erasure request, whose first purge attempt fails once its items are deleted
    subject_id, request_id = _due_subject(ddb, aws, erasure_request=True)
    delete_exports = purger_module.delete_objects

    def s3_unavailable(*args, **kwargs):
        raise RuntimeError("S3 is unavailable")

    monkeypatch.setattr(purger_module, "delete_objects", s3_unavailable)
    event = purge_queue_event(aws, subject_id)
    with pytest.raises(BatchProcessingError):  # the message stays on the queue
        purge_worker.lambda_handler(event, context)
    (certificate,) = _certificates(ddb, aws.physical_ids["AuditTable"])
    # When the message is delivered again, S3 back
    monkeypatch.setattr(purger_module, "delete_objects", delete_exports)
    done = purge_worker.lambda_handler(event, context)
    # Then the redelivery finished the purge: no items, exports or profile left, a tombstone, the request completed,
    # and still the one certificate the first attempt wrote
    assert done == {"batchItemFailures": []}
    assert {sk for sk in _left(ddb, aws, subject_id) if not sk.startswith("REQUEST#")} == {"TOMBSTONE"}
    assert _exports(aws, subject_id) == []
    assert wiring.requests.requests().store.get(subject_id, request_id).status == "completed"
    assert _certificates(ddb, aws.physical_ids["AuditTable"]) == [certificate]


def test_a_late_purge_message_for_a_purged_subject_changes_nothing(aws, ddb, context):
    # Given a subject purged through the queue
    subject_id, _ = _due_subject(ddb, aws)
    purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context)
    table = aws.physical_ids["SubjectsTable"]
    tombstone = ddb.get_item(TableName=table, Key={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "TOMBSTONE"}})
    # When a duplicate of its message arrives later
    answer = purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context)
    # Then it is acknowledged, and the tombstone and the single certificate are as they were
    assert answer == {"batchItemFailures": []}
    again = ddb.get_item(TableName=table, Key={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "TOMBSTONE"}})
    assert again["Item"] == tombstone["Item"]
    assert len(_certificates(ddb, aws.physical_ids["AuditTable"])) == 1


def _ttl_removes_profile(ddb, aws, subject_id: str) -> dict:
    """DynamoDB's TTL deleting the profile: the item goes, its stream record is by the service principal."""
    from localcloud.moto_dynamodb import sign_as_ttl

    table = aws.physical_ids["SubjectsTable"]
    key = {"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}}
    ddb.delete_item(TableName=table, Key=key)
    removal = sign_as_ttl(table, key)
    assert removal is not None
    return removal


def test_a_ttl_removal_in_a_stream_batch_given_up_on_is_read_back_and_purged(aws, ddb, context):
    # Given two subjects whose profiles TTL removed, in a batch the stream mapping gave up on (its retries ran out)
    subjects = [_due_subject(ddb, aws)[0] for _ in range(2)]
    removals = [_ttl_removes_profile(ddb, aws, subject_id) for subject_id in subjects]
    # When the purge queue delivers where that batch was in the stream
    answer = purge_worker.lambda_handler(given_up_batch(aws, removals[0], removals[-1], "PurgeQueue"), context)
    # Then the worker read the batch back and purged both: nothing left but tombstones, one certificate each
    assert answer == {"batchItemFailures": []}
    for subject_id in subjects:
        assert _left(ddb, aws, subject_id) == {"TOMBSTONE"}
        assert _exports(aws, subject_id) == []
    assert len(_certificates(ddb, aws.physical_ids["AuditTable"])) == 2


def test_a_stream_batch_given_up_on_purges_nobody_but_its_ttl_removals_of_profiles(aws, ddb, context):
    # Given a batch range holding a user's deletion of a pending profile and other changes, but no TTL removal
    subject_id, _ = _due_subject(ddb, aws)
    table = aws.physical_ids["SubjectsTable"]
    key = {"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}}
    profile = ddb.get_item(TableName=table, Key=key)["Item"]
    ddb.delete_item(TableName=table, Key=key)  # no TTL identity on its record
    ddb.put_item(TableName=table, Item=profile)
    records = stream_records(aws)
    # When the purge queue delivers that range
    answer = purge_worker.lambda_handler(given_up_batch(aws, records[0], records[-1], "PurgeQueue"), context)
    # Then it is acknowledged and the subject is untouched
    assert answer == {"batchItemFailures": []}
    assert "PROFILE" in _left(ddb, aws, subject_id)
    assert "TOMBSTONE" not in _left(ddb, aws, subject_id)
    assert _certificates(ddb, aws.physical_ids["AuditTable"]) == []


def test_a_purge_does_not_retire_the_profile_while_an_item_written_after_its_deletion_remains(aws, ddb, context):
    from adapters.purger import PurgeIncomplete

    # Given a due subject whose purge has deleted its items, and an item written into its partition just after
    subject_id, _ = _due_subject(ddb, aws)
    status = wiring.erasure.purger().profile_status(subject_id)
    now = wiring.shared.clock().now()
    wiring.erasure.purger().purge(subject_id, status, now)
    _put(ddb, aws.physical_ids["SubjectsTable"], f"SUBJECT#{subject_id}", "RECORD#orders#LATE", document="{}")
    # When the purge's last step runs
    with pytest.raises(PurgeIncomplete):
        wiring.erasure.purger().finish(subject_id, status, now)
    # Then the profile stays, pending and due, so the purge runs again, and that run leaves nothing behind
    assert "PROFILE" in _left(ddb, aws, subject_id)
    assert "TOMBSTONE" not in _left(ddb, aws, subject_id)
    assert purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context) == {"batchItemFailures": []}
    assert _left(ddb, aws, subject_id) == {"TOMBSTONE"}
    assert len(_certificates(ddb, aws.physical_ids["AuditTable"])) == 1


# ---------------------------------------------------------------- the certificate states what the purge did


def _certificate_of(ddb, aws) -> dict:
    (certificate,) = _certificates(ddb, aws.physical_ids["AuditTable"])
    return json.loads(certificate["certificate"]["S"])


def test_the_certificate_counts_the_exports_the_purge_deleted(aws, ddb, context):
    # Given a due subject with two exports in the bucket
    subject_id, _ = _due_subject(ddb, aws)
    boto3.client("s3").put_object(Bucket=aws.physical_ids["ExportsBucket"], Key=f"exports/{subject_id}/2.zip", Body=b"")
    # When the subject is purged
    assert purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context) == {"batchItemFailures": []}
    # Then both exports are gone, and the signed certificate says so
    assert _exports(aws, subject_id) == []
    assert _certificate_of(ddb, aws)["exports_deleted"] == 2


def test_the_certificate_says_no_login_was_deleted_for_a_subject_without_one(aws, ddb, context):
    # Given a due subject who has no login in the user pool
    subject_id, _ = _due_subject(ddb, aws)
    # When the subject is purged
    purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context)
    # Then the certificate does not claim a login was deleted
    assert _certificate_of(ddb, aws)["login_deleted"] is False


def test_the_certificate_says_the_login_was_deleted_for_a_subject_with_one(aws, ddb, context):
    # Given a due subject with a login in the user pool
    subject_id, _ = _due_subject(ddb, aws, login=True)
    # When the subject is purged
    purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context)
    # Then the login is gone, and the certificate says so
    users = boto3.client("cognito-idp").list_users(
        UserPoolId=aws.physical_ids["UserPool"], Filter=f'sub = "{subject_id}"'
    )
    assert users["Users"] == []
    assert _certificate_of(ddb, aws)["login_deleted"] is True


def test_an_invoice_whose_date_is_unreadable_is_held_for_the_full_period_not_deleted(aws, ddb, context):
    # Given an invoice stored without a readable invoice date (iMind: 7-year retention), and an order
    table = aws.physical_ids["SubjectsTable"]
    stored = datetime.now(UTC)
    _put(
        ddb,
        table,
        SUBJECT_PK,
        "RECORD#invoices#INV-2",
        document=json.dumps({"invoice_date": "31/01/2026", "total": 10}),
        updated_at=stored.isoformat(),
    )
    _put(ddb, table, SUBJECT_PK, "RECORD#orders#O-1", document=json.dumps({"item": "book"}))
    # When the subject is purged
    purge_worker.lambda_handler(load_event("purge_worker/ttl_profile_removed.json"), context)
    # Then the invoice is kept (fail closed) in the held partition for 7 years from when it was stored, and the
    # certificate lists it, saying why
    held = [i for i in ddb.scan(TableName=table)["Items"] if i["pk"]["S"].startswith("HELD#")]
    assert [i["sk"]["S"] for i in held] == ["RECORD#invoices#INV-2"]
    assert int(held[0]["expires_at"]["N"]) >= int(stored.replace(year=stored.year + 7).timestamp())
    assert _keys(ddb, table, SUBJECT_PK) == {"TOMBSTONE"}
    ((category, count, basis),) = [(h["category"], h["count"], h["basis"]) for h in _certificate_of(ddb, aws)["held"]]
    assert (category, count) == ("invoices", 1)
    assert "invoice_date" in basis


# ---------------------------------------------------------------- work that races the purge


def test_the_purge_closes_the_export_requests_still_open_as_rejected_for_subject_purged(aws, ddb, context):

    # Given a due subject with an access request still waiting for the export worker
    subject_id, _ = _due_subject(ddb, aws)
    request = wiring.requests.request_store().get(subject_id, _open_access_request(subject_id))
    assert request is not None
    assert request.is_open
    # When the subject is purged
    assert purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context) == {"batchItemFailures": []}
    # Then the request is closed, rejected with the reason, never to be exported for nobody
    closed = wiring.requests.request_store().get(subject_id, request.request_id)
    assert closed is not None
    assert (closed.status, closed.rejection_reason) == ("rejected", "subject_purged")


def _open_access_request(subject_id: str) -> str:
    """An access request recorded before the deletion was scheduled (its message still on the export queue)."""
    from domain.audit.model import AuditEntry
    from domain.requests.model import DataRequest

    now = datetime.now(UTC)
    request = DataRequest(
        request_id=uuid.uuid4().hex,
        subject_id=subject_id,
        type="access",
        jurisdiction="gdpr",
        received_at=now,
        due_at=now + timedelta(days=30),
        updated_at=now,
    )
    audit = AuditEntry(action="request.received", actor="subject", at=now)
    stored = wiring.requests.request_store().create(request, audit=audit, expires_at=int(now.timestamp()) + 86_400)
    return stored.request_id


def test_an_export_uploaded_while_the_purge_runs_is_deleted_when_it_finishes(aws, ddb, context, monkeypatch):
    from adapters.logins import CognitoLogins

    # Given a due subject, and an export that lands in the bucket after the purge listed the exports
    subject_id, _ = _due_subject(ddb, aws)
    delete_login = CognitoLogins.delete

    def upload_lands(self, username):
        boto3.client("s3").put_object(
            Bucket=aws.physical_ids["ExportsBucket"], Key=f"exports/{subject_id}/late.zip", Body=b"zip"
        )
        delete_login(self, username)

    monkeypatch.setattr(CognitoLogins, "delete", upload_lands)
    # When the subject is purged
    assert purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context) == {"batchItemFailures": []}
    # Then no export outlives the purge, and the late one's deletion is in the subject's audit chain
    assert _exports(aws, subject_id) == []

    actions = [r.action for r in wiring.shared.store().audit.chain(wiring.shared.store().audit.pseudonym(subject_id))]
    assert "subject.late_exports_deleted" in actions
