"""A minor cannot make themselves of age by correcting their own profile (domain.minors.ages.check_self_correction),
under moto through PATCH /me: the attack refused with 403, the corrections that keep a minor a minor (or concern an
adult) applied, and the operator's verified rectification still the way to correct an age."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

import wiring
import wiring.minors
import wiring.shared
from domain.errors import Contended
from domain.minors.rules import load_age_table
from domain.profile import AGE_FIELDS
from handlers import subject_api
from policy.catalog import to_age_table
from policy.loader import load_policy
from tests.integration.test_consent_api import consents_put, invoke
from tests.integration.test_consent_for_minors import CLOSED
from tests.integration.test_rectification_api import record
from tests.support import as_subject, load_event, sign_up, with_body


def born(years_ago: int) -> str:
    """A birth date `years_ago` years and a month ago: that many years old, whatever the time zone."""
    today = datetime.now(UTC).date()
    return (today.replace(year=today.year - years_ago) - timedelta(days=30)).isoformat()


def patch_me(context: Any, subject_id: str, changes: dict[str, Any]) -> tuple[int, Any]:
    event = with_body(as_subject(load_event("subject_api/patch_me.json"), subject_id), changes)
    answer = subject_api.lambda_handler(event, context)
    return answer["statusCode"], json.loads(answer["body"] or "null")


def stored(subject_id: str) -> tuple[str | None, str | None]:
    profile = wiring.shared.store().profile(subject_id)
    assert profile is not None
    return (profile.birth_date.isoformat() if profile.birth_date else None), profile.country


@pytest.fixture
def product(aws: Any) -> Iterator[Any]:
    """Runs the subject API under a product's minors rules: product("mindomo") (the rest of the stack's settings,
    e.g. its restore window, stay the iMind stack's)."""

    def use(name: str) -> None:
        ages = to_age_table(load_policy(name), load_age_table())
        wiring.dependency_overrides[wiring.minors.age_table] = lambda: ages
        wiring.minors.subject_ages.cache_clear()

    yield use
    wiring.reset()


# ---------------------------------------------------------------- the attack
@pytest.mark.parametrize(
    "escape",
    [
        {"birth_date": born(30)},  # an older birth date
        {"country": "DK"},  # a country whose age of consent (13) is below theirs
        {"birth_date": None},  # no birth date: no age known, treated as an adult
        {"birth_date": born(30), "given_name": "Grown-up"},  # hidden among other corrections
    ],
    ids=["older-birth-date", "lower-age-country", "birth-date-removed", "with-other-fields"],
)
def test_a_minor_cannot_make_themselves_of_age_by_correcting_their_profile(aws, context, escape):
    # Given a 14-year-old in Germany (iMind: 16), who may not grant a purpose closed to minors
    child = sign_up(birthdate=born(14), country="DE", given_name="Kid")
    # When they correct their own profile so that it would make them of age
    status, body = patch_me(context, child, escape)
    # Then it is refused with 403, saying an operator must verify it, without echoing what they sent
    assert (status, body["error"]) == (403, "age_correction_needs_verification"), body
    assert born(30) not in json.dumps(body)
    assert [detail["field"] for detail in body["details"]] == [field for field in AGE_FIELDS if field in escape]
    # And nothing changed: the profile is as it was, and the purpose closed to minors is still refused
    assert stored(child) == (born(14), "DE")
    assert wiring.shared.store().profile(child).given_name == "Kid"  # type: ignore[union-attr]
    status, body = invoke(consents_put(child, {CLOSED: True}), context)
    assert (status, body["error"]) == (422, "purpose_not_for_minors"), body


def test_a_linked_child_cannot_end_their_parents_rights_by_correcting_their_birth_date(aws, context):
    from tests.integration.test_minors_api import as_caller, linked_family
    from tests.integration.test_minors_api import invoke as minors_invoke

    # Given a 12-year-old linked to their parent
    parent, child, _ = linked_family(context, birthdate=born(12))
    # When the child says they are 30
    status, body = patch_me(context, child, {"birth_date": born(30)})
    # Then it is refused, and the parent still acts for the child
    assert (status, body["error"]) == (403, "age_correction_needs_verification"), body
    children = minors_invoke(as_caller(load_event("minors_api/get_children.json"), parent), context)[1]
    assert [item["child_subject_id"] for item in children["items"]] == [child]


def test_under_mindomo_a_12_year_old_in_the_us_cannot_move_to_13(aws, context, product):
    # Given Mindomo's rule (13 in the US) and a 12-year-old there
    product("mindomo")
    child = sign_up(birthdate=born(12), country="US")
    # When they correct their birth date by one year
    status, body = patch_me(context, child, {"birth_date": born(13)})
    # Then it is refused: the correction would end their minority
    assert (status, body["error"]) == (403, "age_correction_needs_verification"), body
    assert stored(child) == (born(12), "US")


def test_under_imocloud_a_17_year_old_cannot_make_themselves_18(aws, context, product):
    # Given Imocloud's rule (no one under 18) and a 17-year-old account (e.g. from before the rule)
    product("imocloud")
    teen = sign_up(birthdate=born(17), country="DE")
    # When they correct their birth date to 18
    status, body = patch_me(context, teen, {"birth_date": born(18)})
    # Then it is refused
    assert (status, body["error"]) == (403, "age_correction_needs_verification"), body
    assert stored(teen) == (born(17), "DE")


# ---------------------------------------------------------------- what stays allowed
@pytest.mark.parametrize(
    "correction",
    [
        {"birth_date": born(15)},  # older, still under 16
        {"birth_date": born(10)},  # younger
        {"country": "FR"},  # another country where 14 is still under the age of consent (15)
        {"given_name": "Kiddo"},  # no age field at all
    ],
    ids=["still-a-minor", "younger", "country-still-a-minor", "name-only"],
)
def test_a_minor_may_make_a_correction_that_keeps_them_a_minor(aws, context, correction):
    child = sign_up(birthdate=born(14), country="DE")
    status, body = patch_me(context, child, correction)
    assert status == 200, body
    profile = wiring.shared.store().profile(child)
    assert all(str(getattr(profile, field)) == str(value) for field, value in correction.items())


@pytest.mark.parametrize(
    ("attributes", "correction"),
    [
        ({"birthdate": born(30), "country": "DE"}, {"birth_date": born(40), "country": "FR"}),
        ({"birthdate": born(30), "country": "DE"}, {"birth_date": born(14)}),  # an adult says they are a minor
        ({}, {"birth_date": born(30), "country": "US"}),  # no birth date yet: not known to be a minor
        ({"birthdate": born(16), "country": "DE"}, {"birth_date": None}),  # of age since their birthday
    ],
    ids=["adult-to-adult", "adult-to-minor", "no-birth-date", "of-age-removes-it"],
)
def test_a_subject_who_is_not_a_minor_may_correct_their_birth_date_and_country(aws, context, attributes, correction):
    subject = sign_up(**attributes)
    status, body = patch_me(context, subject, correction)
    assert status == 200, body
    profile = wiring.shared.store().profile(subject)
    assert all(str(getattr(profile, field)) == str(value) for field, value in correction.items())


def test_an_operators_verified_rectification_may_correct_a_minors_birth_date(aws, context):
    # Given a 14-year-old whose own correction was refused
    child = sign_up(birthdate=born(14), country="DE")
    assert patch_me(context, child, {"birth_date": born(30)})[0] == 403
    # When an operator records the rectification after checking a proof of age
    status, body = record(context, child, type="rectification", changes={"birth_date": born(30)})
    # Then it is applied, and the subject may now grant what adults may
    assert status == 202, body
    assert stored(child) == (born(30), "DE")
    assert invoke(consents_put(child, {CLOSED: True}), context)[0] == 200


# ---------------------------------------------------------------- two corrections racing
def test_two_corrections_checked_against_the_same_profile_cannot_combine_into_an_escape(aws, context):
    """Each correction alone keeps a 12-year-old in Germany a minor (to the US: 12 < 13; born 14 years ago: 14 < 16);
    both together would make them 14 in the US, of age. The second, checked against the profile the first changed,
    must not be written."""
    store = wiring.shared.store()
    child = sign_up(birthdate=born(12), country="DE")
    read_by_both = store.profile(child)
    assert read_by_both is not None
    # Given the first correction (the country) was checked and written
    assert patch_me(context, child, {"country": "US"})[0] == 200
    # When the second (the birth date), checked against the profile both read, is written
    from dataclasses import replace

    from domain.audit.model import AuditEntry

    older = replace(read_by_both, birth_date=datetime.fromisoformat(born(14)).date())
    audit = AuditEntry(action="profile.rectified", actor="subject", at=datetime.now(UTC))
    with pytest.raises(Contended):
        store.save_profile(older, ["birth_date"], audit=audit, checked=(read_by_both, AGE_FIELDS))
    # Then it is refused, nothing written: the child is still 12, in the US
    assert stored(child) == (born(12), "US")
    # And sent again, it is checked against the profile as it now is, and refused
    assert patch_me(context, child, {"birth_date": born(14)})[0] == 403
