"""The standing context: restriction and objections, and the one permission answer for host services."""

from datetime import timedelta
from typing import TYPE_CHECKING

from config import Settings, setting
from wiring import provider
from wiring.policy import consent_max_age, policy
from wiring.shared import audit_log, clock, now_epoch
from wiring.shared import settings as shared_settings

if TYPE_CHECKING:
    from domain.consent.catalog import PurposeCatalog
    from domain.standing.rules import PermissionRules
    from domain.standing.service import StandingService


class StandingSettings(Settings):
    minimum_consent_age: int = setting(default=0, minimum=0, maximum=18)  # 0: the age table decides alone
    # Art. 18(3): an operator's lift is announced this many days before it takes effect (RestrictionLiftNoticeDays).
    restriction_lift_notice_days: int = setting(default=7, minimum=1, maximum=90)


@provider
def settings() -> StandingSettings:
    return StandingSettings.from_env()


@provider
def purposes_catalog() -> "PurposeCatalog":
    """The policy's purposes (the same the consent API records decisions against)."""
    from policy.catalog import to_purpose_catalog

    return to_purpose_catalog(policy())


@provider
def permission_rules() -> "PermissionRules":
    from domain.standing.rules import PermissionRules
    from wiring.minors import age_table

    config = settings()
    return PermissionRules(
        max_consent_age=consent_max_age(),
        age_table=age_table(),
        minimum_age=config.minimum_consent_age or None,
    )


@provider
def standing() -> "StandingService":
    from adapters.standing_store import DynamoStandingStore
    from domain.standing.service import StandingService

    return StandingService(
        DynamoStandingStore(shared_settings().subjects_table, audit_log(), now_epoch),
        clock(),
        catalog=purposes_catalog,
        rules=permission_rules,
        lift_notice=timedelta(days=settings().restriction_lift_notice_days),
    )
