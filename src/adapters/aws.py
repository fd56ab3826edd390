"""boto3 clients, created once per container and reused across invocations.

boto3 reads AWS_ENDPOINT_URL, so the same code talks to moto's server in the local cloud.
"""

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

# Standard retry mode: exponential backoff with jitter for throttling and 5xx, bounded attempts.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)


@cache
def client(service: str) -> Any:
    return boto3.client(service, config=_CONFIG)  # type: ignore[call-overload]


def dynamodb() -> Any:
    # Untyped on purpose: the stubs' TypedDicts reject the plain dicts our key helpers build.
    return client("dynamodb")


def events() -> "EventBridgeClient":
    return client("events")  # type: ignore[no-any-return]
