"""Configuration read from the environment once per container (cold start).

Plain frozen dataclasses, not pydantic: a worker that validates nothing else would import pydantic and build its
first model (about a quarter of its cold start, docs/performance.md) for a handful of strings and integers. Each
function extends `Settings` with its own fields; a field's environment variable is its name in upper case.
"""

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from typing import Any, Self, dataclass_transform


class ConfigurationError(RuntimeError):
    """A deployment mistake (a missing or malformed variable): the function cannot start."""


def setting(
    *,
    default: Any = dataclasses.MISSING,
    default_factory: Any = dataclasses.MISSING,
    minimum: int | None = None,
    maximum: int | None = None,
) -> Any:
    """A field with bounds or a factory: `days: int = setting(default=7, minimum=1, maximum=30)`."""
    metadata = {"minimum": minimum, "maximum": maximum}
    return dataclasses.field(default=default, default_factory=default_factory, metadata=metadata)


@dataclass_transform(frozen_default=True, kw_only_default=True, field_specifiers=(setting,))
class Settings:
    """What every function needs."""

    stage: str = "dev"
    policy: str = "imind"  # the product's policy document (src/policy/documents/<policy>.json)
    # A directory holding <policy>.json in place of the bundled documents: a new policy version without a new build
    # (tests publish one so). Validated as a bundled document is; unset in a normal deployment.
    policy_documents: str | None = None
    subjects_table: str
    audit_table: str
    event_bus_name: str
    pseudonym_secret_arn: str

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        dataclasses.dataclass(frozen=True, kw_only=True)(cls)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        environ = os.environ if environ is None else environ
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]  # every subclass is a dataclass
            raw = environ.get(field.name.upper())
            if raw is None:
                if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
                    raise ConfigurationError(f"{field.name.upper()} is not set")
                continue
            values[field.name] = _parsed(field, hints[field.name], raw)
        settings = cls(**values)
        _check_policy_name(settings.policy, settings.policy_documents)
        return settings


def _check_policy_name(name: str, directory: str | None) -> None:
    """Every function stops at cold start on a policy that is not there (bundled, or in POLICY_DOCUMENTS), without
    loading one (a worker that needs no rule of it does not pay for parsing it); the functions that read it validate
    the whole document."""
    from pathlib import Path

    documents = Path(directory) if directory else Path(__file__).resolve().parent / "policy" / "documents"
    known = sorted(path.stem for path in documents.glob("*.json"))
    if name not in known:
        where = "in POLICY_DOCUMENTS" if directory else "a bundled policy"
        raise ConfigurationError(f"POLICY {name[:40]!r} is not {where}: choose one of {', '.join(known) or 'none'}")


dataclasses.dataclass(frozen=True, kw_only=True)(Settings)


def _parsed(field: dataclasses.Field[Any], annotation: Any, raw: str) -> Any:
    name = field.name.upper()
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    if annotation is str:
        return raw
    if typing.get_origin(annotation) is list:  # a CloudFormation list joined with commas
        return [part.strip() for part in raw.split(",") if part.strip()]
    if annotation is int:
        try:
            number = int(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be an integer, not {raw!r}") from None
        minimum, maximum = field.metadata.get("minimum"), field.metadata.get("maximum")
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise ConfigurationError(f"{name} must be between {minimum} and {maximum}, not {number}")
        return number
    raise ConfigurationError(f"{name}: unsupported setting type {annotation!r}")
