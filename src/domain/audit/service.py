"""Audit use cases: an operator reads a subject's chain, verified against its anchors, with a signed statement of
what the verification found; and a deletion certificate with the exact message its signature covers."""

from dataclasses import KW_ONLY, dataclass

from domain.audit.model import AuditRecord, ChainVerification, StoredCertificate, verify_chain
from domain.audit.ports import AnchorStore, CertificateStore, ChainStore, SignPort
from domain.canonical import canonical_json
from domain.clock import Clock
from domain.errors import NotFound


@dataclass(frozen=True)
class SignedStatement:
    message: str  # canonical JSON of {subject, length, head_hash, valid, broken_at, anchored_through, verified_at}
    signature: dict[str, str]  # signature, signing_key_id, signing_algorithm


@dataclass(frozen=True)
class VerifiedChain:
    subject: str
    verification: ChainVerification
    records: list[AuditRecord]
    head_signature: SignedStatement | None


@dataclass(eq=False)
class AuditService:
    chains: ChainStore
    anchors: AnchorStore
    certificates: CertificateStore
    clock: Clock
    _: KW_ONLY
    signer: SignPort | None

    def chain(self, pseudonym: str) -> VerifiedChain:
        # Anchors first: a record appended meanwhile is then in the chain read after them, never missing from it.
        anchors = self.anchors.of(pseudonym)
        records = self.chains.chain(pseudonym)
        verification = verify_chain(records, anchors, now=self.clock.now())
        return VerifiedChain(pseudonym, verification, records, self._signed_head(pseudonym, verification))

    def _signed_head(self, subject: str, verification: ChainVerification) -> SignedStatement | None:
        """The service's signed statement of the chain it verified (made when read: it states what this verification
        found, anchors included); None without a key, or for a chain with neither records nor anchors."""
        if self.signer is None or (verification.length == 0 and not verification.anchored_through):
            return None
        statement = {
            "subject": subject,
            "length": verification.length,
            "head_hash": verification.head_hash,
            "valid": verification.valid,
            "broken_at": verification.broken_at,
            "anchored_through": verification.anchored_through,
            "verified_at": self.clock.now().isoformat(),
        }
        message = canonical_json(statement)
        return SignedStatement(message, self.signer(message.encode("utf-8")))

    def certificate(self, certificate_id: str) -> StoredCertificate:
        stored = self.certificates.get(certificate_id)
        if stored is None:
            raise NotFound("No deletion certificate with this id.")
        return stored
