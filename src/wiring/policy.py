"""The product's policy this stack enforces (the POLICY setting, template parameter Policy): the one source of its
purposes catalog and record categories."""

from pathlib import Path
from typing import TYPE_CHECKING

from wiring import provider
from wiring.shared import settings

if TYPE_CHECKING:
    from adapters.policy_announcements import DynamoPolicyAnnouncements
    from domain.records import RecordCategories
    from policy.model import Policy


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
