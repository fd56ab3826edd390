"""Body limits through the gateway, with real bytes: 64 KB of UTF-8 text, 350 KB of JSON for a host record."""

import json
import uuid

import pytest

from api.http import MAX_BODY_BYTES

pytestmark = pytest.mark.e2e
JSON = {"content-type": "application/json"}


def _padded(size: int) -> bytes:
    body = json.dumps({"decisions": {"analytics": True}, "source": "banner"}).encode()
    return body[:-1] + b" " * (size - len(body)) + b"}"


def test_bodies_over_64_kb_are_413_and_bodies_that_are_not_utf8_are_400(cloud):
    visitor = f"/visitors/{uuid.uuid4()}/consents"
    # A 64 KB body is handled; one byte more is refused before the route runs
    assert cloud.call("PUT", visitor, data=_padded(MAX_BODY_BYTES), headers=JSON).status_code == 200
    too_large = cloud.call("PUT", visitor, data=_padded(MAX_BODY_BYTES + 1), headers=JSON)
    assert too_large.status_code == 413
    assert too_large.json()["error"] == "too_large"
    # Bytes that are not UTF-8 are refused, whatever the content type says
    not_utf8 = cloud.call("PUT", visitor, data=b'{"source": "\xff\xfe"}', headers=JSON)
    assert not_utf8.status_code == 400
    assert set(not_utf8.json()) == {"error", "message", "details"}
    assert not_utf8.json()["error"] == "invalid_encoding"


def test_a_200_kb_host_record_is_accepted(cloud):
    subject = cloud.login(f"limits-{uuid.uuid4().hex[:8]}@example.org")["sub"]
    app = cloud.token(f"shop-{uuid.uuid4().hex[:6]}", ["privacy-app"])
    document = {"invoice_date": "2026-01-31", "notes": "x" * 200_000}
    answer = cloud.call("PUT", f"/app/subjects/{subject}/records/invoices/INV-200K", app, json=document)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] is True
