"""The age rule on a subject's own correction (domain.minors.ages.check_self_correction): out of minority is refused,
everything else passes, counted at one moment by the product's ages (Mindomo's 13 in the US, 16 elsewhere)."""

from datetime import UTC, date, datetime

import pytest

from domain.minors.ages import AgeCorrectionNeedsVerification, check_self_correction
from domain.minors.rules import load_age_table
from domain.profile import Profile
from policy.catalog import to_age_table
from policy.loader import load_policy

NOW = datetime(2026, 6, 15, 12, tzinfo=UTC)
MINDOMO = to_age_table(load_policy("mindomo"), load_age_table())


def profile(birth_date: date | None, country: str | None) -> Profile:
    return Profile(subject_id="s-1", birth_date=birth_date, country=country, created_at=NOW, updated_at=NOW)


def correct(before: Profile, after: Profile, *, minimum_age: int = 0) -> None:
    check_self_correction(before, after, NOW, table=MINDOMO, minimum_age=minimum_age)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ((date(2014, 1, 1), "US"), (date(2013, 6, 15), "US")),  # 12 -> 13 on the day: of age in the US
        ((date(2012, 1, 1), "DE"), (date(2012, 1, 1), "US")),  # 14: a minor in Germany, of age in the US
        ((date(2012, 1, 1), "DE"), (None, "DE")),  # the birth date removed: no age known
    ],
    ids=["birthday-reached", "country", "birth-date-removed"],
)
def test_a_correction_out_of_minority_is_refused(before, after):
    stored, corrected = profile(*before), profile(*after)
    with pytest.raises(AgeCorrectionNeedsVerification) as refused:
        correct(stored, corrected)
    assert refused.value.code == "age_correction_needs_verification"
    assert "2012" not in refused.value.message
    assert "2013" not in refused.value.message


def test_a_minor_who_removes_their_country_stays_a_minor_under_the_default_age():
    correct(profile(date(2012, 1, 1), "DE"), profile(date(2012, 1, 1), None))  # 14, and 16 where unknown: allowed


def test_the_day_before_the_birthday_is_still_a_minor():
    correct(profile(date(2014, 1, 1), "US"), profile(date(2013, 6, 17), "US"))  # 12 on the day counted: allowed


def test_the_minimum_age_counts_as_minority():
    # Given a minimum age of 18 (MINIMUM_CONSENT_AGE), a 17-year-old in the US is under it
    with pytest.raises(AgeCorrectionNeedsVerification):
        correct(profile(date(2009, 1, 1), "US"), profile(date(2000, 1, 1), "US"), minimum_age=18)
    correct(profile(date(2009, 1, 1), "US"), profile(date(2000, 1, 1), "US"))  # without it: of age already


def test_a_subject_without_a_birth_date_or_of_age_may_correct_anything():
    correct(profile(None, "DE"), profile(date(2000, 1, 1), "US"))
    correct(profile(date(2000, 1, 1), "DE"), profile(None, None))
    correct(profile(date(2000, 1, 1), "DE"), profile(date(2015, 1, 1), "DE"))
