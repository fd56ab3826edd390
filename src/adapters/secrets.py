"""Secrets from Secrets Manager through powertools parameters, cached per container for five minutes."""

CACHE_SECONDS = 300


def secret_bytes(secret_arn: str) -> bytes:
    # Imported on first use: most requests need no secret (reads never sign an audit record), so a cold start
    # does not pay for powertools' parameter providers (docs/performance.md).
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_secret(secret_arn, max_age=CACHE_SECONDS)
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)
