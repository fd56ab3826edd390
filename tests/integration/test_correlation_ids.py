"""The caller's `x-correlation-id` goes into every log line and every audit record of its request, and audit records
outlive erasure: only a plain token is taken, for every route, and anything else is replaced by API Gateway's id of
the request before any route sees the event (api.http.resolve)."""

import importlib
import re
from typing import Any

import pytest

from api.http import MAX_CORRELATION_ID
from localcloud.routes import Wiring
from localcloud.template import Stack
from observability import logger
from tests.support import load_event, routed


def _template_routes() -> list[tuple[str, str]]:
    """("METHOD /path", handler module) of every HTTP route template.yaml declares: a new route is covered as soon as
    it is declared."""
    stack = Stack.from_template()
    for logical_id in stack.resources:  # routes need no physical resources; queues and streams resolve placeholders
        stack.physical_ids.setdefault(logical_id, logical_id)
        stack.attributes.setdefault(logical_id, {"Arn": f"arn:{logical_id}", "StreamArn": f"arn:{logical_id}/stream"})
    functions = stack.of_type("AWS::Serverless::Function")
    return [
        (route.route_key, functions[route.function]["Properties"]["Handler"].rpartition(".")[0])
        for route in Wiring.from_stack(stack).routes
    ]


ROUTES = _template_routes()
REFUSED = {
    "too long": "a" * (MAX_CORRELATION_ID + 1),
    "an e-mail address": "ada@example.org",
    "a name": "Ada Lovelace",
    "a header injection": "abc\r\nx-admin: 1",
    "non-ASCII": "Zoë-1",
    "a list": "abc,def",
}
KEPT = ["req-42", "0f8fad5b-d9cb-469f-a165-70867728950e", "trace:1.2_3", "a" * MAX_CORRELATION_ID]


def _seen_by_routes(route: str, module_name: str, correlation_id: str, context: Any, monkeypatch: Any) -> set[Any]:
    """The correlation id the request runs under, as its routes would see it: the header of the event the resolver
    gets and the logger's (which every log line and audit record takes). The resolver is replaced by a spy, and the
    event names no subject, so nothing else runs (no AWS)."""
    event = load_event("consent_api/put_visitor_consents.json")  # a public route's sample: no token, a JSON body
    template = route.split(" ", 1)[1]
    parameters = dict.fromkeys(re.findall(r"{(\w+)\+?}", template), "x1")
    routed(event, route, re.sub(r"{(\w+)\+?}", "x1", template))
    event["pathParameters"] = parameters
    event["headers"]["x-correlation-id"] = correlation_id
    module = importlib.import_module(module_name)
    seen: set[Any] = set()

    def spy(routed_event: dict[str, Any], _: Any) -> dict[str, Any]:
        seen.update({(routed_event.get("headers") or {}).get("x-correlation-id"), logger.get_correlation_id()})
        return {"statusCode": 204, "headers": {}, "body": ""}

    monkeypatch.setattr(module.app, "resolve", spy)
    assert module.lambda_handler(event, context)["statusCode"] == 204
    return seen


def test_every_route_is_found():
    assert len(ROUTES) >= 50
    assert ("POST /minors/consent-requests/confirm", "handlers.minors_api") in ROUTES


@pytest.mark.parametrize(("route", "module_name"), ROUTES, ids=[route for route, _ in ROUTES])
def test_a_correlation_id_that_is_not_a_plain_token_never_reaches_a_route(route, module_name, context, monkeypatch):
    request_id = load_event("consent_api/put_visitor_consents.json")["requestContext"]["requestId"]
    for label, correlation_id in REFUSED.items():
        # Given a request whose x-correlation-id is not a plain token of at most 128 characters
        # When it is handled, Then the route, its log lines and its audit records only see API Gateway's request id
        assert _seen_by_routes(route, module_name, correlation_id, context, monkeypatch) == {request_id}, label


@pytest.mark.parametrize(("route", "module_name"), ROUTES, ids=[route for route, _ in ROUTES])
def test_a_plain_correlation_id_is_kept_on_every_route(route, module_name, context, monkeypatch):
    for correlation_id in KEPT:
        # Given a request with a plain token as x-correlation-id, When it is handled, Then the token is the id
        assert _seen_by_routes(route, module_name, correlation_id, context, monkeypatch) == {correlation_id}
