"""Whole-partition operations on the subjects table: paging every item of a subject, deleting them."""

import time
from collections.abc import Iterator
from typing import Any

from adapters.aws import dynamodb, query_pages
from adapters.keys import subject_pk

_BATCH = 25  # BatchWriteItem's limit


def subject_item_pages(table: str, subject_id: str) -> Iterator[list[dict[str, Any]]]:
    """Every item of the subject's partition, one Query page at a time (memory stays flat)."""
    pages = query_pages(
        TableName=table,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": subject_pk(subject_id)}},
        ConsistentRead=True,
    )
    for page in pages:
        yield page.get("Items", [])


def delete_keys(table: str, keys: list[dict[str, Any]], *, max_rounds: int = 8) -> None:
    """Delete items by key, retrying what DynamoDB leaves unprocessed with backoff."""
    for start in range(0, len(keys), _BATCH):
        pending: list[dict[str, Any]] = [{"DeleteRequest": {"Key": key}} for key in keys[start : start + _BATCH]]
        for attempt in range(max_rounds):
            answer = dynamodb().batch_write_item(RequestItems={table: pending})  # type: ignore[dict-item]
            pending = [dict(item) for item in answer.get("UnprocessedItems", {}).get(table, [])]
            if not pending:
                break
            time.sleep(min(2.0, 0.05 * 2**attempt))
        if pending:
            raise RuntimeError(f"{len(pending)} items stayed unprocessed; the purge will be retried")
