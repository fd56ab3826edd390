"""A child's sign-up bound to a parental consent request: pk = SUBJECT#<child>, sk = PARENTAL_BINDING, and the
request's approval marked as used by that child (`child_subject_id` on PARENTREQ#<id>, APPROVED).

Written by the post-confirmation trigger when the sign-up's client metadata names a request
(`parental_request_id`); read and completed (with the parent, in the link's transaction) by
adapters.parental_store. The binding is the child's data: exported and purged with the child's partition.
Kept apart from parental_store so the sign-up trigger imports nothing of the minors context.

SECURITY INVARIANT: an approved request admits exactly one child. Binding a child to an approved request and
marking the approval as used by that child are one transaction, whose condition on the approval holds only while
it names no child or this same one (a retried trigger changes nothing). So of two sign-ups presenting the same
approval, however close, one is bound and the other is not (and is never linked: the link needs the binding and an
approval naming that child); the pre-sign-up gate refuses any later sign-up with it (domain.minors.sign_up).
"""

from datetime import datetime
from typing import Any, Literal

from adapters.aws import dynamodb
from adapters.keys import APPROVED_REQUEST_SK, parental_request_pk, subject_pk
from domain.retry import jittered_pause

BINDING_SK = "PARENTAL_BINDING"
ATTEMPTS = 5
_FAILED = "ConditionalCheckFailed"

Binding = Literal[
    "bound",  # bound, and the approval marked as used by this child (or already: a retried trigger)
    "bound_without_approval",  # the request has no live approval to mark: bound alone (a link will need one)
    "bound_to_another_request",  # the account's own sign-up named another request first: nothing changed
    "consent_used",  # the approval admits another child already: nothing changed, never to be linked
]


def bind_child(table: str, child_subject_id: str, request_id: str, bound_at: datetime) -> Binding:
    """Binds once, and marks the request's approval as used by this child in the same transaction."""
    client = dynamodb()
    now = int(bound_at.timestamp())
    items = [_binding(table, child_subject_id, request_id, bound_at), _claim(table, child_subject_id, request_id, now)]
    for attempt in range(ATTEMPTS):
        try:
            client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
            return "bound"
        except client.exceptions.TransactionCanceledException as error:
            reasons = [str(r.get("Code") or "None") for r in error.response.get("CancellationReasons", [])]
            if not {_FAILED, "TransactionConflict"} & set(reasons):
                raise
        if reasons[:1] == [_FAILED]:
            return "bound_to_another_request"
        if reasons[1:2] == [_FAILED]:
            holder = _approval_holder(table, request_id, now)
            if holder is None:  # no live approval (still pending, expired, or never asked): bind the account alone
                return _bind_alone(table, child_subject_id, request_id, bound_at)
            if holder != child_subject_id:
                return "consent_used"
        jittered_pause(attempt)  # a concurrent transaction on the same items, or a claim that moved meanwhile
    raise RuntimeError("the consent request kept changing while binding the sign-up")


def _binding(table: str, child_subject_id: str, request_id: str, bound_at: datetime) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": subject_pk(child_subject_id)}, "sk": {"S": BINDING_SK}},
            "UpdateExpression": "SET child_subject_id = :child, request_id = :request, "
            "bound_at = if_not_exists(bound_at, :bound)",
            "ConditionExpression": "attribute_not_exists(pk) OR request_id = :request",
            "ExpressionAttributeValues": {
                ":child": {"S": child_subject_id},
                ":request": {"S": request_id},
                ":bound": {"S": bound_at.isoformat()},
            },
        }
    }


def _claim(table: str, child_subject_id: str, request_id: str, now: int) -> dict[str, Any]:
    """The approval, marked as used by this child: only a live approval that names no child, or this one."""
    return {
        "Update": {
            "TableName": table,
            "Key": {"pk": {"S": parental_request_pk(request_id)}, "sk": {"S": APPROVED_REQUEST_SK}},
            "UpdateExpression": "SET child_subject_id = :child",
            "ConditionExpression": "attribute_exists(pk) AND expires_at > :now"
            " AND (attribute_not_exists(child_subject_id) OR child_subject_id = :child)",
            "ExpressionAttributeValues": {":child": {"S": child_subject_id}, ":now": {"N": str(now)}},
        }
    }


def _approval_holder(table: str, request_id: str, now: int) -> str | None:
    """The child a live approval of the request is used by ("" for none yet), or None without a live approval."""
    item = (
        dynamodb()
        .get_item(
            TableName=table,
            Key={"pk": {"S": parental_request_pk(request_id)}, "sk": {"S": APPROVED_REQUEST_SK}},
            ProjectionExpression="child_subject_id, expires_at",
            ConsistentRead=True,
        )
        .get("Item")
    )
    if item is None or int(item["expires_at"]["N"]) <= now:
        return None
    return str(item.get("child_subject_id", {}).get("S", ""))


def _bind_alone(table: str, child_subject_id: str, request_id: str, bound_at: datetime) -> Binding:
    """Without a live approval there is nothing to mark: the account is bound as before approvals were marked. A
    later link still needs an approval naming no other child (adapters.parental_store.link), so this admits no one."""
    client = dynamodb()
    try:
        client.update_item(**_binding(table, child_subject_id, request_id, bound_at)["Update"])
    except client.exceptions.ConditionalCheckFailedException:
        return "bound_to_another_request"
    return "bound_without_approval"
