"""Key layout of the single subjects table; only adapters build keys."""

from collections.abc import Mapping
from typing import Any

SUBJECT_PREFIX = "SUBJECT#"
PROFILE_SK = "PROFILE"
PARENTAL_REQUEST_SK = "PARENTREQ"  # a pending parental-consent request, under its PARENTREQ#<id> key


def subject_pk(subject_id: str) -> str:
    return f"{SUBJECT_PREFIX}{subject_id}"


def subject_id_of(pk: str) -> str | None:
    return pk.removeprefix(SUBJECT_PREFIX) if pk.startswith(SUBJECT_PREFIX) else None


def profile_owner(keys: Mapping[str, Any]) -> str | None:
    """The subject whose profile item these keys name (a stream record's, deserialized), or None for another item."""
    return subject_id_of(str(keys.get("pk", ""))) if keys.get("sk") == PROFILE_SK else None
