"""Signed tokens across a key rotation, and token types: what domain.signed_tokens guarantees every kind."""

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.consent.unsubscribe import InvalidToken, issue_token, verify_token
from domain.minors.model import InvalidConfirmationToken, issue_confirmation_token, verify_confirmation_token
from domain.signed_tokens import BadToken, SigningKeys, decode_signed, encode_signed

OLD = b"the-key-before-the-rotation-0123456789abcdef"
NEW = b"the-key-after-the-rotation-0123456789abcdefg"
OTHER = b"a-key-this-service-never-had-0123456789abcd"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=7)
REQUEST_ID = "0b7f3c2a9d8e4f1a6b5c4d3e2f1a0b9c"


def rotated(*, older: tuple[bytes, ...] = (OLD,)) -> SigningKeys:
    return SigningKeys(current=NEW, older=lambda: older)


def _payload(token: str) -> dict[str, object]:
    text = token.split(".")[0]
    decoded: dict[str, object] = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    return decoded


def test_an_unsubscribe_link_sent_before_a_rotation_still_works() -> None:
    # Given an unsubscribe token signed with the key in use before the rotation
    token = issue_token(OLD, subject_id="s-1", purpose="newsletters", expires_at=LATER, token_id="t-1")
    # When it is verified after the rotation, then it verifies against the previous key
    assert verify_token(rotated(), token, now=NOW).subject_id == "s-1"


def test_a_confirmation_link_sent_before_a_rotation_still_works() -> None:
    # Given a parental confirmation token signed with the key in use before the rotation
    token = issue_confirmation_token(OLD, request_id=REQUEST_ID, expires_at=LATER, token_id="j-1")
    # When it is verified after the rotation, then it verifies against the previous key
    assert verify_confirmation_token(rotated(), token, now=NOW).request_id == REQUEST_ID


def test_new_tokens_are_signed_with_the_current_key_only() -> None:
    # Given keys after a rotation
    # When a token is issued
    token = issue_token(rotated(), subject_id="s-1", purpose="newsletters", expires_at=LATER, token_id="t-1")
    # Then it verifies with the current key alone, not with the previous one
    assert verify_token(NEW, token, now=NOW).token_id == "t-1"
    with pytest.raises(InvalidToken):
        verify_token(OLD, token, now=NOW)


def test_a_token_signed_with_neither_key_is_invalid() -> None:
    token = issue_token(OTHER, subject_id="s-1", purpose="newsletters", expires_at=LATER, token_id="t-1")
    with pytest.raises(InvalidToken):
        verify_token(rotated(), token, now=NOW)
    confirmation = issue_confirmation_token(OTHER, request_id=REQUEST_ID, expires_at=LATER, token_id="j-1")
    with pytest.raises(InvalidConfirmationToken):
        verify_confirmation_token(rotated(), confirmation, now=NOW)


def test_the_older_keys_are_not_loaded_while_the_current_key_verifies() -> None:
    # Given keys whose older keys cost a call to load
    loads: list[int] = []

    def older() -> tuple[bytes, ...]:
        loads.append(1)
        return (OLD,)

    keys = SigningKeys(current=NEW, older=older)
    token = issue_token(keys, subject_id="s-1", purpose="newsletters", expires_at=LATER, token_id="t-1")
    # When a token signed with the current key is verified
    verify_token(keys, token, now=NOW)
    # Then the older keys were never asked for
    assert loads == []


def test_every_token_names_its_type() -> None:
    unsubscribe = issue_token(NEW, subject_id="s-1", purpose="newsletters", expires_at=LATER, token_id="t-1")
    confirmation = issue_confirmation_token(NEW, request_id=REQUEST_ID, expires_at=LATER, token_id="j-1")
    assert _payload(unsubscribe)["typ"] == "unsubscribe"
    assert _payload(confirmation)["typ"] == "parental-consent"


def test_a_token_of_one_type_does_not_decode_as_another() -> None:
    # Given a token signed with our key as type "a"
    token = encode_signed(NEW, {"x": 1}, typ="a")
    # When it is decoded as type "b", then it is refused; as "a" it decodes
    with pytest.raises(BadToken):
        decode_signed(NEW, token, typ="b")
    assert decode_signed(NEW, token, typ="a") == {"x": 1, "typ": "a"}


def test_an_unsubscribe_shaped_payload_typed_for_another_use_is_not_an_unsubscribe_token() -> None:
    # Given a payload with every unsubscribe field, signed with our key, but typed for another use
    payload = {"sub": "s-1", "pur": "newsletters", "exp": int(LATER.timestamp()), "jti": "t-1"}
    token = encode_signed(NEW, payload, typ="parental-consent")
    # When it is presented as an unsubscribe token, then it is invalid
    with pytest.raises(InvalidToken):
        verify_token(NEW, token, now=NOW)
