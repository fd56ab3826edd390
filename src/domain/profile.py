"""The subject's profile: the personal data the service holds about them, the rules its fields follow, and how
sign-up creates it (domain/profile_changes.py: how its subject corrects it, with the same rules)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from domain.countries import ISO_COUNTRIES

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is proven by the login flow.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
NAME_MAX_LENGTH = 100
BIRTH_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")  # OpenID Connect's `birthdate` (ISO 8601)
PreferenceValue = str | bool | int
SubjectState = Literal["active", "pending_deletion", "purged"]
# The fields the age rule reads (domain.minors.ages): a subject's own change to one of them is checked by it.
AGE_FIELDS = ("birth_date", "country")


def check_email(value: str | None) -> str | None:
    if value is not None and (len(value) > 254 or not EMAIL_PATTERN.match(value)):
        raise ValueError("is not a valid e-mail address")
    return value.lower() if value else value


def check_country(value: str | None) -> str | None:
    if value is not None and value.upper() not in ISO_COUNTRIES:
        raise ValueError("is not an ISO 3166-1 alpha-2 country code")
    return value.upper() if value else value


def check_name(value: str | None) -> str | None:
    """Given and family names: surrounding whitespace goes, 1 to NAME_MAX_LENGTH characters stay."""
    if value is None:
        return None
    value = value.strip()
    if not 1 <= len(value) <= NAME_MAX_LENGTH:
        raise ValueError(f"must hold 1 to {NAME_MAX_LENGTH} characters")
    return value


def check_birth_date(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError("cannot be in the future")
    return value


def _birth_date(text: str) -> date | None:
    if not BIRTH_DATE_PATTERN.match(text):
        raise ValueError("is not a date (YYYY-MM-DD)")
    return check_birth_date(date.fromisoformat(text))


# How each profile field is read from the identity provider's attributes at sign-up: (attribute, check).
_SIGN_UP_FIELDS = {
    "email": ("email", check_email),
    "given_name": ("given_name", check_name),
    "family_name": ("family_name", check_name),
    "country": ("country", check_country),
    "birth_date": ("birthdate", _birth_date),
}


@dataclass(frozen=True, kw_only=True)
class Profile:
    """Stored as it is (domain/values.py); only ever built from validated input (profile_changes.py)."""

    subject_id: str
    email: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    country: str | None = None
    birth_date: date | None = None
    preferences: dict[str, PreferenceValue] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime


def new_profile(subject_id: str, attributes: dict[str, str], now: datetime) -> Profile:
    """The profile a sign-up creates, from the identity provider's attributes (invalid ones are left out), by the
    rules PATCH /me applies (ProfilePatch uses the same checks)."""
    values: dict[str, Any] = {}
    for name, (attribute, check) in _SIGN_UP_FIELDS.items():
        raw = attributes.get(attribute) or attributes.get(f"custom:{attribute}")
        if raw:
            try:
                values[name] = check(raw)
            except ValueError:
                continue
    return Profile(subject_id=subject_id, created_at=now, updated_at=now, **values)
