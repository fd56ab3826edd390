"""The audit table: append-only chains of records per subject pseudonym (put with a condition, never update)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from adapters.aws import dynamodb, query_items
from adapters.dynamo_json import from_item, to_item
from domain.audit.model import AuditEntry, AuditRecord, as_item_attributes, next_record, pseudonym_of
from domain.errors import Contended
from domain.retry import jittered_pause
from domain.values import from_jsonable
from observability import logger

APPEND_ATTEMPTS = 8
COMMIT_ATTEMPTS = 8
CONDITION_FAILED = "ConditionalCheckFailed"


class ChainMoved(Exception):
    """Someone appended to the same chain first; re-read the head and try again."""


def _pk(pseudonym: str) -> str:
    return f"AUDIT#{pseudonym}"


class AuditLog:
    def __init__(self, table: str, secret: Callable[[], bytes]) -> None:
        self.table = table
        self._secret = secret

    def pseudonym(self, subject_id: str) -> str:
        return pseudonym_of(self._secret(), subject_id)

    def head(self, pseudonym: str) -> AuditRecord | None:
        answer = dynamodb().query(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": _pk(pseudonym)}},
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = answer.get("Items", [])
        return _record(items[0]) if items else None

    def prepare(self, subject_id: str, entry: AuditEntry) -> dict[str, Any]:
        """The Put of the next record of the subject's chain, for a transaction the caller commits.

        If another record lands first, the condition fails and the caller's transaction is cancelled whole.
        """
        if entry.correlation_id is None:  # the API request's, set by api.http.resolve; None in workers
            entry = replace(entry, correlation_id=logger.get_correlation_id())
        pseudonym = self.pseudonym(subject_id)
        record = next_record(self.head(pseudonym), pseudonym, entry)
        item = to_item({"pk": _pk(pseudonym), "sk": f"SEQ#{record.sequence:012d}", **as_item_attributes(record)})
        return {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}

    def append(self, subject_id: str, entry: AuditEntry) -> None:
        client = dynamodb()
        for _ in range(APPEND_ATTEMPTS):
            put = self.prepare(subject_id, entry)["Put"]
            try:
                client.put_item(**put)
                return
            except client.exceptions.ConditionalCheckFailedException:
                continue
        raise ChainMoved("the audit chain kept moving; the action will be retried")

    def commit(self, build: Callable[[], list[dict[str, Any]]], *, attempts: int = COMMIT_ATTEMPTS) -> list[str]:
        """Commit the transaction `build()` returns, whose last item is the next record of a subject's chain
        (`prepare`); [] once committed, or the cancellation reasons (one code per item) when a condition of another
        item failed: the caller says what that means.

        Another audited write for the same subject (a consent save, a second profile save) may commit between the
        read of the chain's head and this transaction: the record's condition fails and the whole transaction is
        cancelled, nothing written. It is then built again on the new head and retried after a jittered pause, as
        the consent service retries; `Contended` (409) if the chain kept moving.
        """
        ddb = dynamodb()
        for attempt in range(attempts):
            try:
                ddb.transact_write_items(TransactItems=build())
                return []
            except ddb.exceptions.TransactionCanceledException as error:
                reasons = [str(r.get("Code") or "None") for r in error.response.get("CancellationReasons", [])]
                if CONDITION_FAILED in reasons[:-1]:
                    return reasons
                if reasons[-1:] != [CONDITION_FAILED] and "TransactionConflict" not in reasons:
                    raise
            jittered_pause(attempt)
        raise Contended("Other changes to this account kept committing first; nothing was changed, please retry.")

    def chain(self, pseudonym: str) -> list[AuditRecord]:
        items = query_items(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": _pk(pseudonym)}},
            ConsistentRead=True,
        )
        return [_record(item) for item in items]


Change = Literal["INSERT", "MODIFY", "REMOVE", "MALFORMED"]
TTL_PRINCIPAL = "dynamodb.amazonaws.com"  # who a TTL deletion's stream record names; no role can be it
_PK = re.compile(r"AUDIT#(?P<subject>[0-9a-f]{64})")
_SK = re.compile(r"SEQ#(?P<sequence>\d{12})")
_HASH = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class AuditWrite:
    """What a stream record of the audit table did to an audit record. Only INSERT is legitimate: the log puts
    each record once, with a condition, and never changes or deletes one. MALFORMED: an audit item the log did not
    write (a key or a hash not of its form); subject and sequence are then "" and 0 where they could not be read."""

    change: Change
    subject: str
    sequence: int
    hash: str | None = None
    expires_at: int | None = None  # the record's TTL (a visitor's), from its image
    by_ttl: bool = False  # a REMOVE made by DynamoDB's TTL (the stream names the service), not by anyone's role


def audit_write(stream_record: dict[str, Any]) -> AuditWrite | None:
    """The audit-record write a stream record (as Lambda delivers it) reports; None for other items of the table
    (deletion certificates)."""
    data = stream_record.get("dynamodb") or {}
    keys = data.get("Keys") or {}
    pk, sk = keys.get("pk", {}).get("S", ""), keys.get("sk", {}).get("S", "")
    if not pk.startswith("AUDIT#"):
        return None
    subject, sequence = _PK.fullmatch(pk), _SK.fullmatch(sk)
    pseudonym, number = subject["subject"] if subject else "", int(sequence["sequence"]) if sequence else 0
    change = stream_record.get("eventName")
    if change not in ("INSERT", "MODIFY", "REMOVE"):
        return AuditWrite("MALFORMED", pseudonym, number)
    if change != "INSERT":
        identity = stream_record.get("userIdentity") or {}
        by_ttl = (
            change == "REMOVE" and identity.get("principalId") == TTL_PRINCIPAL and identity.get("type") == "Service"
        )
        return AuditWrite(change, pseudonym, number, by_ttl=by_ttl)
    image = data.get("NewImage") or {}
    record_hash = image.get("hash", {}).get("S", "")
    expires = image.get("expires_at", {}).get("N")
    if not (subject and number >= 1 and _HASH.fullmatch(record_hash)) or (expires and not expires.isdigit()):
        return AuditWrite("MALFORMED", pseudonym, number)
    return AuditWrite("INSERT", pseudonym, number, record_hash, int(expires) if expires else None)


def _record(item: dict[str, Any]) -> AuditRecord:
    values = from_item(item)
    return from_jsonable(AuditRecord, values)  # pk and sk are not fields: left out
