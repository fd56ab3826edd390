"""Legal holds an operator places on a subject: the subject's records of one category outlive its purge.

A hold names a configured record category and the moment it ends. At purge (adapters/purger.py) the held records
are isolated under the subject's pseudonym until then (`hold_until` in domain/erasure.py), not deleted. One hold
per category: placing it again replaces its end and reason. The reason is operator text: it stays on the hold and
never goes into the audit trail, which records only the category, the end and the operator.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from domain.audit import AuditEntry
from domain.clock import Clock
from domain.erasure import SubjectStatus, SubjectUnavailable
from domain.errors import DomainError, NotFound
from domain.records import RecordCategories


@dataclass(frozen=True, kw_only=True)
class LegalHold:
    category: str
    until: datetime
    reason: str
    placed_at: datetime
    placed_by: str  # the operator's subject id


class HoldEndsInThePast(DomainError):
    default_code = "hold_ends_in_the_past"


class HoldPort(Protocol):
    def place(self, subject_id: str, hold: LegalHold, *, audit: AuditEntry, now: datetime) -> bool:
        """False when the subject has no profile or its purge is due (nothing is written then)."""
        ...

    def lift(self, subject_id: str, category: str, *, audit: AuditEntry) -> bool:
        """False when there was no such hold."""
        ...

    def holds(self, subject_id: str) -> list[LegalHold] | None:
        """The subject's holds that have not ended, or None when the subject has no profile."""
        ...


class SubjectStatuses(Protocol):
    def status(self, subject_id: str) -> SubjectStatus:
        """Purged once the purge is due (domain.erasure_service.ErasureService.status)."""
        ...


class HoldService:
    def __init__(self, holds: HoldPort, subjects: SubjectStatuses, categories: RecordCategories, clock: Clock) -> None:
        self.store = holds
        self.subjects = subjects
        self.categories = categories
        self.clock = clock

    def place(self, subject_id: str, category: str, until: datetime, reason: str, *, admin: str) -> LegalHold:
        """Holds (or re-holds, replacing its end and reason) the subject's records of `category` until `until`."""
        self.categories.get(category)
        now = self.clock.now()
        until = until.astimezone(UTC)
        if until <= now:
            raise HoldEndsInThePast("A hold must end in the future.", details=[{"field": "until"}])
        hold = LegalHold(category=category, until=until, reason=reason, placed_at=now, placed_by=admin)
        audit = AuditEntry(
            action="hold.placed",
            actor="admin",
            at=now,
            details={"category": category, "until": until.isoformat(), "admin": admin},
        )
        if self.store.place(subject_id, hold, audit=audit, now=now):
            return hold
        raise self._missing(subject_id)

    def lift(self, subject_id: str, category: str, *, admin: str) -> None:
        audit = AuditEntry(
            action="hold.lifted", actor="admin", at=self.clock.now(), details={"category": category, "admin": admin}
        )
        if not self.store.lift(subject_id, category, audit=audit):
            raise NotFound("This subject has no hold on this category.")

    def holds(self, subject_id: str) -> list[LegalHold]:
        holds = self.store.holds(subject_id)
        if holds is None:
            raise self._missing(subject_id)
        return holds

    def _missing(self, subject_id: str) -> DomainError:
        """Why a subject has no profile to hold: purged (or its purge is due: 410), or never known (404)."""
        status = self.subjects.status(subject_id)
        if status.state == "purged":
            return SubjectUnavailable("purged", status.purge_at)
        return NotFound("No subject with this id.")
