"""Secrets from Secrets Manager through powertools parameters, cached per container for five minutes."""

import time
from functools import lru_cache
from typing import TYPE_CHECKING

from adapters.aws import client

if TYPE_CHECKING:
    from domain.signed_tokens import SigningKeys

CACHE_SECONDS = 300


def secret_bytes(secret_arn: str) -> bytes:
    # Imported on first use: most requests need no secret (reads never sign an audit record), so a cold start
    # does not pay for powertools' parameter providers (docs/performance.md).
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(secret_arn, max_age=CACHE_SECONDS)
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def signing_keys(secret_arn: str) -> "SigningKeys":
    """The token key (the secret's AWSCURRENT value), and the keys a token may also verify against: the secret's
    AWSPREVIOUS value, so links e-mailed before a rotation (put-secret-value) keep working until they expire, and its
    AWSCURRENT value read afresh, for a container that still holds the key from before a rotation. Those are read
    only when the cached key does not verify a token (domain.signed_tokens)."""
    from domain.signed_tokens import SigningKeys

    return SigningKeys(current=secret_bytes(secret_arn), older=lambda: older_keys(secret_arn))


def older_keys(secret_arn: str) -> tuple[bytes, ...]:
    """The secret's previous and current values, read once per container and CACHE_SECONDS whether or not there is a
    previous one (a forged token costs at most two reads per container and period, not two per token). Powertools'
    cache is keyed by the secret's name alone, so it cannot hold two versions of one secret."""
    return _older_keys(secret_arn, int(time.monotonic() // CACHE_SECONDS))


@lru_cache(maxsize=8)
def _older_keys(secret_arn: str, period: int) -> tuple[bytes, ...]:
    return tuple(key for stage in ("AWSPREVIOUS", "AWSCURRENT") if (key := _stage(secret_arn, stage)))


def _stage(secret_arn: str, stage: str) -> bytes | None:
    secrets = client("secretsmanager")
    try:
        answer = secrets.get_secret_value(SecretId=secret_arn, VersionStage=stage)
    except secrets.exceptions.ResourceNotFoundException:  # never rotated: no AWSPREVIOUS version
        return None
    value = answer.get("SecretString")
    return value.encode("utf-8") if value is not None else bytes(answer["SecretBinary"])
