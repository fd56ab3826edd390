"""The layout of a data-subject export archive (GDPR Art. 15 access, Art. 20 portability).

    data.json        everything held about the subject, grouped by category
    <category>.csv   the same, one table per category (format "csv" only)
    README.txt       what the files are, in plain English, and how the data is processed (Art. 15(1))
    policy.json      the product's policy as `GET /policy` shows it, plus its recipients
    manifest.json    counts per category and the SHA-256 of every other file

Items are the subject's partition, deserialized: `category_of` names each item's category from its sort key (a new
item type is exported without code changes), `should_export` drops bookkeeping items and `public_view` drops
bookkeeping attributes and turns stored JSON strings into objects. `DataJsonWriter` and `write_csv` stream their
member item by item, so an export never holds the whole partition.
"""

import base64
import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO

from domain.requests.model import ExportFormat
from domain.values import to_jsonable

EXPORT_SCHEMA_VERSION = "1.0"
DATA_SCHEMA_URL = f"https://privacy-rights.example/schemas/export-{EXPORT_SCHEMA_VERSION}.json"
DATA_FILE = "data.json"
MANIFEST_FILE = "manifest.json"
README_FILE = "README.txt"
POLICY_FILE = "policy.json"

_EXACT_KEYS = {
    "PROFILE": "profile",
    "CONSENTS": "consents",
    "STANDING": "standing",
}  # standing: restriction, objections
_KEY_PREFIXES = (("CONSENTEVT#", "consent_history"), ("RECEIPT#", "consent_receipts"), ("REQUEST#", "requests"))
RECORD_PREFIX = "RECORD#"
# Bookkeeping, and an operator's legal holds (their reason is operator text, `placed_by` the operator's id)
INTERNAL_KEY_PREFIXES = ("OUTBOX#", "OPENREQ#", "HOLD#")
INTERNAL_ATTRIBUTES = frozenset(
    {"pk", "sk", "outbox", "version", "active_pk", "active_sk", "purge_pk", "purge_sk", "request_pk", "request_sk"}
)
JSON_ATTRIBUTES = frozenset({"state", "event", "receipt", "request", "document", "standing"})
_UNSAFE = re.compile(r"[^a-z0-9_]+")
_CSV_FLUSH_CHARS = 64 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet cell a formula (OWASP, CSV injection)


class CategoryOrderError(ValueError):
    """Items of one category arrived apart: data.json would hold the category twice."""


def _safe_name(text: str) -> str:
    """Lower-case letters, digits and underscores only: categories are also file names inside the archive."""
    return _UNSAFE.sub("_", text.lower()).strip("_") or "other"


def category_of(item: Mapping[str, Any]) -> str:
    sk = str(item.get("sk", ""))
    if sk in _EXACT_KEYS:
        return _EXACT_KEYS[sk]
    for prefix, category in _KEY_PREFIXES:
        if sk.startswith(prefix):
            return category
    if sk.startswith(RECORD_PREFIX):
        record_category = sk.removeprefix(RECORD_PREFIX).split("#", 1)[0]
        if record_category:
            return f"records.{_safe_name(record_category)}"
    return _safe_name(sk.split("#", 1)[0])


def should_export(item: Mapping[str, Any]) -> bool:
    return not str(item.get("sk", "")).startswith(INTERNAL_KEY_PREFIXES)


def is_expired(item: Mapping[str, Any], now_epoch: int) -> bool:
    """TTL deletes expired items some time after `expires_at`; until then they are gone for every read."""
    expires_at = item.get("expires_at")
    return isinstance(expires_at, int | float) and expires_at <= now_epoch


def _parsed(value: str) -> Any:
    try:
        parsed = json.loads(value)
    except ValueError:
        return value
    return parsed if isinstance(parsed, dict | list) else value  # "active" stays a word, not a JSON scalar


def public_view(item: Mapping[str, Any]) -> dict[str, Any]:
    """The item as the subject sees it: no keys or bookkeeping, stored JSON documents as objects."""
    view: dict[str, Any] = {}
    for name, value in item.items():
        if name in INTERNAL_ATTRIBUTES:
            continue
        view[name] = _parsed(value) if name in JSON_ATTRIBUTES and isinstance(value, str) else value
    sk = str(item.get("sk", ""))
    if sk.startswith(RECORD_PREFIX) and sk.count("#") >= 2 and "record_id" not in view:
        view["record_id"] = sk.split("#", 2)[2]  # the host's id lives only in the key, which is dropped
    return view


def timestamp(moment: datetime) -> str:
    """ISO 8601 as the API and the manifest write it."""
    return str(to_jsonable(moment))


def json_default(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes | bytearray) or hasattr(value, "__bytes__"):  # DynamoDB binary attributes
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=json_default)


# ---------------------------------------------------------------------------------------------------- data.json


class DataJsonWriter:
    """Streams data.json: {"$schema", "subject_id", "generated_at", "categories": {category: [item, ...]}}.

    Items must arrive grouped by category. The subjects table returns a partition sorted by sort key and every
    category is one sort-key prefix, so they do; a category arriving twice raises rather than writing a duplicate
    key, which JSON parsers would silently resolve by dropping data.
    """

    def __init__(self, stream: BinaryIO, *, subject_id: str, generated_at: datetime) -> None:
        self._stream = stream
        self._current: str | None = None
        self.counts: dict[str, int] = {}
        head = {"$schema": DATA_SCHEMA_URL, "subject_id": subject_id, "generated_at": timestamp(generated_at)}
        self._write(to_json(head)[:-1] + ', "categories": {')

    def _write(self, text: str) -> None:
        self._stream.write(text.encode("utf-8"))

    def add(self, category: str, view: Mapping[str, Any]) -> None:
        if category != self._current:
            if category in self.counts:
                raise CategoryOrderError(f"items of category '{category}' are not contiguous")
            self._write(("\n]," if self._current is not None else "") + f"\n{to_json(category)}: [\n")
            self._current = category
            self.counts[category] = 0
        else:
            self._write(",\n")
        self._write(to_json(view))
        self.counts[category] += 1

    def close(self) -> None:
        self._write(("\n]" if self._current is not None else "") + "}}\n")


# ---------------------------------------------------------------------------------------------------- CSV


def csv_file_name(category: str) -> str:
    return f"{category}.csv"


def csv_header(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """The union of the items' top-level attributes, in the order they first appear."""
    header: dict[str, None] = {}
    for item in items:
        header.update(dict.fromkeys(item))
    return list(header)


def neutralised(text: str) -> str:
    """Text a spreadsheet program would run as a formula (CSV injection: `=`, `+`, `-`, `@`, a tab or a carriage
    return first) with a single quote in front, as OWASP recommends: shown as text, never evaluated. The quote is
    the only change, so a reader who knows the rule (README.txt states it) can take it off again."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralised(value)  # any text may come from a person: a name, a note, a host's record
    if isinstance(value, int | float):
        return str(value)
    return to_json(value)  # nested objects and lists stay machine-readable


def csv_rows(items: Iterable[Mapping[str, Any]], header: Sequence[str] | None = None) -> Iterator[list[str]]:
    """The header row, then one row per item. Without a header the items are held once to compute it."""
    if header is None:
        items = list(items)
        header = csv_header(items)
    yield [neutralised(name) for name in header]
    for item in items:
        yield [csv_cell(item.get(name)) for name in header]


def write_csv(stream: BinaryIO, rows: Iterable[Sequence[str]]) -> int:
    """RFC 4180 CSV (UTF-8, CRLF) into a binary stream, a few kilobytes at a time; returns the rows written. Every
    cell is quoted, so one neutralised by `neutralised` is also quoted, as OWASP recommends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
        if buffer.tell() >= _CSV_FLUSH_CHARS:
            stream.write(buffer.getvalue().encode("utf-8"))
            buffer.seek(0)
            buffer.truncate()
    stream.write(buffer.getvalue().encode("utf-8"))
    return count


# ---------------------------------------------------------------------------------------------------- manifest


@dataclass(frozen=True)
class FileDigest:
    sha256: str
    bytes: int


@dataclass(frozen=True, kw_only=True)
class Manifest:
    schema_version: str = EXPORT_SCHEMA_VERSION
    generated_at: datetime
    request_id: str
    format: ExportFormat
    counts: dict[str, int]
    files: dict[str, FileDigest]

    def to_json(self) -> str:
        return json.dumps(to_jsonable(self), indent=2, ensure_ascii=False) + "\n"


README_TEXT = """\
Your personal data
==================

This archive holds a copy of the personal data we keep about you, as you asked under the General Data
Protection Regulation (right of access, Article 15, and right to data portability, Article 20).

Files
-----
data.json      Everything we hold about you, grouped by category. It is JSON, a common text format that
               other services can import and that any text editor can open.
*.csv          Only if you asked for CSV: the same data as tables, one file per category, which a
               spreadsheet program can open. The first row names the columns; a value that is itself a
               list or a group of values is written as JSON text in its cell. Files are UTF-8 text.
               Every cell is in double quotes. A text that starts with =, +, -, @, a tab or a carriage
               return has a single quote (') added in front, so that a spreadsheet shows it as text
               instead of running it as a formula; data.json holds such texts exactly as stored.
policy.json    Our privacy policy as it applied when the archive was made: the purposes, the recipients,
               how long each kind of record is kept, and your rights (the section below, as data).
manifest.json  When the archive was made, how many items each category holds, and the SHA-256 checksum
               and size in bytes of every other file, so you can check that nothing was changed or lost.
README.txt     This explanation.

Categories
----------
profile            Your account details and preferences.
consents           Your current consent decisions, purpose by purpose.
consent_history    Every consent decision you made, with when and how you made it.
consent_receipts   The receipts we issued for your consent decisions.
requests           Your data-protection requests (such as this one) and where they stand.
records.<name>     Records our service keeps about you, such as invoices or orders.

Dates and times are in UTC (ISO 8601). Values named expires_at are the moment, in seconds since
1 January 1970 UTC, after which we delete that item automatically.

This download expires after a few days. If you have questions about your data or want something corrected
or deleted, contact us through the privacy center.
"""
