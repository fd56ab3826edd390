"""Removal of an inactive account, as the policy's inactivity rule promises (iMind: an export for the subject, then
removal after a grace period): a use case spanning the erasure and request contexts, so it lives here rather than in
the worker's handler.

Each subject the sweep found is checked again first: one active since the sweep read the index, or no longer active
(pending deletion for another reason, purged, gone), is left alone. Safe to repeat for the same message: the deletion
keeps its first date, an export made for this stretch of inactivity is not made twice, and the notice has one key
per scheduling.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, Protocol

from domain.erasure.model import SubjectStatus, SubjectUnavailable
from domain.erasure.service import ErasureService
from domain.errors import NotFound
from domain.requests.service import RequestService

Outcome = Literal["scheduled", "already_scheduled", "active_again", "went_away", "not_active"]


class InactivityPort(Protocol):
    def last_active_day(self, subject_id: str) -> date | None: ...

    def notify_inactive(
        self, subject_id: str, *, inactive_since: date, purge_at: datetime, scheduled_at: datetime
    ) -> bool:
        """Queues the SubjectInactive notice once per scheduling; False if this scheduling was already noticed."""
        ...


@dataclass(frozen=True)
class InactivityRule:
    """What the policy (and the deployment, never beyond the policy) says happens to an inactive account."""

    grace: timedelta
    export_first: bool


@dataclass(frozen=True)
class Removal:
    outcome: Outcome
    purge_at: datetime | None = None
    state: str | None = None


class InactiveAccountRemoval:
    def __init__(
        self, *, rule: InactivityRule, inactivity: InactivityPort, erasure: ErasureService, requests: RequestService
    ) -> None:
        self.rule = rule
        self.inactivity = inactivity
        self.erasure = erasure
        self.requests = requests

    def remove(self, subject_id: str, inactive_since: date) -> Removal:
        last_active = self.inactivity.last_active_day(subject_id)
        if last_active is None or last_active > inactive_since:
            return Removal("active_again")
        status = self.erasure.status(subject_id)
        if status.state == "active":
            try:
                status = self._schedule(subject_id, last_active)
            except (NotFound, SubjectUnavailable):
                return Removal("went_away")
        pending_for_inactivity = status.state == "pending_deletion" and status.reason == "inactivity"
        if not pending_for_inactivity or status.purge_at is None or status.requested_at is None:
            # Pending deletion for another reason (that deletion stands as it is), or already purged.
            return Removal("not_active", state=status.state)
        # Scheduled now, or by an earlier attempt at this subject that may have stopped before the notice.
        noticed = self.inactivity.notify_inactive(
            subject_id, inactive_since=inactive_since, purge_at=status.purge_at, scheduled_at=status.requested_at
        )
        return Removal("scheduled" if noticed else "already_scheduled", purge_at=status.purge_at)

    def _schedule(self, subject_id: str, last_active: date) -> SubjectStatus:
        if self.rule.export_first and not self._export_made_since(subject_id, last_active):
            self.requests.submit(subject_id, "access", origin="system")
        return self.erasure.schedule_deletion(subject_id, "inactivity", actor="system", grace=self.rule.grace)

    def _export_made_since(self, subject_id: str, last_active: date) -> bool:
        """A system export was already requested in this stretch of inactivity (an earlier attempt)."""
        return any(
            r.type == "access" and r.origin == "system" and r.received_at.date() > last_active
            for r in self.requests.list_for(subject_id)
        )
