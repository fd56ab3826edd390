"""The purposes catalog: what we process, on which legal basis, and how it is worded to the user.

The catalog is data, the active product policy's purposes (policy.catalog.to_purpose_catalog), so that legal and
copy changes do not need code changes. Every
purpose carries a hash of its wording: when the title or description changes, decisions taken on the old
wording become stale and must be asked again (GDPR Art. 7(1): consent must be specific and informed).
"""

import hashlib
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, model_validator

from domain.errors import DomainError

PurposeCategory = Literal["cookie", "processing"]


class UnknownPurpose(DomainError):
    default_code = "unknown_purpose"

    @classmethod
    def for_ids(cls, purpose_ids: Iterable[str]) -> "UnknownPurpose":
        # Ids come from clients and could hold anything, so they go in details, not in the message.
        offending = list(dict.fromkeys(purpose_ids))
        noun = "purpose id is" if len(offending) == 1 else "purpose ids are"
        return cls(
            f"{len(offending)} {noun} not in the purposes catalog; see details.",
            details=[{"purpose": purpose_id} for purpose_id in offending],
        )


class LegalBasis(StrEnum):
    """GDPR Art. 6(1) lawful bases relevant to this service."""

    CONSENT = "consent"
    CONTRACT = "contract"
    LEGAL_OBLIGATION = "legal_obligation"
    VITAL_INTERESTS = "vital_interests"
    LEGITIMATE_INTERESTS = "legitimate_interests"


class Purpose(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    legal_basis: LegalBasis
    required: bool
    default: bool
    gpc_opt_out: bool
    category: PurposeCategory
    # Art. 21(2)-(3): an objection to direct marketing refuses it at once, with no balancing of interests.
    direct_marketing: bool = False
    # False for marketing, advertising and third-party sharing: nobody under the age of consent grants it.
    for_minors: bool = True

    @model_validator(mode="before")
    @classmethod
    def _ignore_serialized_wording_hash(cls, data: Any) -> Any:
        # The hash is derived, so a dumped purpose must load again without tripping extra="forbid".
        if isinstance(data, dict) and "wording_hash" in data:
            return {key: value for key, value in data.items() if key != "wording_hash"}
        return data

    @model_validator(mode="after")
    def _check_basis_and_default(self) -> "Purpose":
        if self.required and self.legal_basis is LegalBasis.CONSENT:
            # Consent that cannot be refused is not freely given (GDPR Art. 7(4)); name the real basis.
            raise ValueError(f"required purpose '{self.id}' cannot rely on consent as its legal basis")
        if self.required and not self.default:
            raise ValueError(f"required purpose '{self.id}' must default to granted")
        if self.required and self.gpc_opt_out:
            raise ValueError(f"required purpose '{self.id}' cannot be opted out of by GPC")
        if self.required and (self.direct_marketing or not self.for_minors):
            # Strictly necessary processing is never marketing, and never closed to the minors it serves.
            raise ValueError(f"required purpose '{self.id}' cannot be direct marketing or closed to minors")
        if self.legal_basis is LegalBasis.CONSENT and self.default:
            # No pre-ticked boxes: CJEU C-673/17 Planet49.
            raise ValueError(f"consent purpose '{self.id}' must default to not granted")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def wording_hash(self) -> str:
        """SHA-256 of what the user was shown; a change of wording makes earlier decisions stale."""
        wording = f"{self.title}\n{self.description}"
        return hashlib.sha256(wording.encode("utf-8")).hexdigest()


class PurposeCatalog(BaseModel):
    """A versioned set of purposes; `policy_version` is recorded with every decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    policy_version: str = Field(min_length=1)
    purposes: list[Purpose] = Field(min_length=1)
    # The policy's signals.dnt.honoured: DNT: 1 then refuses the purposes GPC covers (gpc_opt_out), as source "dnt".
    honours_dnt: bool = False

    @model_validator(mode="after")
    def _check_unique_ids(self) -> "PurposeCatalog":
        counts = Counter(purpose.id for purpose in self.purposes)
        duplicates = sorted(purpose_id for purpose_id, count in counts.items() if count > 1)
        if duplicates:
            raise ValueError(f"purpose ids must be unique; duplicated: {', '.join(duplicates)}")
        return self

    def find(self, purpose_id: str) -> Purpose | None:
        # A linear scan: catalogs hold a few dozen purposes at most, and it cannot go out of sync.
        return next((purpose for purpose in self.purposes if purpose.id == purpose_id), None)

    def get(self, purpose_id: str) -> Purpose:
        purpose = self.find(purpose_id)
        if purpose is None:
            raise UnknownPurpose.for_ids([purpose_id])
        return purpose

    def unknown_ids(self, purpose_ids: Iterable[str]) -> list[str]:
        known = {purpose.id for purpose in self.purposes}
        return [purpose_id for purpose_id in purpose_ids if purpose_id not in known]
