"""A cookie-banner visitor's audit chain does not outlive the visitor's consent record by more than the
accountability period (VisitorAuditRetentionDays = the consent record's lifetime + that period): each record carries
the table's TTL, its anchor an Object Lock retention of the same moment, and the TTL's removal is no tampering."""

import uuid
from datetime import UTC, datetime, timedelta

import boto3
import pytest

import wiring
import wiring.consent
from config import ConfigurationError
from handlers import audit_anchor, consent_api
from tests.support import at_path, load_event, stream_event, with_body


def _visitor_put(visitor_id: str, context) -> None:
    event = at_path(
        load_event("consent_api/put_visitor_consents.json"), f"/visitors/{visitor_id}/consents", visitor_id=visitor_id
    )
    answer = consent_api.lambda_handler(
        with_body(event, {"decisions": {"analytics": True}, "source": "banner"}), context
    )
    assert answer["statusCode"] == 200, answer["body"]


def _visitor_item(aws, visitor_id: str) -> dict:
    table = aws.physical_ids["SubjectsTable"]
    items = boto3.client("dynamodb").query(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"VISITOR#{visitor_id}"}},
    )["Items"]
    return next(item for item in items if "expires_at" in item)


def test_a_visitors_audit_record_expires_the_retention_period_after_it_was_written(aws, context):
    # Given a visitor recording a banner choice
    visitor_id = str(uuid.uuid4())
    _visitor_put(visitor_id, context)
    # When the visitor's audit chain is read
    audit = wiring.consent.consents().store.audit  # type: ignore[attr-defined]
    (record,) = audit.chain(audit.pseudonym(f"visitor:{visitor_id}"))
    # Then the record expires when the consent record does, plus the accountability period (1491 - 396 days)
    consent_expires_at = int(_visitor_item(aws, visitor_id)["expires_at"]["N"])
    assert record.expires_at == consent_expires_at + 1095 * 86_400
    # And it is the audit table's TTL attribute
    item = boto3.client("dynamodb").get_item(
        TableName=aws.physical_ids["AuditTable"],
        Key={"pk": {"S": f"AUDIT#{record.subject}"}, "sk": {"S": "SEQ#000000000001"}},
    )["Item"]
    assert item["expires_at"] == {"N": str(record.expires_at)}


def test_a_subjects_audit_record_has_no_expiry(aws, context):
    # Given a subject's consent change (an account holder's chain is kept for AuditAnchorRetentionDays)
    from tests.integration.test_consent_api import consents_put
    from tests.support import sign_up

    sub = sign_up(str(uuid.uuid4()))
    assert consent_api.lambda_handler(consents_put(sub, {"analytics": True}), context)["statusCode"] == 200
    audit = wiring.consent.consents().store.audit  # type: ignore[attr-defined]
    # Then none of its records expires
    assert all(record.expires_at is None for record in audit.chain(audit.pseudonym(sub)))


def test_a_visitors_anchor_is_locked_until_its_record_expires_and_no_longer(aws, context):
    # Given a visitor's audit record
    visitor_id = str(uuid.uuid4())
    _visitor_put(visitor_id, context)
    audit = wiring.consent.consents().store.audit  # type: ignore[attr-defined]
    (record,) = audit.chain(audit.pseudonym(f"visitor:{visitor_id}"))
    # When the stream delivers it to the anchor function
    assert audit_anchor.lambda_handler(stream_event(aws, "AuditTable"), context) == {"batchItemFailures": []}
    # Then its anchor is locked until the record's expiry, names that moment, and is tagged for the lifecycle rule
    s3, bucket = boto3.client("s3"), aws.physical_ids["AuditAnchorBucket"]
    (key,) = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=f"anchors/{record.subject}/")["Contents"]]
    assert key == f"anchors/{record.subject}/{1:012d}-{record.hash}-until-{record.expires_at}"
    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ObjectLockMode"] == "COMPLIANCE"
    assert head["ObjectLockRetainUntilDate"] == datetime.fromtimestamp(record.expires_at, tz=UTC)
    tags = s3.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
    assert tags == [{"Key": "retention", "Value": "visitor"}]


def test_the_ttl_removing_an_expired_visitor_record_is_not_tampering(aws, context, capsys):
    # Given an audit record removed by DynamoDB's TTL (the stream names the service as the principal)
    event = load_event("audit_anchor/audit_record_inserted.json")
    change = event["Records"][0]
    change["eventName"] = "REMOVE"
    change["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    change["dynamodb"].pop("NewImage")
    capsys.readouterr()
    # When the anchor function handles it
    assert audit_anchor.lambda_handler(event, context) == {"batchItemFailures": []}
    # Then it is not counted as tampering
    assert '"AuditTampering"' not in capsys.readouterr().out


# ---------------------------------------------------------------- the bound, checked at cold start and by the template
def test_the_consent_api_is_told_the_accountability_period():
    from localcloud.template import Stack

    variables = Stack.from_template().resources["ConsentApiFunction"]["Properties"]["Environment"]["Variables"]
    assert variables["REQUEST_RETENTION_DAYS"] == {"Ref": "RequestRecordRetentionDays"}
    assert variables["VISITOR_AUDIT_RETENTION_DAYS"] == {"Ref": "VisitorAuditRetentionDays"}


@pytest.mark.parametrize(
    ("consent_days", "accountability_days"),
    [("180", None), (None, "365")],  # a shorter consent lifetime, or a shorter accountability period
)
def test_a_visitor_chain_kept_longer_than_the_consent_record_plus_the_accountability_period_stops_the_consent_api(
    aws, context, monkeypatch, consent_days, accountability_days
):
    # Given a stack that keeps a visitor's chain 1491 days (the default) but shortens one of the two periods it covers
    for name, value in (("CONSENT_MAX_AGE_DAYS", consent_days), ("REQUEST_RETENTION_DAYS", accountability_days)):
        if value is not None:
            monkeypatch.setenv(name, value)
    wiring.reset()
    # When the consent service is built, Then it refuses to start, naming the settings and the bound
    bound = int(consent_days or 396) + int(accountability_days or 1095)
    with pytest.raises(ConfigurationError, match=rf"VISITOR_AUDIT_RETENTION_DAYS 1491 exceeds .* \({bound} days\)"):
        wiring.consent.consents()
    # And no visitor's choice is recorded under it
    visitor_id = str(uuid.uuid4())
    event = at_path(
        load_event("consent_api/put_visitor_consents.json"), f"/visitors/{visitor_id}/consents", visitor_id=visitor_id
    )
    answer = consent_api.lambda_handler(
        with_body(event, {"decisions": {"analytics": True}, "source": "banner"}), context
    )
    assert answer["statusCode"] == 500


def test_a_chain_set_to_a_shorter_consent_lifetime_plus_the_accountability_period_starts(aws, context, monkeypatch):
    # Given a stack that asks again after 180 days and keeps a visitor's chain 180 + 1095 days
    monkeypatch.setenv("CONSENT_MAX_AGE_DAYS", "180")
    monkeypatch.setenv("VISITOR_AUDIT_RETENTION_DAYS", "1275")
    wiring.reset()
    # Then a visitor's chain outlives the consent record by the accountability period exactly
    assert wiring.consent.visitor_accountability() == timedelta(days=1095)
    visitor_id = str(uuid.uuid4())
    _visitor_put(visitor_id, context)
    audit = wiring.consent.consents().store.audit  # type: ignore[attr-defined]
    (record,) = audit.chain(audit.pseudonym(f"visitor:{visitor_id}"))
    assert record.expires_at == int(_visitor_item(aws, visitor_id)["expires_at"]["N"]) + 1095 * 86_400
