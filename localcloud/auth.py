"""JWT checks as API Gateway's JWT authorizer makes them: signature against the issuer's JWKS, issuer,
audience (`aud`, or `client_id` for access tokens), expiry and not-before. Anything else is 401."""

import json
import threading
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet


class TokenRejected(Exception):
    """The request gets 401; the reason is for the local cloud's log only."""


@dataclass(frozen=True)
class JwtAuthorizer:
    issuer: str
    audiences: tuple[str, ...]
    jwks_url: str


class JwksCache:
    def __init__(self) -> None:
        self._sets: dict[str, KeySet] = {}
        self._lock = threading.Lock()

    def get(self, url: str) -> KeySet:
        with self._lock:
            if url not in self._sets:
                with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - moto's server on loopback
                    self._sets[url] = KeySet.import_key_set(json.load(answer))
            return self._sets[url]


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise TokenRejected("no Authorization header")
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token else authorization.strip()


def verify(token: str, authorizer: JwtAuthorizer, jwks: JwksCache) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, jwks.get(authorizer.jwks_url), algorithms=["RS256", "ES256"])
    except (JoseError, ValueError) as error:
        raise TokenRejected(f"signature or format: {type(error).__name__}") from error
    claims: dict[str, Any] = dict(decoded.claims)
    now = time.time()
    if claims.get("iss") != authorizer.issuer:
        raise TokenRejected("issuer")
    audience = claims.get("aud") if "aud" in claims else claims.get("client_id")
    audiences = audience if isinstance(audience, list) else [audience]
    if not any(value in authorizer.audiences for value in audiences):
        raise TokenRejected("audience")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now:
        raise TokenRejected("expired")
    if isinstance(claims.get("nbf"), int | float) and claims["nbf"] > now:
        raise TokenRejected("not yet valid")
    return claims


def as_gateway_claims(claims: dict[str, Any]) -> tuple[dict[str, str], list[str] | None]:
    """Claims as API Gateway hands them to the function: strings, arrays flattened to "[a b]"."""
    flattened = {
        key: "[" + " ".join(str(item) for item in value) + "]" if isinstance(value, list) else str(value)
        for key, value in claims.items()
    }
    scopes = str(claims["scope"]).split() if "scope" in claims else None
    return flattened, scopes
