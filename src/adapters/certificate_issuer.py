"""The deletion certificate a purge issues: signed, stored in the audit table with its audit record and the
SubjectPurged event in one transaction, once (a resumed purge gets the first run's certificate back, which stated
what that run found). adapters.certificates reads them back."""

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from adapters.audit_log import AuditLog
from adapters.aws import dynamodb, transact_write
from adapters.dynamo_json import to_item
from adapters.outbox import outbox_put
from domain.audit.model import AuditEntry
from domain.canonical import canonical_json
from domain.clock import epoch_seconds
from domain.erasure.model import DeletionCertificate
from domain.values import from_json, to_jsonable

Signer = Callable[[bytes], dict[str, Any]]


def issue_certificate(
    subject_id: str,
    certificate: DeletionCertificate,
    now: datetime,
    *,
    table: str,
    audit_table: str,
    audit: AuditLog,
    signer: Signer | None,
) -> DeletionCertificate:
    body = to_jsonable(certificate)
    signature = signer(canonical_json(body).encode()) if signer else None
    item = {
        "pk": f"CERT#{certificate.certificate_id}",
        "sk": "CERTIFICATE",
        "certificate": json.dumps(body),
        **(signature or {}),
    }
    entry = AuditEntry(
        action="subject.purged",
        actor="system",
        at=now,
        request_id=certificate.request_id,
        details={
            "certificate_id": certificate.certificate_id,
            "deleted": sum(certificate.deleted_counts.values()),
            "held_categories": sorted({h.category for h in certificate.held}),
        },
    )
    event = {"subject_id": subject_id, "certificate_id": certificate.certificate_id, "purged_at": now.isoformat()}
    put = {"TableName": audit_table, "Item": to_item(item), "ConditionExpression": "attribute_not_exists(pk)"}
    purged = outbox_put(table, "SubjectPurged", event, epoch_seconds(now))
    if transact_write([{"Put": put}, audit.prepare(subject_id, entry), purged]):
        return certificate
    stored = dynamodb().get_item(
        TableName=audit_table,
        Key={"pk": {"S": f"CERT#{certificate.certificate_id}"}, "sk": {"S": "CERTIFICATE"}},
    )["Item"]
    return from_json(DeletionCertificate, stored["certificate"]["S"])  # resumed: the first one stands
