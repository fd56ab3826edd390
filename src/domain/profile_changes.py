"""How a subject corrects their profile (GDPR Art. 16): the validated input, by the rules of domain/profile.py,
kept apart from it so that the workers and the sign-up trigger need no pydantic."""

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from domain.profile import (
    NAME_MAX_LENGTH,
    PreferenceValue,
    Profile,
    check_birth_date,
    check_country,
    check_email,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=NAME_MAX_LENGTH)]  # check_name


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
    _birth_date = field_validator("birth_date")(check_birth_date)

    @field_validator("preferences")
    @classmethod
    def _null_clears_preferences(cls, value: dict[str, PreferenceValue] | None) -> dict[str, PreferenceValue]:
        # null clears, as for every other field; but a profile's preferences are a map, never null
        return {} if value is None else value


def apply_patch(profile: Profile, patch: ProfilePatch, now: datetime) -> tuple[Profile, list[str]]:
    """The corrected profile and the names of the fields that really changed (audited without values)."""
    sent = patch.model_dump(exclude_unset=True)
    changed = sorted(field for field, value in sent.items() if getattr(profile, field) != value)
    if not changed:
        return profile, []
    return replace(profile, **{f: sent[f] for f in changed}, updated_at=now), changed
