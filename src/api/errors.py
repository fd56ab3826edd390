"""The one place where failures become HTTP answers: `{"error", "message", "details"}`, never echoing input."""

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ApiGatewayResolver
from aws_lambda_powertools.event_handler.exceptions import ServiceError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
)
from pydantic import BaseModel

from domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    InvalidRequest,
    NotFound,
    TooLarge,
    TooSoon,
    Unauthenticated,
)
from observability import logger


class UnsupportedMediaType(DomainError):
    """A request body in a media type the API does not read: every body is JSON (api.http checks it)."""

    default_code = "unsupported_media_type"


NOT_JSON = "The request body must be JSON (Content-Type: application/json)."

_STATUS_BY_KIND: list[tuple[type[DomainError], HTTPStatus]] = [
    (Unauthenticated, HTTPStatus.UNAUTHORIZED),
    (InvalidRequest, HTTPStatus.BAD_REQUEST),
    (NotFound, HTTPStatus.NOT_FOUND),
    (Conflict, HTTPStatus.CONFLICT),
    (Gone, HTTPStatus.GONE),
    (Forbidden, HTTPStatus.FORBIDDEN),
    (TooLarge, HTTPStatus.REQUEST_ENTITY_TOO_LARGE),
    (TooSoon, HTTPStatus.TOO_MANY_REQUESTS),
    (UnsupportedMediaType, HTTPStatus.UNSUPPORTED_MEDIA_TYPE),
]


class KeyInProgress(Exception):
    """A request with the same Idempotency-Key is still being handled (api.idempotency): retry after `retry_after`
    seconds, when it has answered or its claim on the key has expired."""

    def __init__(self, retry_after: int) -> None:
        super().__init__("a request with this Idempotency-Key is in progress")
        self.retry_after = retry_after


class ErrorBody(BaseModel):
    """Every 4xx/5xx answer of the API."""

    error: str
    message: str
    details: list[dict[str, Any]] = []


def error_response(
    status: HTTPStatus | int,
    code: str,
    message: str,
    details: list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[str]:
    body = ErrorBody(error=code, message=message, details=details or [])
    return Response(
        status_code=int(status),
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers=headers,
    )


def status_for(error: DomainError) -> HTTPStatus:
    for kind, status in _STATUS_BY_KIND:
        if isinstance(error, kind):
            return status
    return HTTPStatus.UNPROCESSABLE_ENTITY


def _describe(error: dict[str, Any]) -> dict[str, Any]:
    # Location and reason only: the offending value may be personal data and is never sent back.
    location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
    return {"field": ".".join(location) or None, "problem": error.get("msg", "invalid"), "type": error.get("type")}


def domain_error_response(error: DomainError) -> Response[str]:
    headers = {"Retry-After": str(error.retry_after)} if isinstance(error, TooSoon) else None
    return error_response(status_for(error), error.code, error.message, error.details, headers)


def register_error_handlers(app: ApiGatewayResolver) -> None:
    @app.exception_handler(DomainError)
    def on_domain_error(error: DomainError) -> Response[str]:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    def on_invalid_request(error: RequestValidationError) -> Response[str]:
        details = [_describe(item) for item in error.errors()]
        fields = ", ".join(sorted({d["field"] for d in details if d["field"]})) or "the request"
        return error_response(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "validation_error",
            f"The request is not valid; check {fields}.",
            details,
        )

    @app.exception_handler(RequestUnsupportedContentType)
    def on_unsupported_content_type(_: RequestUnsupportedContentType) -> Response[str]:
        # api.http refuses such bodies before the resolver runs; this is for an event without a known route key.
        return domain_error_response(UnsupportedMediaType(NOT_JSON))

    @app.not_found
    def on_unknown_route(_: Exception) -> Response[str]:
        return error_response(HTTPStatus.NOT_FOUND, "not_found", "No such route.")

    @app.exception_handler(ServiceError)
    def on_service_error(error: ServiceError) -> Response[str]:
        return error_response(
            error.status_code, HTTPStatus(error.status_code).phrase.lower().replace(" ", "_"), str(error.msg)
        )

    @app.exception_handler(KeyInProgress)
    def on_key_in_progress(error: KeyInProgress) -> Response[str]:
        return error_response(
            HTTPStatus.CONFLICT,
            "request_in_progress",
            "A request with this Idempotency-Key is still in progress; retry after the Retry-After seconds.",
            headers={"Retry-After": str(error.retry_after)},
        )

    @app.exception_handler(Exception)
    def on_fault(error: Exception) -> Response[str]:
        # The type only: a message may carry input. The caller can retry; nothing was half-applied.
        logger.exception("unhandled fault", extra={"fault": type(error).__name__})
        return error_response(
            HTTPStatus.INTERNAL_SERVER_ERROR, "internal_error", "Something went wrong on our side; please retry."
        )
