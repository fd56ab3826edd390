"""The consent context: the purposes catalog and the one ConsentService (the consent API's, and the minors API's for a
parent's withdrawal)."""

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from config import ConfigurationError, Settings, setting
from wiring import provider
from wiring.policy import consent_max_age, policy
from wiring.shared import audit_log, clock, now_epoch

if TYPE_CHECKING:
    from api.consent_schemas import PurposesOut
    from domain.consent.catalog import PurposeCatalog
    from domain.consent.service import ConsentService


class ConsentSettings(Settings):
    token_secret_arn: str
    unsubscribe_token_days: int = 60
    # How long a visitor's audit records and anchors are kept after the change they record: the consent record's
    # lifetime (wiring.policy.consent_max_age) plus the accountability period (docs/architecture.md, "Visitors' chains").
    visitor_audit_retention_days: int = 1491
    # The accountability period (RequestRecordRetentionDays): how long a visitor's chain may outlive the consent record.
    request_retention_days: int = setting(default=1095, minimum=365)


@provider
def settings() -> ConsentSettings:
    return ConsentSettings.from_env()


@provider
def visitor_accountability() -> timedelta:
    """How long a visitor's audit chain outlives their consent record (which expires consent_max_age after its last
    change): VISITOR_AUDIT_RETENTION_DAYS less that lifetime. It must cover the lifetime, and outlive it by no more
    than the accountability period (REQUEST_RETENTION_DAYS, issue 16 §2): the function refuses to start otherwise."""
    config = settings()
    retention, lifetime = timedelta(days=config.visitor_audit_retention_days), consent_max_age()
    if retention < lifetime:
        raise ConfigurationError(
            f"VISITOR_AUDIT_RETENTION_DAYS must not be less than the consent lifetime ({lifetime.days} days)"
        )
    bound = lifetime + timedelta(days=config.request_retention_days)
    if retention > bound:
        raise ConfigurationError(
            f"VISITOR_AUDIT_RETENTION_DAYS {retention.days} exceeds the consent lifetime ({lifetime.days} days) plus "
            f"the accountability period (REQUEST_RETENTION_DAYS {config.request_retention_days}): a visitor's chain "
            f"may outlive the consent record by that period at most ({bound.days} days)"
        )
    return retention - lifetime


@provider
def catalog() -> "PurposeCatalog":
    """The policy's purposes, worded in its default language (the wording hash every decision records). A new
    catalog version is a new policy version (wiring.policy.policy)."""
    from policy.catalog import to_purpose_catalog

    return to_purpose_catalog(policy())


@provider
def consents() -> "ConsentService":
    from adapters.consent_store import DynamoConsentStore
    from adapters.secrets import signing_keys
    from domain.consent.service import ConsentService
    from wiring.minors import subject_ages  # the age rule of the minors context, on the subject's profile

    config = settings()
    return ConsentService(
        DynamoConsentStore(config.subjects_table, audit_log(), now_epoch),
        catalog(),
        clock(),
        new_id=lambda: uuid.uuid4().hex,
        max_age=consent_max_age(),
        token_secret=lambda: signing_keys(config.token_secret_arn),
        visitor_accountability=visitor_accountability(),
        minors=subject_ages(),
    )


@provider
def purposes() -> "dict[str, PurposesOut]":
    """The catalog as GET /consent/purposes serves it, per language of the policy (all built at once: a handful,
    and all of them in the SnapStart snapshot)."""
    from api.consent_schemas import PurposeOut, PurposesOut
    from domain.standing.rules import objectable
    from policy.catalog import to_purpose_catalog

    def served(current: "PurposeCatalog") -> PurposesOut:
        return PurposesOut(
            policy_version=current.policy_version,
            purposes=[
                PurposeOut(**purpose.model_dump(), objectable=objectable(purpose)) for purpose in current.purposes
            ],
        )

    active = policy()
    return {language: served(to_purpose_catalog(active, language)) for language in active.languages}
