"""The subject's standing (restriction, objections) in the subjects table, and the facts the permission rule reads.

Keys: pk = SUBJECT#<sub>, sk = STANDING (versioned; the purge deletes it with the partition, the export shows it).
The facts are one BatchGetItem of PROFILE, CONSENTS, TOMBSTONE and STANDING, its unprocessed keys retried once: at
most 2 AWS calls (tests/integration/test_call_budget.py).
"""

from datetime import date
from typing import Any

from adapters.aws import dynamodb
from adapters.consent_store import STATE_SK
from adapters.deletion_store import TOMBSTONE_SK, status_of
from adapters.dynamo_json import from_item, to_item
from adapters.keys import LIVE_PROFILE_CONDITION, PROFILE_SK, subject_pk
from adapters.live_item import SubjectsTableStore
from adapters.outbox import outbox_put
from domain.audit.model import AuditEntry
from domain.consent.model import ConsentState
from domain.erasure.model import SubjectStatus, SubjectUnavailable
from domain.standing.model import Standing, SubjectFacts
from domain.standing.ports import Event, StandingMoved
from domain.values import from_json, to_json

STANDING_SK = "STANDING"
_KEYS = (PROFILE_SK, STATE_SK, TOMBSTONE_SK, STANDING_SK)
_CONDITION_FAILED = "ConditionalCheckFailed"


class DynamoStandingStore(SubjectsTableStore):
    def facts(self, subject_id: str) -> SubjectFacts:
        items = self._read(subject_id)
        now = self._now_epoch()
        live = {sk: item for sk, item in items.items() if int(item.get("expires_at", {}).get("N", now + 1)) > now}
        profile = from_item(items[PROFILE_SK]) if PROFILE_SK in items else None  # pending: its TTL is the purge time
        if profile is not None:
            status = status_of(profile)
        elif TOMBSTONE_SK in items:
            status = SubjectStatus(state="purged", purge_at=from_item(items[TOMBSTONE_SK]).get("purge_at"))
        else:
            status = SubjectStatus(state="active")
        consents = ConsentState()
        if STATE_SK in live:
            consents = ConsentState.model_validate_json(live[STATE_SK]["state"]["S"])
        standing = Standing()
        if STANDING_SK in items:
            standing = from_json(Standing, items[STANDING_SK]["standing"]["S"])
        birth_date = profile.get("birth_date") if profile else None
        return SubjectFacts(
            exists=profile is not None or TOMBSTONE_SK in items,
            status=status,
            standing=standing,
            consents=consents,
            birth_date=_date(birth_date),
            country=profile.get("country") if profile else None,
        )

    def _read(self, subject_id: str) -> dict[str, dict[str, Any]]:
        pk = {"S": subject_pk(subject_id)}
        request: dict[str, Any] = {
            self.table: {"Keys": [{"pk": pk, "sk": {"S": sk}} for sk in _KEYS], "ConsistentRead": True}
        }
        found: dict[str, dict[str, Any]] = {}
        for _ in range(2):  # one retry of what DynamoDB left unprocessed
            answer = dynamodb().batch_get_item(RequestItems=request)
            for item in answer.get("Responses", {}).get(self.table, []):
                found[item["sk"]["S"]] = item
            request = answer.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise StandingMoved("The account could not be read in full; please retry.")

    def save(self, subject_id: str, standing: Standing, *, audit: AuditEntry, event: Event) -> Standing:
        pk = subject_pk(subject_id)
        item = {"pk": pk, "sk": STANDING_SK, "version": standing.version, "standing": to_json(standing)}
        if standing.version == 1:
            condition, values = "attribute_not_exists(pk)", {}
        else:
            condition, values = "version = :expected", {":expected": {"N": str(standing.version - 1)}}

        def build() -> list[dict[str, Any]]:
            return [
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": pk}, "sk": {"S": PROFILE_SK}},
                        "ConditionExpression": LIVE_PROFILE_CONDITION,
                        "ExpressionAttributeValues": {":now": {"N": str(self._now_epoch())}},
                    }
                },
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item(item),
                        "ConditionExpression": condition,
                        **({"ExpressionAttributeValues": values} if values else {}),
                    }
                },
                outbox_put(self.table, event[0], event[1], self._now_epoch()),
                self.audit.prepare(subject_id, audit),
            ]

        reasons = self.audit.commit(build)
        if reasons[:1] == [_CONDITION_FAILED]:
            raise SubjectUnavailable("purged", None)
        if reasons:
            raise StandingMoved("The restriction or objections changed meanwhile; nothing was written, please retry.")
        return standing


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else None
