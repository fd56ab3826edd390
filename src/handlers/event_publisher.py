"""Transactional outbox: items written with an `outbox` attribute become EventBridge events.

A use case writes its event into the same DynamoDB transaction as its change; the table's stream hands the
new item here and this function publishes it. So an event is published exactly when its change committed,
and a failed publish is retried by the stream (the record is reported as failed), never lost: a batch the stream
mapping gives up on comes back through OutboxRetryQueue, read back from the stream (adapters/stream_batches.py).
"""

import hashlib
import json
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.publisher import publish
from adapters.stream_batches import process_stream_or_replay
from observability import logger
from wiring.shared import settings

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
retry_processor = BatchProcessor(event_type=EventType.SQS)


def handle_record(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    if not image or "outbox" not in image:
        return
    outbox = json.loads(str(image["outbox"]))
    # A stable id lets consumers drop the duplicates a stream retry can produce.
    event_id = hashlib.sha256(f"{image['pk']}|{image['sk']}".encode()).hexdigest()[:32]
    publish(settings().event_bus_name, outbox["detail_type"], {"event_id": event_id, **outbox["detail"]})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_stream_or_replay(event, context, handle_record, processor=processor, retry_processor=retry_processor)
