"""The resolver every API function uses: validation on, errors mapped in one place."""

import base64
import binascii
import re
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.availability import unavailable_response
from api.errors import NOT_JSON, ErrorBody, UnsupportedMediaType, register_error_handlers, status_for
from observability import logger

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.openapi.models import SecurityScheme

# OpenAPI security requirement of every route behind the JWT authorizer, and the scheme it names (built on first
# use by __getattr__ below).
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
SECURITY_SCHEMES: dict[str, "SecurityScheme"]
# Every body is at most 64 KB of UTF-8 text; API Gateway's own limit (10 MB) is far above what any route needs.
MAX_BODY_BYTES = 64 * 1024
# Routes that bound their bodies themselves: a host record may hold 350 KB of JSON (domain.records).
LARGE_BODY_ROUTES = frozenset({"PUT /app/subjects/{subject_id}/records/{category}/{record_id}"})
# The media type of every request body.
JSON = "application/json"
# A caller's own correlation id is taken when it is a plain token: it goes into every log line and audit record,
# and audit records outlive erasure (no room for an e-mail address: no `@`, no spaces, at most 128 characters).
CORRELATION_HEADER = "x-correlation-id"
MAX_CORRELATION_ID = 128
CALLER_CORRELATION_ID = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_CORRELATION_ID}}}")


def __getattr__(name: str) -> Any:
    """SECURITY_SCHEMES, the scheme BEARER names, built on first use: powertools' OpenAPI models take ~60 ms to
    import and only the OpenAPI document needs them, never a request (docs/performance.md, cold start)."""
    if name == "SECURITY_SCHEMES":
        from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer

        schemes: dict[str, SecurityScheme] = {"bearerAuth": HTTPBearer(bearerFormat="JWT")}
        globals()[name] = schemes
        return schemes
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_router() -> APIGatewayHttpRouter:
    """The routes of one context (api/routes/), included by its function's resolver."""
    return APIGatewayHttpRouter()  # type: ignore[no-untyped-call]  # powertools leaves its __init__ unannotated


RouteT = TypeVar("RouteT", bound=Callable[..., Any])


class Routes:
    """The routes of one audience in a router, with what they share said once: their OpenAPI tags, the security
    requirement (None: a public route, without the template's authorizer) and who may call them (api.authorization).

        operator = Routes(router, tags=["admin"], middlewares=[ADMIN])

        @operator.post("/admin/...", summary="...")

    registers the route on `router` exactly as `@router.post(..., tags=["admin"], security=BEARER,
    middlewares=[ADMIN])` would; an option the route names itself wins."""

    def __init__(
        self,
        router: APIGatewayHttpRouter,
        *,
        tags: list[str],
        security: list[dict[str, list[str]]] | None = BEARER,
        middlewares: list[Callable[..., Any]] | None = None,
    ) -> None:
        self.router = router
        self.shared: dict[str, Any] = {"tags": tags, "security": security, "middlewares": middlewares}

    def route(self, rule: str, method: str, **options: Any) -> Callable[[RouteT], RouteT]:
        return self.router.route(rule, method, **(self.shared | options))

    def get(self, rule: str, **options: Any) -> Callable[[RouteT], RouteT]:
        return self.route(rule, "GET", **options)

    def post(self, rule: str, **options: Any) -> Callable[[RouteT], RouteT]:
        return self.route(rule, "POST", **options)

    def put(self, rule: str, **options: Any) -> Callable[[RouteT], RouteT]:
        return self.route(rule, "PUT", **options)

    def patch(self, rule: str, **options: Any) -> Callable[[RouteT], RouteT]:
        return self.route(rule, "PATCH", **options)

    def delete(self, rule: str, **options: Any) -> Callable[[RouteT], RouteT]:
        return self.route(rule, "DELETE", **options)


def build_app(*routers: APIGatewayHttpRouter, **options: Any) -> APIGatewayHttpResolver:
    """An API function's resolver, with the routes of `routers` (api/routes/)."""
    app = APIGatewayHttpResolver(enable_validation=True, **options)
    register_error_handlers(app)
    for router in routers:
        app.include_router(router)
    return app


def api_handler(app: APIGatewayHttpResolver) -> Callable[[dict[str, Any], LambdaContext], dict[str, Any]]:
    """An API function's `lambda_handler`: the Lambda context in every log line (cleared between invocations),
    then `resolve` below. Every API function's entry is this one (template.yaml: `handlers.<module>.lambda_handler`)."""

    @logger.inject_lambda_context(clear_state=True)
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return resolve(app, event, context)

    return lambda_handler


def _error(status: HTTPStatus, code: str, message: str) -> dict[str, Any]:
    body = ErrorBody(error=code, message=message)
    return {"statusCode": int(status), "headers": {"Content-Type": "application/json"}, "body": body.model_dump_json()}


def _not_utf8() -> dict[str, Any]:
    return _error(HTTPStatus.BAD_REQUEST, "invalid_encoding", "The request body must be UTF-8 text.")


def rejected_body(event: dict[str, Any]) -> dict[str, Any] | None:
    """413 for a body over the limit, 400 for one that is not UTF-8 text; checked before any route runs."""
    body = event.get("body")
    if not body:
        return None
    try:
        raw = base64.b64decode(body, validate=True) if event.get("isBase64Encoded") else str(body).encode("utf-8")
    except (binascii.Error, ValueError):  # not base64, or text holding lone surrogates
        return _not_utf8()
    if len(raw) > MAX_BODY_BYTES and event.get("routeKey") not in LARGE_BODY_ROUTES:
        return _error(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            "too_large",
            f"The request body may hold at most {MAX_BODY_BYTES // 1024} KB.",
        )
    if event.get("isBase64Encoded"):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return _not_utf8()
    return None


def _media_type(event: dict[str, Any]) -> str:
    """The request's media type, lowercased and without parameters ("" when the request names none)."""
    content_type = str((event.get("headers") or {}).get("content-type") or "")
    return content_type.partition(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    """application/json, or a JSON-based type (RFC 6839's +json suffix, e.g. application/merge-patch+json)."""
    return media_type == JSON or (media_type.endswith("+json") and "/" in media_type)


def _takes_body(app: APIGatewayHttpResolver, route_key: str) -> bool:
    """Whether the route API Gateway matched ("METHOD /path/{param}") has a body parameter, from the resolver's own
    route table (powertools has no public accessor; its OpenAPI generation reads the same two lists). Only the
    matched route's parameters are inspected, which its request validation would inspect anyway."""
    method, _, path = route_key.partition(" ")
    return any(
        route.method == method and route.openapi_path == path and bool(route.dependant.body_params)
        for route in app._static_routes + app._dynamic_routes
    )


def unsupported_body(app: APIGatewayHttpResolver, event: dict[str, Any]) -> dict[str, Any] | None:
    """415 for a body that is not JSON sent to a route that reads one; a route without a body never looks at the
    Content-Type. A body without Content-Type is read as JSON, as powertools does."""
    media_type = _media_type(event)
    if not event.get("body") or not media_type or _is_json(media_type):
        return None
    if not _takes_body(app, str(event.get("routeKey", ""))):
        return None
    error = UnsupportedMediaType(NOT_JSON)
    return _error(status_for(error), error.code, error.message)


def _as_routed(event: dict[str, Any], correlation_id: str | None) -> dict[str, Any]:
    """The event as every route sees it (a copy; the caller's stays as it came):

    - `x-correlation-id` is the id the request runs under, never the caller's raw header, so a route that reads the
      header cannot put anything else into an audit record;
    - any JSON media type is named `application/json`, the only spelling powertools parses (it takes
      `Application/JSON` or `application/merge-patch+json` for another type and fails).
    """
    given = event.get("headers") or {}
    headers = {name: value for name, value in given.items() if name.lower() != CORRELATION_HEADER}
    if correlation_id:
        headers[CORRELATION_HEADER] = correlation_id
    if _is_json(_media_type(event)) and not str(headers.get("content-type", "")).startswith(JSON):
        headers["content-type"] = JSON
    return {**event, "headers": headers}


def correlation_id_of(event: dict[str, Any]) -> str | None:
    """The caller's `x-correlation-id` when it is a plain token, else API Gateway's id of the request.

    Anything else is replaced, not refused: the header is optional tracing metadata, often added by a proxy or an
    SDK the caller does not control, and a one-time parental link or an erasure must not fail over it. API
    Gateway's request id is in its access log, so the request stays traceable."""
    given = (event.get("headers") or {}).get(CORRELATION_HEADER)
    if given and CALLER_CORRELATION_ID.fullmatch(given):
        return str(given)
    request_id = (event.get("requestContext") or {}).get("requestId")
    return str(request_id) if request_id else None


def resolve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Every API function's entry: the correlation id (in every log line and, through the logger, every audit
    record the request writes: adapters.audit_log; the only one the routes see), the body limits and media type,
    the availability gate, then the routes.

    No answer may be cached unless its route says so (only public ones do): they carry personal data, and a cached
    410 would outlive a restore.
    """
    correlation_id = correlation_id_of(event)
    logger.set_correlation_id(correlation_id)
    response = (
        rejected_body(event)
        or unsupported_body(app, event)
        or unavailable_response(event)
        or app.resolve(_as_routed(event, correlation_id), context)
    )
    headers = response.setdefault("headers", {}) or {}
    headers.setdefault("Cache-Control", "no-store")
    response["headers"] = headers
    return response
