"""The subject's profile: the personal data the service holds about them (domain/profile_changes.py: how it is
created from sign-up attributes and corrected)."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from domain.countries import ISO_COUNTRIES

# Deliberately simple: one @, a dot in the domain, no spaces. Deliverability is proven by the login flow.
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PreferenceValue = str | bool | int
SubjectState = Literal["active", "pending_deletion", "purged"]


def check_email(value: str | None) -> str | None:
    if value is not None and (len(value) > 254 or not EMAIL_PATTERN.match(value)):
        raise ValueError("is not a valid e-mail address")
    return value.lower() if value else value


def check_country(value: str | None) -> str | None:
    if value is not None and value.upper() not in ISO_COUNTRIES:
        raise ValueError("is not an ISO 3166-1 alpha-2 country code")
    return value.upper() if value else value


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
