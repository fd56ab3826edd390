from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.deadlines import (
    RULES,
    DeadlineRule,
    ExtensionNotAllowed,
    InvalidPause,
    Jurisdiction,
    Pause,
    Period,
    add_months,
    can_extend,
    due_at,
    due_date,
    ensure_can_extend,
    is_overdue,
    is_overdue_at,
    jurisdiction_for,
    paused_days,
)
from domain.errors import DomainError


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2025, 3, 15), 1, date(2025, 4, 15), id="15-mar-to-15-apr-same-date"),
        pytest.param(date(2024, 1, 31), 1, date(2024, 2, 29), id="31-jan-leap-year-clamps-to-29-feb"),
        pytest.param(date(2025, 1, 31), 1, date(2025, 2, 28), id="31-jan-common-year-clamps-to-28-feb"),
        pytest.param(date(2025, 3, 30), 1, date(2025, 4, 30), id="30-mar-to-30-apr"),
        pytest.param(date(2025, 3, 31), 1, date(2025, 4, 30), id="31-mar-clamps-to-30-apr"),
        pytest.param(date(2025, 12, 31), 1, date(2026, 1, 31), id="31-dec-rolls-into-next-year"),
        pytest.param(date(2024, 2, 29), 1, date(2024, 3, 29), id="29-feb-to-29-mar"),
        pytest.param(date(2025, 1, 31), 3, date(2025, 4, 30), id="three-months-clamps-only-once"),
        pytest.param(date(2025, 11, 30), 3, date(2026, 2, 28), id="three-months-across-year-end"),
        pytest.param(date(2025, 5, 10), 0, date(2025, 5, 10), id="zero-months-is-same-day"),
    ],
)
def test_add_months_keeps_the_date_or_clamps_to_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("received", "jurisdiction", "extended", "expected"),
    [
        pytest.param(date(2025, 3, 15), Jurisdiction.GDPR, False, date(2025, 4, 15), id="gdpr-one-month"),
        pytest.param(date(2024, 1, 31), Jurisdiction.GDPR, False, date(2024, 2, 29), id="gdpr-leap-feb"),
        pytest.param(date(2025, 1, 31), Jurisdiction.GDPR, False, date(2025, 2, 28), id="gdpr-common-feb"),
        pytest.param(date(2025, 12, 31), Jurisdiction.GDPR, False, date(2026, 1, 31), id="gdpr-year-end"),
        pytest.param(date(2025, 3, 15), Jurisdiction.GDPR, True, date(2025, 6, 15), id="gdpr-extended"),
        pytest.param(
            date(2025, 1, 31),
            Jurisdiction.GDPR,
            True,
            date(2025, 4, 30),
            id="gdpr-extended-counted-from-receipt",
        ),
        pytest.param(date(2025, 1, 1), Jurisdiction.CCPA, False, date(2025, 2, 15), id="ccpa-45-days"),
        pytest.param(date(2025, 1, 1), Jurisdiction.CCPA, True, date(2025, 4, 1), id="ccpa-extended-90-days"),
    ],
)
def test_due_date_applies_the_jurisdiction_rule(
    received: date, jurisdiction: Jurisdiction, extended: bool, expected: date
) -> None:
    assert due_date(received, jurisdiction, extended=extended) == expected


def test_rules_define_one_month_plus_two_for_gdpr_and_45_plus_45_days_for_ccpa() -> None:
    assert {
        Jurisdiction.GDPR: DeadlineRule(initial=Period(months=1), extension=Period(months=2)),
        Jurisdiction.CCPA: DeadlineRule(initial=Period(days=45), extension=Period(days=45)),
    } == RULES


# GDPR due dates with pauses: id -> (received, [(paused, resumed), ...], due), ISO dates
PAUSED = {
    "pause-across-month-end-adds-9-days": ("2025-01-20", [("2025-01-25", "2025-02-03")], "2025-03-01"),
    "pause-in-leap-year-adds-9-days": ("2024-01-20", [("2024-01-25", "2024-02-03")], "2024-02-29"),
    "pause-resumed-same-day-adds-nothing": ("2025-01-20", [("2025-01-25", "2025-01-25")], "2025-02-20"),
    "separate-pauses-add-up": (
        "2025-01-20",
        [("2025-01-22", "2025-01-24"), ("2025-02-01", "2025-02-04")],
        "2025-02-25",
    ),
    "overlapping-pauses-count-each-day-once": (
        "2025-01-20",
        [("2025-01-22", "2025-01-26"), ("2025-01-24", "2025-01-28")],
        "2025-02-26",
    ),
}


@pytest.mark.parametrize(("received", "pauses", "expected"), list(PAUSED.values()), ids=list(PAUSED))
def test_due_date_is_shifted_by_paused_days(received: str, pauses: list[tuple[str, str]], expected: str) -> None:
    periods = [Pause(date.fromisoformat(paused), date.fromisoformat(resumed)) for paused, resumed in pauses]
    assert due_date(date.fromisoformat(received), Jurisdiction.GDPR, pauses=periods) == date.fromisoformat(expected)


def test_due_date_is_none_while_a_pause_is_open() -> None:
    pauses = [Pause(date(2025, 1, 22), date(2025, 1, 24)), Pause(date(2025, 2, 1), None)]
    assert paused_days(pauses) is None
    assert due_date(date(2025, 1, 20), Jurisdiction.GDPR, pauses=pauses) is None


def test_pause_ending_before_it_starts_is_rejected_with_a_domain_error() -> None:
    with pytest.raises(InvalidPause) as raised:
        Pause(date(2025, 2, 3), date(2025, 1, 25))
    assert isinstance(raised.value, DomainError)
    assert raised.value.code == "invalid_pause"


@pytest.mark.parametrize(
    ("country", "expected"),
    [
        pytest.param("DE", Jurisdiction.GDPR, id="germany-gdpr"),
        pytest.param("FR", Jurisdiction.GDPR, id="france-gdpr"),
        pytest.param("GB", Jurisdiction.GDPR, id="uk-gdpr"),
        pytest.param("CH", Jurisdiction.GDPR, id="switzerland-gdpr"),
        pytest.param("NO", Jurisdiction.GDPR, id="eea-norway-gdpr"),
        pytest.param("US", Jurisdiction.CCPA, id="us-ccpa"),
        pytest.param(" us ", Jurisdiction.CCPA, id="us-case-and-space-insensitive"),
        pytest.param(None, Jurisdiction.GDPR, id="unknown-none-defaults-to-strictest-gdpr"),
        pytest.param("ZZ", Jurisdiction.GDPR, id="unlisted-country-defaults-to-strictest-gdpr"),
    ],
)
def test_jurisdiction_for_country(country: str | None, expected: Jurisdiction) -> None:
    assert jurisdiction_for(country) is expected


def test_only_one_extension_is_allowed() -> None:
    assert can_extend(already_extended=False) is True
    assert can_extend(already_extended=True) is False
    ensure_can_extend(already_extended=False)
    with pytest.raises(ExtensionNotAllowed) as raised:
        ensure_can_extend(already_extended=True)
    assert raised.value.code == "extension_not_allowed"


@pytest.mark.parametrize(
    ("due", "today", "expected"),
    [
        pytest.param(date(2025, 4, 15), date(2025, 4, 14), False, id="day-before-due-is-on-time"),
        pytest.param(date(2025, 4, 15), date(2025, 4, 15), False, id="due-day-itself-is-on-time"),
        pytest.param(date(2025, 4, 15), date(2025, 4, 16), True, id="day-after-due-is-overdue"),
        pytest.param(None, date(2099, 1, 1), False, id="paused-request-is-never-overdue"),
    ],
)
def test_is_overdue_from_the_day_after_the_due_date(due: date | None, today: date, expected: bool) -> None:
    assert is_overdue(due, today) is expected


def test_due_at_is_the_last_instant_of_the_due_day_in_utc() -> None:
    received_at = datetime(2025, 3, 15, 9, 30, tzinfo=UTC)
    assert due_at(received_at, Jurisdiction.GDPR) == datetime(2025, 4, 15, 23, 59, 59, 999999, tzinfo=UTC)


def test_due_at_uses_the_utc_day_of_receipt() -> None:
    # 00:30 on 16 March in UTC+2 is still 15 March in UTC.
    received_at = datetime(2025, 3, 16, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert due_at(received_at, Jurisdiction.GDPR) == datetime(2025, 4, 15, 23, 59, 59, 999999, tzinfo=UTC)


def test_due_at_is_none_while_paused() -> None:
    received_at = datetime(2025, 3, 15, tzinfo=UTC)
    assert due_at(received_at, Jurisdiction.GDPR, pauses=[Pause(date(2025, 3, 20))]) is None


def test_due_at_rejects_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="aware"):
        due_at(datetime(2025, 3, 15), Jurisdiction.GDPR)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(datetime(2025, 4, 15, 23, 59, 59, 999999, tzinfo=UTC), False, id="last-instant-on-time"),
        pytest.param(datetime(2025, 4, 16, 0, 0, tzinfo=UTC), True, id="next-midnight-overdue"),
    ],
)
def test_is_overdue_at_strictly_after_the_due_moment(now: datetime, expected: bool) -> None:
    due = due_at(datetime(2025, 3, 15, tzinfo=UTC), Jurisdiction.GDPR)
    assert is_overdue_at(due, now) is expected


def test_is_overdue_at_is_false_while_paused() -> None:
    assert is_overdue_at(None, datetime(2099, 1, 1, tzinfo=UTC)) is False
