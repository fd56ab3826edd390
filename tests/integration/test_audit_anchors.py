"""The audit trail cannot be rewritten with the functions' own table permissions: every record the table's stream
inserts is anchored, write-once, in an Object Lock bucket (handlers/audit_anchor.py), and `GET /admin/audit/{p}`
checks the chain against its anchors as well as against its own hash links."""

import io
import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import boto3
import pytest

import wiring.shared
from adapters.dynamo_json import to_item
from domain.audit.model import AuditEntry, as_item_attributes
from handlers import admin_api, audit_anchor
from tests.support import given_up_batch, load_event, routed, stream_event, stream_records

ACTIONS = ("profile.created", "consent.changed", "deletion.scheduled", "deletion.restored")


def _seed(subject: str, actions: tuple[str, ...] = ACTIONS) -> str:
    """A subject's chain of one record per action; its pseudonym."""
    log = wiring.shared.store().audit
    for day, action in enumerate(actions, start=1):
        log.append(subject, AuditEntry(action=action, actor="subject", at=datetime(2024, 1, day, tzinfo=UTC)))
    return log.pseudonym(subject)


def _anchor_everything_so_far(aws, context) -> None:
    """The audit table's stream delivers every record written so far to the anchor function."""
    answer = audit_anchor.lambda_handler(stream_event(aws, "AuditTable"), context)
    assert answer == {"batchItemFailures": []}


def _read_chain(pseudonym: str, context) -> dict:
    event = routed(
        load_event("admin_api/get_certificate.json"),
        "GET /admin/audit/{subject_pseudonym}",
        f"/admin/audit/{pseudonym}",
    )
    event["pathParameters"] = {"subject_pseudonym": pseudonym}
    answer = admin_api.lambda_handler(event, context)
    assert answer["statusCode"] == 200, answer["body"]
    return json.loads(answer["body"])


def _anchor_keys(aws, pseudonym: str) -> list[str]:
    bucket = aws.physical_ids["AuditAnchorBucket"]
    listing = boto3.client("s3").list_objects_v2(Bucket=bucket, Prefix=f"anchors/{pseudonym}/")
    return [item["Key"] for item in listing.get("Contents", [])]


def _audit_key(pseudonym: str, sequence: int) -> dict:
    return {"pk": {"S": f"AUDIT#{pseudonym}"}, "sk": {"S": f"SEQ#{sequence:012d}"}}


def test_every_inserted_audit_record_is_anchored_with_its_hash_in_the_key(aws, context):
    # Given a chain of four records
    pseudonym = _seed(str(uuid.uuid4()))
    # When the stream delivers them to the anchor function
    _anchor_everything_so_far(aws, context)
    # Then a listing alone gives each record's sequence and hash
    chain = wiring.shared.store().audit.chain(pseudonym)
    expected = [f"anchors/{pseudonym}/{record.sequence:012d}-{record.hash}" for record in chain]
    assert _anchor_keys(aws, pseudonym) == expected


def test_an_anchor_cannot_be_deleted_or_overwritten_away(aws, context):
    # Given an anchored record
    pseudonym = _seed(str(uuid.uuid4()), ACTIONS[:1])
    _anchor_everything_so_far(aws, context)
    (key,) = _anchor_keys(aws, pseudonym)
    s3, bucket = boto3.client("s3"), aws.physical_ids["AuditAnchorBucket"]
    version = s3.head_object(Bucket=bucket, Key=key)["VersionId"]
    # When someone tries to delete that version of the anchor
    # Then the bucket's Object Lock (compliance mode) refuses
    with pytest.raises(s3.exceptions.ClientError) as refused:
        s3.delete_object(Bucket=bucket, Key=key, VersionId=version)
    assert refused.value.response["Error"]["Code"] == "AccessDenied"
    assert s3.head_object(Bucket=bucket, Key=key)["ObjectLockMode"] == "COMPLIANCE"


def test_an_untouched_anchored_chain_verifies(aws, context):
    # Given an anchored chain of four records
    pseudonym = _seed(str(uuid.uuid4()))
    _anchor_everything_so_far(aws, context)
    # When an operator reads it
    verification = _read_chain(pseudonym, context)["verification"]
    # Then it verifies, anchored through its last record
    assert verification["valid"] is True, verification
    assert verification["length"] == 4
    assert verification["anchored_through"] == 4
    assert verification["failed_check"] is None


def test_records_newer_than_the_last_anchor_still_verify(aws, context):
    # Given an anchored chain, and one more record the stream has not delivered yet
    subject = str(uuid.uuid4())
    pseudonym = _seed(subject)
    _anchor_everything_so_far(aws, context)
    _seed(subject, ("export.ready",))
    # When an operator reads it
    verification = _read_chain(pseudonym, context)["verification"]
    # Then it verifies: anchored through the fourth record, five long
    assert verification["valid"] is True, verification
    assert (verification["length"], verification["anchored_through"]) == (5, 4)


def test_dropping_the_newest_anchored_record_is_reported(aws, ddb, context):
    # Given an anchored chain
    pseudonym = _seed(str(uuid.uuid4()))
    _anchor_everything_so_far(aws, context)
    # When its newest record (the restore) is deleted from the table
    ddb.delete_item(TableName=aws.physical_ids["AuditTable"], Key=_audit_key(pseudonym, 4))
    # Then the remaining three records no longer verify: an anchored record is missing
    chain = _read_chain(pseudonym, context)
    verification = chain["verification"]
    assert verification["valid"] is False
    assert verification["failed_check"] == "missing_anchored_record"
    assert (verification["broken_at"], verification["anchored_through"], verification["length"]) == (4, 4, 3)
    assert json.loads(chain["head_signature"]["signed_message"])["valid"] is False


def test_rewriting_a_record_and_recomputing_every_later_hash_with_put_item_is_reported(aws, ddb, context):
    # Given an anchored chain
    pseudonym = _seed(str(uuid.uuid4()))
    _anchor_everything_so_far(aws, context)
    # When someone with PutItem alone rewrites the third record's actor and recomputes every hash from there
    table, previous = aws.physical_ids["AuditTable"], None
    for record in wiring.shared.store().audit.chain(pseudonym):
        actor = "admin" if record.action == "deletion.scheduled" else record.actor
        forged = replace(record, actor=actor, previous_hash=previous or record.previous_hash)
        forged = replace(forged, hash=forged.computed_hash())
        previous = forged.hash
        item = {"pk": f"AUDIT#{pseudonym}", "sk": f"SEQ#{record.sequence:012d}", **as_item_attributes(forged)}
        ddb.put_item(TableName=table, Item=to_item(item))
    # Then the links still hold, but the chain no longer matches its anchors from the third record on
    verification = _read_chain(pseudonym, context)["verification"]
    assert verification["valid"] is False
    assert (verification["failed_check"], verification["broken_at"]) == ("anchor_mismatch", 3)


def test_deleting_a_whole_anchored_chain_is_reported(aws, ddb, context):
    # Given an anchored chain
    pseudonym = _seed(str(uuid.uuid4()))
    _anchor_everything_so_far(aws, context)
    # When every record of it is deleted
    for sequence in range(1, 5):
        ddb.delete_item(TableName=aws.physical_ids["AuditTable"], Key=_audit_key(pseudonym, sequence))
    # Then the empty chain does not verify: four records were anchored; the signed statement says so
    chain = _read_chain(pseudonym, context)
    verification = chain["verification"]
    assert verification["valid"] is False
    assert (verification["failed_check"], verification["length"], verification["anchored_through"]) == (
        "missing_anchored_record",
        0,
        4,
    )
    statement = json.loads(chain["head_signature"]["signed_message"])
    assert (statement["valid"], statement["length"], statement["anchored_through"]) == (False, 0, 4)


def test_a_modified_audit_record_raises_audit_tampering_and_is_not_anchored(aws, ddb, context, capsys, monkeypatch):
    # Given an anchored chain
    pseudonym = _seed(str(uuid.uuid4()), ACTIONS[:2])
    _anchor_everything_so_far(aws, context)
    already = len(stream_records(aws, "AuditTable"))
    capsys.readouterr()
    logs = io.StringIO()
    monkeypatch.setattr(audit_anchor.logger.registered_handler, "stream", logs)
    # When its first record is overwritten in place (a MODIFY on the stream)
    table = aws.physical_ids["AuditTable"]
    item = ddb.get_item(TableName=table, Key=_audit_key(pseudonym, 1))["Item"]
    ddb.put_item(TableName=table, Item={**item, "actor": {"S": "admin"}})
    (modified,) = stream_records(aws, "AuditTable")[already:]
    assert modified["eventName"] == "MODIFY"
    answer = audit_anchor.lambda_handler(stream_event(aws, "AuditTable", [modified]), context)
    # Then the AuditTampering metric counts it, the log names the record by pseudonym and sequence only, and the
    # overwrite is not anchored (the original anchor stands)
    assert answer == {"batchItemFailures": []}
    output = capsys.readouterr().out
    metrics = [json.loads(line) for line in output.splitlines() if '"_aws"' in line]
    assert any(m.get("AuditTampering") == [1.0] or m.get("AuditTampering") == 1.0 for m in metrics), output
    warning = next(json.loads(line) for line in logs.getvalue().splitlines() if "tampering" in line)
    assert (warning["subject"], warning["sequence"], warning["change"]) == (pseudonym, 1, "MODIFY")
    assert "admin" not in json.dumps(warning)
    assert len(_anchor_keys(aws, pseudonym)) == 2


def test_a_sample_audit_insert_is_anchored(aws, context):
    # Given the sample stream event of an inserted audit record
    event = load_event("audit_anchor/audit_record_inserted.json")
    image = event["Records"][0]["dynamodb"]["NewImage"]
    pseudonym = image["subject"]["S"]
    # When the anchor function handles it
    answer = audit_anchor.lambda_handler(event, context)
    # Then the record is anchored under its sequence and hash
    assert answer == {"batchItemFailures": []}
    assert _anchor_keys(aws, pseudonym) == [f"anchors/{pseudonym}/{1:012d}-{image['hash']['S']}"]


def test_a_certificate_in_the_audit_table_is_not_an_audit_record_and_is_left_alone(aws, ddb, context, capsys):
    # Given a deletion certificate written to the audit table, then overwritten
    table = aws.physical_ids["AuditTable"]
    key = {"pk": {"S": f"CERT#{uuid.uuid4().hex}"}, "sk": {"S": "CERT"}}
    ddb.put_item(TableName=table, Item={**key, "certificate": {"S": "{}"}})
    ddb.put_item(TableName=table, Item={**key, "certificate": {"S": "{}"}, "signature": {"S": "x"}})
    capsys.readouterr()
    # When the stream delivers both writes
    answer = audit_anchor.lambda_handler(stream_event(aws, "AuditTable"), context)
    # Then nothing is anchored and nothing is called tampering
    assert answer == {"batchItemFailures": []}
    assert '"AuditTampering"' not in capsys.readouterr().out
    bucket = aws.physical_ids["AuditAnchorBucket"]
    assert boto3.client("s3").list_objects_v2(Bucket=bucket).get("KeyCount", 0) == 0


def test_a_batch_given_up_on_is_read_back_from_the_stream_and_anchored(aws, context):
    # Given a chain whose stream batch the mapping gave up on
    pseudonym = _seed(str(uuid.uuid4()), ACTIONS[:2])
    records = stream_records(aws, "AuditTable")
    # When the retry queue delivers where that batch was in the stream
    event = given_up_batch(aws, records[0], records[-1], "AuditAnchorRetryQueue", table="AuditTable")
    answer = audit_anchor.lambda_handler(event, context)
    # Then both records are anchored
    assert answer == {"batchItemFailures": []}
    assert len(_anchor_keys(aws, pseudonym)) == 2


def test_an_audit_item_the_log_did_not_write_raises_audit_tampering_and_is_not_anchored(aws, ddb, context, capsys):
    # Given an item put under an audit chain's key without a record's hash (not written by the audit log)
    table, pseudonym = aws.physical_ids["AuditTable"], uuid.uuid4().hex * 2
    ddb.put_item(TableName=table, Item={**_audit_key(pseudonym, 1), "action": {"S": "profile.created"}})
    capsys.readouterr()
    # When the stream delivers its insert
    answer = audit_anchor.lambda_handler(stream_event(aws, "AuditTable"), context)
    # Then it is counted as tampering, and nothing is anchored for it
    assert answer == {"batchItemFailures": []}
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(m.get("AuditTampering") in ([1.0], 1.0) for m in metrics)
    assert _anchor_keys(aws, pseudonym) == []
