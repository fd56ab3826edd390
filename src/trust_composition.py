"""Composition root of what lets outsiders trust the trail: stored certificates and the signing key.

Kept apart from `composition` so the platform function (the public key route) imports nothing else.
"""

from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

from config import Settings

if TYPE_CHECKING:
    from adapters.audit_anchors import AuditAnchors
    from adapters.certificates import DynamoCertificateStore, PublicKey


class TrustSettings(Settings):
    signing_key_id: str | None = None


@cache
def trust_settings() -> TrustSettings:
    return TrustSettings.from_env()


class AnchorSettings(Settings):
    audit_anchor_bucket: str


@cache
def audit_anchors() -> "AuditAnchors":
    """The write-once anchors of the audit chains (written by the anchor function, listed by the admin API)."""
    from adapters.audit_anchors import AuditAnchors

    return AuditAnchors(AnchorSettings.from_env().audit_anchor_bucket)


@cache
def certificates() -> "DynamoCertificateStore":
    from adapters.certificates import DynamoCertificateStore

    return DynamoCertificateStore(trust_settings().audit_table)


@cache
def signing_public_key() -> "PublicKey | None":
    """The public half of the signing key, read from KMS once per container; None if no key is configured."""
    from adapters.certificates import signing_public_key as read_public_key

    key_id = trust_settings().signing_key_id
    return read_public_key(key_id) if key_id else None


@cache
def signer() -> "Callable[[bytes], dict[str, str]] | None":
    """Signs with the KMS key (ECDSA_SHA_256); None if no key is configured."""
    from adapters.signing import kms_signer

    key_id = trust_settings().signing_key_id
    return kms_signer(key_id) if key_id else None
