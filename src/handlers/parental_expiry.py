"""Parental consent expiry: a pending request nobody answered is deleted by its TTL (and the parent's e-mail
address with it); this function turns that deletion into ParentalConsentExpired for the host application.

The stream filter in template.yaml passes only TTL deletions (REMOVE by the DynamoDB service principal) of
pending-request items; the checks here repeat it so a wider subscription could not publish a false expiry.
The event carries the request id and the host's opaque reference only. A failed publish is retried by the
stream (the record is reported as failed), and a batch the mapping gives up on comes back through
ParentalExpiryRetryQueue, read back from the stream; consumers drop duplicates by `event_id`.
"""

import hashlib
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBRecordEventName
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.keys import PARENTAL_REQUEST_SK
from adapters.publisher import publish
from adapters.stream_batches import process_stream_or_replay
from observability import logger
from wiring.shared import settings

TTL_PRINCIPAL = "dynamodb.amazonaws.com"

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
retry_processor = BatchProcessor(event_type=EventType.SQS)


def is_expired_request(record: DynamoDBRecord) -> bool:
    identity = record.raw_event.get("userIdentity") or {}
    keys = (record.dynamodb.keys if record.dynamodb else None) or {}
    return (
        record.event_name is DynamoDBRecordEventName.REMOVE
        and identity.get("principalId") == TTL_PRINCIPAL
        and keys.get("sk") == PARENTAL_REQUEST_SK
    )


def handle_record(record: DynamoDBRecord) -> None:
    if not is_expired_request(record):
        return
    old = (record.dynamodb.old_image if record.dynamodb else None) or {}
    request_id, child_reference = old.get("request_id"), old.get("child_reference")
    if not request_id:
        return
    event_id = hashlib.sha256(f"ParentalConsentExpired|{request_id}".encode()).hexdigest()[:32]
    detail = {"event_id": event_id, "request_id": str(request_id), "child_reference": str(child_reference or "")}
    publish(settings().event_bus_name, "ParentalConsentExpired", detail)
    logger.info("parental consent request expired", extra={"request_id": request_id})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_stream_or_replay(event, context, handle_record, processor=processor, retry_processor=retry_processor)
