"""Deletion certificates read back from the audit table, and the public half of the key that signs them.

The purge (`adapters.certificate_issuer.issue_certificate`) stores a certificate at `pk = CERT#<id>`, `sk = CERTIFICATE` with
its body as JSON and an ECDSA signature (KMS, ECC_NIST_P256) over the body's canonical JSON. A regulator needs
three things to check one offline: the body, the exact message that was signed, and the public key.
"""

import base64
import json
from dataclasses import dataclass
from typing import Any

from adapters.aws import client, dynamodb
from domain.audit.model import StoredCertificate
from domain.canonical import canonical_json

SIGNING_ALGORITHM = "ECDSA_SHA_256"


class DynamoCertificateStore:
    def __init__(self, audit_table: str) -> None:
        self.audit_table = audit_table

    def get(self, certificate_id: str) -> StoredCertificate | None:
        item = (
            dynamodb()
            .get_item(
                TableName=self.audit_table,
                Key={"pk": {"S": f"CERT#{certificate_id}"}, "sk": {"S": "CERTIFICATE"}},
                ConsistentRead=True,
            )
            .get("Item")
        )
        if not item or "certificate" not in item:
            return None
        body = json.loads(item["certificate"]["S"])
        return StoredCertificate(
            certificate=body,
            signed_message=canonical_json(body),
            signature=_text(item, "signature"),
            signing_key_id=_text(item, "signing_key_id"),
            signing_algorithm=_text(item, "signing_algorithm"),
        )


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name, {}).get("S")
    return str(value) if value is not None else None


@dataclass(frozen=True)
class PublicKey:
    key_id: str  # the key's ARN, as certificates name it in `signing_key_id`
    algorithm: str
    public_key_pem: str


def signing_public_key(key_id: str) -> PublicKey:
    answer = client("kms").get_public_key(KeyId=key_id)
    body = base64.b64encode(answer["PublicKey"]).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
    return PublicKey(key_id=str(answer["KeyId"]), algorithm=SIGNING_ALGORITHM, public_key_pem=pem)
