"""Body limits, checked before any route runs: 64 KB of UTF-8 text, except a host record (350 KB of JSON)."""

import base64
import json
import uuid
from typing import Any

from api.http import MAX_BODY_BYTES
from handlers import consent_api, subject_api
from tests.support import load_event, routed, sign_up, with_body

RECORD_ROUTE = "PUT /app/subjects/{subject_id}/records/{category}/{record_id}"


def _answer(response: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return response["statusCode"], json.loads(response["body"])


def visitor_put(raw: bytes, *, as_base64: bool = False) -> dict[str, Any]:
    """PUT /visitors/{visitor_id}/consents, a public route, with exactly these body bytes."""
    event = load_event("consent_api/put_visitor_consents.json")
    event["body"] = base64.b64encode(raw).decode("ascii") if as_base64 else raw.decode("utf-8")
    event["isBase64Encoded"] = as_base64
    event["headers"]["content-length"] = str(len(raw))
    return event


def padded_decisions(size: int) -> bytes:
    """A valid visitor consent body of exactly `size` bytes (the padding is JSON whitespace)."""
    body = json.dumps({"decisions": {"analytics": True}, "source": "banner"}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def record_put(subject_id: str, document: dict[str, Any]) -> dict[str, Any]:
    """PUT a host record as the host application (privacy-app group)."""
    event = load_event("consent_api/post_unsubscribe_token.json")
    path = f"/app/subjects/{subject_id}/records/invoices/INV-1"
    routed(event, RECORD_ROUTE, path)
    event["pathParameters"] = {"subject_id": subject_id, "category": "invoices", "record_id": "INV-1"}
    return with_body(event, document)


def test_a_body_of_64_kb_and_one_byte_is_413_before_any_route_runs(context):
    # Given a valid consent body padded to one byte over 64 KB (no AWS at all: nothing may be reached)
    event = visitor_put(padded_decisions(MAX_BODY_BYTES + 1))
    # When it is handled
    status, body = _answer(consent_api.lambda_handler(event, context))
    # Then it is refused with the error body every route uses
    assert status == 413
    assert body == {"error": "too_large", "message": "The request body may hold at most 64 KB.", "details": []}


def test_a_body_of_exactly_64_kb_is_handled(aws, context):
    # Given the same body padded to exactly 64 KB
    event = visitor_put(padded_decisions(MAX_BODY_BYTES))
    # When it is handled
    status, body = _answer(consent_api.lambda_handler(event, context))
    # Then the route records the decision
    assert status == 200, body
    assert body["purposes"]


def test_a_body_that_is_not_utf8_is_400(context):
    # Given a body API Gateway passed on base64-encoded, holding bytes that are not UTF-8
    event = visitor_put(b'{"decisions": {"analytics": true}, "source": "\xff\xfe"}', as_base64=True)
    # When it is handled
    status, body = _answer(consent_api.lambda_handler(event, context))
    # Then it is refused as a bad request, without echoing the bytes
    assert status == 400
    assert body["error"] == "invalid_encoding"
    assert set(body) == {"error", "message", "details"}


def test_a_base64_body_that_is_utf8_is_handled(aws, context):
    # Given a valid JSON body sent as binary (API Gateway base64-encodes it)
    event = visitor_put(padded_decisions(200), as_base64=True)
    # When it is handled
    status, body = _answer(consent_api.lambda_handler(event, context))
    # Then the route reads it like any other
    assert status == 200, body


def test_a_200_kb_record_is_accepted_and_a_360_kb_one_is_413(aws, context):
    # Given a subject, and the host application registering a 200 KB record about it
    subject_id = sign_up()
    event = record_put(subject_id, {"invoice_date": "2026-01-31", "notes": "x" * 200_000})
    assert len(event["body"]) > 3 * MAX_BODY_BYTES
    # When it is handled
    status, body = _answer(subject_api.lambda_handler(event, context))
    # Then the record route's own limit (350 KB of JSON) applies, not the 64 KB one
    assert status == 200, body
    assert body["stored"] is True
    # And over 350 KB the route itself answers 413, with the same error body
    status, body = _answer(
        subject_api.lambda_handler(
            record_put(subject_id, {"invoice_date": "2026-01-31", "notes": "x" * 360_000}), context
        )
    )
    assert (status, body["error"]) == (413, "too_large")


def test_a_record_that_is_not_utf8_is_400(context):
    # Given a record body that is not UTF-8 (the size exemption does not exempt the encoding)
    event = record_put(str(uuid.uuid4()), {})
    event["body"], event["isBase64Encoded"] = base64.b64encode(b"\xc3\x28").decode(), True
    # When it is handled, Then it is refused before the route runs
    status, body = _answer(subject_api.lambda_handler(event, context))
    assert (status, body["error"]) == (400, "invalid_encoding")
