"""Purge worker: permanently deletes subjects whose restore window has ended.

Two sources, one outcome: the daily purge sweep sends due subjects through the purge queue (the legally
timed guarantee), and a TTL deletion of a profile arrives through the table's stream (the backstop; the
stream filter in template.yaml passes only those). Either may come first; both end in the same state with
one certificate. Failed records are reported individually, so a retry repeats only them.

A stream batch that runs out of retries is not lost with its records: the mapping's on-failure destination is
the purge queue, which then carries where the batch was in the stream (an invocation record, not the records:
the sweep cannot find these subjects any more, their index keys went with the profile). The batch is read back
from the stream, which keeps it 24 hours, and purged as if delivered again.
"""

import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBRecordEventName
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.keys import profile_owner
from adapters.stream_batches import discarded_records, from_queue
from domain.erasure.model import SubjectStatus
from domain.erasure.purge import Purged
from observability import logger
from wiring.erasure import subject_purge

stream_processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
queue_processor = BatchProcessor(event_type=EventType.SQS)
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


def is_ttl_removal(record: DynamoDBRecord) -> bool:
    identity = record.raw_event.get("userIdentity") or {}
    return record.event_name is DynamoDBRecordEventName.REMOVE and identity.get("principalId") == TTL_PRINCIPAL


def _purged(purged: Purged | None) -> None:
    if purged is not None:
        logger.info("subject purged", extra={"certificate_id": purged.certificate_id, "held": purged.held})


def handle_stream_record(record: DynamoDBRecord) -> None:
    subject_id = profile_owner((record.dynamodb.keys if record.dynamodb else None) or {})
    if not is_ttl_removal(record) or subject_id is None:
        return
    old = (record.dynamodb.old_image if record.dynamodb else None) or {}
    if old.get("state") != "pending_deletion":
        return  # TTL on a profile only ever means a scheduled deletion; anything else is not ours to purge
    status = SubjectStatus(
        state="pending_deletion",
        purge_at=old.get("purge_at"),
        reason=old.get("deletion_reason"),
        requested_at=old.get("deletion_requested_at"),
        request_id=old.get("deletion_request_id"),
    )
    _purged(subject_purge().purge(subject_id, status))


def handle_queue_record(record: SQSRecord) -> None:
    message = json.loads(record.body)
    if "DDBStreamBatchInfo" in message:  # the ProfileExpired mapping gave up on a batch
        for discarded in discarded_records(message["DDBStreamBatchInfo"]):
            handle_stream_record(DynamoDBRecord(discarded))
        return
    _purged(subject_purge().purge_if_due(message["subject_id"]))


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    if from_queue(event):
        return process_partial_response(
            event=event, record_handler=handle_queue_record, processor=queue_processor, context=context
        )
    return process_partial_response(
        event=event, record_handler=handle_stream_record, processor=stream_processor, context=context
    )
