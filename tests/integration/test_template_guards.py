"""What the template promises beyond its resources: throttled public writes, backups that age out within the
deletion promise, parameter rules CloudFormation enforces, and roles scoped to each function's own sources."""

from typing import Any

import pytest

from localcloud.routes import Wiring
from localcloud.template import Stack

STACK = Stack.from_template()
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _routes() -> Wiring:
    stack = Stack.from_template()
    for logical_id in stack.resources:  # queues and streams resolve ARNs: placeholders will do for routes
        stack.physical_ids.setdefault(logical_id, logical_id)
        stack.attributes.setdefault(logical_id, {"Arn": f"arn:{logical_id}", "StreamArn": f"arn:{logical_id}/stream"})
    return Wiring.from_stack(stack)


def _http_api() -> dict[str, Any]:
    return STACK.resources["HttpApi"]["Properties"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- throttling (issue #16, item 2)
def test_every_route_has_the_stage_throttling_limits_from_parameters():
    # Given the HTTP API as declared
    defaults = _http_api().get("DefaultRouteSettings", {})
    # Then the stage's default route settings throttle every route, with limits the deployer sets
    assert defaults.get("ThrottlingRateLimit") == {"Ref": "ApiThrottlingRateLimit"}
    assert defaults.get("ThrottlingBurstLimit") == {"Ref": "ApiThrottlingBurstLimit"}


def test_every_public_write_route_has_its_own_lower_throttling_limits():
    # Given the routes anyone may write to without a token
    public_writes = {r.route_key for r in _routes().routes if not r.authorized and r.method in WRITE_METHODS}
    assert {"PUT /visitors/{visitor_id}/consents", "POST /unsubscribe"} <= public_writes
    settings = _http_api().get("RouteSettings", {})
    for route_key in public_writes:
        # Then each has route settings from the public-write parameters
        assert settings.get(route_key) == {
            "ThrottlingRateLimit": {"Ref": "PublicWriteThrottlingRateLimit"},
            "ThrottlingBurstLimit": {"Ref": "PublicWriteThrottlingBurstLimit"},
        }, route_key
    # And by default they are lower than the stage's
    parameters = STACK.parameters
    assert parameters["PublicWriteThrottlingRateLimit"] < parameters["ApiThrottlingRateLimit"]
    assert parameters["PublicWriteThrottlingBurstLimit"] < parameters["ApiThrottlingBurstLimit"]


def test_route_settings_name_only_routes_the_api_serves():
    # API Gateway refuses a stage whose route settings name a route it does not have
    route_keys = {r.route_key for r in _routes().routes}
    assert set(_http_api().get("RouteSettings", {})) <= route_keys
