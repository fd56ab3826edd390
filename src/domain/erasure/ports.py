"""What the erasure use cases need from storage: a subject's deletion state and its legal holds."""

from datetime import datetime
from typing import Protocol

from domain.audit.model import AuditEntry
from domain.erasure.model import DeletionReason, LegalHold, SubjectStatus


class DeletionStore(Protocol):
    """A subject's deletion state, kept on its profile (adapters.deletion_store.DynamoDeletionStore)."""

    def status(self, subject_id: str) -> SubjectStatus: ...

    def schedule(self, subject_id: str, status: SubjectStatus, *, audit: AuditEntry, now: datetime) -> bool:
        """Pending deletion as `status` says, only if the subject is active; False (nothing written) when it was
        not (already pending, or no profile)."""
        ...

    def take_over(
        self,
        subject_id: str,
        reason: DeletionReason,
        *,
        request_id: str | None,
        audit: AuditEntry,
        now: datetime,
        reasons: tuple[DeletionReason, ...],
    ) -> bool:
        """The pending deletion becomes `reason`'s (its purge date kept), only if it is still pending, its window
        still open and its reason one of `reasons`; False (nothing written) otherwise."""
        ...

    def restore(
        self,
        subject_id: str,
        *,
        audit: AuditEntry,
        now: datetime,
        activity: dict[str, str],
        reasons: tuple[DeletionReason, ...],
    ) -> bool:
        """Active again, with `now`'s day recorded as the last activity (`activity`: its index keys); only if the
        deletion is still pending, its window still open and its reason one of `reasons`, in the same conditional
        write; False (nothing written) otherwise."""
        ...


class HoldStore(Protocol):
    def place(self, subject_id: str, hold: LegalHold, *, audit: AuditEntry, now: datetime) -> bool:
        """False when the subject has no profile or its purge is due (nothing is written then)."""
        ...

    def lift(self, subject_id: str, category: str, *, audit: AuditEntry) -> bool:
        """False when there was no such hold."""
        ...

    def holds(self, subject_id: str) -> list[LegalHold] | None:
        """The subject's holds that have not ended, or None when the subject has no profile."""
        ...


class StatusPort(Protocol):
    def status(self, subject_id: str) -> SubjectStatus:
        """Purged once the purge is due (domain.erasure.service.ErasureService.status)."""
        ...
