"""A subject found to be a child who signed up without parental consent is purged now, without a restore window.

`expedite` moves an already scheduled deletion to now (a pending subject could otherwise restore within the
window); `queue` hands the subject to the purge worker at once instead of waiting for the daily sweep.
"""

import json
from datetime import datetime

from adapters.audit_log import AuditLog
from adapters.aws import client, transact_write
from adapters.dynamo_json import to_item
from adapters.keys import PROFILE_SK, subject_pk
from adapters.outbox import outbox_put
from domain.audit.model import AuditEntry
from domain.clock import epoch_seconds
from domain.erasure.model import DeletionReason, purge_partition


class UnderagePurge:
    def __init__(self, table: str, audit: AuditLog, queue_url: str) -> None:
        self.table = table
        self.audit = audit
        self.queue_url = queue_url

    def expedite(self, subject_id: str, reason: DeletionReason, *, audit: AuditEntry, now: datetime) -> bool:
        """False when the subject is not pending deletion (nothing written)."""
        update = {
            "TableName": self.table,
            "Key": {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
            "UpdateExpression": "SET purge_at = :purge_at, deletion_reason = :reason, expires_at = :expires, "
            "purge_pk = :ppk, purge_sk = :psk",
            "ConditionExpression": "#state = :pending",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": to_item(
                {
                    ":pending": "pending_deletion",
                    ":purge_at": now.isoformat(),
                    ":reason": reason,
                    ":expires": epoch_seconds(now),
                    ":ppk": purge_partition(subject_id, now.date()),
                    ":psk": subject_id,
                }
            ),
        }
        detail = {"subject_id": subject_id, "purge_at": now.isoformat(), "reason": reason}
        items = [
            {"Update": update},
            outbox_put(self.table, "SubjectDeletionScheduled", detail, epoch_seconds(now)),
            self.audit.prepare(subject_id, audit),
        ]
        return transact_write(items)

    def queue(self, subject_id: str) -> None:
        client("sqs").send_message(QueueUrl=self.queue_url, MessageBody=json.dumps({"subject_id": subject_id}))
