"""The requests context: data-subject requests (access, portability, erasure) and their exports."""

import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from config import Settings, setting
from wiring import provider
from wiring.policy import policy
from wiring.shared import audit_log, clock, now_epoch, store

if TYPE_CHECKING:
    from adapters.export_archive import S3ExportArchives
    from adapters.request_store import DynamoRequestStore
    from domain.export_disclosure import PolicyDisclosure
    from domain.requests.export_job import ExportJob
    from domain.requests.operator import OperatorDesk
    from domain.requests.rectification import RectificationService
    from domain.requests.service import RequestService


class RequestSettings(Settings):
    exports_bucket: str
    download_url_ttl_seconds: int = 900
    export_expiry_days: int = 7
    request_retention_days: int = 1095
    connected_systems: list[str] = setting(default_factory=list)  # CONNECTED_SYSTEMS, the template's list joined
    export_cooldown_hours: int = setting(default=24, minimum=0, maximum=8760)  # 0: no cooldown


class ExportSettings(RequestSettings):
    export_kms_key_id: str


@provider
def settings() -> RequestSettings:
    return RequestSettings.from_env()


@provider
def export_settings() -> ExportSettings:
    """The export worker's: where archives go and the key they are encrypted with."""
    return ExportSettings.from_env()


@provider
def export_disclosure() -> "PolicyDisclosure":
    """What every export tells about the processing (GDPR Art. 15(1)): the active policy's, in its default
    language (README.txt is English; every policy's default today is too). Built once per container."""
    from policy.disclosure import to_export_disclosure

    return to_export_disclosure(policy())


@provider
def export_archives() -> "S3ExportArchives":
    from adapters.export_archive import S3ExportArchives

    config = export_settings()
    return S3ExportArchives(
        bucket=config.exports_bucket,
        kms_key_id=config.export_kms_key_id,
        table=config.subjects_table,
        disclosure=export_disclosure(),
    )


@provider
def export_job() -> "ExportJob":
    from domain.requests.export_job import ExportJob
    from wiring.erasure import deletions

    return ExportJob(
        requests=requests(), store=request_store(), archives=export_archives(), deletions=deletions(), clock=clock()
    )


@provider
def request_store() -> "DynamoRequestStore":
    from adapters.request_store import DynamoRequestStore

    return DynamoRequestStore(store().table, audit_log(), now_epoch)


@provider
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
        systems=config.connected_systems,
        export_cooldown=timedelta(hours=config.export_cooldown_hours),
    )


@provider
def operator_desk() -> "OperatorDesk":
    """The operators' side of requests: the queue, extensions, rejections, connected systems, the overdue list."""
    from domain.requests.operator import OperatorDesk

    return OperatorDesk(request_store(), clock(), systems=settings().connected_systems)


@provider
def rectification() -> "RectificationService":
    """Rectification on request (operators): the request service, the profile, and the erasure state it checks."""
    from domain.requests.rectification import RectificationService
    from wiring.erasure import erasure

    return RectificationService(requests(), store(), erasure(), clock())


def download_url(key: str, ttl_seconds: int) -> str:
    """A presigned GET of an export archive (S3 is imported on first use: only the download routes need it)."""
    from adapters.s3_archive import presigned_download_url

    return presigned_download_url(settings().exports_bucket, key, ttl_seconds)
