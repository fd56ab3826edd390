"""One item read consistently, as if TTL deleted on time."""

from typing import Any

from adapters.aws import dynamodb


def live_item(table: str, pk: str, sk: str, now_epoch: int) -> dict[str, Any] | None:
    """The stored item (DynamoDB JSON), or None if it is missing or past its `expires_at`.

    TTL deletes up to days late: an expired item is already gone as far as anyone can tell.
    """
    item = dynamodb().get_item(TableName=table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True).get("Item")
    if not item:
        return None
    expires = item.get("expires_at", {}).get("N")
    return None if expires is not None and int(expires) <= now_epoch else item
