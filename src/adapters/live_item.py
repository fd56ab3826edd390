"""One item read consistently, as if TTL deleted on time; and what the stores of the subjects table share."""

from collections.abc import Callable, Iterator
from typing import Any

from adapters.audit_log import AuditLog
from adapters.aws import dynamodb, query_items


def live_item(table: str, pk: str, sk: str, now_epoch: int) -> dict[str, Any] | None:
    """The stored item (DynamoDB JSON), or None if it is missing or past its `expires_at`.

    TTL deletes up to days late: an expired item is already gone as far as anyone can tell.
    """
    item = dynamodb().get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True).get("Item")
    if not item:
        return None
    expires = item.get("expires_at", {}).get("N")
    return None if expires is not None and int(expires) <= now_epoch else item


class SubjectsTableStore:
    """A store of the subjects table: the table, the audit log its changes are chained in, and the clock (epoch
    seconds) that decides which items TTL has yet to delete."""

    def __init__(self, table: str, audit: AuditLog, now_epoch: Callable[[], int]) -> None:
        self.table = table
        self.audit = audit
        self._now_epoch = now_epoch

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        return live_item(self.table, pk, sk, self._now_epoch())

    def _live_items(self, pk: str, prefix: str, *, consistent: bool = False) -> Iterator[dict[str, Any]]:
        """Every item of partition `pk` whose sort key starts with `prefix` (DynamoDB JSON), as if TTL deleted on
        time; one Query per page."""
        items = query_items(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
            ExpressionAttributeValues={":pk": {"S": pk}, ":prefix": {"S": prefix}},
            ConsistentRead=consistent,
        )
        now = self._now_epoch()
        for item in items:
            if int(item.get("expires_at", {}).get("N", now + 1)) > now:
                yield item
