"""Compact HMAC-signed tokens: base64url(compact JSON payload) + "." + base64url(HMAC-SHA256(secret, payload)).

The same format as the one-click unsubscribe tokens (domain.consent.unsubscribe), as a helper other tokens
can share. Payloads are signed, not encrypted: they hold opaque ids, never an e-mail address. Callers add a
token type to their payload (and validate it strictly), so a token of one kind is never accepted as another
even though every kind is signed with the same key.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Final

# Tokens travel in URLs (e-mailed links): mail clients and proxies truncate or reject very long ones.
MAX_TOKEN_LENGTH: Final = 2048
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class BadToken(Exception):
    """Malformed, too long, or not signed with this secret."""


def encode_signed(secret: bytes, payload: Mapping[str, Any]) -> str:
    _require_secret(secret)
    payload_bytes = json.dumps(dict(payload), separators=(",", ":"), sort_keys=True).encode("utf-8")
    return f"{_encode(payload_bytes)}.{_encode(_sign(secret, payload_bytes))}"


def decode_signed(secret: bytes, token: object) -> Any:
    """The JSON payload of a token signed with `secret`; raises BadToken for anything else."""
    _require_secret(secret)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken
    parts = token.split(".")
    if len(parts) != 2 or not all(_BASE64URL.fullmatch(part) for part in parts):
        raise BadToken
    payload_bytes, signature = (_decode(part) for part in parts)
    # Constant-time comparison so the signature cannot be guessed byte by byte from response times.
    if not hmac.compare_digest(signature, _sign(secret, payload_bytes)):
        raise BadToken
    try:
        return json.loads(payload_bytes)
    except ValueError as error:  # JSON and UTF-8 errors alike
        raise BadToken from error


def _sign(secret: bytes, payload_bytes: bytes) -> bytes:
    return hmac.new(secret, payload_bytes, hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as error:  # e.g. a length of 4n+1 characters
        raise BadToken from error


def _require_secret(secret: bytes) -> None:
    if not secret:
        raise ValueError("the token signing secret must not be empty")
