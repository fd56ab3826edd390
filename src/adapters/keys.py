"""Key layout of the single subjects table; only adapters build keys."""

from collections.abc import Mapping
from typing import Any

SUBJECT_PREFIX = "SUBJECT#"
PROFILE_SK = "PROFILE"
# Condition on a subject's PROFILE item: the subject exists and is not due for purge. A pending subject's profile
# carries its purge time as `expires_at` (its TTL); once that has passed the purge may be deleting the partition
# (the profile goes last), so nothing new may be written about the subject. Takes `:now` (epoch seconds).
LIVE_PROFILE_CONDITION = "attribute_exists(pk) AND (attribute_not_exists(expires_at) OR expires_at > :now)"
# A parent-child link, in both partitions: SUBJECT#<parent> CHILD#<child> and SUBJECT#<child> PARENT#<parent>
CHILD_PREFIX = "CHILD#"
PARENT_PREFIX = "PARENT#"
PARENTAL_REQUEST_SK = "PARENTREQ"  # a pending parental-consent request, under its PARENTREQ#<id> key
APPROVED_REQUEST_SK = "APPROVED"  # the parent's approval of it, under the same key


def subject_pk(subject_id: str) -> str:
    return f"{SUBJECT_PREFIX}{subject_id}"


def parental_request_pk(request_id: str) -> str:
    return f"PARENTREQ#{request_id}"


def subject_id_of(pk: str) -> str | None:
    return pk.removeprefix(SUBJECT_PREFIX) if pk.startswith(SUBJECT_PREFIX) else None


def profile_owner(keys: Mapping[str, Any]) -> str | None:
    """The subject whose profile item these keys name (a stream record's, deserialized), or None for another item."""
    return subject_id_of(str(keys.get("pk", ""))) if keys.get("sk") == PROFILE_SK else None
