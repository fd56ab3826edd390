import json

import pytest

import wiring
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


POLICY_CONTRACT = {
    "product",
    "version",
    "effective_date",
    "controller",
    "supervisory_authority",
    "purposes",
    "retention",
    "erasure",
    "inactivity",
    "minors",
    "signals",
    "rights",
}


def _policy(context, monkeypatch, name: str | None = None, **headers: str):
    if name is not None:
        monkeypatch.setenv("POLICY", name)
    wiring.reset()  # a new container: the settings and the policy read again
    event = load_event("platform_api/get_policy.json")
    event["headers"].update(headers)
    return platform_api.lambda_handler(event, context)


def test_the_policy_is_public_and_shows_what_a_subject_is_told(aws, context, monkeypatch):
    # When anyone asks for the policy of the default deployment
    response = _policy(context, monkeypatch)
    # Then it answers with the contract's fields: iMind's controller, purposes, retention, rights and complaint
    assert response["statusCode"] == 200
    body = json.loads(response["body"])
    assert body.keys() >= POLICY_CONTRACT
    assert body["product"] == "imind"
    assert {"name", "contact_email"} <= body["controller"].keys()
    assert {"name", "url"} <= body["supervisory_authority"].keys()
    assert all({"id", "title", "legal_basis", "required"} <= p.keys() for p in body["purposes"])
    assert all({"category", "period", "basis"} <= r.keys() for r in body["retention"])
    assert body["inactivity"] == {"enabled": True, "after_days": 180, "grace_days": 60}
    assert body["rights"]
    assert response["headers"]["Cache-Control"].startswith("public")


@pytest.mark.parametrize(
    ("name", "minimum_age", "parental", "underage"),
    [
        ("mindomo", 16, True, "delete"),
        ("imocloud", 18, False, "deactivate_and_delete"),
        ("intermind", 16, True, "delete"),
    ],
)
def test_each_product_shows_its_own_policy(aws, context, monkeypatch, name, minimum_age, parental, underage):
    body = json.loads(_policy(context, monkeypatch, name)["body"])
    assert body["product"] == name
    assert body["minors"] == {"minimum_age": minimum_age, "parental_consent": parental, "underage_account": underage}


def test_mindomo_asks_no_consent_for_advertising_it_says_it_never_does(aws, context, monkeypatch):
    body = json.loads(_policy(context, monkeypatch, "mindomo")["body"])
    ids = {purpose["id"] for purpose in body["purposes"]}
    assert not ids & {"targeted_advertising", "sale_or_share", "advertising"}


def test_a_revalidated_policy_answers_304(aws, context, monkeypatch):
    etag = _policy(context, monkeypatch)["headers"]["ETag"]
    response = _policy(context, monkeypatch, **{"if-none-match": etag})
    assert response["statusCode"] == 304
    assert not response.get("body")


def test_the_policy_speaks_the_language_the_browser_asks_for(aws, context, monkeypatch):
    english = _policy(context, monkeypatch)
    german = _policy(context, monkeypatch, **{"accept-language": "de-DE,de;q=0.9,en;q=0.5"})
    assert (english["headers"]["Content-Language"], german["headers"]["Content-Language"]) == ("en", "de")
    assert german["headers"]["Vary"] == "Accept-Language"
    titles = {p["id"]: p["title"] for p in json.loads(english["body"])["purposes"]}
    german_titles = {p["id"]: p["title"] for p in json.loads(german["body"])["purposes"]}
    assert titles.keys() == german_titles.keys()
    assert titles != german_titles
    assert german["headers"]["ETag"] != english["headers"]["ETag"]
