"""boto3 clients, created once per container and reused across invocations.

boto3 reads AWS_ENDPOINT_URL, so the same code talks to moto's server in the local cloud.
"""

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient

# Standard retry mode: exponential backoff with jitter for throttling and 5xx, bounded attempts.
_CONFIG = Config(retries={"mode": "standard", "max_attempts": 5}, connect_timeout=3, read_timeout=10)
# DynamoDB Streams at its regional endpoint (streams.dynamodb.<region>): botocore would otherwise derive an
# account-based one from the stream ARN (<account>.streams-ddb.<region>), which moto (tests) does not serve.
_REGIONAL_ENDPOINT = _CONFIG.merge(Config(account_id_endpoint_mode="disabled"))


_created: dict[str, Any] = {}  # every client made in this container, by service (SnapStart primes each one)


@cache
def client(service: str) -> Any:
    config = _REGIONAL_ENDPOINT if service == "dynamodbstreams" else _CONFIG
    created = boto3.client(service, config=config)  # type: ignore[call-overload]
    _created[service] = created
    return created


def created_clients() -> dict[str, Any]:
    return dict(_created)


def secrets_client_config() -> Config:
    """The configuration of every client, for those made by powertools' parameter providers too."""
    return _CONFIG


def dynamodb() -> Any:
    # Untyped on purpose: the stubs' TypedDicts reject the plain dicts our key helpers build.
    return client("dynamodb")


def query_pages(**query: Any) -> Iterator[dict[str, Any]]:
    """Every page of a DynamoDB Query (its `Items`, `Count`...), one request per page: the one paged query."""
    yield from dynamodb().get_paginator("query").paginate(**query)


def query_items(**query: Any) -> Iterator[dict[str, Any]]:
    """Every item a DynamoDB Query returns, page by page (memory holds one page)."""
    for page in query_pages(**query):
        yield from page.get("Items", [])


def transact_write(items: list[dict[str, Any]]) -> bool:
    """One DynamoDB transaction; False when it was cancelled because the first item's condition failed (nothing
    was written: the change it guards has already happened, or cannot), raising for any other cancellation."""
    ddb = dynamodb()
    try:
        ddb.transact_write_items(TransactItems=items)
    except ddb.exceptions.TransactionCanceledException as error:
        if error.response.get("CancellationReasons", [{}])[0].get("Code") == "ConditionalCheckFailed":
            return False
        raise
    return True


def events() -> "EventBridgeClient":
    return client("events")  # type: ignore[no-any-return]
