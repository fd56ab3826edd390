"""What was last announced of each product's policy: one item per product in the subjects table (`POLICY#<product>`,
never a subject's partition), holding digests only."""

import json
from typing import Any

from adapters.aws import dynamodb


class DynamoPolicyAnnouncements:
    def __init__(self, table: str) -> None:
        self.table = table

    @staticmethod
    def _key(product: str) -> dict[str, Any]:
        return {"pk": {"S": f"POLICY#{product}"}, "sk": {"S": "ANNOUNCED"}}

    def last(self, product: str) -> dict[str, Any] | None:
        item = dynamodb().get_item(TableName=self.table, Key=self._key(product), ConsistentRead=True).get("Item")
        return json.loads(item["fingerprint"]["S"]) if item else None

    def record(self, product: str, fingerprint: dict[str, Any], previous_version: str | None) -> bool:
        """Records the announcement unless another run recorded this or a later one first (False then)."""
        ddb = dynamodb()
        condition = "attribute_not_exists(pk)" if previous_version is None else "version = :previous"
        values = {} if previous_version is None else {":previous": {"S": previous_version}}
        try:
            ddb.put_item(
                TableName=self.table,
                Item={
                    **self._key(product),
                    "version": {"S": fingerprint["version"]},
                    "fingerprint": {"S": json.dumps(fingerprint, sort_keys=True)},
                },
                ConditionExpression=condition,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except ddb.exceptions.ConditionalCheckFailedException:
            return False
        return True
