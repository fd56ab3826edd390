"""The erasure context: scheduled deletion and restore, legal holds, the purge and its certificates, the inactivity
sweep and worker, and the operator's removal of an account opened without parental consent."""

from datetime import timedelta
from typing import TYPE_CHECKING

from config import Settings, setting
from wiring import provider
from wiring.shared import audit_log, clock, now_epoch, settings, signer, store

if TYPE_CHECKING:
    from adapters.deletion_store import DynamoDeletionStore
    from adapters.inactivity_store import DynamoInactivityStore
    from adapters.purger import Purger
    from adapters.sweep_state import SweepCheckpoint
    from adapters.underage_purge import UnderagePurge
    from domain.erasure.service import ErasureService, HoldService


class ErasureSettings(Settings):
    erasure_grace_days: int = 60


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

    return ErasureService(deletions(), clock(), grace=timedelta(days=ErasureSettings.from_env().erasure_grace_days))


@provider
def holds() -> "HoldService":
    from adapters.hold_store import DynamoHoldStore
    from domain.erasure.service import HoldService
    from domain.records import load_categories

    hold_store = DynamoHoldStore(store().table, audit_log(), now_epoch)
    return HoldService(hold_store, erasure(), load_categories(), clock())


@provider
def purger() -> "Purger":
    from adapters.purger import Purger
    from domain.records import load_categories

    config = PurgeSettings.from_env()
    return Purger(
        table=config.subjects_table,
        audit_table=config.audit_table,
        audit=audit_log(),
        bucket=config.exports_bucket,
        user_pool_id=config.user_pool_id or None,
        categories=load_categories(),
        signer=signer(),
    )


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
def inactivity() -> "DynamoInactivityStore":
    from adapters.inactivity_store import DynamoInactivityStore

    return DynamoInactivityStore(inactivity_settings().subjects_table, now_epoch)


@provider
def inactivity_sweep_settings() -> InactivitySweepSettings:
    return InactivitySweepSettings.from_env()


def checkpoint(sweep: str) -> "SweepCheckpoint":
    """Where a daily sweep has got to (one item per sweep, read and moved once a run)."""
    from adapters.sweep_state import SweepCheckpoint

    return SweepCheckpoint(settings().subjects_table, sweep)
