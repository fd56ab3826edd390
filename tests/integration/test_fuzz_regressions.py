"""Inputs the API fuzzing (tests/e2e/test_api_fuzz.py) found answering 500, kept as plain regression tests."""

import json
from typing import Any

from handlers import subject_api
from tests.support import load_event, routed, sign_up


def me(method: str, subject_id: str, context: Any, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    """A /me call by this subject (the sample event of a subject's consent change, re-routed)."""
    event = load_event("consent_api/put_my_consents.json")
    routed(event, f"{method} /me")
    event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"] = subject_id
    event["body"], event["isBase64Encoded"] = (json.dumps(body) if body is not None else None), False
    response = subject_api.lambda_handler(event, context)
    return response["statusCode"], json.loads(response["body"])


def test_a_field_corrected_to_null_is_removed(aws, context):
    # Given a subject who gave a birth date and a country
    subject_id = sign_up()
    assert me("PATCH", subject_id, context, {"birth_date": "2000-01-01", "country": "DE"})[0] == 200
    # When they clear the birth date (null), sending the country unchanged
    status, body = me("PATCH", subject_id, context, {"country": "DE", "birth_date": None})
    # Then the birth date is gone, and stays gone
    assert status == 200, body
    assert (body["birth_date"], body["country"]) == (None, "DE")
    assert me("GET", subject_id, context)[1]["birth_date"] is None


def test_null_preferences_clear_them(aws, context):
    # Given a subject with preferences
    subject_id = sign_up()
    assert me("PATCH", subject_id, context, {"preferences": {"theme": "dark"}})[0] == 200
    # When they send preferences: null
    status, body = me("PATCH", subject_id, context, {"preferences": None})
    # Then they have none (an empty map, as the schema says), and the profile still reads back
    assert status == 200, body
    assert body["preferences"] == {}
    assert me("GET", subject_id, context) == (200, body)


def test_an_empty_preference_key_is_refused(aws, context):
    # Given a subject, When they send a preference with an empty name (a map key no store can hold)
    status, body = me("PATCH", sign_up(), context, {"preferences": {"": False}})
    # Then it is refused as invalid, before anything is written
    assert (status, body["error"]) == (422, "validation_error")
