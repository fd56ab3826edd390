"""Compact HMAC-signed tokens: base64url(compact JSON payload) + "." + base64url(HMAC-SHA256(key, payload)).

The same format as the one-click unsubscribe tokens (domain.consent.unsubscribe), as a helper other tokens
can share. Payloads are signed, not encrypted: they hold opaque ids, never an e-mail address.

Every payload names its type (`typ`), checked on decoding, so a token of one kind is never accepted as another
even though every kind is signed with the same key. Tokens are signed with the current key and verified against it
and then against the older ones (`SigningKeys`), so the key can be rotated without breaking links already sent.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from domain.canonical import canonical_json

# Tokens travel in URLs (e-mailed links): mail clients and proxies truncate or reject very long ones.
MAX_TOKEN_LENGTH: Final = 2048
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class BadToken(Exception):
    """Malformed, too long, or not signed with this secret."""


def _no_older_keys() -> Sequence[bytes]:
    return ()


@dataclass(frozen=True)
class SigningKeys:
    """The key new tokens are signed with, and the keys a token may also verify against: after a rotation, the
    previous key (a link e-mailed before it keeps working until it expires). `older` is called only when the current
    key does not verify a token, since loading it may cost a call."""

    current: bytes
    older: Callable[[], Sequence[bytes]] = field(default=_no_older_keys, compare=False)


Keys = SigningKeys | bytes  # bytes: a single key, nothing older


def encode_signed(keys: Keys, payload: Mapping[str, Any], *, typ: str) -> str:
    """A token of type `typ` (added to the payload as "typ"), signed with the current key."""
    secret = _signing_keys(keys).current
    _require_secret(secret)
    if not typ or "typ" in payload:
        raise ValueError("a token's type is given as `typ`, and only there")
    payload_bytes = canonical_json({**payload, "typ": typ}).encode("utf-8")
    return f"{_encode(payload_bytes)}.{_encode(_sign(secret, payload_bytes))}"


def decode_signed(keys: Keys, token: object, *, typ: str, untyped_ok: bool = False) -> Any:
    """The JSON payload of a token of type `typ` signed with one of `keys`; raises BadToken for anything else.

    `untyped_ok`: a payload without "typ" passes too (tokens issued before types existed, while they last)."""
    signing = _signing_keys(keys)
    _require_secret(signing.current)
    if not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise BadToken
    parts = token.split(".")
    if len(parts) != 2 or not all(_BASE64URL.fullmatch(part) for part in parts):
        raise BadToken
    payload_bytes, signature = (_decode(part) for part in parts)
    if not _signed_by(signing.current, payload_bytes, signature) and not any(
        _signed_by(older, payload_bytes, signature) for older in signing.older() if older
    ):
        raise BadToken
    try:
        payload = json.loads(payload_bytes)
    except ValueError as error:  # JSON and UTF-8 errors alike
        raise BadToken from error
    if not isinstance(payload, dict):
        raise BadToken
    if payload.get("typ") != typ and not (untyped_ok and "typ" not in payload):
        raise BadToken
    return payload


def _signing_keys(keys: Keys) -> SigningKeys:
    return keys if isinstance(keys, SigningKeys) else SigningKeys(current=keys)


def _signed_by(secret: bytes, payload_bytes: bytes, signature: bytes) -> bool:
    # Constant-time comparison so the signature cannot be guessed byte by byte from response times.
    return hmac.compare_digest(signature, _sign(secret, payload_bytes))


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
