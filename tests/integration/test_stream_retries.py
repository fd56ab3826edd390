"""A stream batch whose retries ran out is not lost: its mapping hands where it was in the stream to the function's
retry queue, and the function reads it back from the stream and handles it again (outbox and parental expiry)."""

import hashlib
import json
import time
import uuid

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from adapters.outbox import outbox_put
from handlers import event_publisher, parental_expiry
from localcloud.moto_dynamodb import sign_as_ttl
from tests.support import given_up_batch, stream_records


def test_an_outbox_batch_given_up_on_is_read_back_and_published_with_the_ids_the_stream_would_have_given(
    aws, ddb, context, bus_events
):
    # Given two committed outbox events, and a profile change between them, in a batch the mapping gave up on
    table = aws.physical_ids["SubjectsTable"]
    subjects = [str(uuid.uuid4()) for _ in range(2)]
    ddb.transact_write_items(TransactItems=[outbox_put(table, "SubjectRestored", {"subject_id": subjects[0]}, 1)])
    ddb.put_item(TableName=table, Item={"pk": {"S": f"SUBJECT#{subjects[0]}"}, "sk": {"S": "PROFILE"}})
    ddb.transact_write_items(TransactItems=[outbox_put(table, "SubjectRestored", {"subject_id": subjects[1]}, 1)])
    records = stream_records(aws)
    # When the retry queue delivers where that batch was in the stream
    answer = event_publisher.lambda_handler(given_up_batch(aws, records[0], records[-1], "OutboxRetryQueue"), context)
    # Then both events are on the bus, each with the id a publish from the stream gives it, and nothing else is
    assert answer == {"batchItemFailures": []}
    published = bus_events()
    assert sorted(e["detail"]["subject_id"] for e in published) == sorted(subjects)
    outbox_keys = [r["dynamodb"]["Keys"] for r in records if r["dynamodb"]["Keys"]["pk"]["S"].startswith("OUTBOX#")]
    expected_ids = {hashlib.sha256(f"{k['pk']['S']}|{k['sk']['S']}".encode()).hexdigest()[:32] for k in outbox_keys}
    assert {e["detail"]["event_id"] for e in published} == expected_ids


def test_a_parental_request_expiry_given_up_on_is_read_back_and_published(aws, ddb, context, bus_events):
    # Given a pending parental consent request that TTL deleted, and a request a parent answered (deleted by the
    # service, not by TTL), in one batch the mapping gave up on
    table = aws.physical_ids["SubjectsTable"]
    expired, answered = uuid.uuid4().hex, uuid.uuid4().hex
    for request_id in (expired, answered):
        item = {"request_id": {"S": request_id}, "child_reference": {"S": f"signup-{request_id[:6]}"}}
        key = {"pk": {"S": f"PARENTREQ#{request_id}"}, "sk": {"S": "PARENTREQ"}}
        ddb.put_item(TableName=table, Item={**key, **item, "expires_at": {"N": str(int(time.time()))}})
        ddb.delete_item(TableName=table, Key=key)
    assert sign_as_ttl(table, {"pk": {"S": f"PARENTREQ#{expired}"}, "sk": {"S": "PARENTREQ"}}) is not None
    records = stream_records(aws)
    # When the retry queue delivers where that batch was in the stream
    event = given_up_batch(aws, records[0], records[-1], "ParentalExpiryRetryQueue")
    answer = parental_expiry.lambda_handler(event, context)
    # Then the expiry is published, once; the answered request is not an expiry
    assert answer == {"batchItemFailures": []}
    published = bus_events()
    assert [(e["detail-type"], e["detail"]["request_id"]) for e in published] == [("ParentalConsentExpired", expired)]


def test_a_batch_the_stream_no_longer_holds_fails_its_message_so_it_is_retried_then_dead_lettered(
    aws, ddb, context, bus_events
):
    # Given where a batch was, on a shard the stream does not have (trimmed after 24 hours, say)
    table = aws.physical_ids["SubjectsTable"]
    ddb.transact_write_items(TransactItems=[outbox_put(table, "SubjectRestored", {"subject_id": "s-1"}, 1)])
    (record,) = stream_records(aws)
    event = given_up_batch(aws, record, record, "OutboxRetryQueue")
    body = json.loads(event["Records"][0]["body"])
    body["DDBStreamBatchInfo"]["shardId"] = "shardId-00000000000000000000-00000000"
    event["Records"][0]["body"] = json.dumps(body)
    # When the retry queue delivers it, then the invocation fails (the queue retries the message, then keeps it in
    # StreamDeadLetterQueue for an operator) and nothing is published
    with pytest.raises(BatchProcessingError):
        event_publisher.lambda_handler(event, context)
    assert bus_events() == []
