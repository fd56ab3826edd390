"""Request bodies are JSON: any other media type is refused with 415 and the API's error body, before any route runs;
a route that takes no body does not look at the header at all."""

import json
import re
from importlib import import_module
from typing import Any

import pytest

from api.openapi import API_HANDLER_MODULES
from tests.support import load_event, routed, with_body


def _body_routes() -> list[tuple[str, str]]:
    """(handler module, "METHOD /path") of every route whose function takes a body, from powertools' route table."""
    found = []
    for module_name in API_HANDLER_MODULES:
        app = import_module(module_name).app
        for route in app._static_routes + app._dynamic_routes:
            if route.dependant.body_params:
                found.append((module_name, f"{route.method} {route.openapi_path}"))
    return found


BODY_ROUTES = _body_routes()


def _answer(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return response["statusCode"], json.loads(response["body"])


def _call(module_name: str, route: str, content_type: str, body: str, context: Any) -> tuple[int, dict[str, Any]]:
    """`route` called at a concrete path with this body and Content-Type (the sample of a public route, re-routed;
    every path parameter is a plain token that fits any of their patterns)."""
    event = load_event("consent_api/put_visitor_consents.json")
    template = route.split(" ", 1)[1]
    parameters = {name: f"{index:032x}" for index, name in enumerate(re.findall(r"{(\w+)}", template))}
    routed(event, route, template.format(**parameters))
    event["pathParameters"] = parameters
    with_body(event, body)["headers"]["content-type"] = content_type
    return _answer(import_module(module_name).lambda_handler(event, context))


def test_the_routes_with_a_body_are_found():
    # the issue counted 15 routes answering 500; the route table holds 16 today
    assert len(BODY_ROUTES) >= 15
    assert ("handlers.minors_api", "POST /minors/consent-requests/confirm") in BODY_ROUTES


@pytest.mark.parametrize(("module_name", "route"), BODY_ROUTES, ids=[route for _, route in BODY_ROUTES])
@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml"],
)
def test_a_body_that_is_not_json_is_415_before_any_route_runs(module_name, route, content_type, context):
    # Given a route that takes a JSON body (no AWS at all: nothing may be reached)
    # When a body of another media type is sent to it
    status, body = _call(module_name, route, content_type, "a=1&email=ada@example.org", context)
    # Then it is refused as an unsupported media type, with the API's error body, echoing nothing
    assert status == 415, body
    assert body == {
        "error": "unsupported_media_type",
        "message": "The request body must be JSON (Content-Type: application/json).",
        "details": [],
    }


def test_an_event_without_its_route_key_still_gets_415_from_the_resolver(context):
    # Given a text body for a body route, in an event that does not name the route API Gateway matched
    event = load_event("minors_api/post_confirm.json")
    event["routeKey"] = event["requestContext"]["routeKey"] = "$default"
    with_body(event, "decision=approve")["headers"]["content-type"] = "text/plain"
    # When it is handled, Then powertools' own refusal of the body is answered as 415, not as a fault
    status, body = _answer(import_module("handlers.minors_api").lambda_handler(event, context))
    assert (status, body["error"]) == (415, "unsupported_media_type")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"],
)
def test_json_media_types_are_accepted(aws, context, content_type):
    # Given a visitor's consent decisions as JSON
    decisions = json.dumps({"decisions": {"analytics": True}, "source": "banner"})
    # When they are sent with a JSON media type, a charset parameter, another case or a +json suffix
    status, body = _call(
        "handlers.consent_api", "PUT /visitors/{visitor_id}/consents", content_type, decisions, context
    )
    # Then the route reads and records them
    assert status == 200, body
    assert body["purposes"]


def test_a_route_without_a_body_does_not_look_at_the_content_type(aws, context):
    # Given the purposes catalog, which takes no body
    # When it is read with a text body
    status, body = _call("handlers.consent_api", "GET /consent/purposes", "text/plain", "hello", context)
    # Then the body and its type are ignored
    assert status == 200, body
    assert body["purposes"]
