"""Request rules on their own: how a request is reported as time passes, and which extension is too late."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import FixedClock
from domain.requests.model import DataRequest
from domain.requests.operator import OperatorDesk
from domain.requests.rules import ExtensionTooLate

RECEIVED = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def a_request(**changes: object) -> DataRequest:
    request = DataRequest(
        request_id="r" * 32,
        subject_id="s-1",
        type="access",
        jurisdiction="gdpr",
        received_at=RECEIVED,
        due_at=datetime(2026, 2, 15, 23, 59, 59, tzinfo=UTC),
        updated_at=RECEIVED,
    )
    return replace(request, **changes)  # type: ignore[arg-type]


def completed_export(expires_at: datetime) -> DataRequest:
    return a_request(status="completed", export_key="exports/r.zip", export_expires_at=expires_at)


def test_a_completed_export_past_its_lifetime_is_seen_as_expired() -> None:
    request = completed_export(RECEIVED + timedelta(days=7))
    assert request.as_seen_at(RECEIVED + timedelta(days=7)).status == "expired"


def test_a_completed_export_within_its_lifetime_is_seen_as_completed() -> None:
    request = completed_export(RECEIVED + timedelta(days=7))
    assert request.as_seen_at(RECEIVED + timedelta(days=6)) == request


@pytest.mark.parametrize("status", ["received", "in_progress", "failed", "rejected"])
def test_only_a_completed_request_expires(status: str) -> None:
    request = a_request(status=status, export_expires_at=RECEIVED)
    assert request.as_seen_at(RECEIVED + timedelta(days=30)).status == status


class OneRequest:
    """A request store holding one request (only what extend() reads and writes)."""

    def __init__(self, request: DataRequest) -> None:
        self.request = request

    def find(self, request_id: str) -> DataRequest | None:
        return self.request if request_id == self.request.request_id else None

    def update(self, request: DataRequest, **_: object) -> DataRequest:
        self.request = request
        return request


def desk_at(moment: datetime, store: OneRequest) -> OperatorDesk:
    return OperatorDesk(store, FixedClock(moment), systems=[])  # type: ignore[arg-type]


def test_a_request_is_extended_up_to_its_due_moment() -> None:
    store = OneRequest(a_request())
    extended = desk_at(store.request.due_at, store).extend("r" * 32, "complex request", admin="op")
    assert extended.extended is True


def test_an_extension_after_the_due_moment_is_too_late() -> None:
    store = OneRequest(a_request())
    late = store.request.due_at + timedelta(seconds=1)
    with pytest.raises(ExtensionTooLate):
        desk_at(late, store).extend("r" * 32, "complex request", admin="op")
    assert store.request.extended is False
