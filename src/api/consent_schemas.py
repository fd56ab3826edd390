"""HTTP shapes of the consent routes (separate from the domain models they are mapped from)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.consent.catalog import LegalBasis
from domain.consent.model import ConsentSource

VISITOR_ID_PATTERN = r"^[A-Za-z0-9_-]{16,64}$"
VisitorId = Annotated[str, Field(pattern=VISITOR_ID_PATTERN, description="Random id the banner keeps in a cookie")]


class PurposeOut(BaseModel):
    id: str
    title: str
    description: str
    legal_basis: LegalBasis
    required: bool = Field(description="Strictly necessary: cannot be refused")
    default: bool
    gpc_opt_out: bool = Field(description="A Global Privacy Control signal opts the user out of it")
    category: str
    for_minors: bool = Field(
        default=True,
        description="False: not offered to, and not granted by, anyone under the age of digital consent",
    )
    direct_marketing: bool = Field(
        default=False,
        description="Direct marketing (GDPR Art. 21(2)-(3)): an objection to it stops it at once, with no balancing",
    )
    objectable: bool = Field(
        default=False,
        description="An objection (POST /me/requests type `objection`) applies: direct marketing, or a purpose based "
        "on legitimate interests. For a consent purpose, withdraw the consent instead",
    )


class PurposesOut(BaseModel):
    policy_version: str
    purposes: list[PurposeOut]


class ConsentOut(BaseModel):
    granted: bool
    stale: bool = Field(description="Given under an older wording or too long ago: ask again")
    decided: bool
    required: bool
    policy_version: str | None
    source: ConsentSource | None
    at: datetime | None
    offered: bool = Field(
        default=True,
        description="False for a purpose closed to minors when the subject is under the age of digital consent: "
        "do not offer it (a grant answers 422 purpose_not_for_minors)",
    )


class ConsentsOut(BaseModel):
    policy_version: str
    consents: dict[str, ConsentOut]


class HistoryItemOut(BaseModel):
    purpose: str
    decision: bool
    previous: bool | None
    source: ConsentSource
    at: datetime = Field(description="When the change was recorded")
    receipt_id: str
    policy_version: str = Field(description="The policy version the choice was made under")
    sequence: int
    decided_at: datetime | None = Field(
        default=None,
        description="When the choice was made: `at`, except for a visitor's choice claimed at sign-in "
        "(source `claim`); absent on items recorded before this field existed",
    )


class HistoryOut(BaseModel):
    items: list[HistoryItemOut]
    next: str | None


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    visitor_id: VisitorId


class ClaimOut(BaseModel):
    claimed: bool
    receipt_id: str | None


class UnsubscribeTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purpose: Annotated[str, Field(min_length=1, max_length=100)]


class UnsubscribeTokenOut(BaseModel):
    token: str
    expires_at: int
    url_path: str = Field(description="Append to the API URL for the List-Unsubscribe header")


class UnsubscribedOut(BaseModel):
    unsubscribed: Literal[True]
    purpose: str
    receipt_id: str


class UnsubscribeInfoOut(BaseModel):
    message: str
