"""Parental consent in the subjects table.

Keys: pk = PARENTREQ#<id>: sk = PARENTREQ (pending: the parent's e-mail, TTL at expiry; a TTL deletion is
published as ParentalConsentExpired by handlers.parental_expiry), sk = APPROVED (after a yes: no e-mail, TTL at
the end of the link window; `child_subject_id`: the one child it admits, set when that child's sign-up is bound to
it, by adapters.parental_binding, or by the link). pk = TOKEN#<id>, sk = SPENT: a confirmation token already used. pk = SUBJECT#<parent>,
sk = CHILD#<child> and pk = SUBJECT#<child>, sk = PARENT#<parent>: the link, in both subjects' partitions, so
each goes with its subject's data (export, purge). pk = SUBJECT#<child>, sk = PARENTAL_BINDING: the request the
child's own sign-up named (adapters.parental_binding); the link sets its parent, once. Events go through the outbox in the same transaction, and so
does each audit record (a parent's decision is chained under `parental-request:<id>`: see ParentalService).
"""

from collections import Counter
from typing import Any

from adapters.aws import dynamodb, query_items
from adapters.dynamo_json import from_item, to_item
from adapters.keys import (
    APPROVED_REQUEST_SK,
    CHILD_PREFIX,
    PARENT_PREFIX,
    PARENTAL_REQUEST_SK,
    PROFILE_SK,
    parental_request_pk,
    subject_pk,
)
from adapters.live_item import SubjectsTableStore
from adapters.outbox import outbox_put
from adapters.parental_binding import BINDING_SK
from domain.audit.model import AuditEntry
from domain.clock import epoch_seconds
from domain.export import category_of, should_export
from domain.minors.model import ApprovedRequest, ChildBinding, ChildLink, PendingRequest
from domain.minors.ports import (
    Audit,
    BindingMoved,
    ChainMoved,
    Event,
    RequestEnded,
    Spend,
    SubjectMissing,
    TokenSpent,
)

PENDING_SK = PARENTAL_REQUEST_SK
APPROVED_SK = APPROVED_REQUEST_SK
WITHDRAWAL_ATTEMPTS = 8
_FAILED = "ConditionalCheckFailed"


request_pk = parental_request_pk


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


class DynamoParentalStore(SubjectsTableStore):
    # ------------------------------------------------------------------ reads
    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        """The live item's plain values (the other stores keep DynamoDB JSON)."""
        item = super()._get(pk, sk)
        return from_item(item) if item else None

    def pending(self, request_id: str) -> PendingRequest | None:
        values = self._get(request_pk(request_id), PENDING_SK)
        return PendingRequest.model_validate(values) if values else None

    def approved(self, request_id: str) -> ApprovedRequest | None:
        values = self._get(request_pk(request_id), APPROVED_SK)
        return ApprovedRequest.model_validate(values) if values else None

    def binding(self, child_subject_id: str) -> ChildBinding | None:
        values = self._get(subject_pk(child_subject_id), BINDING_SK)
        return ChildBinding.model_validate(values) if values else None

    def link_of(self, parent_subject_id: str, child_subject_id: str) -> ChildLink | None:
        values = self._get(subject_pk(parent_subject_id), f"{CHILD_PREFIX}{child_subject_id}")
        return ChildLink.model_validate(values | {"parent_subject_id": parent_subject_id}) if values else None

    def children(self, parent_subject_id: str) -> list[ChildLink]:
        items = self._live_items(subject_pk(parent_subject_id), CHILD_PREFIX, consistent=True)
        return [ChildLink.model_validate(from_item(item) | {"parent_subject_id": parent_subject_id}) for item in items]

    def collected(self, subject_id: str) -> dict[str, int]:
        """How many items of each category the subject's partition holds (keys only: no personal data read)."""
        items = query_items(
            TableName=self.table,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": subject_pk(subject_id)}},
            ProjectionExpression="sk, expires_at",
            ConsistentRead=True,
        )
        now, counts = self._now_epoch(), Counter[str]()
        for item in map(from_item, items):
            expires = item.get("expires_at")
            if should_export(item) and (expires is None or int(expires) > now):
                counts[category_of(item)] += 1
        return dict(sorted(counts.items()))

    # ------------------------------------------------------------------ writes
    def create(self, request: PendingRequest, *, event: Event) -> None:
        values = request.model_dump(mode="json") | {
            "pk": request_pk(request.request_id),
            "sk": PENDING_SK,
            "expires_at": epoch_seconds(request.expires_at),
        }
        put = {"TableName": self.table, "Item": to_item(values), "ConditionExpression": "attribute_not_exists(pk)"}
        if self._transact([{"Put": put}, self._outbox(event)]):
            raise RuntimeError("a consent request with this id exists already")  # a random 128-bit id: never

    def approve(
        self, request: PendingRequest, approved: ApprovedRequest, *, spend: Spend, event: Event, audit: Audit
    ) -> None:
        values = approved.model_dump(mode="json") | {
            "pk": request_pk(request.request_id),
            "sk": APPROVED_SK,
            "expires_at": epoch_seconds(approved.expires_at),
        }
        approved_put = {
            "TableName": self.table,
            "Item": to_item(values),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        self._decide(request, spend, audit, [{"Put": approved_put}, self._outbox(event)])

    def deny(self, request: PendingRequest, *, spend: Spend, event: Event, audit: Audit) -> None:
        self._decide(request, spend, audit, [self._outbox(event)])

    def _decide(self, request: PendingRequest, spend: Spend, audit: Audit, rest: list[dict[str, Any]]) -> None:
        """Spend the token, end the pending request (its e-mail address with it) and append the decision's audit
        record, in one transaction."""
        token_id, token_expiry = spend
        token_put = {
            "TableName": self.table,
            "Item": to_item({"pk": f"TOKEN#{token_id}", "sk": "SPENT", "expires_at": token_expiry}),
            "ConditionExpression": "attribute_not_exists(pk)",
        }
        pending_delete = {
            "TableName": self.table,
            "Key": _key(request_pk(request.request_id), PENDING_SK),
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now",
            "ExpressionAttributeValues": {":now": {"N": str(self._now_epoch())}},
        }
        subject_id, entry = audit
        reasons = self._transact(
            [{"Put": token_put}, {"Delete": pending_delete}, *rest, self.audit.prepare(subject_id, entry)]
        )
        if not reasons:
            return
        if reasons[0] == _FAILED:
            raise TokenSpent
        if reasons[1] == _FAILED:
            raise RequestEnded
        raise ChainMoved  # the audit chain moved, or a concurrent transaction: nothing was written

    def link(self, approved: ApprovedRequest, link: ChildLink, *, audits: list[tuple[str, AuditEntry]]) -> None:
        parent, child = link.parent_subject_id, link.child_subject_id
        update = {
            "TableName": self.table,
            "Key": _key(request_pk(approved.request_id), APPROVED_SK),
            "UpdateExpression": "SET parent_subject_id = :parent, child_subject_id = :child, linked_at = :linked",
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now"
            " AND (attribute_not_exists(parent_subject_id) OR parent_subject_id = :parent)"
            " AND (attribute_not_exists(child_subject_id) OR child_subject_id = :child)",
            "ExpressionAttributeValues": to_item(
                {":parent": parent, ":child": child, ":linked": link.linked_at.isoformat(), ":now": self._now_epoch()}
            ),
        }
        common = {"request_id": link.request_id, "approved_at": link.approved_at.isoformat()}
        child_item = common | {
            "pk": subject_pk(parent),
            "sk": f"{CHILD_PREFIX}{child}",
            "child_subject_id": child,
            "child_reference": link.child_reference,
            "linked_at": link.linked_at.isoformat(),
        }
        parent_item = common | {
            "pk": subject_pk(child),
            "sk": f"{PARENT_PREFIX}{parent}",
            "parent_subject_id": parent,
            "linked_at": link.linked_at.isoformat(),
        }
        binding = {
            "TableName": self.table,
            "Key": _key(subject_pk(child), BINDING_SK),
            "UpdateExpression": "SET parent_subject_id = :parent, linked_at = :linked",
            # Bound to this request by the child's own sign-up, and to no other parent: one parent per child.
            "ConditionExpression": "attribute_exists(pk) AND request_id = :request"
            " AND (attribute_not_exists(parent_subject_id) OR parent_subject_id = :parent)",
            "ExpressionAttributeValues": to_item(
                {":parent": parent, ":request": link.request_id, ":linked": link.linked_at.isoformat()}
            ),
        }
        items = [
            {"Update": update},
            self._profile_exists(child),
            self._profile_exists(parent),
            {"Update": binding},
            {"Put": {"TableName": self.table, "Item": to_item(child_item)}},
            {"Put": {"TableName": self.table, "Item": to_item(parent_item)}},
            *(self.audit.prepare(subject_id, entry) for subject_id, entry in audits),
        ]
        reasons = self._transact(items)
        if not reasons:
            return
        if reasons[0] == _FAILED:
            raise RequestEnded
        if _FAILED in reasons[1:3]:
            raise SubjectMissing
        if reasons[3] == _FAILED:
            raise BindingMoved
        raise ChainMoved

    def record_withdrawal(self, link: ChildLink, *, event: Event, audit: AuditEntry) -> None:
        for _ in range(WITHDRAWAL_ATTEMPTS):
            if not self._transact([self._outbox(event), self.audit.prepare(link.child_subject_id, audit)]):
                return
        raise ChainMoved

    # ------------------------------------------------------------------ helpers
    def _profile_exists(self, subject_id: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": _key(subject_pk(subject_id), PROFILE_SK),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }

    def _outbox(self, event: Event) -> dict[str, Any]:
        detail_type, detail = event
        return outbox_put(self.table, detail_type, dict(detail), self._now_epoch())

    def _transact(self, items: list[dict[str, Any]]) -> list[str]:
        """The cancellation reason codes (one per item), or [] when the transaction committed."""
        client = dynamodb()
        try:
            client.transact_write_items(TransactItems=items)
        except client.exceptions.TransactionCanceledException as error:
            reasons = [str(r.get("Code") or "None") for r in error.response.get("CancellationReasons", [])]
            if not any(code in (_FAILED, "TransactionConflict") for code in reasons):
                raise
            return reasons
        return []
