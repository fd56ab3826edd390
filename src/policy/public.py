"""What `GET /policy` answers: the user-facing part of a product's policy, in one language (output models only;
Policy.public_view maps the document onto them)."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from policy.sections import LegalBasis, Right


class _View(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ControllerView(_View):
    name: str
    contact_email: str | None = Field(description="null when the policy gives no e-mail address")


class SupervisoryAuthorityView(_View):
    name: str
    url: str


class PurposeView(_View):
    id: str
    title: str
    legal_basis: LegalBasis
    required: bool = Field(description="Strictly necessary: cannot be refused")


class RecipientView(_View):
    """Someone personal data is disclosed to (Art. 13(1)(e)-(f)); `purpose` is in the policy's default language."""

    name: str
    role: Literal["processor", "controller"]
    purpose: str
    country: str | None = Field(description="ISO 3166-1 alpha-2 code; null when the policy does not say")
    safeguard: Literal["within_eea", "adequacy_decision", "standard_contractual_clauses", "not_stated"] = Field(
        description="What covers a transfer outside the EEA (Art. 45/46)"
    )


class RetentionView(_View):
    category: str
    period: str = Field(description="ISO 8601 duration from the record's date, or until_account_deletion")
    basis: str


class ErasureView(_View):
    restore_window_days: int = Field(description="Days a deleted account can still be restored; 0 = purged at once")
    purge_within_days: int = Field(description="Days within which a deleted account is gone, backups included")


class InactivityView(_View):
    enabled: bool
    after_days: int | None
    grace_days: int | None


class MinorsView(_View):
    minimum_age: int
    parental_consent: bool
    underage_account: Literal["delete", "deactivate_and_delete"] = Field(
        description="What happens to an account found to belong to someone under the minimum age without a parent's "
        "consent: delete (unavailable at once, purged with no restore window) or deactivate_and_delete (deactivated "
        "at once, its data then promptly deleted, with no restore window)"
    )


class SignalsView(_View):
    gpc: bool = Field(description="A Global Privacy Control signal is honoured")
    dnt: bool = Field(description="A Do Not Track signal is honoured")


class PolicyView(_View):
    product: str
    version: str
    effective_date: date | None = Field(description="null when the policy states no date")
    controller: ControllerView
    supervisory_authority: SupervisoryAuthorityView
    purposes: list[PurposeView]
    recipients: list[RecipientView]
    retention: list[RetentionView]
    erasure: ErasureView
    inactivity: InactivityView
    minors: MinorsView
    signals: SignalsView
    rights: list[Right]
