"""SnapStart for the API functions: what goes into the snapshot, and what each restored environment renews.

Lambda runs the before-snapshot hooks once, when it publishes a version, and freezes the memory that results; every
execution environment of that version then starts from the snapshot and runs the after-restore hooks
(`snapshot_restore_py`, part of Lambda's Python runtime). What the snapshot may hold (docs/architecture.md):
- imported modules, the resolver with every route's validation models built, the services and their boto3
  clients (created, never used: no connection, no credentials resolved);
- never the result of an AWS call: no secret, no subject data, no configuration read from a service. Secrets are
  fetched on first use after restore, as without SnapStart.
What a restored environment renews: the `random` module's state (one snapshot must not give every environment
the same jitter) and powertools' parameter cache, whose entries carry a time to live.

Priming answers synthetic requests through `app.resolve` only, so neither the availability gate (a DynamoDB read)
nor any route body runs: an unknown route (404) and a malformed body (422) exercise the resolver, the validation
middleware and the error handlers, the work a first request would otherwise pay for.
"""

import random
from collections.abc import Callable
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
    from aws_lambda_powertools.utilities import parameters

    parameters.clear_caches()  # type: ignore[no-untyped-call]


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
