"""Age of digital consent: whether a subject needs a parent's consent for information-society services.

GDPR Art. 8(1) sets 16 and lets member states go down to 13; COPPA sets 13 in the US. The per-country
values live in data/age_of_consent.json so that legal updates are a data change with pinned tests.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from importlib.resources import files
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import DomainError

# Lowest and highest ages any law we support can set; a value outside this range is a data-entry error.
MIN_CONSENT_AGE = 13
MAX_CONSENT_AGE = 18

# The calendar days in use on Earth at one moment run from UTC-12's (Baker Island) to UTC+14's (Kiribati). Where the
# subject lives is not known, so ages are counted on the earliest of them: an age is never overestimated (a US child
# at 22:00 EDT on the eve of their 13th birthday is 12, though it is already their birthday in UTC).
EARLIEST_ZONE = timezone(timedelta(hours=-12))
LATEST_ZONE = timezone(timedelta(hours=14))

# Codes users and other systems send that differ from ISO 3166-1 alpha-2 used as table keys.
COUNTRY_ALIASES: Mapping[str, str] = MappingProxyType({"UK": "GB", "EL": "GR"})

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
ConsentAge = Annotated[int, Field(strict=True, ge=MIN_CONSENT_AGE, le=MAX_CONSENT_AGE)]


class InvalidBirthDate(DomainError):
    default_code = "invalid_birth_date"


class AgeOfConsentTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: list[str] = Field(min_length=1)
    default: ConsentAge
    ages: dict[CountryCode, ConsentAge]


@lru_cache(maxsize=1)
def load_age_table() -> AgeOfConsentTable:
    """The bundled table, parsed and validated once per process."""
    raw = files("domain").joinpath("data/age_of_consent.json").read_text(encoding="utf-8")
    return AgeOfConsentTable.model_validate_json(raw)


def normalize_country(country: str) -> str:
    code = country.strip().upper()
    return COUNTRY_ALIASES.get(code, code)


def age_of_consent(country: str | None, *, table: AgeOfConsentTable, minimum_age: int | None = None) -> int:
    """Age from which the subject consents alone; unknown countries get the table default (GDPR's 16).

    `minimum_age` is a stricter service-wide policy: it can raise the age but never lower it below the law.
    """
    legal_age = table.default if country is None else table.ages.get(normalize_country(country), table.default)
    return legal_age if minimum_age is None else max(legal_age, minimum_age)


def age_on(birth_date: date, today: date) -> int:
    """Completed years on `today`.

    Someone born on 29 February turns a year older on 1 March in non-leap years (the birthday has not
    happened while the date is still 28 February), matching e.g. UK law and the stricter reading for
    consent: when in doubt the person is treated as younger.
    """
    if birth_date > today:
        # No values in the error: a birth date is personal data and must not be echoed back.
        raise InvalidBirthDate("The birth date is in the future.", details=[{"field": "birth_date"}])
    birthday_not_reached = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(birthday_not_reached)


def age_counting_day(birth_date: date, moment: datetime) -> date:
    """The day on which the age of someone born on `birth_date` is counted at `moment`: the earliest calendar date
    anywhere on Earth. Every age check goes through here.

    A birth date is in the future only once it is after the date everywhere; a birth date that is already today
    somewhere counts as age 0.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an age is counted at a timezone-aware moment")
    if birth_date > moment.astimezone(LATEST_ZONE).date():
        raise InvalidBirthDate("The birth date is in the future.", details=[{"field": "birth_date"}])
    return max(moment.astimezone(EARLIEST_ZONE).date(), birth_date)


@dataclass(frozen=True)
class MinorCheck:
    age: int
    age_of_consent: int
    parental_consent_required: bool


def minimum_age_override(configured: int | None) -> int | None:
    """MINIMUM_CONSENT_AGE: 0 (or None) means "no override"; any other value can only make the law stricter."""
    return configured if configured else None


def check_minor(
    birth_date: date,
    country: str | None,
    at: date | datetime,
    *,
    table: AgeOfConsentTable,
    minimum_age: int | None = None,
) -> MinorCheck:
    """The one age rule. At a moment (every caller but the table's tests), the age is counted on the day ages are
    counted (age_counting_day): never older than anywhere on Earth; at a day, on that day. Reaching the age of
    consent exactly (on the birthday) is enough to consent alone. `minimum_age` is MINIMUM_CONSENT_AGE (0: none)."""
    today = age_counting_day(birth_date, at) if isinstance(at, datetime) else at
    age = age_on(birth_date, today)
    consent_age = age_of_consent(country, table=table, minimum_age=minimum_age_override(minimum_age))
    return MinorCheck(age=age, age_of_consent=consent_age, parental_consent_required=age < consent_age)
