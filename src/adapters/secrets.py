"""Secrets from Secrets Manager through powertools parameters, cached per container for five minutes."""

from aws_lambda_powertools.utilities import parameters

CACHE_SECONDS = 300


def secret_bytes(secret_arn: str) -> bytes:
    value = parameters.get_secret(secret_arn, max_age=CACHE_SECONDS)
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)
