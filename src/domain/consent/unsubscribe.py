"""Signed tokens for RFC 8058 one-click unsubscribe links (List-Unsubscribe-Post).

A token is base64url(compact JSON payload) + "." + base64url(HMAC-SHA256(secret, payload bytes)), without
padding (domain.signed_tokens; links already e-mailed stay valid for as long as they last, so that format must
not change: tokens issued before payloads named their type "unsubscribe" verify too). The payload is signed, not encrypted: it holds an opaque subject id, never an e-mail address.

Verification checks the signature and expiry only. Replay protection — accepting each `token_id` once —
needs storage and is the caller's job; so is checking that the purpose is in the catalog.
"""

from datetime import UTC, datetime
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.errors import InvalidRequest
from domain.signed_tokens import BadToken, Keys, SigningKeys, decode_signed, encode_signed

TOKEN_TYPE: Final = "unsubscribe"  # noqa: S105 - a token kind, not a secret
# The largest Unix time a datetime can represent (9999-12-31T23:59:59Z).
_MAX_EPOCH_SECONDS: Final = 253_402_300_799


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


def issue_token(secret: Keys, *, subject_id: str, purpose: str, expires_at: datetime, token_id: str) -> str:
    """A URL-safe token; `expires_at` is truncated to whole seconds."""
    _require_secret(secret)
    if expires_at.tzinfo is None or expires_at.utcoffset() is None:
        raise ValueError("expires_at must be a timezone-aware datetime")
    payload = _Payload(sub=subject_id, pur=purpose, exp=int(expires_at.timestamp()), jti=token_id)
    return encode_signed(secret, payload.model_dump(), typ=TOKEN_TYPE)


def verify_token(secret: Keys, token: str, *, now: datetime) -> UnsubscribeClaim:
    """The claim in `token`; raises InvalidToken for anything not signed with `secret`, else ExpiredToken."""
    _require_secret(secret)
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")
    payload = _parse_payload(secret, token)
    expires_at = datetime.fromtimestamp(payload.exp, tz=UTC)
    if now >= expires_at:
        raise ExpiredToken()
    return UnsubscribeClaim(subject_id=payload.sub, purpose=payload.pur, expires_at=expires_at, token_id=payload.jti)


def _parse_payload(secret: Keys, token: str) -> _Payload:
    try:
        # Untyped: issued before tokens named their type, and valid until they expire (UnsubscribeTokenDays at most);
        # no other kind of token was ever untyped, so none can pass for an unsubscribe token.
        payload = decode_signed(secret, token, typ=TOKEN_TYPE, untyped_ok=True)
        payload.pop("typ", None)
        return _Payload.model_validate(payload)
    except (BadToken, ValidationError) as error:  # bad signature or encoding, JSON and type errors alike
        raise InvalidToken() from error


def _require_secret(secret: Keys) -> None:
    if not (secret.current if isinstance(secret, SigningKeys) else secret):
        raise ValueError("the unsubscribe signing secret must not be empty")
