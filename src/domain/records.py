"""Records the host application holds about a subject and registers here, so export, erasure and legal holds
cover them. Categories are configuration, the active product policy's (policy.catalog.to_record_categories): a
description and an optional retention rule."""

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from domain.errors import DomainError, TooLarge

MAX_DOCUMENT_BYTES = 350 * 1024  # DynamoDB's item limit is 400 KB; the rest is keys and bookkeeping
CATEGORY_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")  # also a file name inside export archives


class UnknownCategory(DomainError):
    default_code = "unknown_category"


class InvalidRecord(DomainError):
    """A record its category's rules cannot be applied to (the API answers 422, naming the field, never its value)."""

    default_code = "validation_error"


@dataclass(frozen=True)
class RetentionRule:
    """Keep records of this category for `years` after the date in `date_field` (e.g. tax law for invoices)."""

    years: int
    date_field: str
    legal_basis: str

    def __post_init__(self) -> None:
        if not 1 <= self.years <= 30:
            raise ValueError(f"a retention rule keeps records 1 to 30 years, not {self.years}")

    def start(self, document: dict[str, object]) -> datetime | None:
        """The moment the retention counts from (UTC), or None if the document has no readable date there: ISO 8601
        text, a date (midnight UTC) or a moment; a moment with an offset is converted to UTC, one without is UTC."""
        raw = document.get(self.date_field)
        if not isinstance(raw, str):
            return None
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            return None
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

    def ends(self, start: datetime) -> datetime:
        try:
            return start.replace(year=start.year + self.years)
        except ValueError:  # 29 February in a year that has none
            return start.replace(year=start.year + self.years, day=28)


@dataclass(frozen=True)
class RecordCategory:
    id: str
    description: str
    retention: RetentionRule | None = None

    def __post_init__(self) -> None:
        if not CATEGORY_ID.match(self.id):
            raise ValueError(f"a category id is 2 to 41 lower-case letters, digits or _, not {self.id!r}")

    def check(self, document: dict[str, object]) -> None:
        """Refuses a record its retention rule could not be applied to: without a readable date, the purge would
        have nothing to keep it by."""
        rule = self.retention
        if rule is None or rule.start(document) is not None:
            return
        field = rule.date_field
        problem = (
            f"a date (ISO 8601, e.g. 2026-01-31) is required: records of this category are kept {rule.years} "
            "years from it"
        )
        raise InvalidRecord(
            f"The request is not valid; check {field}.",
            details=[
                {"field": field, "problem": problem, "type": "missing" if field not in document else "date_parsing"}
            ],
        )


@dataclass(frozen=True)
class RecordCategories:
    categories: list[RecordCategory]

    def get(self, category_id: str) -> RecordCategory:
        for category in self.categories:
            if category.id == category_id:
                return category
        known = [c.id for c in self.categories]
        raise UnknownCategory(f"'{category_id[:40]}' is not a configured record category.", details=[{"known": known}])


def encode_document(document: dict[str, object]) -> str:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise TooLarge(f"A record document may hold at most {MAX_DOCUMENT_BYTES // 1024} KB of JSON.")
    return text
