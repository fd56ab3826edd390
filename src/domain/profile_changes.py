"""How a profile is created from the identity provider's attributes and corrected by its subject (GDPR Art. 16):
the validated input, kept apart from domain/profile.py so the workers that only read profiles need no pydantic."""

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from domain.profile import PreferenceValue, Profile, check_country, check_email

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ProfilePatch(BaseModel):
    """A correction or completion of the profile (GDPR Art. 16). Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = None
    given_name: Name | None = None
    family_name: Name | None = None
    country: Annotated[str, StringConstraints(min_length=2, max_length=2)] | None = None
    birth_date: date | None = None
    preferences: (
        Annotated[
            dict[Annotated[str, StringConstraints(min_length=1, max_length=64)], PreferenceValue], Field(max_length=50)
        ]
        | None
    ) = None

    _email = field_validator("email")(check_email)
    _country = field_validator("country")(check_country)

    @field_validator("preferences")
    @classmethod
    def _null_clears_preferences(cls, value: dict[str, PreferenceValue] | None) -> dict[str, PreferenceValue]:
        # null clears, as for every other field; but a profile's preferences are a map, never null
        return {} if value is None else value

    @field_validator("birth_date")
    @classmethod
    def _not_in_future(cls, value: date | None) -> date | None:
        if value is not None and value > date.today():
            raise ValueError("cannot be in the future")
        return value


def new_profile(subject_id: str, attributes: dict[str, str], now: datetime) -> Profile:
    """The profile a sign-up creates, from the identity provider's attributes (invalid ones are left out)."""
    values: dict[str, Any] = {}
    for field, attribute in (
        ("email", "email"),
        ("given_name", "given_name"),
        ("family_name", "family_name"),
        ("country", "country"),
        ("birth_date", "birthdate"),
    ):
        raw = attributes.get(attribute) or attributes.get(f"custom:{attribute}")
        if raw:
            try:
                values.update(ProfilePatch.model_validate({field: raw}).model_dump(exclude_unset=True))
            except ValueError:
                continue
    return Profile(subject_id=subject_id, created_at=now, updated_at=now, **values)


def apply_patch(profile: Profile, patch: ProfilePatch, now: datetime) -> tuple[Profile, list[str]]:
    """The corrected profile and the names of the fields that really changed (audited without values)."""
    sent = patch.model_dump(exclude_unset=True)
    changed = sorted(field for field, value in sent.items() if getattr(profile, field) != value)
    if not changed:
        return profile, []
    return replace(profile, **{f: sent[f] for f in changed}, updated_at=now), changed
