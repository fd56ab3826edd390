"""What the standing use cases need from storage."""

from typing import Protocol

from domain.audit.model import AuditEntry
from domain.errors import Contended
from domain.standing.model import Standing, SubjectFacts

Event = tuple[str, dict[str, object]]


class StandingStore(Protocol):
    def facts(self, subject_id: str) -> SubjectFacts:
        """One read of the subject's partition (profile, consents, tombstone, standing): at most 2 AWS calls."""
        ...

    def save(self, subject_id: str, standing: Standing, *, audit: AuditEntry, event: Event) -> Standing:
        """Write `standing` (its version is the stored one + 1) with its audit record and outbox event, in one
        transaction; StandingMoved if the stored version changed since it was read, SubjectGone if the subject has
        no live profile."""
        ...


class StandingMoved(Contended):
    """The standing changed since it was read: nothing was written, the caller may retry."""
