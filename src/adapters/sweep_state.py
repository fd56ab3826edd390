"""Checkpoints of the daily sweeps: the last day a sweep finished, so a missed day is caught up."""

from datetime import date

from adapters.aws import dynamodb, query_items


class SweepCheckpoint:
    def __init__(self, table: str, sweep: str) -> None:
        self.table = table
        self.key = {"pk": {"S": f"SWEEP#{sweep}"}, "sk": {"S": "CHECKPOINT"}}

    def last_day(self) -> date | None:
        item = dynamodb().get_item(TableName=self.table, Key=self.key, ConsistentRead=True).get("Item")
        return date.fromisoformat(item["day"]["S"]) if item else None

    def advance(self, day: date) -> None:
        # Only forward: an older run finishing late cannot move the checkpoint back.
        dynamodb().update_item(
            TableName=self.table,
            Key=self.key,
            UpdateExpression="SET #day = :day",
            ConditionExpression="attribute_not_exists(#day) OR #day < :day",
            ExpressionAttributeNames={"#day": "day"},
            ExpressionAttributeValues={":day": {"S": day.isoformat()}},
        )


def index_members(table: str, index: str, key_name: str, partition: str) -> list[str]:
    """The sort keys (subject ids) in one partition of a sparse, keys-only index, page by page."""
    items = query_items(
        TableName=table,
        IndexName=index,
        KeyConditionExpression=f"{key_name} = :partition",
        ExpressionAttributeValues={":partition": {"S": partition}},
    )
    sort_key = key_name.replace("_pk", "_sk")
    return [item[sort_key]["S"] for item in items]


def send_batches(queue_url: str, bodies: list[str]) -> None:
    from adapters.aws import client

    sqs = client("sqs")
    for start in range(0, len(bodies), 10):
        entries = [{"Id": str(i), "MessageBody": body} for i, body in enumerate(bodies[start : start + 10])]
        answer = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if answer.get("Failed"):
            raise RuntimeError(f"{len(answer['Failed'])} messages were not queued; the sweep will retry the day")
