"""The erasure context: scheduled deletion and restore, legal holds, the purge and its certificates, the inactivity
sweep and worker, and the operator's removal of an account opened without parental consent."""

from datetime import timedelta
from typing import TYPE_CHECKING

from config import ConfigurationError, Settings, setting
from wiring import provider
from wiring.policy import policy, record_categories
from wiring.shared import audit_log, clock, now_epoch, settings, signer, store

if TYPE_CHECKING:
    from adapters.deletion_store import DynamoDeletionStore
    from adapters.inactivity_store import DynamoInactivityStore
    from adapters.purger import Purger
    from adapters.sweep_state import SweepCheckpoint
    from adapters.underage_purge import UnderagePurge
    from domain.erasure.inactivity import InactiveAccountRemoval, InactivityRule
    from domain.erasure.purge import SubjectPurge
    from domain.erasure.service import ErasureService, HoldService


class ErasureSettings(Settings):
    erasure_grace_days: int | None = None  # the policy's restore window unless set; never longer than it
    # The bound the template's rules hold the restore window plus the backups' age to (PromisedDeletionDays); never
    # longer than the policy's where the policy promises its backups age out within it.
    promised_deletion_days: int | None = None


class PurgeSettings(Settings):
    exports_bucket: str = ""
    user_pool_id: str | None = None


class PurgeQueueSettings(Settings):
    purge_queue_url: str


class InactivitySettings(Settings):
    inactivity_grace_days: int = setting(minimum=1)


class InactivitySweepSettings(Settings):
    inactivity_days: int = setting(minimum=1)
    inactivity_queue_url: str


@provider
def deletions() -> "DynamoDeletionStore":
    from adapters.deletion_store import DynamoDeletionStore

    return DynamoDeletionStore(ErasureSettings.from_env().subjects_table, audit_log())


@provider
def erasure() -> "ErasureService":
    # The store is not imported: the consent API needs only this, for its availability gate.
    from domain.erasure.service import ErasureService

    return ErasureService(deletions(), clock(), grace=erasure_grace())


@provider
def erasure_grace() -> timedelta:
    """How long an erased subject can still be restored: the policy's restore window, or ERASURE_GRACE_DAYS where the
    deployment sets one. A grace longer than the policy's window, or a PROMISED_DELETION_DAYS (the bound the template
    holds grace plus backups to) longer than the policy's bound, would keep deleted data past what the policy
    promises, so the function refuses to start."""
    config, rule = ErasureSettings.from_env(), policy().erasure
    configured, window = config.erasure_grace_days, rule.restore_window_days
    if configured is not None and configured > window:
        raise ConfigurationError(
            f"ERASURE_GRACE_DAYS {configured} exceeds the {policy().product} policy's restore window of {window} days"
        )
    promised = config.promised_deletion_days
    if rule.backups == "within_bound" and promised is not None and promised > rule.purge_within_days:
        # The template's rules let backups live until PromisedDeletionDays: past the policy's bound, a purged
        # subject would stay in them longer than the policy promises.
        raise ConfigurationError(
            f"PROMISED_DELETION_DAYS {promised} exceeds the {policy().product} policy's {rule.purge_within_days} days"
        )
    return timedelta(days=window if configured is None else configured)


@provider
def holds() -> "HoldService":
    from adapters.hold_store import DynamoHoldStore
    from domain.erasure.service import HoldService

    hold_store = DynamoHoldStore(store().table, audit_log(), now_epoch)
    return HoldService(hold_store, erasure(), record_categories(), clock())


@provider
def purger() -> "Purger":
    from adapters.purger import Purger

    config = PurgeSettings.from_env()
    return Purger(
        table=config.subjects_table,
        audit_table=config.audit_table,
        audit=audit_log(),
        bucket=config.exports_bucket,
        user_pool_id=config.user_pool_id or None,
        categories=record_categories(),
        signer=signer(),
    )


@provider
def subject_purge() -> "SubjectPurge":
    from domain.erasure.purge import SubjectPurge
    from wiring.requests import requests

    return SubjectPurge(purger=purger(), requests=requests(), clock=clock())


@provider
def purge_queue_settings() -> PurgeQueueSettings:
    return PurgeQueueSettings.from_env()


@provider
def underage() -> "UnderagePurge":
    from adapters.underage_purge import UnderagePurge

    return UnderagePurge(store().table, audit_log(), purge_queue_settings().purge_queue_url)


@provider
def inactivity_settings() -> InactivitySettings:
    return InactivitySettings.from_env()


@provider
def inactivity_rule() -> "InactivityRule":
    """The policy's inactivity rule as the worker applies it. INACTIVITY_GRACE_DAYS may shorten the grace (a test
    stack), never lengthen it: a longer one would keep the data past the policy's promise, so the function refuses
    to start."""
    from domain.erasure.inactivity import InactivityRule

    rule = policy().inactivity
    configured = inactivity_settings().inactivity_grace_days
    if rule.grace_days is not None and configured > rule.grace_days:
        raise ConfigurationError(
            f"INACTIVITY_GRACE_DAYS {configured} exceeds the {policy().product} policy's {rule.grace_days} days"
        )
    return InactivityRule(grace=timedelta(days=configured), export_first=rule.export_first)


@provider
def inactive_accounts() -> "InactiveAccountRemoval":
    from domain.erasure.inactivity import InactiveAccountRemoval
    from wiring.requests import requests

    return InactiveAccountRemoval(
        rule=inactivity_rule(), inactivity=inactivity(), erasure=erasure(), requests=requests()
    )


@provider
def inactivity() -> "DynamoInactivityStore":
    from adapters.inactivity_store import DynamoInactivityStore

    return DynamoInactivityStore(inactivity_settings().subjects_table, now_epoch)


@provider
def inactivity_sweep_settings() -> InactivitySweepSettings:
    return InactivitySweepSettings.from_env()


@provider
def inactivity_days() -> int | None:
    """Days without activity before an account is scheduled for removal: the policy's, or INACTIVITY_DAYS where it
    is not longer (a longer one would keep data past the policy's promise; the function refuses to start). None
    when the policy removes no inactive account (the sweep then does nothing)."""
    rule = policy().inactivity
    if not rule.enabled or rule.after_days is None:
        return None
    configured = inactivity_sweep_settings().inactivity_days
    if configured > rule.after_days:
        raise ConfigurationError(
            f"INACTIVITY_DAYS {configured} exceeds the {policy().product} policy's {rule.after_days} days"
        )
    return configured


def checkpoint(sweep: str) -> "SweepCheckpoint":
    """Where a daily sweep has got to (one item per sweep, read and moved once a run)."""
    from adapters.sweep_state import SweepCheckpoint

    return SweepCheckpoint(settings().subjects_table, sweep)
