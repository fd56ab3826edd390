"""Purposes closed to minors (`for_minors: false`) under moto, through the consent API: not granted by a subject under
the age of digital consent, not offered to them; refusals, adults and visitors unaffected (iMind's policy)."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.test_consent_api import claim, consents_of, consents_put, invoke, visitor_put
from tests.support import sign_up

CLOSED = "marketing_emails"  # iMind: for_minors false
OPEN = "analytics"


def born(years_ago: int) -> str:
    today = datetime.now(UTC).date()
    return (today.replace(year=today.year - years_ago) - timedelta(days=30)).isoformat()


def test_a_14_year_old_in_germany_cannot_grant_marketing_emails(aws, context):
    child = sign_up(birthdate=born(14), country="DE")
    status, body = invoke(consents_put(child, {CLOSED: True, OPEN: True}), context)
    assert status == 422, body
    assert body["error"] == "purpose_not_for_minors"
    assert body["details"] == [{"purpose": CLOSED}]
    assert born(14) not in str(body)
    # And nothing was recorded, not even the purpose that was open to them
    assert not consents_of(context, child)[OPEN]["decided"]


def test_a_minor_may_refuse_a_purpose_closed_to_minors_and_grant_the_others(aws, context):
    child = sign_up(birthdate=born(14), country="DE")
    status, body = invoke(consents_put(child, {CLOSED: False, OPEN: True}), context)
    assert status == 200, body
    assert consents_of(context, child)[CLOSED]["decided"] is True


def test_the_same_age_is_of_age_where_the_law_says_so(aws, context):
    # Denmark's age of digital consent is 13: a 14-year-old there consents alone
    teen = sign_up(birthdate=born(14), country="DK")
    status, body = invoke(consents_put(teen, {CLOSED: True}), context)
    assert status == 200, body


def test_an_adult_and_a_subject_without_a_birth_date_may_grant_it(aws, context):
    for sub in (sign_up(birthdate=born(30), country="DE"), sign_up()):
        status, body = invoke(consents_put(sub, {CLOSED: True}), context)
        assert status == 200, body


def test_a_minor_is_not_offered_the_purposes_closed_to_minors(aws, context):
    child, adult = sign_up(birthdate=born(14), country="DE"), sign_up(birthdate=born(30), country="DE")
    mine = consents_of(context, child)
    assert {purpose for purpose, view in mine.items() if not view["offered"]} == {
        "newsletters",
        "affiliate_tracking",
        "social_media_buttons",
        "marketing_emails",
        "third_party_sharing",
    }
    assert all(view["offered"] for view in consents_of(context, adult).values())


def test_visitors_whose_age_nobody_knows_are_unaffected(aws, context):
    visitor = uuid.uuid4().hex
    status, body = invoke(visitor_put(visitor, {CLOSED: True}), context)
    assert status == 200, body


def test_a_minor_signing_in_does_not_take_over_a_visitors_grant_closed_to_minors(aws, context):
    visitor = uuid.uuid4().hex
    assert invoke(visitor_put(visitor, {CLOSED: True, OPEN: True}), context)[0] == 200
    child = sign_up(birthdate=born(14), country="DE")
    status, body = invoke(claim(child, visitor), context)
    assert status == 200, body
    mine: dict[str, Any] = consents_of(context, child)
    assert (mine[OPEN]["granted"], mine[OPEN]["decided"]) == (True, True)
    assert mine[CLOSED]["decided"] is False
