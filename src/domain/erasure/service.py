"""Erasure use cases: schedule deletion (account deletion, erasure request, inactivity), restore, status; and the
legal holds an operator places on a subject's records (domain.erasure.model, "legal holds")."""

from dataclasses import KW_ONLY, dataclass, replace
from datetime import UTC, datetime, timedelta

from domain.activity import activity_keys
from domain.audit.model import Actor, AuditEntry, DetailValue
from domain.clock import Clock
from domain.erasure.model import (
    CANCELLABLE_BY_SUBJECT,
    DeletionReason,
    HoldEndsInThePast,
    LegalHold,
    SubjectStatus,
    SubjectUnavailable,
    schedule,
)
from domain.erasure.ports import DeletionStore, HoldStore, StatusPort
from domain.errors import Conflict, DomainError, NotFound
from domain.records import RecordCategories


class NothingToRestore(Conflict):
    default_code = "not_scheduled"


class DeletionNotCancellable(Conflict):
    """The deletion pending was not the subject's own doing (domain.erasure.model.CANCELLABLE_BY_SUBJECT)."""

    default_code = "deletion_not_cancellable"

    def __init__(self, reason: DeletionReason | None) -> None:
        message = (
            "This account is being deleted because it was opened without the consent of a parent or guardian; "
            "it cannot be restored."
            if reason == "underage"
            else "A parent or guardian asked for this account's deletion; it cannot be cancelled from this account."
        )
        super().__init__(message, details=[{"reason": reason}])


TAKE_OVER_ATTEMPTS = 5


@dataclass(eq=False)
class ErasureService:
    deletions: DeletionStore
    clock: Clock
    _: KW_ONLY
    grace: timedelta

    def status(self, subject_id: str) -> SubjectStatus:
        status = self.deletions.status(subject_id)
        if status.state == "pending_deletion" and status.gone_at(self.clock.now()):
            # The window has ended; the purge may lag by minutes (stream) but the data is gone for everyone.
            return SubjectStatus(state="purged", purge_at=status.purge_at, reason=status.reason)
        return status

    def ensure_available(self, subject_id: str) -> None:
        self.status(subject_id).ensure_available()

    def schedule_deletion(
        self,
        subject_id: str,
        reason: DeletionReason,
        *,
        actor: Actor,
        request_id: str | None = None,
        grace: timedelta | None = None,
    ) -> SubjectStatus:
        """Idempotent: a subject already pending keeps its first purge date."""
        now = self.clock.now()
        planned = schedule(now, self.grace if grace is None else grace, reason, request_id)
        audit = AuditEntry(
            action="deletion.scheduled",
            actor=actor,
            at=now,
            request_id=request_id,
            details={"reason": reason, "purge_at": planned.purge_at.isoformat() if planned.purge_at else ""},
        )
        if self.deletions.schedule(subject_id, planned, audit=audit, now=now):
            return planned
        current = self.status(subject_id)
        if current.state == "active":
            raise NotFound("No profile exists for this account.")
        if current.state == "purged":
            raise SubjectUnavailable("purged", current.purge_at)
        return current

    def schedule_binding_deletion(
        self, subject_id: str, reason: DeletionReason, *, actor: Actor, request_id: str | None = None
    ) -> SubjectStatus:
        """Like schedule_deletion, for a deletion the subject may not cancel (a parent's for their child): a
        deletion already pending that the subject could cancel becomes `reason`'s, keeping its purge date."""
        if reason in CANCELLABLE_BY_SUBJECT:
            raise ValueError(f"{reason} is a deletion the subject may cancel")
        for _ in range(TAKE_OVER_ATTEMPTS):
            status = self.schedule_deletion(subject_id, reason, actor=actor, request_id=request_id)
            if status.reason not in CANCELLABLE_BY_SUBJECT:
                return status  # ours now, or already binding (another parent request, an underage removal)
            now = self.clock.now()
            audit = AuditEntry(
                action="deletion.taken_over",
                actor=actor,
                at=now,
                request_id=request_id,
                details={"reason": reason, "previous_reason": status.reason or ""},
            )
            if self.deletions.take_over(
                subject_id, reason, request_id=request_id, audit=audit, now=now, reasons=CANCELLABLE_BY_SUBJECT
            ):
                return replace(status, reason=reason, request_id=request_id or status.request_id)
            # Restored or purged meanwhile: schedule again, or learn that it is gone.
        raise Conflict("The account's deletion changed while it was being scheduled; please retry.")

    def restore(
        self, subject_id: str, *, actor: Actor = "subject", details: dict[str, DetailValue] | None = None
    ) -> SubjectStatus:
        """The subject's own (POST /me/restore), or an operator's for a subject who asked by e-mail (`actor` admin,
        `details` naming the operator and how the sender was verified): the same rules either way."""
        now = self.clock.now()
        audit = AuditEntry(action="deletion.restored", actor=actor, at=now, details=details or {})
        # A restore is the subject's activity today: an account restored from an inactivity removal must be swept
        # again the policy's inactivity period from now, and the day it was last active before has been swept.
        activity = activity_keys(subject_id, now.date())
        if self.deletions.restore(subject_id, audit=audit, now=now, activity=activity, reasons=CANCELLABLE_BY_SUBJECT):
            return SubjectStatus(state="active")
        current = self.status(subject_id)
        if current.state == "purged":
            raise SubjectUnavailable("purged", current.purge_at)
        if current.state == "pending_deletion" and current.reason not in CANCELLABLE_BY_SUBJECT:
            raise DeletionNotCancellable(current.reason)
        raise NothingToRestore("This account is not scheduled for deletion; there is nothing to restore.")


class HoldService:
    def __init__(self, holds: HoldStore, subjects: StatusPort, categories: RecordCategories, clock: Clock) -> None:
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
