"""A child's sign-up bound to a parental consent request: pk = SUBJECT#<child>, sk = PARENTAL_BINDING.

Written by the post-confirmation trigger when the sign-up's client metadata names a request
(`parental_request_id`); read and completed (with the parent, in the link's transaction) by
adapters.parental_store. It is the child's data: exported and purged with the child's partition.
Kept apart from parental_store so the sign-up trigger imports nothing of the minors context.
"""

from datetime import datetime

from adapters.aws import dynamodb
from adapters.keys import subject_pk

BINDING_SK = "PARENTAL_BINDING"


def bind_child(table: str, child_subject_id: str, request_id: str, bound_at: datetime) -> bool:
    """Binds once: True if bound (or already bound to this request: a retried trigger changes nothing), False if
    the account is bound to another request."""
    client = dynamodb()
    try:
        client.update_item(
            TableName=table,
            Key={"pk": {"S": subject_pk(child_subject_id)}, "sk": {"S": BINDING_SK}},
            UpdateExpression="SET child_subject_id = :child, request_id = :request, "
            "bound_at = if_not_exists(bound_at, :bound)",
            ConditionExpression="attribute_not_exists(pk) OR request_id = :request",
            ExpressionAttributeValues={
                ":child": {"S": child_subject_id},
                ":request": {"S": request_id},
                ":bound": {"S": bound_at.isoformat()},
            },
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True
