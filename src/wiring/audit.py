"""The audit context: the write-once anchors of the chains, stored deletion certificates, the signing key's public
half, and the verified (and signed) chain an operator reads. Kept apart so the platform function (the public key
route) imports nothing else."""

from typing import TYPE_CHECKING

from config import Settings
from wiring import provider
from wiring.shared import SigningSettings, clock, signer

if TYPE_CHECKING:
    from adapters.audit_anchors import AuditAnchors
    from adapters.certificates import DynamoCertificateStore, PublicKey
    from domain.audit.service import AuditService


class AnchorSettings(Settings):
    audit_anchor_bucket: str


@provider
def audit_anchors() -> "AuditAnchors":
    """The write-once anchors of the audit chains (written by the anchor function, listed by the admin API)."""
    from adapters.audit_anchors import AuditAnchors

    return AuditAnchors(AnchorSettings.from_env().audit_anchor_bucket)


@provider
def certificates() -> "DynamoCertificateStore":
    from adapters.certificates import DynamoCertificateStore

    return DynamoCertificateStore(Settings.from_env().audit_table)


@provider
def signing_public_key() -> "PublicKey | None":
    """The public half of the signing key, read from KMS once per container; None if no key is configured."""
    from adapters.certificates import signing_public_key as read_public_key

    key_id = SigningSettings.from_env().signing_key_id
    return read_public_key(key_id) if key_id else None


@provider
def audit() -> "AuditService":
    from domain.audit.service import AuditService
    from wiring.shared import audit_log

    return AuditService(audit_log(), audit_anchors(), certificates(), clock(), signer=signer())
