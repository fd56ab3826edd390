"""Records the host application holds about a subject and registers here, so export, erasure and legal holds
cover them. Categories are configuration: a description and an optional retention rule."""

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from domain.errors import DomainError, TooLarge

MAX_DOCUMENT_BYTES = 350 * 1024  # DynamoDB's item limit is 400 KB; the rest is keys and bookkeeping
DEFAULT_CATEGORIES_PATH = Path(__file__).parent / "data" / "record_categories.json"


class UnknownCategory(DomainError):
    default_code = "unknown_category"


class RetentionRule(BaseModel):
    """Keep records of this category for `years` after the date in `date_field` (e.g. tax law for invoices)."""

    model_config = ConfigDict(frozen=True)
    years: Annotated[int, Field(ge=1, le=30)]
    date_field: str
    legal_basis: str


class RecordCategory(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")]
    description: str
    retention: RetentionRule | None = None


class RecordCategories(BaseModel):
    model_config = ConfigDict(frozen=True)
    categories: list[RecordCategory]

    def get(self, category_id: str) -> RecordCategory:
        for category in self.categories:
            if category.id == category_id:
                return category
        known = [c.id for c in self.categories]
        raise UnknownCategory(f"'{category_id[:40]}' is not a configured record category.", details=[{"known": known}])


@lru_cache(maxsize=4)
def load_categories(path: Path = DEFAULT_CATEGORIES_PATH) -> RecordCategories:
    return RecordCategories.model_validate_json(path.read_bytes())


def encode_document(document: dict[str, object]) -> str:
    text = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    if len(text.encode("utf-8")) > MAX_DOCUMENT_BYTES:
        raise TooLarge(f"A record document may hold at most {MAX_DOCUMENT_BYTES // 1024} KB of JSON.")
    return text
