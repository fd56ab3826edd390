"""Composition root of the subject context: settings, store and services, built once per container.

API functions, the export worker and the sweeps share these factories, so each is wired the same way.
"""

import uuid
from datetime import timedelta
from functools import cache
from typing import TYPE_CHECKING

from adapters.clock import SystemClock
from adapters.secrets import secret_bytes
from config import Settings, setting
from domain.clock import epoch_seconds

if TYPE_CHECKING:
    from adapters.request_store import DynamoRequestStore
    from adapters.subject_store import DynamoSubjectStore
    from domain.erasure.service import ErasureService, HoldService
    from domain.requests.service import RequestService

# The store, the audit log, the request service and the erasure service are imported on first use: a function
# imports only what its requests need (a sweep needs only the clock; the consent API only the availability gate,
# i.e. erasure; docs/performance.md).


class SubjectSettings(Settings):
    exports_bucket: str
    download_url_ttl_seconds: int = 900
    export_expiry_days: int = 7
    request_retention_days: int = 1095
    connected_systems: str = ""
    export_cooldown_hours: int = setting(default=24, minimum=0, maximum=8760)  # 0: no cooldown


@cache
def settings() -> SubjectSettings:
    return SubjectSettings.from_env()


@cache
def clock() -> SystemClock:
    return SystemClock()


@cache
def store() -> "DynamoSubjectStore":
    from adapters.audit_log import AuditLog
    from adapters.subject_store import DynamoSubjectStore

    config = Settings.from_env()  # what every function has: the store serves the consent API too
    audit = AuditLog(config.audit_table, lambda: secret_bytes(config.pseudonym_secret_arn))
    return DynamoSubjectStore(config.subjects_table, audit, lambda: epoch_seconds(clock().now()))


@cache
def request_store() -> "DynamoRequestStore":
    from adapters.request_store import DynamoRequestStore

    return DynamoRequestStore(store().table, store().audit, lambda: epoch_seconds(clock().now()))


@cache
def requests() -> "RequestService":
    from domain.requests.service import RequestService

    config = settings()
    return RequestService(
        request_store(),
        clock(),
        profiles=store(),
        new_id=lambda: uuid.uuid4().hex,
        retention=timedelta(days=config.request_retention_days),
        export_lifetime=timedelta(days=config.export_expiry_days),
        systems=[s.strip() for s in config.connected_systems.split(",") if s.strip()],
        export_cooldown=timedelta(hours=config.export_cooldown_hours),
    )


class ErasureSettings(Settings):
    erasure_grace_days: int = 60


@cache
def erasure() -> "ErasureService":
    from adapters.audit_log import AuditLog
    from adapters.deletion_store import DynamoDeletionStore
    from domain.erasure.service import ErasureService

    config = ErasureSettings.from_env()
    # The same audit log as store()'s (an AuditLog holds only its table and key), without importing the store.
    audit = AuditLog(config.audit_table, lambda: secret_bytes(config.pseudonym_secret_arn))
    deletions = DynamoDeletionStore(config.subjects_table, audit)
    return ErasureService(deletions, clock(), grace=timedelta(days=config.erasure_grace_days))


@cache
def holds() -> "HoldService":
    from adapters.hold_store import DynamoHoldStore
    from domain.erasure.service import HoldService
    from domain.records import load_categories

    config = Settings.from_env()
    hold_store = DynamoHoldStore(config.subjects_table, store().audit, lambda: epoch_seconds(clock().now()))
    return HoldService(hold_store, erasure(), load_categories(), clock())
