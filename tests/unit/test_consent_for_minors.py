"""Purposes closed to minors (domain.consent.for_minors) and who is a minor (domain.minors.ages), without AWS."""

from datetime import UTC, date, datetime

from domain.clock import FixedClock
from domain.consent.for_minors import PurposeNotForMinors, closed_grants, closed_to_minors
from domain.minors.ages import SubjectAges
from domain.minors.rules import load_age_table
from domain.profile import Profile
from policy.catalog import to_age_table, to_purpose_catalog
from policy.loader import load_policy

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)


class Profiles:
    def __init__(self, *profiles: Profile) -> None:
        self.by_id = {profile.subject_id: profile for profile in profiles}
        self.reads = 0

    def profile(self, subject_id: str) -> Profile | None:
        self.reads += 1
        return self.by_id.get(subject_id)


def person(subject_id: str, birth_date: date | None, country: str | None = "DE") -> Profile:
    return Profile(subject_id=subject_id, birth_date=birth_date, country=country, created_at=NOW, updated_at=NOW)


def ages_of(product: str, *profiles: Profile) -> SubjectAges:
    table = to_age_table(load_policy(product), load_age_table())
    return SubjectAges(Profiles(*profiles), FixedClock(NOW), table=table)


def test_imind_closes_its_marketing_and_sharing_purposes_to_minors() -> None:
    assert closed_to_minors(to_purpose_catalog(load_policy("imind"))) == {
        "newsletters",
        "affiliate_tracking",
        "social_media_buttons",
        "marketing_emails",
        "third_party_sharing",
    }


def test_only_grants_of_closed_purposes_count_and_refusals_never() -> None:
    catalog = to_purpose_catalog(load_policy("imind"))
    decisions = {"marketing_emails": True, "analytics": True, "newsletters": False, "nope": True}
    assert closed_grants(decisions, catalog) == ["marketing_emails"]


def test_the_refusal_names_the_purposes_in_details_and_no_age() -> None:
    error = PurposeNotForMinors.for_ids(["marketing_emails"])
    assert (error.code, error.details) == ("purpose_not_for_minors", [{"purpose": "marketing_emails"}])


def test_a_14_year_old_in_germany_is_under_the_age_but_not_in_denmark() -> None:
    ages = ages_of("imind", person("de", date(2012, 1, 1)), person("dk", date(2012, 1, 1), "DK"))
    assert ages.under_age_of_consent("de") is True
    assert ages.under_age_of_consent("dk") is False


def test_mindomo_counts_13_in_the_us() -> None:
    ages = ages_of("mindomo", person("us", date(2012, 1, 1), "US"), person("fr", date(2012, 1, 1), "FR"))
    assert (ages.under_age_of_consent("us"), ages.under_age_of_consent("fr")) == (False, True)


def test_no_profile_or_no_birth_date_means_no_known_age() -> None:
    ages = ages_of("imind", person("unknown-age", None))
    assert ages.under_age_of_consent("unknown-age") is False
    assert ages.under_age_of_consent("nobody") is False
