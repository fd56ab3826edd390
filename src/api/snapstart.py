"""SnapStart for the API functions: what goes into the snapshot, and what each restored environment renews.

Lambda runs the before-snapshot hooks once, when it publishes a version, and freezes the memory that results; every
execution environment of that version then starts from the snapshot and runs the after-restore hooks
(`snapshot_restore_py`, part of Lambda's Python runtime). What the snapshot may hold (docs/architecture.md):
- imported modules, the resolver with every route's validation models built, the services and their boto3
  clients, each having made one dry call: a request built, unsigned, answered by a canned response in the
  process and parsed, so the endpoint rules, serializers and parsers a first call builds are in the snapshot;
  no connection is opened and no credential is resolved;
- never the result of an AWS call: no secret, no subject data, no configuration read from a service. Secrets are
  fetched on first use after restore, as without SnapStart.
What a restored environment renews: the `random` module's state (one snapshot must not give every environment
the same jitter) and the values cached by powertools' parameter providers, whose entries carry a time to live.

Priming answers synthetic requests through `app.resolve` only, so neither the availability gate (a DynamoDB read)
nor any route body runs: an unknown route (404) and a malformed body (422) exercise the resolver, the validation
middleware and the error handlers, the work a first request would otherwise pay for.
"""

import io
import random
from collections.abc import Callable, Iterator
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.utilities.typing import LambdaContext

PRIMING_PATH = "/_snapstart/priming"  # served by no function: always a 404


def prime_on_snapshot(app: APIGatewayHttpResolver, *factories: Callable[[], Any]) -> None:
    """Registers the hooks of an API function: `factories` are its cached service factories (no AWS call)."""
    from snapshot_restore_py import register_after_restore, register_before_snapshot

    register_before_snapshot(prime, app, factories)
    register_after_restore(renew)


def prime(app: APIGatewayHttpResolver, factories: tuple[Callable[[], Any], ...]) -> None:
    # Imported on first use in a request path (adapters.secrets), so imported here for the snapshot.
    from aws_lambda_powertools.utilities import parameters  # noqa: F401

    for factory in factories:
        factory()
    _prime_secrets_provider()
    from adapters.aws import client

    for service, calls in DRY_CALLS.items():  # the stores make their clients on first use
        if service != "secretsmanager":  # read through powertools' provider, primed above
            for operation, params in calls:
                dry_call(client(service), operation, params)
    routes = app._static_routes + app._dynamic_routes
    for route in routes:
        route.dependant  # noqa: B018 - builds the route's parameter and response models
        route.body_field  # noqa: B018 - and its body model
    app.resolve(_synthetic("GET", PRIMING_PATH), PRIMING_CONTEXT)
    with_body = next((route for route in routes if route.body_field is not None and "{" not in route.path), None)
    if with_body is not None:
        app.resolve(_synthetic(str(with_body.method).upper(), with_body.path, body="[]"), PRIMING_CONTEXT)


def renew() -> None:
    random.seed()  # from os.urandom: each environment its own jitter
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    for provider in DEFAULT_PROVIDERS.values():  # the providers (and their clients) stay; no value cached stays
        provider.clear_cache()


# The operations the API functions make, per service, with parameters that pass botocore's validation: each
# operation's first call builds its own serializer and parser (endpoint rules are shared by the client).
_KEY = {"pk": {"S": "priming"}, "sk": {"S": "priming"}}
_TABLE = "snapstart-priming"
DRY_CALLS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "dynamodb": [
        ("GetItem", {"TableName": _TABLE, "Key": _KEY}),
        ("BatchGetItem", {"RequestItems": {_TABLE: {"Keys": [_KEY]}}}),
        (
            "Query",
            {
                "TableName": _TABLE,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": {":pk": {"S": "x"}},
            },
        ),
        ("TransactWriteItems", {"TransactItems": [{"Put": {"TableName": _TABLE, "Item": _KEY}}]}),
        ("PutItem", {"TableName": _TABLE, "Item": _KEY}),
        ("UpdateItem", {"TableName": _TABLE, "Key": _KEY}),
    ],
    "s3": [("HeadObject", {"Bucket": _TABLE, "Key": "priming"})],
    "sqs": [("SendMessage", {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/0/priming", "MessageBody": "{}"})],
    "events": [("PutEvents", {"Entries": [{"Source": "priming", "DetailType": "priming", "Detail": "{}"}]})],
    "kms": [("GetPublicKey", {"KeyId": "alias/snapstart-priming"})],
    "secretsmanager": [("GetSecretValue", {"SecretId": _TABLE})],
    "sesv2": [("GetAccount", {})],
}


def dry_call(client: Any, operation: str, params: dict[str, Any]) -> None:
    """The client's first call without the network: botocore builds, serializes and routes the request as for a
    real one, then an unsigned request gets a canned empty answer in this process (no credentials are looked up,
    nothing is sent), which it parses. What a first call builds lazily is then built."""
    import botocore

    events = client.meta.events
    events.register_first("choose-signer", _unsigned, unique_id="snapstart-priming-signer")
    events.register_first("before-send", _canned_answer, unique_id="snapstart-priming-send")
    try:
        client._make_api_call(operation, params)
    except botocore.exceptions.BotoCoreError:
        pass  # a canned answer that this operation cannot parse: the lazy work is done by then
    finally:
        events.unregister("choose-signer", unique_id="snapstart-priming-signer")
        events.unregister("before-send", unique_id="snapstart-priming-send")


def _unsigned(**_: Any) -> Any:
    import botocore

    return botocore.UNSIGNED


class _CannedBody(io.BytesIO):
    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self.read()


def _canned_answer(request: Any, **_: Any) -> Any:
    from botocore.awsrequest import AWSResponse

    headers: Any = {}
    return AWSResponse(request.url, 200, headers, _CannedBody(b""))  # empty: every protocol parses it as no data


def _prime_secrets_provider() -> None:
    """powertools' secrets provider and its client, made as on the first secret read (the value is read then)."""
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    from adapters.aws import secrets_client_config

    if "secrets" not in DEFAULT_PROVIDERS:
        DEFAULT_PROVIDERS["secrets"] = parameters.SecretsProvider(boto_config=secrets_client_config())
    for operation, params in DRY_CALLS["secretsmanager"]:
        dry_call(DEFAULT_PROVIDERS["secrets"].client, operation, params)


def _synthetic(method: str, path: str, body: str | None = None) -> dict[str, Any]:
    return {
        "version": "2.0",
        "routeKey": f"{method} {path}",
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"content-type": "application/json"},
        "requestContext": {
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1"},
            "requestId": "snapstart-priming",
            "routeKey": f"{method} {path}",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


class _PrimingContext:
    function_name = "snapstart-priming"
    aws_request_id = "snapstart-priming"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:snapstart-priming"

    def get_remaining_time_in_millis(self) -> int:
        return 60_000


PRIMING_CONTEXT = cast(LambdaContext, _PrimingContext())
