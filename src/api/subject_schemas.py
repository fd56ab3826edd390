"""HTTP shapes of the subject routes: profile, activity, requests, downloads, host records."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.requests.model import DataRequest, ExportFormat, RequestStatus, RequestType


class ProfileOut(BaseModel):
    subject_id: str
    email: str | None
    given_name: str | None
    family_name: str | None
    country: str | None
    birth_date: date | None
    preferences: dict[str, str | bool | int]
    created_at: datetime
    updated_at: datetime


class ActivityOut(BaseModel):
    recorded: bool = Field(description="False when today's activity was already recorded (nothing written)")
    day: date


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["access", "portability", "erasure"]
    format: ExportFormat = "json"


class RequestOut(BaseModel):
    request_id: str
    type: RequestType
    format: ExportFormat
    status: RequestStatus
    received_at: datetime
    due_at: datetime
    extended: bool
    started_at: datetime | None
    completed_at: datetime | None
    export_ready: bool = Field(description="The export can be downloaded now: completed, and not yet expired")
    export_expires_at: datetime | None
    purge_at: datetime | None = Field(
        default=None,
        description="Erasure requests: when the data, unavailable since the request was completed, is permanently "
        "deleted (unless restored before; GET /me/status tells)",
    )

    @classmethod
    def of(cls, request: DataRequest) -> "RequestOut":
        return cls(
            **{name: getattr(request, name) for name in cls.model_fields if name != "export_ready"},
            export_ready=request.status == "completed" and request.export_key is not None,
        )


class RequestListOut(BaseModel):
    items: list[RequestOut]


class DownloadOut(BaseModel):
    url: str
    expires_at: datetime


class RecordOut(BaseModel):
    subject_id: str
    category: str
    record_id: str
    stored: bool


class StatusOut(BaseModel):
    state: Literal["active", "pending_deletion", "purged"]
    purge_at: datetime | None
    reason: str | None


class DeletionOut(StatusOut):
    request_id: str | None = None
    restore_until: datetime | None = Field(description="POST /me/restore cancels the deletion until then")
