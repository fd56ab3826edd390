"""The audit trail: one record per privacy-relevant action, chained per subject so a gap or an edit shows.

Records name the subject by a pseudonym (an HMAC of the subject id with a secret key) and never hold names,
e-mail addresses or field values, so they may lawfully outlive the subject's erasure. Each record holds the
SHA-256 of its predecessor; `verify_chain` recomputes every link. The links alone do not stop someone who can
put items from rewriting a record and every hash after it, or from dropping the newest records: each record is
also anchored write-once when the table's stream delivers it (handlers/audit_anchor.py), and `verify_chain` checks
the chain against those anchors.
"""

import hashlib
import hmac
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from domain.canonical import canonical_json
from domain.values import to_jsonable

Actor = Literal["subject", "admin", "system", "parent", "app", "visitor"]
DetailValue = str | int | bool | list[str]
GENESIS_HASH = "0" * 64


def pseudonym_of(secret: bytes, subject_id: str) -> str:
    """Stable, non-reversible name of a subject in the audit trail."""
    return hmac.new(secret, subject_id.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """What happened, as the use case describes it (no personal data: ids, names of fields, counts)."""

    action: str
    actor: Actor
    at: datetime
    request_id: str | None = None
    correlation_id: str | None = None
    details: dict[str, DetailValue] = field(default_factory=dict)
    # Epoch seconds after which the record may go (the audit table's TTL; its anchor is locked until then): a
    # visitor's records, which must not outlive the visitor's consent record by more than the accountability period.
    # None: kept like every record, for AuditAnchorRetentionDays.
    expires_at: int | None = None

    def __post_init__(self) -> None:
        if not 1 <= len(self.action) <= 64:
            raise ValueError(f"an audit action has 1 to 64 characters, not {len(self.action)}")


@dataclass(frozen=True, kw_only=True)
class AuditRecord(AuditEntry):
    """An entry placed in a subject's chain."""

    subject: str  # the pseudonym
    sequence: int
    previous_hash: str
    hash: str = ""

    def canonical(self) -> bytes:
        # No expiry, no key: records written before expiries existed keep their hashes.
        body = {
            name: value
            for name, value in to_jsonable(self).items()
            if name != "hash" and not (name == "expires_at" and value is None)
        }
        return canonical_json(body).encode("utf-8")

    def computed_hash(self) -> str:
        return hashlib.sha256(self.canonical()).hexdigest()


def next_record(head: AuditRecord | None, subject: str, entry: AuditEntry) -> AuditRecord:
    if entry.expires_at is not None and head is not None and head.expires_at is not None:
        # Never before its predecessor: a chain expires from its oldest record on, never with a hole in the middle.
        entry = replace(entry, expires_at=max(entry.expires_at, head.expires_at))
    record = AuditRecord(
        **{entry_field.name: getattr(entry, entry_field.name) for entry_field in fields(AuditEntry)},
        subject=subject,
        sequence=(head.sequence + 1) if head else 1,
        previous_hash=head.hash if head else GENESIS_HASH,
    )
    return replace(record, hash=record.computed_hash())


@dataclass(frozen=True)
class Anchor:
    """What the write-once store holds for an audit record when the table's stream delivered its insert."""

    sequence: int
    hash: str
    expires_at: int | None = None  # an expiring record's anchor: locked, and its record kept, until then


FailedCheck = Literal["sequence_gap", "link_mismatch", "content_mismatch", "missing_anchored_record", "anchor_mismatch"]


@dataclass(frozen=True, kw_only=True)
class ChainVerification:
    valid: bool
    length: int
    head_hash: str | None
    broken_at: int | None = None
    reason: str | None = None
    failed_check: FailedCheck | None = None
    anchored_through: int | None = None  # the highest anchored sequence (0: none yet); None: anchors not checked


def verify_chain(
    records: list[AuditRecord], anchors: list[Anchor] | None = None, *, now: datetime | None = None
) -> ChainVerification:
    """Records in sequence order; any edited, removed or reordered record breaks the chain.

    With `anchors`, the chain must also hold every anchored record unchanged: so a rewrite that recomputes every
    later hash, the loss of the newest records or of the whole chain is caught too. Records newer than the last
    anchor (not yet delivered by the stream) are checked by their links alone.

    With `now`, expiring records (a visitor's) past their expiry are left out, and so are their anchors, whose lock
    ended with them: such a chain verifies from its first retained record on, trusting that record's link to the
    expired one. Only a record that itself expires may start a chain after sequence 1; a record gone while its
    anchor is still locked is reported missing.
    """
    if now is not None:
        moment = now.timestamp()
        records = [record for record in records if record.expires_at is None or record.expires_at > moment]
        if anchors is not None:
            anchors = [anchor for anchor in anchors if anchor.expires_at is None or anchor.expires_at > moment]
    first = records[0].sequence if records and records[0].expires_at is not None else 1
    anchored_through = max((anchor.sequence for anchor in anchors), default=0) if anchors is not None else None

    def broken(at: int, check: FailedCheck, reason: str) -> ChainVerification:
        return ChainVerification(
            valid=False,
            length=len(records),
            head_hash=None,
            broken_at=at,
            reason=reason,
            failed_check=check,
            anchored_through=anchored_through,
        )

    previous = records[0].previous_hash if first > 1 else GENESIS_HASH
    for expected_sequence, record in enumerate(records, start=first):
        if record.sequence != expected_sequence:
            reason = f"sequence {record.sequence} where {expected_sequence} was expected (a record is missing)"
            return broken(expected_sequence, "sequence_gap", reason)
        if record.previous_hash != previous:
            return broken(expected_sequence, "link_mismatch", "the link to the previous record does not match")
        if record.hash != record.computed_hash():
            reason = "the record's content does not match its hash (it was altered)"
            return broken(expected_sequence, "content_mismatch", reason)
        previous = record.hash
    for anchor in sorted(anchors or [], key=lambda anchor: anchor.sequence):
        if anchor.sequence >= first + len(records) or 1 <= anchor.sequence < first:
            reason = f"record {anchor.sequence} was anchored but is no longer in the chain (records were removed)"
            return broken(anchor.sequence, "missing_anchored_record", reason)
        if anchor.sequence < 1 or records[anchor.sequence - first].hash != anchor.hash:
            reason = f"record {anchor.sequence} differs from the one anchored when it was written (it was rewritten)"
            return broken(anchor.sequence, "anchor_mismatch", reason)
    return ChainVerification(
        valid=True, length=len(records), head_hash=previous if records else None, anchored_through=anchored_through
    )


def as_item_attributes(record: AuditRecord) -> dict[str, Any]:
    attributes: dict[str, Any] = to_jsonable(record)
    if attributes.get("expires_at") is None:
        attributes.pop("expires_at", None)  # no TTL attribute: the record is kept
    return attributes


@dataclass(frozen=True)
class StoredCertificate:
    """A deletion certificate as stored, with the exact message its signature covers."""

    certificate: dict[str, Any]  # the body exactly as stored and signed, never re-modelled
    signed_message: str
    signature: str | None
    signing_key_id: str | None
    signing_algorithm: str | None
