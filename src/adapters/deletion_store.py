"""Deletion state on the profile item: one write schedules (with the TTL backstop and the PurgeByDay index
keys), one write restores. A tombstone outlives the purge briefly so still-valid tokens get 410, not data."""

from datetime import datetime
from typing import Any

from adapters.audit_log import AuditLog
from adapters.aws import dynamodb, transact_write
from adapters.dynamo_json import from_item, to_item
from adapters.keys import PROFILE_SK, subject_pk
from adapters.outbox import outbox_put
from domain.audit.model import AuditEntry
from domain.clock import epoch_seconds
from domain.erasure.model import DeletionReason, SubjectStatus, purge_partition

TOMBSTONE_SK = "TOMBSTONE"
# The tombstone lets a still-valid credential get "purged" (410) instead of an empty, apparently active account: a
# login token (Cognito's last 60 minutes, and the purge deletes the user) or a parental-consent link (at most 30 days,
# minors_composition). Unsubscribe links (60 days) do not rely on it: they require a live profile, checked in the
# unsubscribe's own transaction (adapters/consent_store.py), so they write nothing into a purged partition however
# late they come. Keep this at least the longest lifetime of a credential that does rely on it.
TOMBSTONE_SECONDS = 30 * 86_400
_STATUS_FIELDS = ("state", "purge_at", "deletion_reason", "deletion_requested_at", "deletion_request_id")


def status_of(values: dict[str, Any]) -> SubjectStatus:
    """A subject's deletion status from its profile item's values (an absent state is active)."""
    return SubjectStatus(
        state=values.get("state", "active"),
        purge_at=values.get("purge_at"),
        reason=values.get("deletion_reason"),
        requested_at=values.get("deletion_requested_at"),
        request_id=values.get("deletion_request_id"),
    )


class DynamoDeletionStore:
    """domain.erasure.ports.DeletionStore: its contract is said there, its storage here."""

    def __init__(self, table: str, audit: AuditLog) -> None:
        self.table = table
        self.audit = audit

    def status(self, subject_id: str) -> SubjectStatus:
        """One BatchGetItem: the profile's deletion fields, or the tombstone of a purged subject."""
        pk = {"S": subject_pk(subject_id)}
        answer = dynamodb().batch_get_item(
            RequestItems={
                self.table: {
                    "Keys": [{"pk": pk, "sk": {"S": PROFILE_SK}}, {"pk": pk, "sk": {"S": TOMBSTONE_SK}}],
                    "ProjectionExpression": "sk, #state, purge_at, deletion_reason, deletion_requested_at, deletion_request_id",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ConsistentRead": True,
                }
            }
        )
        items = {item["sk"]["S"]: from_item(item) for item in answer.get("Responses", {}).get(self.table, [])}
        if PROFILE_SK in items:
            return status_of(items[PROFILE_SK])
        if TOMBSTONE_SK in items:
            return SubjectStatus(state="purged", purge_at=items[TOMBSTONE_SK].get("purge_at"))
        return SubjectStatus(state="active")

    def schedule(self, subject_id: str, status: SubjectStatus, *, audit: AuditEntry, now: datetime) -> bool:
        assert status.purge_at is not None
        purge_epoch = epoch_seconds(status.purge_at)
        values = {
            ":pending": "pending_deletion",
            ":active": "active",
            ":purge_at": status.purge_at.isoformat(),
            ":reason": status.reason,
            ":requested": status.requested_at.isoformat() if status.requested_at else None,
            ":expires": purge_epoch,
            ":ppk": purge_partition(subject_id, status.purge_at.date()),
            ":psk": subject_id,
        }
        request_part = ""
        if status.request_id:
            values[":request"] = status.request_id
            request_part = ", deletion_request_id = :request"
        update = {
            "TableName": self.table,
            "Key": {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
            "UpdateExpression": "SET #state = :pending, purge_at = :purge_at, deletion_reason = :reason, "
            "deletion_requested_at = :requested, expires_at = :expires, purge_pk = :ppk, purge_sk = :psk"
            + request_part,
            "ConditionExpression": "attribute_exists(pk) AND (attribute_not_exists(#state) OR #state = :active)",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": to_item(values),
        }
        # The erasure request it answers, if any (Art. 19): recipients erase their copy and report on that request.
        detail = {
            "subject_id": subject_id,
            "purge_at": status.purge_at.isoformat(),
            "reason": status.reason,
            "request_id": status.request_id,
        }
        return transact_write(
            [
                {"Update": update},
                outbox_put(self.table, "SubjectDeletionScheduled", detail, epoch_seconds(now)),
                self.audit.prepare(subject_id, audit),
            ]
        )

    def take_over(
        self,
        subject_id: str,
        reason: DeletionReason,
        *,
        request_id: str | None,
        audit: AuditEntry,
        now: datetime,
        reasons: tuple[DeletionReason, ...],
    ) -> bool:
        # The purge date, its index keys and TTL stay as they are.
        allowed = {f":from{index}": previous for index, previous in enumerate(reasons)}
        values: dict[str, Any] = allowed | {
            ":pending": "pending_deletion",
            ":now": epoch_seconds(now),
            ":reason": reason,
        }
        request_part = ""
        if request_id:
            values[":request"] = request_id
            request_part = ", deletion_request_id = :request"
        update = {
            "TableName": self.table,
            "Key": {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
            "UpdateExpression": "SET deletion_reason = :reason" + request_part,
            "ConditionExpression": f"#state = :pending AND expires_at > :now AND deletion_reason IN ({', '.join(allowed)})",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": to_item(values),
        }
        return transact_write([{"Update": update}, self.audit.prepare(subject_id, audit)])

    def restore(
        self,
        subject_id: str,
        *,
        audit: AuditEntry,
        now: datetime,
        activity: dict[str, str],
        reasons: tuple[DeletionReason, ...],
    ) -> bool:
        allowed = {f":reason{index}": reason for index, reason in enumerate(reasons)}
        update = {
            "TableName": self.table,
            "Key": {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
            "UpdateExpression": "SET #state = :active, last_active_day = :day, active_pk = :apk, active_sk = :ask "
            "REMOVE purge_at, deletion_reason, deletion_requested_at, deletion_request_id, expires_at, purge_pk, "
            "purge_sk",
            "ConditionExpression": f"#state = :pending AND expires_at > :now AND deletion_reason IN ({', '.join(allowed)})",
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": to_item(
                allowed
                | {
                    ":active": "active",
                    ":pending": "pending_deletion",
                    ":now": epoch_seconds(now),
                    ":day": now.date().isoformat(),
                    ":apk": activity["active_pk"],
                    ":ask": activity["active_sk"],
                }
            ),
        }
        detail = {"subject_id": subject_id}
        return transact_write(
            [
                {"Update": update},
                outbox_put(self.table, "SubjectRestored", detail, epoch_seconds(now)),
                self.audit.prepare(subject_id, audit),
            ]
        )

    def retire_profile(self, subject_id: str, purge_at: datetime | None, now: datetime) -> None:
        """The purge's last step: the profile goes and the tombstone comes in one transaction, so a reader sees
        pending or purged, never neither. Idempotent (the profile may already be gone: TTL, or a finished run)."""
        tombstone = {
            "pk": subject_pk(subject_id),
            "sk": TOMBSTONE_SK,
            "state": "purged",
            "expires_at": epoch_seconds(now) + TOMBSTONE_SECONDS,
        }
        if purge_at:
            tombstone["purge_at"] = purge_at.isoformat()
        profile = {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}}
        dynamodb().transact_write_items(
            TransactItems=[
                {"Delete": {"TableName": self.table, "Key": profile}},
                {"Put": {"TableName": self.table, "Item": to_item(tombstone)}},
            ]
        )
