"""Time, injected: the domain never reads the system clock itself, so tests and the local cloud can move it."""

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...


class FixedClock:
    """A clock that stands still until told to move; for tests."""

    def __init__(self, moment: datetime | None = None) -> None:
        self.moment = moment or datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


def epoch_seconds(moment: datetime) -> int:
    """DynamoDB TTL attributes hold whole epoch seconds."""
    return int(moment.timestamp())
