"""The product's policy this stack enforces (the POLICY setting, template parameter Policy): the one source of its
purposes catalog and record categories."""

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from config import ConfigurationError, Settings, setting
from wiring import provider
from wiring.shared import settings

if TYPE_CHECKING:
    from adapters.policy_announcements import DynamoPolicyAnnouncements
    from domain.records import RecordCategories
    from policy.model import Policy


class ConsentAgeSettings(Settings):
    """What every function that tells a stale consent decision from a fresh one has (the consent and subject APIs)."""

    consent_max_age_days: int | None = setting(default=None, minimum=1)  # the policy's unless set; never longer


@provider
def policy() -> "Policy":
    """Parsed and validated once per container: an invalid document stops the function at cold start (SnapStart
    priming builds it), with the reason. The bundled document, or POLICY_DOCUMENTS' where the deployment names a
    directory (a new policy version, validated the same way)."""
    from policy.loader import load_policy

    config = settings()
    return load_policy(config.policy, Path(config.policy_documents) if config.policy_documents else None)


@provider
def announcements() -> "DynamoPolicyAnnouncements":
    from adapters.policy_announcements import DynamoPolicyAnnouncements

    return DynamoPolicyAnnouncements(settings().subjects_table)


@provider
def record_categories() -> "RecordCategories":
    """The categories of records the host application registers, each with the retention the policy states."""
    from policy.catalog import to_record_categories

    return to_record_categories(policy())


@provider
def consent_max_age() -> timedelta:
    """How long a consent decision holds before it is stale and asked again: the policy's, or CONSENT_MAX_AGE_DAYS
    where the deployment sets a shorter one. A longer one would rely on a decision past what the policy states, so
    the function refuses to start."""
    configured = ConsentAgeSettings.from_env().consent_max_age_days
    stated = policy().consent.max_age_days
    if configured is not None and configured > stated:
        raise ConfigurationError(
            f"CONSENT_MAX_AGE_DAYS {configured} exceeds the {policy().product} policy's {stated} days"
        )
    return timedelta(days=stated if configured is None else configured)
