"""The records of a stream batch Lambda gave up on, read back from the stream.

When a stream event source mapping runs out of retries it sends its on-failure destination an invocation record:
where the batch was (`DDBStreamBatchInfo`: stream, shard, first and last sequence numbers), not the records.
DynamoDB Streams keeps records for 24 hours, so whoever handles that invocation record reads them back from there.
Each stream function takes the queue its mapping gives up to as a second event source and handles the records
again; a record handled twice publishes an event with the same `event_id` (consumers drop the duplicate).
"""

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from adapters.aws import client

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.batch import BatchProcessor
    from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

MAX_PAGES = 100  # GetRecords may answer empty pages along an open shard; a batch never spans this many


class BatchNotReadable(RuntimeError):
    """The batch's last record could not be reached: the message is retried, then kept in the dead-letter queue."""


def from_queue(event: dict[str, Any]) -> bool:
    """Whether a stream function's invocation comes from its on-failure queue rather than from the stream."""
    records = event.get("Records") or [{}]
    return bool(records[0].get("eventSource") == "aws:sqs")


def given_up_records(message_body: str) -> Iterator[dict[str, Any]]:
    """The records of the batch an on-failure invocation record (a queue message's body) points at."""
    return discarded_records(json.loads(message_body)["DDBStreamBatchInfo"])


def discarded_records(batch: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every record from the batch's first to its last sequence number, in the form Lambda hands a function (the
    ones the mapping's filter had left out included: the caller filters). Raises when the stream no longer has them
    (TrimmedDataAccessException after 24 hours)."""
    streams = client("dynamodbstreams")
    stream_arn, last = batch["streamArn"], int(batch["endSequenceNumber"])
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn,
        ShardId=batch["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=batch["startSequenceNumber"],
    )["ShardIterator"]
    for _ in range(MAX_PAGES):
        answer = streams.get_records(ShardIterator=iterator)
        for record in answer.get("Records", []):
            sequence = int(record["dynamodb"]["SequenceNumber"])
            if sequence > last:
                return
            yield _as_delivered(record, stream_arn)
            if sequence == last:
                return
        iterator = answer.get("NextShardIterator")
        if not iterator:
            return  # a closed shard, read to its end
    raise BatchNotReadable(f"sequence number {last} not reached in {MAX_PAGES} pages")


def _as_delivered(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """GetRecords' form to the event source mapping's: epoch seconds, lower-case identity, the stream's ARN."""
    data = dict(record["dynamodb"])
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = int(created.timestamp())
    delivered = {
        "eventID": record.get("eventID"),
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion"),
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }
    if identity := record.get("userIdentity"):
        delivered["userIdentity"] = {"type": identity.get("Type"), "principalId": identity.get("PrincipalId")}
    return delivered


def process_stream_or_replay(
    event: dict[str, Any],
    context: Any,
    handle_record: "Callable[[DynamoDBRecord], None]",
    *,
    processor: "BatchProcessor",
    retry_processor: "BatchProcessor",
) -> "PartialItemFailureResponse":
    """A stream function's entry, one for every stream function: the records of the stream (`processor`), or, for an
    invocation from its on-failure queue (`retry_processor`), every record of each batch the mapping gave up on, read
    back from the stream and handled again by the same `handle_record`. Failures are reported record by record, so a
    retry repeats only them."""
    from aws_lambda_powertools.utilities.batch import process_partial_response
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    if not from_queue(event):
        return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)

    def handle_given_up_batch(record: "SQSRecord") -> None:
        for discarded in given_up_records(record.body):
            handle_record(DynamoDBRecord(discarded))

    return process_partial_response(
        event=event, record_handler=handle_given_up_batch, processor=retry_processor, context=context
    )
