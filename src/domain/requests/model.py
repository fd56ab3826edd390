"""Data-subject requests: what was asked, by whom, when it is due, and where it stands.

Request records are evidence of compliance, so they are minimised: the subject id and facts about the
request, never personal data of the subject. They expire after the accountability period.
"""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RequestType = Literal["access", "portability", "erasure"]
ExportFormat = Literal["json", "csv"]
RequestStatus = Literal["received", "in_progress", "completed", "failed", "rejected", "expired"]
OPEN_STATUSES: frozenset[str] = frozenset({"received", "in_progress"})
Origin = Literal["subject", "admin", "parent", "system"]


class DataRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

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
    export_counts: dict[str, int] = Field(default_factory=dict)
    systems_pending: list[str] = Field(default_factory=list)
    systems_done: list[str] = Field(default_factory=list)
    version: int = 1

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_export(self) -> bool:
        return self.type in ("access", "portability")
