"""Loads a product's policy by name, at cold start: an unknown name or an invalid document raises PolicyError with
the reason (the known names, or each invalid field's path), so a misconfigured function never starts serving.

The documents are bundled with the code (src/policy/documents/, part of every function's package since the build
copies src/); policies/<name>.json at the top of the repository are links to them."""

from functools import lru_cache
from pathlib import Path

from pydantic import ValidationError

from policy.catalog import to_parent_notice, to_purpose_catalog, to_record_categories
from policy.model import Policy

DOCUMENTS = Path(__file__).resolve().parent / "documents"
MAX_ERRORS_SHOWN = 5


class PolicyError(Exception):
    """A policy that cannot be used; the message says why (it names fields, never quotes values)."""


class UnknownPolicy(PolicyError):
    pass


class InvalidPolicy(PolicyError):
    pass


def available_policies(directory: Path = DOCUMENTS) -> list[str]:
    return sorted(path.stem for path in directory.glob("*.json"))


def load_policy(name: str, directory: Path | None = None) -> Policy:
    """The policy `name` (e.g. from the function's POLICY setting), from `directory` or the bundled documents (those
    parsed once per process)."""
    if directory is None:
        return _load_bundled(name)
    return _read(name, directory)


@lru_cache(maxsize=8)
def _load_bundled(name: str) -> Policy:
    return _read(name, DOCUMENTS)


def _read(name: str, directory: Path) -> Policy:
    known = available_policies(directory)
    if name not in known:  # also keeps a name like '../x' from reaching the file system
        raise UnknownPolicy(f"unknown policy {name[:40]!r}: the known policies are {', '.join(known) or 'none'}")
    path = directory / f"{name}.json"
    try:
        policy = Policy.model_validate_json(path.read_bytes())
    except ValidationError as error:
        raise InvalidPolicy(_describe(name, error)) from None
    if policy.product != name:
        raise InvalidPolicy(f"policy {name!r} is invalid: product: is {policy.product!r}, must be its file name")
    try:  # the purpose, retention and parental-mail rules the domain applies (one place for them: domain)
        to_purpose_catalog(policy)
        to_record_categories(policy)
        to_parent_notice(policy)
    except (ValidationError, ValueError) as error:
        raise InvalidPolicy(f"policy {name!r} is invalid: {_first_line(error)}") from None
    return policy


def _describe(name: str, error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in item['loc']) or '(document)'}: {item['msg']}"
        for item in error.errors(include_url=False, include_input=False)
    ]
    shown = "; ".join(problems[:MAX_ERRORS_SHOWN])
    more = f" (and {len(problems) - MAX_ERRORS_SHOWN} more)" if len(problems) > MAX_ERRORS_SHOWN else ""
    return f"policy {name!r} is invalid: {shown}{more}"


def _first_line(error: Exception) -> str:
    if isinstance(error, ValidationError):
        item = error.errors(include_url=False, include_input=False)[0]
        return f"purposes: {item['msg']}"
    return str(error)
