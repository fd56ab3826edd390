"""Data-subject requests in the subjects table.

Keys: pk = SUBJECT#<sub>: sk = REQUEST#<id>, OPENREQ#<type>#<format> (at most one open request of a kind), and
pk = REQUEST#<id>, sk = LOOKUP (finds a request by id alone, for operators). Every request carries the
RequestsByStatus GSI keys (its status, due date + id), so the admin queue lists any status and the overdue sweep
queries only the open and failed partitions: neither ever scans.
"""

import base64
import binascii
import json
from typing import Any

from adapters.aws import dynamodb
from adapters.dynamo_json import to_item
from adapters.keys import subject_pk
from adapters.live_item import SubjectsTableStore
from adapters.outbox import outbox_put
from domain.audit.model import AuditEntry
from domain.errors import InvalidRequest
from domain.requests.model import DataRequest
from domain.requests.ports import ConcurrentUpdate
from domain.values import from_json, to_json


def _open_marker(request: DataRequest) -> str:
    return f"OPENREQ#{request.type}#{request.format}"


class DynamoRequestStore(SubjectsTableStore):
    def _request_item(self, request: DataRequest, expires_at: int) -> dict[str, Any]:
        values: dict[str, Any] = {
            "pk": subject_pk(request.subject_id),
            "sk": f"REQUEST#{request.request_id}",
            "request": to_json(request),
            "version": request.version,
            "expires_at": expires_at,
        }
        # Every status: the admin lists any of them; the overdue sweep queries only the open and failed ones.
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
        marker = {"pk": pk, "sk": _open_marker(request), "request_id": request.request_id, "expires_at": expires_at}
        lookup = {
            "pk": f"REQUEST#{request.request_id}",
            "sk": "LOOKUP",
            "subject_id": request.subject_id,
            "expires_at": expires_at,
        }
        new_only = "attribute_not_exists(pk)"
        reasons = self.audit.commit(  # retried while another audited write for the subject commits first
            lambda: [
                {"Put": {"TableName": self.table, "Item": to_item(item), "ConditionExpression": new_only}},
                {"Put": {"TableName": self.table, "Item": to_item(marker), "ConditionExpression": new_only}},
                {"Put": {"TableName": self.table, "Item": to_item(lookup)}},
                self.audit.prepare(request.subject_id, audit),
            ]
        )
        if reasons:  # an identical request is open already (a concurrent submit): that one is the answer
            existing = self.open_request(request.subject_id, request.type, request.format)
            if existing:
                return existing
            raise ConcurrentUpdate("Another request was being recorded at the same moment; please retry.")
        return request

    def get(self, subject_id: str, request_id: str) -> DataRequest | None:
        item = self._get(subject_pk(subject_id), f"REQUEST#{request_id}")
        return from_json(DataRequest, item["request"]["S"]) if item else None

    def find(self, request_id: str) -> DataRequest | None:
        lookup = self._get(f"REQUEST#{request_id}", "LOOKUP")
        return self.get(lookup["subject_id"]["S"], request_id) if lookup else None

    def list_for(self, subject_id: str) -> list[DataRequest]:
        return [
            from_json(DataRequest, item["request"]["S"])
            for item in self._live_items(subject_pk(subject_id), "REQUEST#")
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
        items: list[dict[str, Any]] = [{"Put": put}]
        if event:
            items.append(outbox_put(self.table, event[0], event[1], self._now_epoch()))
        if not request.is_open:
            key = {"pk": {"S": subject_pk(request.subject_id)}, "sk": {"S": _open_marker(request)}}
            items.append({"Delete": {"TableName": self.table, "Key": key}})
        # The audit record last (AuditLog.commit): retried on a new head while only the chain moved.
        if self.audit.commit(lambda: [*items, self.audit.prepare(request.subject_id, audit)]):
            raise ConcurrentUpdate("The request changed at the same moment; read it again and retry.")
        return request

    def record(self, subject_id: str, audit: AuditEntry) -> None:
        self.audit.append(subject_id, audit)

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
