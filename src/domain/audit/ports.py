"""What the audit use cases read: the chains (the audit table), their anchors (the Object Lock bucket), the stored
deletion certificates, and the signing key."""

from collections.abc import Callable
from typing import Protocol

from domain.audit.model import Anchor, AuditRecord, StoredCertificate

# Signs a message with the KMS key: {"signature", "signing_key_id", "signing_algorithm"}.
SignPort = Callable[[bytes], dict[str, str]]


class ChainStore(Protocol):
    def chain(self, pseudonym: str) -> list[AuditRecord]:
        """The subject's records, oldest first."""
        ...


class AnchorStore(Protocol):
    def of(self, subject: str) -> list[Anchor]:
        """Every anchor written for the subject's chain (a listing of the write-once bucket)."""
        ...


class CertificateStore(Protocol):
    def get(self, certificate_id: str) -> StoredCertificate | None: ...
