"""Data-subject requests: what was asked, by whom, when it is due, and where it stands.

Request records are evidence of compliance, so they are minimised: the subject id and facts about the
request, never personal data of the subject. They expire after the accountability period.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from domain.deadlines import RULES, Jurisdiction, Period, due_at

RequestType = Literal["access", "portability", "erasure", "restriction", "objection", "rectification"]
ExportFormat = Literal["json", "csv"]
RequestStatus = Literal["received", "in_progress", "completed", "failed", "rejected", "expired"]
OPEN_STATUSES: frozenset[str] = frozenset({"received", "in_progress"})
# Not done and past due is overdue: the open ones, and a failed one until an operator closes it (rejects it).
UNFINISHED_STATUSES: tuple[RequestStatus, ...] = ("received", "in_progress", "failed")
Origin = Literal["subject", "admin", "parent", "system"]


@dataclass(frozen=True, kw_only=True)
class DataRequest:
    """Stored as JSON (domain/values.py); built only by the request service, from validated input."""

    request_id: str
    subject_id: str
    type: RequestType
    format: ExportFormat = "json"
    status: RequestStatus = "received"
    origin: Origin = "subject"
    verified_by: str | None = None
    jurisdiction: str
    received_at: datetime
    due_at: datetime
    extended: bool = False
    extension_reason: str | None = None
    rejection_reason: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    updated_at: datetime
    export_key: str | None = None
    export_sha256: str | None = None
    export_expires_at: datetime | None = None
    export_counts: dict[str, int] = field(default_factory=dict)
    purge_at: datetime | None = None  # erasure: when the data, unavailable since completion, is permanently deleted
    systems_pending: list[str] = field(default_factory=list)
    systems_done: list[str] = field(default_factory=list)
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_export(self) -> bool:
        return self.type in ("access", "portability")

    @property
    def extension_period(self) -> Period:
        """How much later an extension moves the deadline, by the rule of the request's jurisdiction."""
        return RULES[Jurisdiction(self.jurisdiction)].extension

    def extended_due_at(self) -> datetime:
        """The due moment once extended: the extended period counted from receipt (domain/deadlines.py)."""
        deadline = due_at(self.received_at, Jurisdiction(self.jurisdiction), extended=True)
        assert deadline is not None  # only an open pause leaves it undefined, and requests are never paused
        return deadline

    def as_seen_at(self, now: datetime) -> "DataRequest":
        """The request as reported at `now`: a completed export past its lifetime is `expired` (the bucket's
        lifecycle rule deletes the archive). Nothing is written: the stored request stays completed."""
        if self.status == "completed" and self.export_expires_at is not None and self.export_expires_at <= now:
            return replace(self, status="expired")
        return self

    # Transitions: each is a new version of the request, stamped `now`. The service decides which may happen.
    def changed(self, now: datetime, **changes: object) -> "DataRequest":
        return replace(self, **changes, updated_at=now, version=self.version + 1)  # type: ignore[arg-type]

    def started(self, now: datetime, **changes: object) -> "DataRequest":
        return self.changed(now, status="in_progress", started_at=self.started_at or now, **changes)

    def closed(self, now: datetime, status: RequestStatus, **changes: object) -> "DataRequest":
        return self.changed(now, status=status, completed_at=now, **changes)
