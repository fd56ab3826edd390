"""The permanent purge of one subject, idempotent and resumable.

Order matters: (1) count what will go and copy held records into the isolated partition, (2) write the
deletion certificate with its audit record and the SubjectPurged event (once: a re-run finds it), (3) delete
the items, the exports and the login, (4) once the caller has closed the erasure request (if scheduling it left
it open), `finish`: the profile goes and the tombstone comes, provided nothing but the kept items is left (else it
raises, and the purge runs again). Nothing is deleted before its certificate exists. The profile goes last because it
is what says the purge is not done: a crash anywhere leaves it pending and due, so the next delivery (the queue's
redelivery, the stream's retry) runs the purge again and every step, idempotent, finishes what was left.
"""

import json
from collections import Counter
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any

from adapters.audit_log import AuditLog
from adapters.aws import dynamodb, query_pages
from adapters.certificate_issuer import issue_certificate
from adapters.deletion_store import DynamoDeletionStore, status_of
from adapters.dynamo_json import from_item
from adapters.hold_store import HOLD_PREFIX
from adapters.keys import CHILD_PREFIX, PARENT_PREFIX, PROFILE_SK, subject_pk
from adapters.logins import CognitoLogins
from adapters.parental_binding import BINDING_SK
from adapters.partition import delete_keys, subject_item_pages
from adapters.s3_archive import delete_objects, list_keys
from domain.audit.model import AuditEntry
from domain.clock import epoch_seconds
from domain.erasure.model import DeletionCertificate, HeldCategory, SubjectStatus, certificate_id, hold_until
from domain.records import RecordCategories

KEPT_PREFIXES = ("REQUEST#",)  # request records are evidence of compliance and expire on their own
SKIP_PREFIXES = ("TOMBSTONE",)


class PurgeIncomplete(RuntimeError):
    """Items other than the kept ones are still in the partition at the purge's last step: it must run again."""

    def __init__(self, left: int) -> None:
        super().__init__(f"{left} items were written into the partition during the purge; the purge will run again")
        self.left = left


def _stored_at(item: dict[str, Any], now: datetime) -> datetime:
    """When a record was last stored (its `updated_at`), or `now` if that is unreadable: a later start, so a longer
    hold, never a shorter one."""
    try:
        stored = datetime.fromisoformat(item["updated_at"]["S"])
    except (KeyError, TypeError, ValueError):
        return now
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


def _category(sort_key: str) -> str:
    if sort_key.startswith("RECORD#"):
        return sort_key.split("#")[1]
    return sort_key.split("#", 1)[0].lower()


class Purger:
    def __init__(
        self,
        *,
        table: str,
        audit_table: str,
        audit: AuditLog,
        bucket: str,
        user_pool_id: str | None,
        categories: RecordCategories,
        signer: Any = None,
    ) -> None:
        self.table = table
        self.audit_table = audit_table
        self.audit = audit
        self.bucket = bucket
        self.user_pool_id = user_pool_id
        self.categories = categories
        self.signer = signer
        self.deletions = DynamoDeletionStore(table, audit)
        self.logins = CognitoLogins(user_pool_id)

    def profile_status(self, subject_id: str) -> SubjectStatus | None:
        item = (
            dynamodb()
            .get_item(
                TableName=self.table,
                Key={"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        if not item:
            return None
        return status_of(from_item(item))

    def purge(self, subject_id: str, status: SubjectStatus, now: datetime) -> DeletionCertificate:
        pseudonym = self.audit.pseudonym(subject_id)
        admin_holds = self._admin_holds(subject_id)
        counts: Counter[str] = Counter()
        held: dict[tuple[str, str], HeldCategory] = {}  # by category and basis: each basis is stated on its own
        links: list[dict[str, Any]] = []
        for page in subject_item_pages(self.table, subject_id):
            for item in page:
                sort_key = item["sk"]["S"]
                if sort_key.startswith(KEPT_PREFIXES + SKIP_PREFIXES):
                    continue
                if sort_key.startswith((CHILD_PREFIX, PARENT_PREFIX)):
                    links.append(item)
                category = _category(sort_key)
                until = self._held_until(item, category, admin_holds, now)
                if until is not None:
                    self._isolate(pseudonym, item, until[0])
                    entry = held.get((category, until[1]))
                    latest = max(until[0], entry.until) if entry else until[0]
                    held[(category, until[1])] = HeldCategory(
                        category=category, until=latest, count=(entry.count if entry else 0) + 1, basis=until[1]
                    )
                else:
                    counts[category] += 1
        # What the certificate states is learnt before it is signed; the deletions below act on exactly that.
        exports = list_keys(self.bucket, f"exports/{subject_id}/") if self.bucket else []
        login = self.logins.find(subject_id)
        certificate = DeletionCertificate(
            certificate_id=certificate_id(pseudonym, status.purge_at or now),
            subject=pseudonym,
            request_id=status.request_id,
            reason=status.reason,
            requested_at=status.requested_at,
            scheduled_purge_at=status.purge_at,
            purged_at=now,
            deleted_counts=dict(counts),
            held=list(held.values()),
            exports_deleted=len(exports),
            login_deleted=login is not None,
        )
        # Resumed: the first run's certificate, which stated its own.
        certificate = issue_certificate(
            subject_id,
            certificate,
            now,
            table=self.table,
            audit_table=self.audit_table,
            audit=self.audit,
            signer=self.signer,
        )
        # The other side of each parent-child link first: this side, deleted with the partition, is what finds it again
        # on a resumed run.
        for link in links:
            self._unlink(subject_id, link, now)
        self._delete_partition(subject_id)
        delete_objects(self.bucket, exports)
        self.logins.delete(login)
        return certificate

    def finish(self, subject_id: str, status: SubjectStatus, now: datetime) -> None:
        """The last step, after `purge` and the erasure request's completion: the profile becomes the tombstone.

        Refused (PurgeIncomplete) while anything but the kept items is left in the partition, e.g. written by a
        writer that raced the deletion: the profile stays pending and due, so the purge runs again and sweeps it.
        Retired, the profile would leave such an item behind forever (no TTL, no later purge would find it)."""
        self._delete_late_exports(subject_id, now)
        left = self._left_behind(subject_id)
        if left:
            raise PurgeIncomplete(left)
        self.deletions.retire_profile(subject_id, status.purge_at, now)

    def _delete_late_exports(self, subject_id: str, now: datetime) -> None:
        """Exports uploaded after `purge` listed them (an export worker racing the purge), deleted after their own
        audit record: the certificate, written before, cannot count them."""
        late = list_keys(self.bucket, f"exports/{subject_id}/") if self.bucket else []
        if not late:
            return
        entry = AuditEntry(
            action="subject.late_exports_deleted", actor="system", at=now, details={"exports_deleted": len(late)}
        )
        self.audit.append(subject_id, entry)
        delete_objects(self.bucket, late)

    # ------------------------------------------------------------------ steps
    def _admin_holds(self, subject_id: str) -> dict[str, datetime]:
        answer = dynamodb().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :hold)",
            ExpressionAttributeValues={":pk": {"S": subject_pk(subject_id)}, ":hold": {"S": HOLD_PREFIX}},
        )
        holds = {}
        for item in answer.get("Items", []):
            values = from_item(item)
            holds[values["category"]] = datetime.fromisoformat(values["until"])
        return holds

    def _held_until(
        self, item: dict[str, Any], category: str, admin_holds: dict[str, datetime], now: datetime
    ) -> tuple[datetime, str] | None:
        if not item["sk"]["S"].startswith("RECORD#"):
            return None
        try:
            document = json.loads(item.get("document", {}).get("S", "{}"))
        except ValueError:
            document = {}
        until = hold_until(
            category,
            document if isinstance(document, dict) else {},
            self.categories,
            admin_holds,
            stored_at=_stored_at(item, now),
        )
        return until if until and until[0] > now else None

    def _isolate(self, pseudonym: str, item: dict[str, Any], until: datetime) -> None:
        # Keyed by pseudonym, outside every subject partition: no route reads HELD# partitions.
        isolated = {**item, "pk": {"S": f"HELD#{pseudonym}"}, "expires_at": {"N": str(epoch_seconds(until))}}
        dynamodb().put_item(TableName=self.table, Item=isolated)

    def _unlink(self, subject_id: str, link: dict[str, Any], now: datetime) -> None:
        """Delete the other subject's side of a parent-child link (CHILD#<purged> in a parent's partition, or
        PARENT#<purged> in a child's), in one transaction with its record in that subject's chain. Once per link:
        a resumed run finds it gone (the condition fails) and appends nothing."""
        values = from_item(link)
        sort_key = str(values["sk"])
        if sort_key.startswith(CHILD_PREFIX):
            other, other_sk = sort_key.removeprefix(CHILD_PREFIX), f"{PARENT_PREFIX}{subject_id}"
            self._clear_binding(other, subject_id)
        else:
            other, other_sk = sort_key.removeprefix(PARENT_PREFIX), f"{CHILD_PREFIX}{subject_id}"
        entry = AuditEntry(
            action="parental.link_removed",
            actor="system",
            at=now,
            request_id=values.get("request_id"),
            details={"reason": "subject_purged", "side": "child" if other_sk.startswith(CHILD_PREFIX) else "parent"},
        )
        delete = {
            "TableName": self.table,
            "Key": {"pk": {"S": subject_pk(other)}, "sk": {"S": other_sk}},
            "ConditionExpression": "attribute_exists(pk)",
        }
        self.audit.commit(lambda: [{"Delete": delete}, self.audit.prepare(other, entry)])

    def _clear_binding(self, child: str, parent: str) -> None:
        """The child's binding to its consent request stops naming the purged parent (before the link goes: a resumed
        run finds the link again, and this finds nothing left to clear)."""
        ddb = dynamodb()
        with suppress(ddb.exceptions.ConditionalCheckFailedException):
            ddb.update_item(
                TableName=self.table,
                Key={"pk": {"S": subject_pk(child)}, "sk": {"S": BINDING_SK}},
                UpdateExpression="REMOVE parent_subject_id, linked_at",
                ConditionExpression="parent_subject_id = :parent",
                ExpressionAttributeValues={":parent": {"S": parent}},
            )

    def _left_behind(self, subject_id: str) -> int:
        """How many items of the partition are neither kept (requests), nor the profile, nor the tombstone."""
        pages = query_pages(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            FilterExpression="NOT begins_with(sk, :kept) AND sk <> :profile AND sk <> :tombstone",
            ExpressionAttributeValues={
                ":pk": {"S": subject_pk(subject_id)},
                ":kept": {"S": KEPT_PREFIXES[0]},
                ":profile": {"S": PROFILE_SK},
                ":tombstone": {"S": SKIP_PREFIXES[0]},
            },
            Select="COUNT",
            ConsistentRead=True,
        )
        return sum(int(page.get("Count", 0)) for page in pages)

    def _delete_partition(self, subject_id: str) -> None:
        for page in subject_item_pages(self.table, subject_id):
            keys = [
                {"pk": i["pk"], "sk": i["sk"]}
                for i in page
                if not i["sk"]["S"].startswith(KEPT_PREFIXES + SKIP_PREFIXES) and i["sk"]["S"] != PROFILE_SK
            ]  # the profile goes in finish()
            delete_keys(self.table, keys)
