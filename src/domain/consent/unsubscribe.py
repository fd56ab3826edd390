"""Signed tokens for RFC 8058 one-click unsubscribe links (List-Unsubscribe-Post).

A token is base64url(compact JSON payload) + "." + base64url(HMAC-SHA256(secret, payload bytes)), without
padding. The payload is signed, not encrypted: it holds an opaque subject id, never an e-mail address.

Verification checks the signature and expiry only. Replay protection — accepting each `token_id` once —
needs storage and is the caller's job; so is checking that the purpose is in the catalog.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import InvalidRequest

# Mail clients and proxies truncate or reject very long URLs; anything longer is not one of ours.
MAX_TOKEN_LENGTH: Final = 2048
# The largest Unix time a datetime can represent (9999-12-31T23:59:59Z).
_MAX_EPOCH_SECONDS: Final = 253_402_300_799
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class InvalidToken(InvalidRequest):
    default_code = "invalid_token"

    def __init__(self) -> None:
        super().__init__("The unsubscribe token is malformed or its signature does not match.")


class ExpiredToken(InvalidRequest):
    default_code = "expired_token"

    def __init__(self) -> None:
        super().__init__("The unsubscribe link has expired; please unsubscribe from your privacy settings.")


class UnsubscribeClaim(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject_id: str
    purpose: str
    expires_at: datetime
    token_id: str


class _Payload(BaseModel):
    """The wire format: short keys keep the link short; strict types reject anything we did not sign."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    sub: str = Field(min_length=1)
    pur: str = Field(min_length=1)
    exp: int = Field(ge=0, le=_MAX_EPOCH_SECONDS)
    jti: str = Field(min_length=1)


def issue_token(secret: bytes, *, subject_id: str, purpose: str, expires_at: datetime, token_id: str) -> str:
    """A URL-safe token; `expires_at` is truncated to whole seconds."""
    _require_secret(secret)
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be a timezone-aware datetime")
    payload = _Payload(sub=subject_id, pur=purpose, exp=int(expires_at.timestamp()), jti=token_id)
    payload_bytes = json.dumps(payload.model_dump(), separators=(",", ":"), sort_keys=True).encode("utf-8")
    return f"{_encode(payload_bytes)}.{_encode(_sign(secret, payload_bytes))}"


def verify_token(secret: bytes, token: str, *, now: datetime) -> UnsubscribeClaim:
    """The claim in `token`; raises InvalidToken for anything not signed with `secret`, else ExpiredToken."""
    _require_secret(secret)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    payload = _parse_payload(_verified_payload_bytes(secret, token))
    expires_at = datetime.fromtimestamp(payload.exp, tz=UTC)
    if now >= expires_at:
        raise ExpiredToken()
    return UnsubscribeClaim(subject_id=payload.sub, purpose=payload.pur, expires_at=expires_at, token_id=payload.jti)


def _verified_payload_bytes(secret: bytes, token: object) -> bytes:
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidToken()
    parts = token.split(".")
    if len(parts) != 2 or not all(_BASE64URL.fullmatch(part) for part in parts):
        raise InvalidToken()
    payload_bytes, signature = (_decode(part) for part in parts)
    # Constant-time comparison so the signature cannot be guessed byte by byte from response times.
    if not hmac.compare_digest(signature, _sign(secret, payload_bytes)):
        raise InvalidToken()
    return payload_bytes


def _parse_payload(payload_bytes: bytes) -> _Payload:
    try:
        return _Payload.model_validate(json.loads(payload_bytes))
    except (ValueError, ValidationError) as error:  # JSON, UTF-8 and type errors alike
        raise InvalidToken() from error


def _sign(secret: bytes, payload_bytes: bytes) -> bytes:
    return hmac.new(secret, payload_bytes, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:  # e.g. a length of 4n+1 characters
        raise InvalidToken() from error


def _require_secret(secret: bytes) -> None:
    if not secret:
        raise ValueError("the unsubscribe signing secret must not be empty")
