import json

from handlers import platform_api
from tests.support import load_event


def test_health_answers_ok(context):
    # Given the sample event of GET /health
    event = load_event("platform_api/get_health.json")
    # When the platform function handles it
    response = platform_api.lambda_handler(event, context)
    # Then it answers 200 with status ok
    assert response["statusCode"] == 200
    assert json.loads(response["body"]) == {"status": "ok"}


def test_openapi_document_describes_the_api(context):
    # Given the sample event of GET /openapi.json
    event = load_event("platform_api/get_openapi.json")
    # When it is handled
    response = platform_api.lambda_handler(event, context)
    # Then the body is an OpenAPI 3.1 document with a bearer security scheme and the health route
    document = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert document["openapi"].startswith("3.1")
    assert "/health" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_unknown_route_is_a_json_404(context):
    # Given an event for a path no route serves
    event = load_event("platform_api/get_health.json")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/nope"
    # When it is handled
    response = platform_api.lambda_handler(event, context)
    # Then the answer is a 404 with the error body every route uses
    assert response["statusCode"] == 404
    assert json.loads(response["body"])["error"] == "not_found"


def test_no_answer_may_be_cached(context):
    # Given any API answer (they carry personal data, and a cached 410 would outlive a restore)
    response = platform_api.lambda_handler(load_event("platform_api/get_health.json"), context)
    # Then browsers and proxies are told not to store it
    assert response["headers"]["Cache-Control"] == "no-store"
