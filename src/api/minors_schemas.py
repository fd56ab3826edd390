"""HTTP shapes of the minors routes: age checks, parental consent requests, parents' rights, underage purge."""

from datetime import date, datetime
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from api.subject_schemas import ProfileOut, RestrictionOut
from domain.countries import ISO_COUNTRIES
from domain.erasure.model import SubjectStatus
from domain.minors.model import CHILD_REFERENCE_PATTERN, SUBJECT_ID_PATTERN, Decision
from domain.minors.rules import normalize_country
from domain.profile import EMAIL_PATTERN
from domain.requests.model import ExportFormat


def _country(value: str) -> str:
    code = normalize_country(value)
    if code not in ISO_COUNTRIES:
        raise ValueError("is not an ISO 3166-1 alpha-2 country code")
    return code


def _email(value: str) -> str:
    if len(value) > 254 or not EMAIL_PATTERN.match(value):
        raise ValueError("is not a valid e-mail address")
    return value.lower()


Country = Annotated[str, Field(min_length=2, max_length=2), AfterValidator(_country)]
SubjectId = Annotated[str, Field(pattern=SUBJECT_ID_PATTERN)]


class MinorCheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    birth_date: date
    country: Country


class MinorCheckOut(BaseModel):
    parental_consent_required: bool
    age_of_consent: int = Field(description="The age from which the subject consents alone, in this country")
    age: int
    allowed: bool = Field(
        description="False when the person is under the age and the product's policy has no parental path: no "
        "account may be made for them"
    )


class ConsentRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    parent_email: Annotated[str, AfterValidator(_email)] = Field(
        description="Kept only until the parent answers or the request expires; never published"
    )
    country: Country
    child_reference: Annotated[str, Field(pattern=CHILD_REFERENCE_PATTERN)] = Field(
        description="The host application's opaque id of the sign-up attempt (no personal data)"
    )
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] = Field(
        default="en",
        description="The language of the e-mail to the parent (ISO 639-1): one of the policy's `languages`, else 422 "
        "`language_not_offered`",
    )


class ConsentRequestOut(BaseModel):
    """No token: the single-use link is e-mailed to the parent, so only the parent can answer."""

    request_id: str
    expires_at: datetime


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: Annotated[str, Field(min_length=1, max_length=2048)]
    decision: Decision
    # No account may be named here: the route is public, so a name would be an unproven claim that could hand a
    # child's data to any account. The host application links the parent's account (its sign-in proves it).


class ConfirmOut(BaseModel):
    request_id: str
    decision: Decision
    recorded: bool


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    child_subject_id: SubjectId
    parent_subject_id: SubjectId | None = Field(
        default=None, description="The parent's account, as the host application's own sign-in knows it"
    )


class LinkOut(BaseModel):
    request_id: str
    parent_subject_id: str
    child_subject_id: str
    linked_at: datetime


class ChildOut(BaseModel):
    child_subject_id: str
    child_reference: str
    request_id: str
    approved_at: datetime
    linked_at: datetime
    state: Literal["active", "pending_deletion", "purged"]
    purge_at: datetime | None
    profile: ProfileOut | None
    consents: dict[str, bool] = Field(description="Purpose -> granted, for every purpose decided")
    collected: dict[str, int] = Field(description="How many items of each kind are held about the child")
    restricted: bool = Field(
        description="Whether the processing of the child's data is restricted (GDPR Art. 18): always false unless "
        "`state` is active"
    )
    restriction: RestrictionOut | None = Field(
        description="The restriction in force: its grounds, since when, and who placed it (`restricted_by`: "
        "`parent` is you, and only you can lift it)"
    )


class ChildrenOut(BaseModel):
    items: list[ChildOut]


class ChildRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: Literal["access", "portability"]
    format: ExportFormat = "json"


class ChildDeletionOut(BaseModel):
    child_subject_id: str
    state: Literal["active", "pending_deletion", "purged"]
    purge_at: datetime | None
    reason: str | None
    request_id: str | None = None

    @classmethod
    def of(cls, child_id: str, status: SubjectStatus, **more: str | None) -> Self:
        return cls(
            child_subject_id=child_id,
            state=status.state,
            purge_at=status.purge_at,
            reason=status.reason,
            request_id=status.request_id,
            **more,
        )


class WithdrawOut(ChildDeletionOut):
    receipt_id: str | None = Field(description="The consent receipt of the refusals, if any purpose was refusable")


class UnderageOut(BaseModel):
    subject_id: str
    state: Literal["active", "pending_deletion", "purged"]
    purge_at: datetime | None
    reason: str | None
    queued: bool = Field(description="Handed to the purge worker now, without waiting for the daily sweep")
