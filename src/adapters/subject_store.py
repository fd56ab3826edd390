"""Profiles and data-subject requests in the subjects table.

Keys: pk = SUBJECT#<sub>: sk = PROFILE, REQUEST#<id>, OPENREQ#<type>#<format> (at most one open request of a
kind), and pk = REQUEST#<id>, sk = LOOKUP (finds a request by id alone, for operators). Open requests carry
the RequestsByStatus GSI keys (status, due date), so the admin queue and the overdue sweep never scan.
"""

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from adapters.audit_log import AuditLog
from adapters.aws import dynamodb
from adapters.dynamo_json import from_item, to_item
from adapters.keys import PROFILE_SK, subject_pk
from adapters.outbox import outbox_put
from domain.audit import AuditEntry
from domain.errors import InvalidRequest
from domain.profile import Profile
from domain.requests.model import DataRequest
from domain.requests.ports import ConcurrentUpdate
from domain.values import from_json, from_jsonable, to_json, to_jsonable

PROFILE_FIELDS = (
    "email",
    "given_name",
    "family_name",
    "country",
    "birth_date",
    "preferences",
    "created_at",
    "updated_at",
)


def _open_marker(request: DataRequest) -> str:
    return f"OPENREQ#{request.type}#{request.format}"


class DynamoSubjectStore:
    def __init__(self, table: str, audit: AuditLog, now_epoch: Callable[[], int]) -> None:
        self.table = table
        self.audit = audit
        self._now_epoch = now_epoch

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        item = (
            dynamodb()
            .get_item(TableName=self.table, Key={"pk": {"S": pk}, "sk": {"S": sk}}, ConsistentRead=True)
            .get("Item")
        )
        if not item:
            return None
        expires = item.get("expires_at", {}).get("N")
        return None if expires is not None and int(expires) <= self._now_epoch() else item

    # ------------------------------------------------------------------ profile
    def profile(self, subject_id: str) -> Profile | None:
        item = self._get(subject_pk(subject_id), PROFILE_SK)
        if item is None:
            return None
        values = from_item(item)
        return from_jsonable(
            Profile, {"subject_id": subject_id, **{k: values[k] for k in PROFILE_FIELDS if k in values}}
        )

    def create_profile(self, profile: Profile, *, audit: AuditEntry) -> bool:
        """False if the subject already has a profile (a repeated sign-up trigger changes nothing)."""
        values = _profile_attributes(profile)
        item = to_item({"pk": subject_pk(profile.subject_id), "sk": PROFILE_SK, "state": "active", **values})
        client = dynamodb()
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}},
                    self.audit.prepare(profile.subject_id, audit),
                ]  # type: ignore[list-item]
            )
        except client.exceptions.TransactionCanceledException as error:
            if error.response.get("CancellationReasons", [{}])[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def save_profile(self, profile: Profile, changed: list[str], *, audit: AuditEntry) -> None:
        values = _profile_attributes(profile)
        fields = [*changed, "updated_at"]
        names = {f"#f{i}": field for i, field in enumerate(fields)}
        # A field corrected to null is removed (to_item drops None values: SET would name an undefined value).
        update = "SET " + ", ".join(f"#f{i} = :v{i}" for i, field in enumerate(fields) if values[field] is not None)
        cleared = [f"#f{i}" for i, field in enumerate(fields) if values[field] is None]
        if cleared:
            update += " REMOVE " + ", ".join(cleared)
        attribute_values = to_item({f":v{i}": values[field] for i, field in enumerate(fields)})
        dynamodb().transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"pk": {"S": subject_pk(profile.subject_id)}, "sk": {"S": PROFILE_SK}},
                        "UpdateExpression": update,
                        "ConditionExpression": "attribute_exists(pk)",
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": attribute_values,
                    }
                },
                outbox_put(
                    self.table,
                    "ProfileRectified",
                    {"subject_id": profile.subject_id, "fields": changed},
                    self._now_epoch(),
                ),
                self.audit.prepare(profile.subject_id, audit),
            ]  # type: ignore[list-item]
        )

    def record_activity(self, subject_id: str, day: str, activity_keys: dict[str, str]) -> bool:
        """One conditional write per subject per day; False (and no change) if today was already recorded."""
        client = dynamodb()
        try:
            client.update_item(
                TableName=self.table,
                Key={"pk": {"S": subject_pk(subject_id)}, "sk": {"S": PROFILE_SK}},
                UpdateExpression="SET last_active_day = :day, active_pk = :apk, active_sk = :ask",
                # Only an active subject's activity counts; a pending one is restored (or refused) by the caller.
                ConditionExpression="attribute_exists(pk) AND (attribute_not_exists(#state) OR #state = :active) "
                "AND (attribute_not_exists(last_active_day) OR last_active_day <> :day)",
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_item(
                    {
                        ":day": day,
                        ":apk": activity_keys["active_pk"],
                        ":ask": activity_keys["active_sk"],
                        ":active": "active",
                    }
                ),
            )
        except client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    # ------------------------------------------------------------------ host records
    def put_record(
        self, subject_id: str, category: str, record_id: str, document: str, *, audit: AuditEntry, now: str
    ) -> bool:
        """False if the subject has no profile (nothing is written then)."""
        pk = subject_pk(subject_id)
        item = {
            "pk": pk,
            "sk": f"RECORD#{category}#{record_id}",
            "category": category,
            "document": document,
            "updated_at": now,
        }
        client = dynamodb()
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "ConditionCheck": {
                            "TableName": self.table,
                            "Key": {"pk": {"S": pk}, "sk": {"S": PROFILE_SK}},
                            "ConditionExpression": "attribute_exists(pk)",
                        }
                    },
                    {"Put": {"TableName": self.table, "Item": to_item(item)}},
                    self.audit.prepare(subject_id, audit),
                ]
            )
        except client.exceptions.TransactionCanceledException as error:
            if error.response.get("CancellationReasons", [{}])[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    def delete_record(self, subject_id: str, category: str, record_id: str, *, audit: AuditEntry) -> bool:
        """False if there was no such record."""
        client = dynamodb()
        key = {"pk": {"S": subject_pk(subject_id)}, "sk": {"S": f"RECORD#{category}#{record_id}"}}
        try:
            client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self.table, "Key": key, "ConditionExpression": "attribute_exists(pk)"}},
                    self.audit.prepare(subject_id, audit),
                ]
            )
        except client.exceptions.TransactionCanceledException as error:
            if error.response.get("CancellationReasons", [{}])[0].get("Code") == "ConditionalCheckFailed":
                return False
            raise
        return True

    # ------------------------------------------------------------------ requests
    def _request_item(self, request: DataRequest, expires_at: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "pk": subject_pk(request.subject_id),
            "sk": f"REQUEST#{request.request_id}",
            "request": to_json(request),
            "version": request.version,
            "expires_at": expires_at,
        }
        if request.is_open:
            values["request_pk"] = f"REQUESTS#{request.status}"
            values["request_sk"] = f"{request.due_at.isoformat()}#{request.request_id}"
        return values

    def open_request(self, subject_id: str, type_: str, format_: str) -> DataRequest | None:
        marker = self._get(subject_pk(subject_id), f"OPENREQ#{type_}#{format_}")
        if marker is None:
            return None
        request = self.get(subject_id, marker["request_id"]["S"])
        return request if request and request.is_open else None

    def create(self, request: DataRequest, *, audit: AuditEntry, expires_at: int) -> DataRequest:
        pk = subject_pk(request.subject_id)
        item = self._request_item(request, expires_at)
        summary = {
            "request_id": request.request_id,
            "subject_id": request.subject_id,
            "type": request.type,
            "format": request.format,
            "due_at": request.due_at.isoformat(),
        }
        item["outbox"] = json.dumps({"detail_type": "DataSubjectRequestReceived", "detail": summary})
        client = dynamodb()
        try:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(item),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(
                                {
                                    "pk": pk,
                                    "sk": _open_marker(request),
                                    "request_id": request.request_id,
                                    "expires_at": expires_at,
                                }
                            ),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_item(
                                {
                                    "pk": f"REQUEST#{request.request_id}",
                                    "sk": "LOOKUP",
                                    "subject_id": request.subject_id,
                                    "expires_at": expires_at,
                                }
                            ),
                        }
                    },
                    self.audit.prepare(request.subject_id, audit),
                ]  # type: ignore[list-item]
            )
        except client.exceptions.TransactionCanceledException:
            existing = self.open_request(request.subject_id, request.type, request.format)
            if existing:
                return existing
            raise
        return request

    def get(self, subject_id: str, request_id: str) -> DataRequest | None:
        item = self._get(subject_pk(subject_id), f"REQUEST#{request_id}")
        return from_json(DataRequest, item["request"]["S"]) if item else None

    def find(self, request_id: str) -> DataRequest | None:
        lookup = self._get(f"REQUEST#{request_id}", "LOOKUP")
        return self.get(lookup["subject_id"]["S"], request_id) if lookup else None

    def list_for(self, subject_id: str) -> list[DataRequest]:
        pages = (
            dynamodb()
            .get_paginator("query")
            .paginate(
                TableName=self.table,
                KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": {"S": subject_pk(subject_id)}, ":prefix": {"S": "REQUEST#"}},
            )
        )
        now = self._now_epoch()
        return [
            from_json(DataRequest, item["request"]["S"])
            for page in pages
            for item in page.get("Items", [])
            if int(item.get("expires_at", {}).get("N", now + 1)) > now
        ]

    def update(
        self, request: DataRequest, *, audit: AuditEntry, event: tuple[str, dict[str, object]] | None = None
    ) -> DataRequest:
        stored = self._get(subject_pk(request.subject_id), f"REQUEST#{request.request_id}")
        expires_at = int(stored["expires_at"]["N"]) if stored else self._now_epoch()
        put: dict[str, Any] = {
            "TableName": self.table,
            "Item": to_item(self._request_item(request, expires_at)),
            "ConditionExpression": "version = :previous",
            "ExpressionAttributeValues": {":previous": {"N": str(request.version - 1)}},
        }
        items: list[dict[str, Any]] = [{"Put": put}, self.audit.prepare(request.subject_id, audit)]
        if event:
            items.append(outbox_put(self.table, event[0], event[1], self._now_epoch()))
        if not request.is_open:
            key = {"pk": {"S": subject_pk(request.subject_id)}, "sk": {"S": _open_marker(request)}}
            items.append({"Delete": {"TableName": self.table, "Key": key}})
        client = dynamodb()
        try:
            client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except client.exceptions.TransactionCanceledException as error:
            raise ConcurrentUpdate(request.request_id) from error
        return request

    def list_by_status(
        self, status: str, *, due_before: str | None, limit: int, cursor: str | None
    ) -> tuple[list[DataRequest], str | None]:
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "RequestsByStatus",
            "KeyConditionExpression": "request_pk = :status" + (" AND request_sk < :due" if due_before else ""),
            "ExpressionAttributeValues": {
                ":status": {"S": f"REQUESTS#{status}"},
                **({":due": {"S": due_before}} if due_before else {}),
            },
            "Limit": limit,
        }
        if cursor:
            query["ExclusiveStartKey"] = _decode_cursor(cursor)
        answer = dynamodb().query(**query)
        requests = [from_json(DataRequest, item["request"]["S"]) for item in answer.get("Items", [])]
        last = answer.get("LastEvaluatedKey")
        return requests, _encode_cursor(last) if last else None


def _encode_cursor(key: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if isinstance(key, dict) and set(key) == {"pk", "sk", "request_pk", "request_sk"}:
            return key
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    raise InvalidRequest("The cursor is not one this API returned; start again without it.", code="invalid_cursor")


def _profile_attributes(profile: Profile) -> dict[str, Any]:
    """The profile item's attributes (the subject id is its key)."""
    return {name: value for name, value in to_jsonable(profile).items() if name != "subject_id"}
