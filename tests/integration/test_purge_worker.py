import json

import boto3
import pytest

from handlers import purge_worker
from tests.support import load_event

SUBJECT = "5f0c7a3e-0d7b-4f0e-9d51-3c1b2a4e6f70"
SUBJECT_PK = f"SUBJECT#{SUBJECT}"


@pytest.fixture(autouse=True)
def _fresh_wiring():
    import composition

    for factory in (purge_worker.purger, composition.store, composition.requests, composition.clock):
        factory.cache_clear()
    return


def _put(ddb, table, pk, sk, **attributes):
    ddb.put_item(
        TableName=table, Item={"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in attributes.items()}}
    )


def _keys(ddb, table, pk):
    items = ddb.query(TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": pk}})[
        "Items"
    ]
    return {item["sk"]["S"] for item in items}


def _certificates(ddb, table):
    return [i for i in ddb.scan(TableName=table)["Items"] if i["pk"]["S"].startswith("CERT#")]


def test_ttl_removal_of_a_pending_profile_purges_the_subject_with_one_certificate(aws, ddb, context):
    # Given a subject whose profile TTL expired, with items left in the partition, and another subject
    table = aws.physical_ids["SubjectsTable"]
    for index in range(30):
        _put(ddb, table, SUBJECT_PK, f"CONSENTEVT#{index:04d}")
    _put(ddb, table, SUBJECT_PK, "REQUEST#abc", request="{}")
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
    # Given an invoice of this year (10-year retention) and an order (no retention)
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
    assert int(held[0]["expires_at"]["N"]) > 2_000_000_000  # 2036
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
