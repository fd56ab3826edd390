"""Immutable records the system writes and reads back itself, as frozen dataclasses with a JSON form.

Not pydantic: these are on the paths of the workers (purge, export, sweeps), which otherwise validate nothing and
would import pydantic and build its models for them alone, a fifth of their cold start (docs/performance.md).
What comes from outside is validated at the edge with pydantic (the api/ schemas); what is read here was written
by `to_json` and is trusted. The JSON is the same as pydantic's (datetimes in ISO 8601, UTC as "Z"), so stored
items and audit hashes do not depend on which of the two wrote them.
"""

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Dataclasses, datetimes and dates turned into JSON types, recursively."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_jsonable(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, datetime):
        text = value.isoformat()
        return text[:-6] + "Z" if value.utcoffset() == timedelta(0) and text.endswith("+00:00") else text
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: to_jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    return value


def to_json(value: Any) -> str:
    return json.dumps(to_jsonable(value), separators=(",", ":"), ensure_ascii=False)


def from_jsonable[T](cls: type[T], data: Mapping[str, Any]) -> T:
    """An instance of the dataclass `cls` from `to_jsonable`'s output; unknown keys are ignored (older items)."""
    hints = _hints(cls)
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{name: _decoded(hints[name], value) for name, value in data.items() if name in names})


def from_json[T](cls: type[T], text: str | bytes) -> T:
    return from_jsonable(cls, json.loads(text))


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls)
    return _HINTS[cls]


def _decoded(annotation: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        options = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return _decoded(options[0], value) if len(options) == 1 else value
    if annotation is datetime:
        return datetime.fromisoformat(value)
    if annotation is date:
        return date.fromisoformat(value)
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return from_jsonable(annotation, value)
    if origin is list:
        (item,) = typing.get_args(annotation)
        return [_decoded(item, element) for element in value]
    if origin is dict:
        _, item = typing.get_args(annotation)
        return {key: _decoded(item, element) for key, element in value.items()}
    return value
