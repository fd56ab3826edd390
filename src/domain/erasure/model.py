"""Erasure: a subject becomes unavailable at once and is purged when the restore window ends.

Scheduling writes one item (the profile's deletion fields and its TTL), never every item of the subject.
The purge keeps what the law requires (legal holds), isolated under a pseudonym until the hold ends, and
leaves a deletion certificate.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from domain.activity import SHARDS, shard_of
from domain.errors import DomainError, Gone
from domain.records import RecordCategories

DeletionReason = Literal["user_request", "erasure_request", "inactivity", "underage", "parent_request"]
State = Literal["active", "pending_deletion", "purged"]
# Deletions the subject may cancel within the restore window (POST /me/restore, or activity for inactivity). A
# parent's erasure or withdrawal of consent for their child, and an operator's removal of an account opened without
# the required parental consent, are not the child's to undo.
CANCELLABLE_BY_SUBJECT: tuple[DeletionReason, ...] = ("user_request", "erasure_request", "inactivity")


class SubjectUnavailable(Gone):
    default_code = "subject_unavailable"

    def __init__(self, state: State, purge_at: datetime | None, reason: DeletionReason | None = None) -> None:
        when = f" It will be permanently deleted on {purge_at.date().isoformat()}." if purge_at else ""
        undo = " POST /me/restore cancels the deletion." if reason is None or reason in CANCELLABLE_BY_SUBJECT else ""
        message = (
            f"This account is scheduled for deletion and unavailable.{when}{undo}"
            if state == "pending_deletion"
            else "This account was permanently deleted."
        )
        super().__init__(message, details=[{"state": state, "purge_at": purge_at.isoformat() if purge_at else None}])


class RecordsClosed(Gone):
    """A record offered by the host application about a subject whose data must already be unavailable: a record
    written now would outlive the erasure or land in a partition the purge has already swept."""

    default_code = "subject_unavailable"

    def __init__(self, state: State, purge_at: datetime | None) -> None:
        message = (
            "This subject is scheduled for deletion: their data is unavailable and no record can be registered "
            "about them (removing one still can)."
            if state == "pending_deletion"
            else "This subject was permanently deleted: no record can be registered about them."
        )
        super().__init__(message, details=[{"state": state, "purge_at": purge_at.isoformat() if purge_at else None}])


@dataclass(frozen=True, kw_only=True)
class SubjectStatus:
    state: State
    purge_at: datetime | None = None
    reason: DeletionReason | None = None
    requested_at: datetime | None = None
    request_id: str | None = None

    def __post_init__(self) -> None:
        # Built straight from stored attributes (profile items, stream images), where moments are ISO 8601 text.
        for name in ("purge_at", "requested_at"):
            value = getattr(self, name)
            if isinstance(value, str):
                object.__setattr__(self, name, datetime.fromisoformat(value))

    def gone_at(self, now: datetime) -> bool:
        """Purged, or due: once the restore window has ended the purge may be deleting the data at any moment, so
        nothing may be made of it (an export) that would outlive the purge."""
        if self.state == "purged":
            return True
        return self.state == "pending_deletion" and self.purge_at is not None and self.purge_at <= now

    def ensure_available(self) -> None:
        if self.state != "active":
            raise SubjectUnavailable(self.state, self.purge_at, self.reason)

    def ensure_accepts_records(self) -> None:
        """The host application may register records only about an active subject."""
        if self.state != "active":
            raise RecordsClosed(self.state, self.purge_at)


def purge_partition(subject_id: str, day: date) -> str:
    return f"PURGE#{day.isoformat()}#{shard_of(subject_id):02d}"


def purge_partitions(day: date) -> list[str]:
    return [f"PURGE#{day.isoformat()}#{shard:02d}" for shard in range(SHARDS)]


def schedule(now: datetime, grace: timedelta, reason: DeletionReason, request_id: str | None = None) -> SubjectStatus:
    # Due at the start (UTC) of the day the window ends: never later than promised, and the daily sweep,
    # which runs early each day, finds every subject of its day already due.
    purge_at = datetime.combine((now + grace).date(), time.min, tzinfo=UTC)
    return SubjectStatus(
        state="pending_deletion", purge_at=purge_at, reason=reason, requested_at=now, request_id=request_id
    )


def certificate_id(pseudonym: str, purge_at: datetime) -> str:
    """Deterministic: a purge run twice, or resumed after a crash, yields the same single certificate. Made from the
    subject's pseudonym, which the certificate names anyway: a hash of the subject id would let whoever holds a
    certificate and a list of candidate ids find the person it is about."""
    return hashlib.sha256(f"{pseudonym}|{purge_at.isoformat()}".encode()).hexdigest()[:32]


@dataclass(frozen=True, kw_only=True)
class HeldCategory:
    category: str
    until: datetime
    count: int
    basis: str


@dataclass(frozen=True, kw_only=True)
class DeletionCertificate:
    """What a regulator may ask: what was erased, when, why, and what was kept under which legal basis."""

    certificate_id: str
    subject: str  # pseudonym
    request_id: str | None
    reason: DeletionReason | None
    requested_at: datetime | None
    scheduled_purge_at: datetime | None
    purged_at: datetime
    deleted_counts: dict[str, int]
    held: list[HeldCategory]
    exports_deleted: int  # the export archives found in the bucket (and then deleted)
    login_deleted: bool  # whether a login was found in the user pool (and then deleted)


def hold_until(
    category: str,
    document: dict[str, object],
    categories: RecordCategories,
    admin_holds: dict[str, datetime],
    *,
    stored_at: datetime,
) -> tuple[datetime, str] | None:
    """Until when a record must be kept (and why), or None if it can be deleted now.

    Fails closed: a record of a category with a retention rule whose date is missing or unreadable (stored before
    dates were checked, or hand-written) is kept for the rule's full period from `stored_at`, when it was stored.
    """
    candidates: list[tuple[datetime, str]] = []
    if category in admin_holds:
        candidates.append((admin_holds[category], "legal hold placed by an operator"))
    try:
        rule = categories.get(category).retention
    except Exception:  # noqa: BLE001 - an unknown category has no retention rule
        rule = None
    if rule is not None:
        start = rule.start(document)
        if start is not None:
            candidates.append((rule.ends(start), rule.legal_basis))
        else:
            basis = (
                f"{rule.legal_basis}; its {rule.date_field} was missing or unreadable, so it is kept {rule.years} "
                "years from when it was stored"
            )
            candidates.append((rule.ends(stored_at), basis))
    return max(candidates) if candidates else None


# ---------------------------------------------------------------- legal holds
# Legal holds an operator places on a subject: the subject's records of one category outlive its purge. A hold
# names a configured record category and the moment it ends. At purge (adapters/purger.py) the held records are
# isolated under the subject's pseudonym until then (`hold_until` above), not deleted. One hold per category: placing
# it again replaces its end and reason. The reason is operator text: it stays on the hold and never goes into the
# audit trail, which records only the category, the end and the operator.


@dataclass(frozen=True, kw_only=True)
class LegalHold:
    category: str
    until: datetime
    reason: str
    placed_at: datetime
    placed_by: str  # the operator's subject id


class HoldEndsInThePast(DomainError):
    default_code = "hold_ends_in_the_past"
