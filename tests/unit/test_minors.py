from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from domain.errors import DomainError
from domain.minors.rules import (
    AgeOfConsentTable,
    InvalidBirthDate,
    MinorCheck,
    age_of_consent,
    age_on,
    check_minor,
    load_age_table,
)

# Written out by hand so that any change to the data file must be mirrored here deliberately.
EXPECTED_AGES = {
    "BE": 13,
    "DK": 13,
    "EE": 13,
    "FI": 13,
    "LV": 13,
    "MT": 13,
    "PT": 13,
    "SE": 13,
    "GB": 13,
    "NO": 13,
    "IS": 13,
    "AT": 14,
    "BG": 14,
    "CY": 14,
    "ES": 14,
    "IT": 14,
    "LT": 14,
    "CZ": 15,
    "FR": 15,
    "GR": 15,
    "SI": 15,
    "DE": 16,
    "HR": 16,
    "HU": 16,
    "IE": 16,
    "LU": 16,
    "NL": 16,
    "PL": 16,
    "RO": 16,
    "SK": 16,
    "LI": 16,
    "US": 13,
}


@pytest.fixture
def table() -> AgeOfConsentTable:
    return load_age_table()


@pytest.mark.parametrize(("country", "expected_age"), sorted(EXPECTED_AGES.items()))
def test_bundled_table_pins_each_country_age(table: AgeOfConsentTable, country: str, expected_age: int) -> None:
    assert age_of_consent(country, table=table) == expected_age


def test_bundled_table_has_no_other_countries_and_defaults_to_16(table: AgeOfConsentTable) -> None:
    assert dict(table.ages) == EXPECTED_AGES
    assert table.default == 16
    assert table.source


@pytest.mark.parametrize(
    ("country", "expected_age"),
    [
        pytest.param("UK", 13, id="uk-alias-of-gb"),
        pytest.param("EL", 15, id="el-eu-code-for-greece"),
        pytest.param(" fr ", 15, id="case-and-space-insensitive"),
        pytest.param("ZZ", 16, id="unlisted-country-gets-default"),
        pytest.param("CH", 16, id="switzerland-not-listed-gets-default"),
        pytest.param(None, 16, id="unknown-country-gets-default"),
    ],
)
def test_age_of_consent_normalizes_codes_and_falls_back_to_default(
    table: AgeOfConsentTable, country: str | None, expected_age: int
) -> None:
    assert age_of_consent(country, table=table) == expected_age


@pytest.mark.parametrize(
    ("country", "minimum_age", "expected_age"),
    [
        pytest.param("FR", 18, 18, id="stricter-service-minimum-raises-france-to-18"),
        pytest.param("DE", 13, 16, id="lower-service-minimum-never-lowers-germany-below-16"),
        pytest.param(None, 18, 18, id="service-minimum-applies-to-unknown-country"),
    ],
)
def test_service_minimum_age_can_only_make_the_rule_stricter(
    table: AgeOfConsentTable, country: str | None, minimum_age: int, expected_age: int
) -> None:
    assert age_of_consent(country, table=table, minimum_age=minimum_age) == expected_age


@pytest.mark.parametrize(
    ("birth_date", "today", "expected_age"),
    [
        pytest.param(date(2010, 6, 15), date(2026, 6, 15), 16, id="birthday-itself-completes-the-year"),
        pytest.param(date(2010, 6, 15), date(2026, 6, 14), 15, id="day-before-birthday-not-yet"),
        pytest.param(date(2010, 6, 15), date(2010, 6, 15), 0, id="born-today-is-zero"),
        pytest.param(date(2008, 2, 29), date(2025, 2, 28), 16, id="leapling-not-older-on-28-feb"),
        pytest.param(date(2008, 2, 29), date(2025, 3, 1), 17, id="leapling-older-on-1-mar-in-common-year"),
        pytest.param(date(2008, 2, 29), date(2024, 2, 29), 16, id="leapling-older-on-29-feb-in-leap-year"),
    ],
)
def test_age_on_counts_completed_years(birth_date: date, today: date, expected_age: int) -> None:
    assert age_on(birth_date, today) == expected_age


# One country at each age of consent, for the checks around the birthday on which it is reached.
BIRTHDAY_CASES = [("DE", 16), ("FR", 15), ("US", 13), ("ES", 14)]


@pytest.mark.parametrize(("country", "consent_age"), BIRTHDAY_CASES)
def test_reaching_the_age_of_consent_on_the_birthday_removes_parental_consent(
    table: AgeOfConsentTable, country: str, consent_age: int
) -> None:
    today = date(2025, 5, 20)
    birth_date = date(today.year - consent_age, today.month, today.day)
    assert check_minor(birth_date, country, today, table=table) == MinorCheck(
        age=consent_age, age_of_consent=consent_age, parental_consent_required=False
    )


@pytest.mark.parametrize(("country", "consent_age"), BIRTHDAY_CASES)
def test_day_before_the_birthday_still_requires_parental_consent(
    table: AgeOfConsentTable, country: str, consent_age: int
) -> None:
    today = date(2025, 5, 19)
    birth_date = date(today.year - consent_age, 5, 20)
    assert check_minor(birth_date, country, today, table=table) == MinorCheck(
        age=consent_age - 1, age_of_consent=consent_age, parental_consent_required=True
    )


def test_leapling_reaches_consent_age_on_1_march_in_a_common_year(table: AgeOfConsentTable) -> None:
    born = date(2008, 2, 29)
    on_28_feb = check_minor(born, "FR", date(2023, 2, 28), table=table)
    on_1_mar = check_minor(born, "FR", date(2023, 3, 1), table=table)
    assert on_28_feb == MinorCheck(age=14, age_of_consent=15, parental_consent_required=True)
    assert on_1_mar == MinorCheck(age=15, age_of_consent=15, parental_consent_required=False)


def test_future_birth_date_is_rejected_with_a_domain_error(table: AgeOfConsentTable) -> None:
    with pytest.raises(InvalidBirthDate) as raised:
        check_minor(date(2025, 5, 21), "DE", date(2025, 5, 20), table=table)
    assert isinstance(raised.value, DomainError)
    assert raised.value.code == "invalid_birth_date"


# ---------------------------------------------------------------- the day ages are counted on
EDT = timezone(timedelta(hours=-4))


def test_a_us_child_the_evening_before_their_13th_birthday_still_needs_a_parent(table: AgeOfConsentTable) -> None:
    # Given a child born on 24 November 2013 in New York, at 22:00 EDT on 23 November 2026 (02:00 UTC on the 24th)
    moment = datetime(2026, 11, 23, 22, 0, tzinfo=EDT)
    # When their age is checked, then they are 12 and COPPA still applies
    assert check_minor(date(2013, 11, 24), "US", moment, table=table) == MinorCheck(
        age=12, age_of_consent=13, parental_consent_required=True
    )


@pytest.mark.parametrize(
    ("moment", "expected_age"),
    [
        pytest.param(datetime(2026, 11, 24, 11, 59, 59, tzinfo=UTC), 12, id="birthday-not-yet-begun-at-utc-minus-12"),
        pytest.param(datetime(2026, 11, 24, 12, 0, tzinfo=UTC), 13, id="birthday-begun-everywhere"),
    ],
)
def test_an_age_is_reached_once_the_birthday_has_begun_everywhere_on_earth(
    table: AgeOfConsentTable, moment: datetime, expected_age: int
) -> None:
    assert check_minor(date(2013, 11, 24), "US", moment, table=table).age == expected_age


def test_a_birth_date_that_is_already_today_somewhere_is_not_in_the_future(table: AgeOfConsentTable) -> None:
    # 12:00 UTC on 24 November is 02:00 on the 25th at UTC+14 (Kiribati)
    moment = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    assert check_minor(date(2026, 11, 25), "DE", moment, table=table).age == 0
    with pytest.raises(InvalidBirthDate):
        check_minor(date(2026, 11, 26), "DE", moment, table=table)


def test_an_age_needs_a_moment_with_its_time_zone(table: AgeOfConsentTable) -> None:
    with pytest.raises(ValueError, match="timezone"):
        check_minor(date(2013, 11, 24), "US", datetime(2026, 11, 24, 12, 0), table=table)


@pytest.mark.parametrize(
    "bad_ages",
    [
        pytest.param({"DE": 12}, id="age-below-13"),
        pytest.param({"DE": 19}, id="age-above-18"),
        pytest.param({"de": 16}, id="lowercase-country-code"),
        pytest.param({"DEU": 16}, id="three-letter-country-code"),
        pytest.param({"DE": "16"}, id="age-as-string"),
    ],
)
def test_table_validation_rejects_malformed_entries(bad_ages: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AgeOfConsentTable.model_validate({"source": ["test"], "default": 16, "ages": bad_ages})


def test_load_age_table_is_cached() -> None:
    assert load_age_table() is load_age_table()
