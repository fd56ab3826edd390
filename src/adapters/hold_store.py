"""Legal holds in the subjects table: pk = SUBJECT#<sub>, sk = HOLD#<category>, with the hold's end both as ISO
8601 text (`until`, which the purger reads) and as the item's TTL (`expires_at`: an ended hold holds nothing)."""

from datetime import datetime

from adapters.aws import transact_write
from adapters.dynamo_json import from_item, to_item
from adapters.keys import LIVE_PROFILE_CONDITION, PROFILE_SK, subject_pk
from adapters.live_item import SubjectsTableStore
from domain.audit.model import AuditEntry
from domain.clock import epoch_seconds
from domain.erasure.model import LegalHold

HOLD_PREFIX = "HOLD#"


def hold_sk(category: str) -> str:
    return f"{HOLD_PREFIX}{category}"


class DynamoHoldStore(SubjectsTableStore):
    def place(self, subject_id: str, hold: LegalHold, *, audit: AuditEntry, now: datetime) -> bool:
        """One transaction: the profile exists and its purge is not due (a purge reads the holds once it is due, so
        a hold written later would be for nobody), the hold (replacing one of its category), its audit record."""
        pk = subject_pk(subject_id)
        item = {
            "pk": pk,
            "sk": hold_sk(hold.category),
            "category": hold.category,
            "until": hold.until.isoformat(),
            "reason": hold.reason,
            "placed_at": hold.placed_at.isoformat(),
            "placed_by": hold.placed_by,
            "expires_at": epoch_seconds(hold.until),
        }
        profile_live = {
            "TableName": self.table,
            "Key": {"pk": {"S": pk}, "sk": {"S": PROFILE_SK}},
            "ConditionExpression": LIVE_PROFILE_CONDITION,
            "ExpressionAttributeValues": {":now": {"N": str(epoch_seconds(now))}},
        }
        return transact_write(
            [
                {"ConditionCheck": profile_live},
                {"Put": {"TableName": self.table, "Item": to_item(item)}},
                self.audit.prepare(subject_id, audit),
            ]
        )

    def lift(self, subject_id: str, category: str, *, audit: AuditEntry) -> bool:
        delete = {
            "TableName": self.table,
            "Key": {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": hold_sk(category)}},
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",  # an ended hold is gone already
            "ExpressionAttributeValues": {":now": {"N": str(self._now_epoch())}},
        }
        return transact_write([{"Delete": delete}, self.audit.prepare(subject_id, audit)])

    def holds(self, subject_id: str) -> list[LegalHold] | None:
        pk = subject_pk(subject_id)
        holds = [_hold(item) for item in self._live_items(pk, HOLD_PREFIX, consistent=True)]
        if not holds and self._get(pk, PROFILE_SK) is None:
            return None
        return holds


def _hold(item: dict[str, object]) -> LegalHold:
    values = from_item(item)  # type: ignore[arg-type]
    return LegalHold(
        category=values["category"],
        until=datetime.fromisoformat(values["until"]),
        reason=values["reason"],
        placed_at=datetime.fromisoformat(values["placed_at"]),
        placed_by=values["placed_by"],
    )
