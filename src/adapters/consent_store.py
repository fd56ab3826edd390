"""Consents in the subjects table: the current state, its history and receipts in the owner's partition.

Keys: pk = SUBJECT#<sub> or VISITOR#<id>; sk = CONSENTS (state, versioned), CONSENTEVT#<version>#<n>
(history, newest first by version), RECEIPT#<id>. History items carry an `outbox` attribute: the stream
publishes them as ConsentChanged events, so an event exists exactly when its change committed.
"""

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from adapters.audit_log import AuditLog
from adapters.aws import dynamodb, query_items
from adapters.dynamo_json import from_item, to_item
from adapters.keys import LIVE_PROFILE_CONDITION, PROFILE_SK, subject_pk
from domain.audit.model import AuditEntry
from domain.consent.model import ConsentChange, ConsentEvent, ConsentReceipt, ConsentState
from domain.consent.ports import ConcurrentChange, HistoryPage, Owner, SubjectMissing, TokenSpent
from domain.errors import InvalidRequest

STATE_SK = "CONSENTS"
EVENT_PREFIX = "CONSENTEVT#"


class InvalidCursor(InvalidRequest):
    default_code = "invalid_cursor"


def owner_pk(owner: Owner) -> str:
    return f"{'SUBJECT' if owner.kind == 'subject' else 'VISITOR'}#{owner.id}"


class DynamoConsentStore:
    def __init__(self, table: str, audit: AuditLog, now_epoch: Callable[[], int]) -> None:
        self.table = table
        self.audit = audit
        self._now_epoch = now_epoch

    def _live(self, item: dict[str, Any]) -> bool:
        # TTL deletes up to days late: an expired item is already gone as far as anyone can tell.
        expires = item.get("expires_at", {}).get("N")
        return expires is None or int(expires) > self._now_epoch()

    def load(self, owner: Owner) -> ConsentState:
        item = (
            dynamodb()
            .get_item(
                TableName=self.table, Key={"pk": {"S": owner_pk(owner)}, "sk": {"S": STATE_SK}}, ConsistentRead=True
            )
            .get("Item")
        )
        if not item or not self._live(item):
            return ConsentState()
        return ConsentState.model_validate_json(item["state"]["S"])

    def subject_exists(self, subject_id: str) -> bool:
        item = (
            dynamodb()
            .get_item(
                TableName=self.table,
                Key={"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
                ProjectionExpression="pk, expires_at",
                ConsistentRead=True,
            )
            .get("Item")
        )
        return bool(item) and self._live(item)  # the same test as LIVE_PROFILE_CONDITION

    def save(
        self,
        owner: Owner,
        change: ConsentChange,
        *,
        expected_version: int,
        audit: AuditEntry,
        expires_at: int | None = None,
        spend_token: tuple[str, int] | None = None,
        require_subject: bool = False,
    ) -> None:
        pk = owner_pk(owner)
        ttl = {"expires_at": expires_at} if expires_at else {}
        state_put: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item(
                {"pk": pk, "sk": STATE_SK, "version": change.new_state.version, **ttl}
                | {"state": change.new_state.model_dump_json()}
            ),
        }
        if expected_version == 0:
            # A first write may replace only an expired leftover (TTL runs late), never a live state.
            state_put["ConditionExpression"] = "attribute_not_exists(pk) OR expires_at <= :now"
            state_put["ExpressionAttributeValues"] = {":now": {"N": str(self._now_epoch())}}
        else:
            state_put["ConditionExpression"] = "version = :expected"
            state_put["ExpressionAttributeValues"] = {":expected": {"N": str(expected_version)}}
        items: list[dict[str, Any]] = [{"Put": state_put}]
        for index, event in enumerate(change.events):
            detail = {
                "subject_id" if owner.kind == "subject" else "visitor_id": owner.id,
                "purpose": event.purpose,
                "previous": event.previous,
                "decision": event.decision,
                "source": event.source,
                "receipt_id": event.receipt_id,
                "policy_version": event.policy_version,
                "at": event.at.isoformat(),
            }
            values = {
                "pk": pk,
                "sk": f"{EVENT_PREFIX}{event.sequence:010d}#{index:03d}",
                "event": event.model_dump_json(),
                "outbox": json.dumps({"detail_type": "ConsentChanged", "detail": detail}),
                **ttl,
            }
            items.append({"Put": {"TableName": self.table, "Item": to_item(values)}})
        receipt = change.receipt
        items.append(
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_item(
                        {"pk": pk, "sk": f"RECEIPT#{receipt.receipt_id}", "receipt": receipt.model_dump_json(), **ttl}
                    ),
                }
            }
        )
        token_at = subject_at = None
        if spend_token:
            token_id, token_expiry = spend_token
            token_at = len(items)
            items.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": to_item({"pk": f"TOKEN#{token_id}", "sk": "SPENT", "expires_at": token_expiry}),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        if require_subject:
            if owner.kind != "subject":
                raise ValueError("only a subject's change can require the subject to exist")
            subject_at = len(items)
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": subject_pk(owner.id)}, "sk": {"S": PROFILE_SK}},
                        "ConditionExpression": LIVE_PROFILE_CONDITION,
                        "ExpressionAttributeValues": {":now": {"N": str(self._now_epoch())}},
                    }
                }
            )
        items.append(self.audit.prepare(owner.reference, audit))
        client = dynamodb()
        try:
            client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except client.exceptions.TransactionCanceledException as error:
            reasons = [r.get("Code") for r in error.response.get("CancellationReasons", [])]

            def failed(index: int | None) -> bool:
                return index is not None and index < len(reasons) and reasons[index] == "ConditionalCheckFailed"

            if failed(subject_at):
                raise SubjectMissing from error
            if failed(token_at):
                raise TokenSpent from error
            if "ConditionalCheckFailed" in reasons or "TransactionConflict" in reasons:
                raise ConcurrentChange from error
            raise

    def history(self, owner: Owner, *, cursor: str | None, limit: int) -> HistoryPage:
        pk = owner_pk(owner)
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :prefix)",
            "ExpressionAttributeValues": {":pk": {"S": pk}, ":prefix": {"S": EVENT_PREFIX}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            query["ExclusiveStartKey"] = {"pk": {"S": pk}, "sk": {"S": _decode_cursor(cursor)}}
        answer = dynamodb().query(**query)
        events = [ConsentEvent.model_validate_json(i["event"]["S"]) for i in answer.get("Items", []) if self._live(i)]
        last = answer.get("LastEvaluatedKey")
        return HistoryPage(events, _encode_cursor(last["sk"]["S"]) if last else None)

    def receipt(self, owner: Owner, receipt_id: str) -> ConsentReceipt | None:
        item = (
            dynamodb()
            .get_item(TableName=self.table, Key={"pk": {"S": owner_pk(owner)}, "sk": {"S": f"RECEIPT#{receipt_id}"}})
            .get("Item")
        )
        if not item or not self._live(item):
            return None
        return ConsentReceipt.model_validate_json(from_item(item)["receipt"])

    def delete_visitor(self, visitor_id: str) -> None:
        from adapters.partition import delete_keys

        pk = owner_pk(Owner("visitor", visitor_id))
        items = query_items(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": pk}},
            ProjectionExpression="pk, sk",
        )
        delete_keys(self.table, list(items))


def _encode_cursor(sort_key: str) -> str:
    return base64.urlsafe_b64encode(sort_key.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> str:
    try:
        sort_key = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        sort_key = ""
    if not sort_key.startswith(EVENT_PREFIX):
        raise InvalidCursor("The cursor is not one this API returned; start again without it.")
    return sort_key
