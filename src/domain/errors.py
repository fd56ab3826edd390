"""Base error for business-rule violations raised by the domain layer.

The API layer maps `code` to a stable, machine-readable error response, so codes must not change once
published; `message` is for humans and may be reworded.
"""

from typing import ClassVar


class DomainError(Exception):
    default_code: ClassVar[str] = "domain_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: list[dict[str, object]] | None = None
    ) -> None:
        super().__init__(message)
        self.message: str = message
        self.code: str = code if code is not None else self.default_code
        self.details: list[dict[str, object]] = details if details is not None else []


# Kinds of failure the API layer distinguishes; the domain names what went wrong, never a status code.
class InvalidRequest(DomainError):
    """The request cannot be acted on as sent (a bad token, a foreign cursor)."""

    default_code = "bad_request"


class NotFound(DomainError):
    default_code = "not_found"


class Conflict(DomainError):
    default_code = "conflict"


class Gone(DomainError):
    default_code = "gone"


class Forbidden(DomainError):
    default_code = "forbidden"


class TooLarge(DomainError):
    default_code = "too_large"


class TooSoon(DomainError):
    """Asked again before the rules allow: `retry_after` seconds from now it will be accepted."""

    default_code = "too_soon"

    def __init__(
        self, message: str, *, retry_after: int, code: str | None = None, details: list[dict[str, object]] | None = None
    ) -> None:
        super().__init__(message, code=code, details=details)
        self.retry_after = max(1, retry_after)


class Unauthenticated(DomainError):
    default_code = "unauthorized"


class Contended(Conflict):
    """Another change for the same subject kept committing first; nothing was written, the caller may retry."""

    default_code = "concurrent_change"
