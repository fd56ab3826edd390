"""Purge worker: a profile item expired by TTL means the subject's restore window has ended.

The stream filter in template.yaml passes only TTL deletions of profile items; each one purges the rest of
that subject's partition. Failed records are reported individually, so a retry repeats only them.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.keys import subject_id_of
from adapters.partition import delete_keys, subject_item_pages
from config import Settings
from observability import logger

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)
TTL_PRINCIPAL = "dynamodb.amazonaws.com"


@cache
def settings() -> Settings:
    return Settings.from_env()


def is_ttl_removal(record: DynamoDBRecord) -> bool:
    identity = record.raw_event.get("userIdentity") or {}
    return record.event_name is DynamoDBRecordEventName.REMOVE and identity.get("principalId") == TTL_PRINCIPAL


def purge_subject(subject_id: str) -> int:
    table = settings().subjects_table
    deleted = 0
    for page in subject_item_pages(table, subject_id):
        keys = [{"pk": item["pk"], "sk": item["sk"]} for item in page]
        delete_keys(table, keys)
        deleted += len(keys)
    return deleted


def handle_record(record: DynamoDBRecord) -> None:
    keys = record.dynamodb.keys if record.dynamodb else {}
    subject_id = subject_id_of(str((keys or {}).get("pk", "")))
    if not is_ttl_removal(record) or subject_id is None:
        return
    deleted = purge_subject(subject_id)
    logger.info("subject purged by TTL backstop", extra={"items_deleted": deleted})


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
