"""Legal response deadlines for data-subject requests.

GDPR Art. 12(3): answer within one month of receipt, extendable once by two further months. Months are
counted per Regulation (EEC, Euratom) No 1182/71: the period starts the day after receipt and ends on the
same date of the following month, or on that month's last day when the date does not exist
(31 January -> 28/29 February). CCPA (Cal. Civ. Code 1798.130) allows 45 calendar days, extendable once by
45 more.

Conventions used throughout:
- Dates are `datetime.date` in UTC. A request is on time for the whole due date and overdue from the day
  after it.
- The datetime helpers express the due date as its last instant, 23:59:59.999999 UTC (`end_of_day_utc`).
- The clock stops while the controller waits for the subject (identity proof, clarification). A pause that
  starts on day A and is resumed on day B adds (B - A) days; a pause with no end means the due date is
  unknown, returned as None ("paused").
"""

import calendar
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from domain.errors import DomainError


class ExtensionNotAllowed(DomainError):
    default_code = "extension_not_allowed"


class InvalidPause(DomainError):
    default_code = "invalid_pause"


class Jurisdiction(StrEnum):
    GDPR = "gdpr"
    CCPA = "ccpa"


# Only countries with a non-GDPR rule are listed: EU/EEA, UK and CH all apply the GDPR rule, and any
# unknown country falls back to GDPR because it is the strictest deadline.
_NON_GDPR_JURISDICTIONS: Mapping[str, Jurisdiction] = MappingProxyType({"US": Jurisdiction.CCPA})


def jurisdiction_for(country: str | None) -> Jurisdiction:
    """Jurisdiction whose deadline applies to a subject living in `country` (ISO 3166-1 alpha-2)."""
    if country is None:
        return Jurisdiction.GDPR
    return _NON_GDPR_JURISDICTIONS.get(country.strip().upper(), Jurisdiction.GDPR)


def add_months(day: date, months: int) -> date:
    """Same date `months` later, clamped to the month's last day when that date does not exist."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, zero_based_month = divmod(month_index, 12)
    month = zero_based_month + 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


@dataclass(frozen=True)
class Period:
    """A legal time limit in calendar months and/or calendar days (months are applied first)."""

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        if self.months < 0 or self.days < 0:
            raise ValueError("a period cannot be negative")

    def __add__(self, other: "Period") -> "Period":
        return Period(months=self.months + other.months, days=self.days + other.days)

    def ends_after(self, start: date) -> date:
        """Last day of the period counted from `start` (the event day itself is not counted)."""
        return add_months(start, self.months) + timedelta(days=self.days)


@dataclass(frozen=True)
class DeadlineRule:
    initial: Period
    extension: Period

    def total(self, *, extended: bool) -> Period:
        return self.initial + self.extension if extended else self.initial


RULES: Mapping[Jurisdiction, DeadlineRule] = MappingProxyType(
    {
        Jurisdiction.GDPR: DeadlineRule(initial=Period(months=1), extension=Period(months=2)),
        Jurisdiction.CCPA: DeadlineRule(initial=Period(days=45), extension=Period(days=45)),
    }
)


@dataclass(frozen=True)
class Pause:
    """Clock stopped on `start`, resumed on `end` (None while still waiting for the subject)."""

    start: date
    end: date | None = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise InvalidPause(
                "a pause cannot end before it starts",
                details=[{"start": self.start.isoformat(), "end": self.end.isoformat()}],
            )


def paused_days(pauses: Sequence[Pause]) -> int | None:
    """Total days the clock was stopped, or None while a pause is open.

    Overlapping pauses are merged so that a day is never counted twice.
    """
    if any(pause.end is None for pause in pauses):
        return None
    closed = sorted((pause.start, pause.end) for pause in pauses if pause.end is not None)
    total = 0
    covered_until: date | None = None
    for start, end in closed:
        uncounted_from = start if covered_until is None else max(start, covered_until)
        if end > uncounted_from:
            total += (end - uncounted_from).days
        covered_until = end if covered_until is None else max(covered_until, end)
    return total


def due_date(
    received: date, jurisdiction: Jurisdiction, *, extended: bool = False, pauses: Sequence[Pause] = ()
) -> date | None:
    """Last day on which the answer is on time, or None while the clock is paused.

    The extended GDPR deadline is three months counted from receipt (add_months(received, 3)), not two
    months added to the initial due date: chaining would lose days after a month-end clamp
    (31 Jan -> 28 Feb -> 28 Apr instead of 30 Apr). CCPA: received + 90 days.
    """
    stopped_days = paused_days(pauses)
    if stopped_days is None:
        return None
    period = RULES[jurisdiction].total(extended=extended)
    return period.ends_after(received) + timedelta(days=stopped_days)


def can_extend(already_extended: bool) -> bool:
    """Both GDPR and CCPA allow a single extension."""
    return not already_extended


def ensure_can_extend(already_extended: bool) -> None:
    if not can_extend(already_extended):
        raise ExtensionNotAllowed("the deadline has already been extended once")


def is_overdue(due: date | None, today: date) -> bool:
    """Overdue from the day after the due date; a paused request (due None) is never overdue."""
    return due is not None and today > due


def _require_aware(moment: datetime) -> datetime:
    # A naive datetime has no defined UTC day, so it cannot be placed against a legal deadline.
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("an aware datetime is required")
    return moment


def utc_day(moment: datetime) -> date:
    """Calendar day in UTC of an aware datetime."""
    return _require_aware(moment).astimezone(UTC).date()


def end_of_day_utc(day: date) -> datetime:
    """Last instant of `day` in UTC: the moment a deadline falling on `day` expires."""
    return datetime.combine(day, time.max, tzinfo=UTC)


def due_at(
    received_at: datetime,
    jurisdiction: Jurisdiction,
    *,
    extended: bool = False,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """Due moment (end of the due day, UTC) for a request received at `received_at`; None while paused."""
    due = due_date(utc_day(received_at), jurisdiction, extended=extended, pauses=pauses)
    return None if due is None else end_of_day_utc(due)


def is_overdue_at(due: datetime | None, now: datetime) -> bool:
    """Overdue strictly after the due moment; a paused request (due None) is never overdue."""
    return due is not None and _require_aware(now) > due
