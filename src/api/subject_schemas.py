"""HTTP shapes of the subject routes: profile, activity, requests, downloads, host records."""

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.requests.model import DataRequest, ExportFormat, RequestStatus, RequestType
from domain.standing.model import RestrictionGrounds


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
    type: Literal["access", "portability", "erasure", "restriction", "objection"]
    format: ExportFormat = "json"
    grounds: RestrictionGrounds | None = Field(
        default=None, description="Restriction only (GDPR Art. 18(1)), and required for it"
    )
    purposes: (
        Annotated[list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=50)] | None
    ) = Field(default=None, description="Objection only (GDPR Art. 21), and required for it: the purposes objected to")

    @model_validator(mode="after")
    def _fields_of_the_type(self) -> Self:
        if (self.grounds is not None) != (self.type == "restriction"):
            raise ValueError("grounds are required for a restriction and refused for any other type")
        if (self.purposes is not None) != (self.type == "objection"):
            raise ValueError("purposes are required for an objection and refused for any other type")
        return self


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


class RestrictionOut(BaseModel):
    grounds: RestrictionGrounds
    since: datetime
    restricted_by: Literal["subject", "parent", "admin"]
    lift_at: datetime | None = Field(
        description="An operator announced the lift (GDPR Art. 18(3)): processing resumes at this time"
    )
    lift_requested_by: Literal["admin"] | None


class ObjectionOut(BaseModel):
    purpose: str
    at: datetime = Field(description="When the objection was made")
    absolute: bool = Field(description="Direct marketing (GDPR Art. 21(3)): no grounds can override the objection")
    in_force: bool = Field(
        description="False once an operator recorded compelling legitimate grounds (Art. 21(1)): processing goes on"
    )


class StatusOut(BaseModel):
    state: Literal["active", "restricted", "pending_deletion", "purged"]
    purge_at: datetime | None
    reason: str | None
    restriction: RestrictionOut | None = Field(
        default=None, description="Processing restricted (GDPR Art. 18): data kept, only what is required goes on"
    )
    objections: list[ObjectionOut] = Field(
        default_factory=list, description="Your objections (GDPR Art. 21), by purpose; none while not active"
    )


class DeletionOut(StatusOut):
    request_id: str | None = None
    restore_until: datetime | None = Field(description="POST /me/restore cancels the deletion until then")
