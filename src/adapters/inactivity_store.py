"""What the inactivity worker reads and writes beside the erasure and request stores: a subject's last day of
activity (one projected GetItem) and the SubjectInactive notice, an outbox item with a deterministic key, so a
redelivered message never publishes it twice (see event_publisher)."""

import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime

from adapters.aws import dynamodb
from adapters.keys import PROFILE_SK, subject_pk
from adapters.outbox import OUTBOX_TTL_SECONDS

NOTICE = "SubjectInactive"


class DynamoInactivityStore:
    def __init__(self, table: str, now_epoch: Callable[[], int]) -> None:
        self.table = table
        self._now_epoch = now_epoch

    def last_active_day(self, subject_id: str) -> date | None:
        """The profile's last day of activity; None without a profile (or without any activity recorded)."""
        item = (
            dynamodb()
            .get_item(
                TableName=self.table,
                Key={"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
                ProjectionExpression="last_active_day",
                ConsistentRead=True,
            )
            .get("Item")
        )
        day = (item or {}).get("last_active_day", {}).get("S")
        return date.fromisoformat(day) if day else None

    def notify_inactive(
        self, subject_id: str, *, inactive_since: date, purge_at: datetime, scheduled_at: datetime
    ) -> bool:
        """Queues the SubjectInactive event once per scheduling; False if this scheduling was already noticed."""
        detail = {
            "subject_id": subject_id,
            "inactive_since": inactive_since.isoformat(),
            "purge_at": purge_at.isoformat(),
        }
        # One key per subject and scheduling: the publisher derives the event id from it, so even a copy written
        # after the outbox item expired carries the same event id for consumers to drop.
        digest = hashlib.sha256(f"{NOTICE}|{subject_id}|{scheduled_at.isoformat()}".encode()).hexdigest()[:32]
        client = dynamodb()
        try:
            client.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": f"OUTBOX#{digest}"},
                    "sk": {"S": "EVENT"},
                    "outbox": {"S": json.dumps({"detail_type": NOTICE, "detail": detail})},
                    "expires_at": {"N": str(self._now_epoch() + OUTBOX_TTL_SECONDS)},
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True
