"""Consent records: the current decision per purpose, the events that changed it, and receipts.

A `ConsentState` belongs to one data subject or one anonymous visitor. Its `version` is an optimistic
lock: storage writes state version N+1 only if it still holds version N, so two tabs cannot silently
overwrite each other's choices.
"""

from datetime import UTC, datetime
from typing import Annotated, Final, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from domain.consent.catalog import LegalBasis

ConsentSource = Literal["banner", "settings", "api", "gpc", "dnt", "unsubscribe", "claim", "parent"]
# Where a receipt's `jurisdiction` came from. "client_claim": the request's `cloudfront-viewer-country` header,
# which the client sets itself on a direct call to the API: what the client claimed, not a verified location.
JurisdictionSource = Literal["client_claim"]

# Receipt format we follow: Kantara Consent Receipt v1.1, the basis of ISO/IEC 27560 consent records.
CONSENT_RECEIPT_VERSION: Final = "KI-CR-v1.1.0"


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# Naive datetimes are rejected: a decision's time is evidence and must not depend on a server's zone.
UtcDateTime = Annotated[AwareDatetime, AfterValidator(_to_utc)]


class Decision(BaseModel):
    """The latest choice for one purpose, with what is needed to prove it (GDPR Art. 7(1))."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    granted: bool
    source: ConsentSource
    at: UtcDateTime
    policy_version: str
    wording_hash: str
    receipt_id: str
    # A refusal of a purpose granted before (or already withdrawn): consent withdrawn, not merely never given
    # (domain/standing/rules.py answers "withdrawn" for it). Decisions stored before this field say False.
    withdrawn: bool = False


class ConsentState(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(default=0, ge=0)
    decisions: dict[str, Decision] = Field(default_factory=dict)


class ConsentEvent(BaseModel):
    """One submitted decision, appended to the audit trail; `sequence` is the state version it produced.

    `at` is when it was recorded here; `decided_at` when the choice was made and `policy_version` what it was made
    under: the same moment and the policy in force, except for a visitor's choice claimed later (source "claim").
    Events stored before `decided_at` existed have none (then it is `at`).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: str
    decision: bool
    previous: bool | None
    source: ConsentSource
    at: UtcDateTime
    receipt_id: str
    policy_version: str
    sequence: int = Field(ge=1)
    decided_at: UtcDateTime | None = None


class ReceiptPurpose(BaseModel):
    """One decision the receipt records. `decided_at` and `policy_version`: when the choice was made and under which
    policy version; the receipt's own timestamp and version, except for a visitor's choice claimed at sign-in, which
    keeps those it was made with. Receipts stored before these fields existed have none."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    purpose: str
    title: str
    decision: bool
    legal_basis: LegalBasis
    source: ConsentSource
    decided_at: UtcDateTime | None = None
    policy_version: str | None = None


class ConsentReceipt(BaseModel):
    """What the user is given as proof of a consent change.

    `subject` is an opaque reference (a subject id or "visitor:<id>"), never a name or e-mail address,
    so receipts can be stored and shown without exposing identity.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    receipt_id: str
    version: str = CONSENT_RECEIPT_VERSION
    timestamp: UtcDateTime
    policy_version: str
    jurisdiction: str | None
    jurisdiction_source: JurisdictionSource | None = None  # None with no jurisdiction (and on older receipts)
    collection_method: str
    subject: str
    purposes: list[ReceiptPurpose]
    gpc_signal: bool
    gpc_conflict_acknowledged: bool
    # DNT: 1 on a request under a policy that honours it (False on older receipts, and where DNT is not honoured).
    dnt_signal: bool = False


PurposeId = Annotated[str, Field(min_length=1, max_length=100)]


class ConsentChangeRequest(BaseModel):
    """What a client submits: purpose id -> granted, in the order the user saw them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Strict booleans: "yes" or 1 are not an unambiguous indication of wishes (GDPR Art. 4(11)).
    # The upper bound only stops absurd payloads; catalogs hold a few dozen purposes.
    decisions: dict[PurposeId, StrictBool] = Field(min_length=1, max_length=200)
    source: Literal["banner", "settings", "api"]
    # Strict as well: it lets a grant override a GPC opt-out, so only an unambiguous true may do that.
    gpc_conflict_acknowledged: StrictBool = False


class ConsentChange(BaseModel):
    """Everything to persist atomically for one change: the new state, its events and the receipt."""

    model_config = ConfigDict(frozen=True)

    new_state: ConsentState
    events: list[ConsentEvent]
    receipt: ConsentReceipt


class ConsentView(BaseModel):
    model_config = ConfigDict(frozen=True)

    granted: bool
    stale: bool
    decided: bool
    policy_version: str | None
    source: ConsentSource | None
    at: datetime | None
    required: bool
    offered: bool = True  # False: closed to minors, and the subject is one (domain.consent.for_minors)

    @property
    def permits_processing(self) -> bool:
        """A stale grant is shown to the user for re-confirmation but must not be relied upon."""
        return self.granted and not self.stale
