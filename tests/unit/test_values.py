"""Records the system stores as JSON read back equal, in the same JSON pydantic writes (stored items and audit
hashes do not depend on which of the two wrote them)."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from pydantic import BaseModel

from domain.requests.model import DataRequest
from domain.values import from_json, to_json, to_jsonable


@dataclass(frozen=True)
class Held:
    category: str
    until: datetime


@dataclass(frozen=True)
class Record:
    at: datetime
    day: date
    held: list[Held]
    counts: dict[str, int] = field(default_factory=dict)
    note: str | None = None
    later: datetime | None = None


class PydanticRecord(BaseModel):
    at: datetime
    day: date
    held: list[dict[str, datetime | str]]
    counts: dict[str, int]
    note: str | None
    later: datetime | None


def test_a_record_reads_back_equal() -> None:
    record = Record(
        at=datetime(2026, 11, 23, 14, 5, 6, 123456, tzinfo=UTC),
        day=date(2024, 2, 29),
        held=[Held("invoices", datetime(2036, 1, 1, tzinfo=UTC))],
        counts={"orders": 3},
    )

    assert from_json(Record, to_json(record)) == record


def test_the_json_is_pydantics() -> None:
    record = Record(
        at=datetime(2026, 11, 23, 14, 5, 6, 4500, tzinfo=UTC),
        day=date(2026, 1, 2),
        held=[Held("invoices", datetime(2036, 1, 1, tzinfo=timezone(timedelta(hours=2))))],
        note="kept",
        later=datetime(2027, 1, 1, tzinfo=UTC),
    )
    as_pydantic = PydanticRecord.model_validate(to_jsonable(record))

    assert to_jsonable(record) == as_pydantic.model_dump(mode="json")
    assert to_jsonable(record)["at"] == "2026-11-23T14:05:06.004500Z"


def test_unknown_keys_of_older_items_are_ignored() -> None:
    stored = '{"at": "2026-01-01T00:00:00Z", "day": "2026-01-01", "held": [], "retired_field": 1}'

    assert from_json(Record, stored).at == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_stored_request_reads_back_with_its_types() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    request = DataRequest(
        request_id="r1",
        subject_id="s1",
        type="access",
        jurisdiction="GDPR",
        received_at=now,
        due_at=now + timedelta(days=30),
        updated_at=now,
        export_counts={"profile": 1},
        systems_pending=["crm"],
    )

    again = from_json(DataRequest, to_json(request))

    assert again == request
    assert isinstance(again.due_at, datetime)
    assert again.due_at.tzinfo is not None
