import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest

from domain.consent.unsubscribe import ExpiredToken, InvalidToken, UnsubscribeClaim, issue_token, verify_token

SECRET = b"test-secret-with-enough-entropy-0123456789"
NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
EXPIRES_AT = NOW + timedelta(days=30)


@pytest.fixture
def token() -> str:
    return issue_token(SECRET, subject_id="subj-42", purpose="marketing_emails", expires_at=EXPIRES_AT, token_id="t-1")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_issued_token_verifies_to_the_same_claim(token: str) -> None:
    # Given a token issued for a subject and purpose
    # When it is verified before expiry
    claim = verify_token(SECRET, token, now=NOW)
    # Then the claim is what was issued
    assert claim == UnsubscribeClaim(
        subject_id="subj-42", purpose="marketing_emails", expires_at=EXPIRES_AT, token_id="t-1"
    )


# Issued before unsubscribe tokens moved onto domain.signed_tokens; e-mailed links live up to 60 days.
PINNED_TOKEN = (
    "eyJleHAiOjE3OTY0NzIwMDAsImp0aSI6InQtMSIsInB1ciI6Im1hcmtldGluZ19lbWFpbHMiLCJzdWIiOiJzdWJqLTQyIn0"
    ".QNASkulHgohQqiaUrA2GDmp3XopKy_fNCxxpyt_t3Rk"
)


# The same claim as issued today, which adds the token type to the payload ("typ": "unsubscribe").
PINNED_TYPED_TOKEN = (
    "eyJleHAiOjE3OTY0NzIwMDAsImp0aSI6InQtMSIsInB1ciI6Im1hcmtldGluZ19lbWFpbHMiLCJzdWIiOiJzdWJqLTQyIiwidHlwIjoidW5zdWJz"
    "Y3JpYmUifQ.McDDjbcxvu02pMkO_2nx0lX1GofNL19yelf37JdtN6w"
)


def test_token_format_is_unchanged_so_links_already_sent_keep_working(token: str) -> None:
    # Given a token issued by an earlier release, before tokens named their type
    # When the same claim is issued today
    # Then it is the typed token, byte for byte, and the earlier one still verifies as an unsubscribe token
    assert token == PINNED_TYPED_TOKEN
    assert verify_token(SECRET, PINNED_TOKEN, now=NOW).token_id == "t-1"


def test_token_is_url_safe_and_unpadded(token: str) -> None:
    # Given an issued token
    # When we inspect its characters
    allowed = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
    # Then it can be put in a URL as is
    assert set(token) <= allowed
    assert token.count(".") == 1


def test_token_with_tampered_payload_is_invalid(token: str) -> None:
    # Given a token whose payload was edited to unsubscribe someone else
    payload, signature = token.split(".")
    forged = json.loads(_unb64(payload)) | {"sub": "subj-43"}
    tampered = f"{_b64(json.dumps(forged, separators=(',', ':')).encode())}.{signature}"
    # When it is verified
    # Then it is rejected
    with pytest.raises(InvalidToken) as raised:
        verify_token(SECRET, tampered, now=NOW)
    assert raised.value.code == "invalid_token"


def test_token_with_tampered_signature_is_invalid(token: str) -> None:
    # Given a token whose signature was altered by one byte
    payload, signature = token.split(".")
    raw_signature = bytearray(_unb64(signature))
    raw_signature[0] ^= 0x01
    tampered = f"{payload}.{_b64(bytes(raw_signature))}"
    # When it is verified
    # Then it is rejected
    with pytest.raises(InvalidToken):
        verify_token(SECRET, tampered, now=NOW)


def test_token_signed_with_another_secret_is_invalid(token: str) -> None:
    # Given a token issued with our secret
    # When it is verified with a different secret
    # Then it is rejected
    with pytest.raises(InvalidToken):
        verify_token(b"another-secret", token, now=NOW)


def test_expired_token_is_rejected_as_expired(token: str) -> None:
    # Given a validly signed token
    # When it is verified at its expiry time
    with pytest.raises(ExpiredToken) as raised:
        verify_token(SECRET, token, now=EXPIRES_AT)
    # Then it is reported as expired, not as invalid
    assert raised.value.code == "expired_token"


def test_token_is_valid_until_just_before_expiry(token: str) -> None:
    # Given a validly signed token
    # When it is verified one second before expiry
    claim = verify_token(SECRET, token, now=EXPIRES_AT - timedelta(seconds=1))
    # Then it is accepted
    assert claim.token_id == "t-1"


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ".",
        "a.b",
        "..",
        "a.b.c",
        "abc",
        "é.ü",
        "payload.sig=",
        "a!b.c",
        "A" * 5 + "." + "B" * 5,
        "x" * 5000,
    ],
)
def test_garbage_strings_are_invalid_tokens(garbage: str) -> None:
    # Given a string that is not a token we issued
    # When it is verified
    # Then InvalidToken is raised and nothing else
    with pytest.raises(InvalidToken):
        verify_token(SECRET, garbage, now=NOW)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"sub":"s","pur":"p","exp":"soon","jti":"t"}',
        b'{"sub":"s","pur":"p","exp":true,"jti":"t"}',
        b'{"sub":"s","pur":"p","exp":1e400,"jti":"t"}',
        b'{"sub":"s","pur":"p","exp":99999999999999999999,"jti":"t"}',
        b'{"sub":"s","pur":"p","jti":"t"}',
    ],
)
def test_correctly_signed_malformed_payload_is_invalid(payload: bytes) -> None:
    # Given a payload that is signed with our secret but is not a valid claim
    signature = hmac.new(SECRET, payload, hashlib.sha256).digest()
    token = f"{_b64(payload)}.{_b64(signature)}"
    # When it is verified
    # Then InvalidToken is raised and nothing else
    with pytest.raises(InvalidToken):
        verify_token(SECRET, token, now=NOW)


def test_invalid_token_message_names_no_personal_data(token: str) -> None:
    # Given a token carrying a subject id
    # When it is rejected because the secret does not match
    with pytest.raises(InvalidToken) as raised:
        verify_token(b"another-secret", token, now=NOW)
    # Then the message explains the problem without echoing the token's content
    assert "subj-42" not in raised.value.message
    assert "malformed" in raised.value.message
