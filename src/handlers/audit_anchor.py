"""Anchors the audit trail where the functions' table permissions cannot reach: for every audit record the audit
table's stream inserts, a write-once object in AuditAnchorBucket (Object Lock) names its sequence and hash, and
`GET /admin/audit/{p}` checks the chain against them. A change or deletion of an audit record, which the service
never makes, is counted (AuditTampering, with an alarm) and logged by pseudonym and sequence only.

A batch the stream mapping gives up on comes back through AuditAnchorRetryQueue, read back from the stream
(adapters/stream_batches.py); anchoring a record twice writes the same key.
"""

from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.audit_log import audit_write
from adapters.stream_batches import process_stream_or_replay
from observability import logger
from wiring.audit import audit_anchors

metrics = Metrics()

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
retry_processor = BatchProcessor(event_type=EventType.SQS)


def handle_record(record: DynamoDBRecord) -> None:
    write = audit_write(record.raw_event)
    if write is None:
        return  # not an audit record (a deletion certificate)
    if write.change == "INSERT" and write.hash is not None:
        audit_anchors().anchor(write.subject, write.sequence, write.hash, write.expires_at)
        return
    if write.by_ttl:
        # An expiring record (a visitor's) removed by the table's TTL: only the service can be this principal. A
        # record made to expire early had to be rewritten first, and that MODIFY was counted below.
        return
    metrics.add_metric(name="AuditTampering", unit=MetricUnit.Count, value=1)
    logger.warning(
        "audit record changed after it was written: tampering",
        extra={"subject": write.subject, "sequence": write.sequence, "change": write.change},
    )


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_stream_or_replay(event, context, handle_record, processor=processor, retry_processor=retry_processor)
