"""Every operation of the merged document lists the errors it can answer, each with the API's error body."""

import json
from importlib import import_module

import pytest

from api.http import BEARER, SECURITY_SCHEMES, build_app
from api.openapi import API_HANDLER_MODULES, openapi_json, with_error_responses

DOCUMENT = json.loads(openapi_json())
OPERATIONS = [(method, path) for path, operations in DOCUMENT["paths"].items() for method in operations]
ERROR_BODY = {"$ref": "#/components/schemas/ErrorBody"}
# Where a subject or a parent asks for an export: a repeated one is refused for a while (ExportCooldownHours)
EXPORT_REQUESTS = {("post", "/me/requests"), ("post", "/parents/me/children/{child_id}/requests")}


def _expected(method: str, path: str, secured: bool, has_body: bool) -> set[str]:
    statuses = {"400", "404", "409", "413", "422", "500"}
    if secured:
        statuses.add("401")
    if has_body:
        statuses.add("415")  # a body that is not JSON
    admin_or_app = path.startswith(("/admin/", "/app/", "/minors/checks", "/parents/"))
    if admin_or_app or (method, path) == ("post", "/minors/consent-requests"):
        statuses.add("403")
    if (method, path) == ("patch", "/me"):
        statuses.add("403")  # a minor's own correction that would make them of age
    if path == "/me" or path.startswith(("/me/", "/parents/", "/admin/subjects/")) or path == "/unsubscribe":
        statuses.add("410")  # /unsubscribe: the link's account no longer exists
    if (method, path) == ("put", "/app/subjects/{subject_id}/records/{category}/{record_id}"):
        statuses.add("410")  # no record about a subject pending deletion or purged
    if (method, path) == ("post", "/admin/requests"):
        statuses.add("410")  # no rectification of a subject pending deletion or purged
    if (method, path) in EXPORT_REQUESTS:
        statuses.add("429")  # the same export completed within ExportCooldownHours (GDPR Art. 12(5))
    return statuses


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m.upper()} {p}" for m, p in OPERATIONS])
def test_every_operation_documents_its_errors_with_the_error_body(method, path):
    operation = DOCUMENT["paths"][path][method]
    responses = operation["responses"]
    errors = {status for status in responses if int(status) >= 400}
    assert errors == _expected(method, path, bool(operation.get("security")), "requestBody" in operation)
    for status in errors:
        schema = responses[status]["content"]["application/json"]["schema"]
        # API Gateway itself may answer these, with {"message"} only
        assert schema == ERROR_BODY or schema["anyOf"][0] == ERROR_BODY, status


def test_415_is_documented_for_exactly_the_routes_whose_function_takes_a_body():
    # Given every route of the API functions whose function has a body parameter, from powertools' route table
    body_routes = {
        (route.method.lower(), route.openapi_path)
        for module_name in API_HANDLER_MODULES
        for route in import_module(module_name).app._static_routes + import_module(module_name).app._dynamic_routes
        if route.dependant.body_params
    }
    # Then those, and only those, document 415 with the error body
    documented = {
        (method, path) for method, path in OPERATIONS if "415" in DOCUMENT["paths"][path][method]["responses"]
    }
    assert documented == body_routes
    assert len(body_routes) >= 15
    answer = DOCUMENT["paths"]["/minors/consent-requests/confirm"]["post"]["responses"]["415"]
    assert answer["content"]["application/json"]["schema"] == ERROR_BODY
    assert "application/json" in answer["description"]


def test_the_error_body_replaces_powertools_validation_error():
    schemas = DOCUMENT["components"]["schemas"]
    assert schemas["ErrorBody"]["required"] == ["error", "message"]
    assert not {"HTTPValidationError", "ValidationError"} & set(schemas)
    assert "HTTPValidationError" not in openapi_json()


def test_a_new_route_is_documented_without_a_word_of_its_own():
    # Given a resolver with one new secured host-application route
    app = build_app()

    @app.post("/app/things/<thing_id>", security=BEARER)
    def post_thing(thing_id: str, body: dict[str, str]) -> dict[str, str]:
        return {"thing_id": thing_id, **body}

    # When its document goes through the same post-processing as the merged one
    document = json.loads(app.get_openapi_json_schema(security_schemes=SECURITY_SCHEMES))
    responses = with_error_responses(document)["paths"]["/app/things/{thing_id}"]["post"]["responses"]
    # Then its errors are all there, 401, 403 and (it takes a body) 415 included
    assert set(responses) == {"200", "400", "401", "403", "404", "409", "413", "415", "422", "500"}


def test_operations_taking_an_idempotency_key_document_it_and_the_retry_after_of_their_409():
    idempotent = {
        (method, path)
        for method, path in OPERATIONS
        if any(
            p["in"] == "header" and p["name"] == "idempotency-key"
            for p in DOCUMENT["paths"][path][method].get("parameters", [])
        )
    }
    assert idempotent == {("post", "/me/requests")}
    operation = DOCUMENT["paths"]["/me/requests"]["post"]
    (key,) = operation["parameters"]
    assert (key["name"], key["required"]) == ("idempotency-key", False)
    assert "Retry-After" in operation["responses"]["409"]["headers"]
    assert "headers" not in DOCUMENT["paths"]["/me/consents"]["put"]["responses"]["409"]


def test_the_purposes_catalog_documents_its_revalidation_and_language_negotiation():
    operation = DOCUMENT["paths"]["/consent/purposes"]["get"]
    headers = {p["name"]: (p["in"], p["required"]) for p in operation["parameters"]}
    assert headers == {"if-none-match": ("header", False), "accept-language": ("header", False)}
    assert "304" in operation["responses"]


@pytest.mark.parametrize(("method", "path"), sorted(EXPORT_REQUESTS))
def test_an_export_request_documents_its_429_with_retry_after(method, path):
    answer = DOCUMENT["paths"][path][method]["responses"]["429"]
    assert answer["content"]["application/json"]["schema"] == ERROR_BODY
    assert "export_cooldown" in answer["description"]
    assert answer["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 1}
    # And the operators' route, which the cooldown does not hold back, does not
    assert "429" not in DOCUMENT["paths"]["/admin/requests"]["post"]["responses"]
