"""A product's privacy policy as one validated document: every rule its published policy promises and the backend
enforces (purposes, retention, erasure, inactivity, minors, consent validity, signals, export, unsubscribe) comes from
here, each value with its source (policy.sources). The documents are src/policy/documents/<product>.json;
docs/policy.md explains them and docs/policy.schema.json is this model's JSON Schema."""

from collections import Counter
from collections.abc import Iterable
from datetime import date
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from policy.public import (
    ControllerView,
    ErasureView,
    InactivityView,
    MinorsView,
    PolicyView,
    PurposeView,
    RecipientView,
    RetentionView,
    SignalsView,
    SupervisoryAuthorityView,
)
from policy.sections import (
    Commitments,
    ConsentValidity,
    Controller,
    DataSource,
    Erasure,
    Export,
    Inactivity,
    Language,
    Minors,
    PolicyPurpose,
    Recipient,
    RecordCategory,
    RightEntry,
    Signals,
    SupervisoryAuthority,
    Unsubscribe,
)
from policy.sources import SeedFile, SeedQuote

ProductName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,30}$")]
DEFAULT_LANGUAGE = "en"
# Purposes a policy may hold only if it says it sells personal data, or that it advertises.
SALE_PURPOSES = frozenset({"sale_or_share"})
ADVERTISING_PURPOSES = frozenset(
    {"targeted_advertising", "affiliate_tracking", "third_party_sharing", "marketing_emails"}
)


def _duplicates(values: Iterable[str]) -> list[str]:
    return sorted(value for value, count in Counter(values).items() if count > 1)


class Policy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", title="Policy")

    product: ProductName = Field(description="The policy's name: its file is documents/<product>.json")
    display_name: str = Field(min_length=1)
    version: str = Field(
        min_length=1,
        max_length=64,
        description="Recorded with every consent decision; changes with any user-facing text",
    )
    effective_date: date | None = Field(description="When the published policy took effect; null if it states none")
    languages: list[Language] = Field(min_length=1, description="Every text of the policy exists in each")
    default_language: Language = DEFAULT_LANGUAGE
    seeds: list[SeedFile] = Field(min_length=1, description="The published texts this document is derived from")
    controller: Controller
    supervisory_authority: SupervisoryAuthority
    commitments: Commitments
    purposes: list[PolicyPurpose] = Field(min_length=1)
    recipients: list[Recipient]
    record_categories: list[RecordCategory]
    data_sources: list[DataSource] = Field(min_length=1, description="Where the data comes from (Art. 15(1)(g))")
    erasure: Erasure
    inactivity: Inactivity
    minors: Minors
    consent: ConsentValidity
    signals: Signals
    export: Export
    unsubscribe: Unsubscribe
    rights: list[RightEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def _check_languages(self) -> Self:
        if DEFAULT_LANGUAGE not in self.languages:
            raise ValueError("languages must include 'en': English is every policy's reference text")
        if self.default_language not in self.languages:
            raise ValueError(f"default_language '{self.default_language}' is not one of the policy's languages")
        wanted = set(self.languages)
        texts: list[tuple[str, dict[str, str]]] = [
            (f"purpose '{purpose.id}' {field}", getattr(purpose, field))
            for purpose in self.purposes
            for field in ("title", "description")
        ]
        notice = self.minors.parent_notice  # the parent's mail, in any language the policy offers
        if notice is not None:
            texts += [("minors.parent_notice collected", notice.collected), ("minors.parent_notice why", notice.why)]
        for what, localized in texts:
            if set(localized) != wanted:
                missing, extra = sorted(wanted - set(localized)), sorted(set(localized) - wanted)
                raise ValueError(
                    f"{what}: languages must be exactly the policy's "
                    f"(missing {missing or 'none'}, not listed {extra or 'none'})"
                )
        return self

    @model_validator(mode="after")
    def _check_unique_ids(self) -> Self:
        for what, ids in (
            ("purpose ids", (p.id for p in self.purposes)),
            ("recipient names", (r.name for r in self.recipients)),
            ("record category ids", (c.id for c in self.record_categories)),
            ("rights", (r.id for r in self.rights)),
            ("languages", self.languages),
        ):
            duplicated = _duplicates(ids)
            if duplicated:
                raise ValueError(f"{what} must be unique; duplicated: {', '.join(duplicated)}")
        return self

    @model_validator(mode="after")
    def _check_references(self) -> Self:
        names = {recipient.name for recipient in self.recipients}
        for purpose in self.purposes:
            vendors = {cookie.vendor for cookie in purpose.cookies if cookie.vendor is not None}
            unknown = sorted((set(purpose.recipients) | vendors) - names)
            if unknown:
                raise ValueError(f"purpose '{purpose.id}' names recipients not in `recipients`: {', '.join(unknown)}")
        unlisted = sorted({quote.seed for quote in self.seed_quotes()} - set(self.seeds))
        if unlisted:
            raise ValueError(f"sources quote seeds the policy does not list in `seeds`: {', '.join(unlisted)}")
        return self

    @model_validator(mode="after")
    def _check_promises(self) -> Self:
        ids = {purpose.id for purpose in self.purposes}
        if not self.commitments.sells_personal_data and ids & SALE_PURPOSES:
            raise ValueError(f"the policy sells no personal data, so it has no {sorted(ids & SALE_PURPOSES)} purpose")
        if not self.commitments.advertises and ids & ADVERTISING_PURPOSES:
            raise ValueError(
                f"the policy does not advertise, so it has no {sorted(ids & ADVERTISING_PURPOSES)} purpose"
            )
        if not self.signals.gpc.honoured:
            covered = sorted(p.id for p in self.purposes if p.gpc_opt_out)
            if covered:
                raise ValueError(f"GPC is not honoured, so no purpose can be opted out of by it: {', '.join(covered)}")
        if self.signals.dnt.honoured and not any(p.gpc_opt_out for p in self.purposes):
            raise ValueError("DNT is honoured, so some purpose must be opted out of by it (gpc_opt_out)")
        return self

    def seed_quotes(self) -> list[SeedQuote]:
        """Every quote the document cites (tests check each against its seed)."""
        sections: list[BaseModel] = [
            self.controller,
            self.supervisory_authority,
            self.commitments,
            *self.purposes,
            *self.recipients,
            *self.record_categories,
            *self.data_sources,
            self.erasure,
            self.inactivity,
            self.minors,
            *([self.minors.parent_notice] if self.minors.parent_notice else []),
            self.consent,
            self.signals.gpc,
            self.signals.dnt,
            self.export,
            self.unsubscribe,
            *self.rights,
        ]
        return [
            source
            for section in sections
            for source in getattr(section, "sources", [])
            if isinstance(source, SeedQuote)
        ]

    def language_or_default(self, language: str | None) -> str:
        return language if language in self.languages else self.default_language

    def public_view(self, language: str | None = None) -> PolicyView:
        """The user-facing part of the policy (`GET /policy`), with texts in `language` (the default if the policy
        does not have it)."""
        lang = self.language_or_default(language)
        return PolicyView(
            product=self.product,
            version=self.version,
            effective_date=self.effective_date,
            controller=ControllerView(name=self.controller.name, contact_email=self.controller.contact_email),
            supervisory_authority=SupervisoryAuthorityView(
                name=self.supervisory_authority.name, url=self.supervisory_authority.url
            ),
            purposes=[
                PurposeView(id=p.id, title=p.title[lang], legal_basis=p.legal_basis, required=p.required)
                for p in self.purposes
            ],
            recipients=[
                RecipientView(name=r.name, role=r.role, purpose=r.purpose, country=r.country, safeguard=r.safeguard)
                for r in self.recipients
            ],
            retention=[
                RetentionView(
                    category=c.id,
                    period=c.retention.period or "until_account_deletion",
                    basis=c.retention.basis,
                )
                for c in self.record_categories
            ],
            erasure=ErasureView(
                restore_window_days=self.erasure.restore_window_days,
                purge_within_days=self.erasure.purge_within_days,
            ),
            inactivity=InactivityView(
                enabled=self.inactivity.enabled,
                after_days=self.inactivity.after_days,
                grace_days=self.inactivity.grace_days,
            ),
            minors=MinorsView(
                minimum_age=self.minors.minimum_age,
                parental_consent=self.minors.parental_consent,
                underage_account=self.minors.underage_account,
            ),
            signals=SignalsView(gpc=self.signals.gpc.honoured, dnt=self.signals.dnt.honoured),
            rights=[right.id for right in self.rights],
        )
