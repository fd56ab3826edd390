"""The sections of a policy document (policy.model.Policy holds them and checks them against each other)."""

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policy.sources import Sources

Language = Annotated[str, Field(pattern=r"^[a-z]{2}$", description="ISO 639-1 code")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code")]
Email = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", max_length=254)]
HttpsUrl = Annotated[str, Field(pattern=r"^https://[^\s]+$", max_length=500)]
ConsentAge = Annotated[int, Field(ge=13, le=18)]  # the range any law we support sets (domain/minors.py)
LocalizedText = Annotated[
    dict[Language, Annotated[str, Field(min_length=1, max_length=1000)]],
    Field(min_length=1, description="The same text in each language of the policy"),
]
Lifetime = Annotated[
    str,
    Field(
        pattern=r"^(session|until_logout|P[1-9][0-9]*[YMD])$",
        description="How long a cookie stays: the browser session, until logout, or an ISO 8601 duration (P13M)",
    ),
]
LegalBasis = Literal["consent", "contract", "legal_obligation", "vital_interests", "legitimate_interests"]
Right = Literal[
    "access", "rectification", "erasure", "restriction", "portability", "objection", "withdraw_consent", "complaint"
]


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Dpo(_Section):
    name: str | None = None
    contact_email: Email


class Controller(_Section):
    """Who decides on the processing (GDPR Art. 13(1)(a)-(b)); null where the policy does not say."""

    name: str = Field(min_length=1)
    address: str | None = Field(description="Postal address; null when the policy states none")
    country: CountryCode | None = Field(description="Country of establishment; null when the policy states none")
    contact_email: Email | None = Field(description="null when the policy gives no e-mail address")
    dpo: Dpo | None = Field(description="Data protection officer; null when the policy names none")
    sources: Sources


class SupervisoryAuthority(_Section):
    """Where a subject can complain (Art. 13(2)(d), Art. 77)."""

    name: str = Field(min_length=1)
    url: HttpsUrl
    sources: Sources


class Cookie(_Section):
    name: str = Field(min_length=1, max_length=100)
    vendor: str | None = Field(description="The recipient that sets it (a name from `recipients`); null = our own")
    lifetime: Lifetime


class PolicyPurpose(_Section):
    """A purpose of processing: today's catalog fields (domain.consent.catalog.Purpose), with texts per language,
    plus the cookies, recipients and lifetime behind it."""

    id: str = Field(pattern=r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
    title: LocalizedText
    description: LocalizedText
    legal_basis: LegalBasis
    required: bool
    default: bool
    gpc_opt_out: bool
    category: Literal["cookie", "processing"]
    direct_marketing: bool = Field(
        default=False,
        description="Processing for direct marketing (GDPR Art. 21(2)-(3)): an objection refuses it at once, "
        "with no balancing",
    )
    for_minors: bool = Field(
        default=True,
        description="False for marketing, advertising and third-party sharing: not granted by or for a subject "
        "under the age of consent, and not offered to them",
    )
    lifetime: Lifetime | None = Field(default=None, description="How long its cookies stay, where the policy says")
    cookies: list[Cookie] = Field(default_factory=list, description="Named cookies, where the policy names them")
    recipients: list[str] = Field(default_factory=list, description="Names from the policy's `recipients`")
    sources: Sources


class Recipient(_Section):
    """Someone personal data is disclosed to (Art. 13(1)(e)-(f)): a processor, or a controller of its own."""

    name: str = Field(min_length=1)
    role: Literal["processor", "controller"]
    purpose: str = Field(min_length=1)
    country: CountryCode | None = Field(description="Where it processes the data; null when the policy does not say")
    safeguard: Literal["within_eea", "adequacy_decision", "standard_contractual_clauses", "not_stated"] = Field(
        description="What covers a transfer outside the EEA (Art. 45/46); not_stated when the policy says nothing"
    )
    sources: Sources


class Retention(_Section):
    """How long a record category is kept: `period` (ISO 8601 years) from the date in `date_field` of each record,
    or, with no period, as long as the account exists (erased with it)."""

    basis: str = Field(min_length=1)
    period: Annotated[str, Field(pattern=r"^P([1-9]|[12][0-9]|30)Y$")] | None
    starts: Literal["record_date", "account_deletion"]
    date_field: str | None = None

    @model_validator(mode="after")
    def _period_needs_a_start(self) -> Self:
        dated = self.starts == "record_date"
        if dated != (self.period is not None) or dated != (self.date_field is not None):
            raise ValueError("a period and a date_field go with starts=record_date, and neither with account_deletion")
        return self


class RecordCategory(_Section):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    description: str = Field(min_length=1)
    retention: Retention
    sources: Sources


class Erasure(_Section):
    """A deletion (by the subject, or an erasure request): a restore window, then the purge."""

    restore_window_days: int = Field(ge=0, le=60, description="Days the subject may still restore; 0 = purge at once")
    purge_within_days: int = Field(ge=1, le=90, description="The bound the policy promises, backups included")
    backups: Literal["within_bound", "isolated_until_deleted"] = Field(
        description="within_bound: backups age out inside purge_within_days; isolated_until_deleted: the policy "
        "allows backups to outlive it, isolated from any processing"
    )
    sources: Sources

    @model_validator(mode="after")
    def _window_inside_the_bound(self) -> Self:
        if self.restore_window_days > self.purge_within_days:
            raise ValueError("restore_window_days cannot exceed purge_within_days: the purge must keep the promise")
        return self


class Inactivity(_Section):
    enabled: bool
    after_days: int | None = Field(ge=30, description="Days without activity before the notice")
    grace_days: int | None = Field(ge=1, le=60, description="Days between the notice and the purge")
    export_first: bool = Field(description="An export is made for the subject before the removal is scheduled")
    sources: Sources

    @model_validator(mode="after")
    def _days_only_when_enabled(self) -> Self:
        if self.enabled and (self.after_days is None or self.grace_days is None):
            raise ValueError("an enabled inactivity rule needs after_days and grace_days")
        if not self.enabled and (self.after_days is not None or self.grace_days is not None or self.export_first):
            raise ValueError("a disabled inactivity rule has no after_days, grace_days or export_first")
        return self


class ParentNotice(_Section):
    """What the parent's consent mail says about the child's data (GDPR Art. 8 and 13, COPPA's direct notice): what
    is collected and why, as the product's policy says it, in each of the policy's languages."""

    collected: LocalizedText = Field(description="What is collected about the child if the parent agrees")
    why: LocalizedText = Field(description="What it is used for")
    sources: Sources


class Minors(_Section):
    """The age of digital consent (Art. 8). The age applied is never below the law's for the subject's country
    (domain/data/age_of_consent.json): a policy can only be stricter.

    ages: flat = `minimum_age` everywhere; statutory = the law's age per country, `minimum_age` where the law's
    table has none; listed = `country_ages`, `minimum_age` elsewhere."""

    minimum_age: ConsentAge
    ages: Literal["flat", "statutory", "listed"]
    country_ages: dict[CountryCode, ConsentAge] = Field(default_factory=dict)
    parental_consent: bool = Field(description="A parent can consent for a child under the age")
    underage_account: Literal["delete", "deactivate_and_delete"] = Field(
        description="What happens to an account found to belong to a child without a parent's consent"
    )
    birth_date_at_sign_up: Literal["required", "optional"] = Field(
        description="required: a sign-up without a birth date is refused (the policy promises no one under the age "
        "signs up alone); optional: the age rules apply only where a birth date is given"
    )
    parent_notice: ParentNotice | None = Field(
        default=None,
        description="What the parent's consent mail says is collected and why; required with a parental path",
    )
    sources: Sources

    @model_validator(mode="after")
    def _country_ages_only_when_listed(self) -> Self:
        if (self.ages == "listed") != bool(self.country_ages):
            raise ValueError("country_ages are given exactly when ages is 'listed'")
        if self.parental_consent != (self.parent_notice is not None):
            raise ValueError("parent_notice is given exactly when parental_consent is true: the parent's mail says it")
        return self


class ConsentValidity(_Section):
    """How long a consent decision is relied on: older, it is stale and the user is asked again (GDPR Art. 7(1):
    consent must stay informed; EU regulators' guidance relies on a cookie choice for at most 13 months)."""

    max_age_days: int = Field(
        ge=30, le=396, description="Days a decision holds; an older one is stale and asked again (at most 13 months)"
    )
    sources: Sources


class DataSource(_Section):
    """Where personal data comes from (GDPR Art. 14(2)(f), 15(1)(g)), in the export's words."""

    origin: Literal["you", "automatic", "third_party"] = Field(
        description="you: the person gave it; automatic: recorded while they use the product; third_party: "
        "received from someone else (named in the description)"
    )
    description: str = Field(min_length=1, description="One sentence the export's README.txt shows (English)")
    sources: Sources


class Signal(_Section):
    honoured: bool
    sources: Sources


class Signals(_Section):
    gpc: Signal = Field(description="Global Privacy Control (Sec-GPC: 1) opts out of the purposes with gpc_opt_out")
    dnt: Signal = Field(
        description="Do Not Track (DNT: 1): where honoured, opts out of the purposes with gpc_opt_out (source dnt)"
    )


class Commitments(_Section):
    """Promises that rule purposes out: no sale of personal data, no advertising."""

    sells_personal_data: bool
    advertises: bool
    sources: Sources


class Export(_Section):
    formats: list[Literal["json", "csv"]] = Field(min_length=1)
    sources: Sources


class Unsubscribe(_Section):
    link_in_every_email: bool
    account_settings: bool
    sources: Sources


class RightEntry(_Section):
    id: Right
    sources: Sources
