"""What every context uses: the settings every function has, the clock, the audit log, the subject store, and the
KMS signer. Lazily imported adapters: a function imports only what its requests need (a sweep needs only the clock;
the consent API only the availability gate, i.e. erasure; docs/performance.md)."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from config import Settings
from wiring import provider

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from adapters.audit_log import AuditLog
    from adapters.clock import SystemClock
    from adapters.subject_store import DynamoSubjectStore


class SigningSettings(Settings):
    signing_key_id: str | None = None


@provider
def settings() -> Settings:
    """What every function has (config.Settings)."""
    return Settings.from_env()


@provider
def clock() -> "SystemClock":
    from adapters.clock import SystemClock

    return SystemClock()


def now_epoch() -> int:
    """The clock's now in epoch seconds: what the stores stamp `expires_at` against."""
    from domain.clock import epoch_seconds

    return epoch_seconds(clock().now())


@provider
def audit_log() -> "AuditLog":
    """The one audit log of the container (it holds only its table and the pseudonym key's ARN)."""
    from adapters.audit_log import AuditLog
    from adapters.secrets import secret_bytes

    config = settings()
    return AuditLog(config.audit_table, lambda: secret_bytes(config.pseudonym_secret_arn))


@provider
def store() -> "DynamoSubjectStore":
    """The subject's partition: profile, activity, records."""
    from adapters.subject_store import DynamoSubjectStore

    return DynamoSubjectStore(settings().subjects_table, audit_log(), now_epoch)


@provider
def signer() -> "Callable[[bytes], dict[str, str]] | None":
    """Signs with the KMS key (ECDSA_SHA_256); None if no key is configured. Deletion certificates (the purge
    worker) and signed audit chain heads (the admin API) are signed by this one signer."""
    key_id = SigningSettings.from_env().signing_key_id
    if not key_id:
        return None
    from adapters.signing import kms_signer

    return kms_signer(key_id)


class IdempotencySettings(Settings):
    idempotency_table: str


@provider
def idempotency_store() -> "DynamoDBPersistenceLayer":
    """Where an Idempotency-Key's first answer is kept; imported only when a request carries the header. It talks
    through the container's one DynamoDB client (its retries and timeouts, primed by SnapStart) instead of making
    a second one on the first keyed request."""
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from adapters.aws import dynamodb

    return DynamoDBPersistenceLayer(
        table_name=IdempotencySettings.from_env().idempotency_table, boto3_client=dynamodb()
    )
