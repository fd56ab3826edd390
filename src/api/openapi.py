"""One OpenAPI document for the whole API, merged from the resolver of every API function."""

import json
from functools import cache
from importlib import import_module
from typing import Any

from aws_lambda_powertools.event_handler.openapi.compat import model_json
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import OpenAPI

from api.errors import ErrorBody
from api.http import MAX_BODY_BYTES, SECURITY_SCHEMES

# The handler modules behind the HTTP API; a test checks this list against template.yaml.
API_HANDLER_MODULES = (
    "handlers.platform_api",
    "handlers.consent_api",
    "handlers.subject_api",
    "handlers.admin_api",
    "handlers.minors_api",
)

TITLE = "Privacy rights API"
VERSION = "1.0.0"
DESCRIPTION = (
    "Consent records, data-subject requests, erasure with a restore window and parental consent. "
    "Routes marked with bearerAuth need a JWT from the user pool; the subject is the token's `sub`. "
    'Every error is `{"error", "message", "details"}`, except those API Gateway answers itself '
    '(`{"message"}`: a missing or invalid token, an unknown route, a body over 10 MB, a failed function). '
    "An `x-correlation-id` header of 1 to 128 characters among `A-Z a-z 0-9 . _ : -` names the request in the "
    "logs and audit records; any other value is ignored (not refused) and API Gateway's request id names it instead."
)

# ---------------------------------------------------------------- error responses, added to every operation
ERROR_SCHEMA = "ErrorBody"
GATEWAY_ERROR_SCHEMA = "GatewayError"
GATEWAY_ERROR = {
    "title": GATEWAY_ERROR_SCHEMA,
    "description": "An answer of API Gateway itself, before any function runs (e.g. the JWT authorizer's 401).",
    "type": "object",
    "properties": {"message": {"type": "string", "title": "Message"}},
    "required": ["message"],
}
ERROR_DESCRIPTIONS = {
    "400": "The request cannot be acted on as sent (e.g. a body that is not UTF-8, a foreign cursor or token)",
    "401": "A valid bearer token is required",
    "403": "The token lacks the group or scope this route needs",
    "404": "No such resource, or no such route",
    "409": "The request conflicts with the current state",
    "410": "The account is pending deletion or purged: unavailable, and no record can be registered about it (the "
    "body gives the purge date); on an operator's route about a subject, the subject is purged or its purge is due",
    "413": f"The body is over {MAX_BODY_BYTES // 1024} KB (350 KB of JSON for a host record)",
    "415": "The body is not JSON: send it as `application/json` (a charset parameter or a `+json` type is accepted; "
    "a body without Content-Type is read as JSON)",
    "422": "The request does not match this operation's schema; `details` names the fields, never their values",
    "429": "`export_cooldown`: the same access or portability export was completed less than ExportCooldownHours ago "
    "and its archive is still there (GDPR Art. 12(5), repetitive requests); `details` names it, to download again",
    "500": "A fault on our side; nothing was half-applied and the request may be retried",
}
# Public links whose account may be gone: they answer 410 `subject_gone` (no date, no id), and write nothing.
GONE_SUBJECT_PATHS = {
    "/unsubscribe": "The account this link was sent for no longer exists (`subject_gone`); nothing changed"
}
# Sent with 409 `request_in_progress` by operations taking an Idempotency-Key (api.errors).
RETRY_AFTER = {
    "description": "Seconds after which the first request with this key has answered or its claim has expired",
    "schema": {"type": "integer", "minimum": 1},
}
# Statuses API Gateway may answer itself with `{"message"}` (authorizer, route table, payload limit, integration).
GATEWAY_STATUSES = frozenset({"401", "404", "413", "500"})
# Operations only the host application, parents or operators may call: the others get 403.
RESTRICTED_PREFIXES = ("/admin/", "/app/", "/minors/checks", "/parents/")
RESTRICTED_OPERATIONS = frozenset({("post", "/minors/consent-requests")})
# Operations open to every subject that answer 403 for a rule about the subject, with what the rule is.
RULE_FORBIDDEN_OPERATIONS = {
    ("patch", "/me"): "A minor's own correction of the birth date or country that would make them of age "
    "(`age_correction_needs_verification`): the privacy team corrects it once verified (a rectification)",
}
# Operations outside /me that answer 410 for a subject pending deletion or purged (api.availability gates /me).
GONE_OPERATIONS = frozenset(
    {
        ("put", "/app/subjects/{subject_id}/records/{category}/{record_id}"),
        ("post", "/admin/requests"),  # a rectification of a subject pending deletion or purged
    }
)
# Where a subject or a parent asks for an export: the same one completed within ExportCooldownHours is refused for
# now (domain.requests.rules.ensure_not_repeated). An operator's request is not held back.
EXPORT_REQUEST_OPERATIONS = frozenset({("post", "/me/requests"), ("post", "/parents/me/children/{child_id}/requests")})
COOLDOWN_RETRY_AFTER = {
    "description": "Seconds until the cooldown ends, or the archive expires if that is sooner",
    "schema": {"type": "integer", "minimum": 1},
}
# The document's own operation answers this very document; powertools calls its `Response[str]` a string.
SELF_OPERATION = ("/openapi.json", "get")
SELF_SCHEMA = {"type": "object", "title": "OpenAPI", "description": "This document (OpenAPI 3.1)"}
# Replaced by ErrorBody: powertools' validation error models, which this API never sends.
UNUSED_SCHEMAS = ("HTTPValidationError", "ResponseValidationError", "ValidationError")  # referrers first


def error_statuses(method: str, path: str, secured: bool, has_body: bool) -> list[str]:
    """Every error status an operation can answer, from its path, method, security and whether it reads a body
    (powertools documents a `requestBody` exactly for the routes whose function has a body parameter)."""
    statuses = {"400", "404", "409", "413", "422", "500"}
    if secured:
        statuses.add("401")
    if has_body:
        statuses.add("415")
    if path.startswith(RESTRICTED_PREFIXES) or (method, path) in RESTRICTED_OPERATIONS:
        statuses.add("403")
    if (method, path) in RULE_FORBIDDEN_OPERATIONS:
        statuses.add("403")
    gone = (method, path) in GONE_OPERATIONS or path in GONE_SUBJECT_PATHS
    if path == "/me" or path.startswith(("/me/", "/parents/", "/admin/subjects/")) or gone:
        statuses.add("410")
    if (method, path) in EXPORT_REQUEST_OPERATIONS:
        statuses.add("429")
    return sorted(statuses)


def _error_response(status: str, idempotent: bool, path: str = "", method: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    if status in GATEWAY_STATUSES:
        body = {"anyOf": [body, {"$ref": f"#/components/schemas/{GATEWAY_ERROR_SCHEMA}"}]}
    description = GONE_SUBJECT_PATHS.get(path) if status == "410" else None
    if status == "403":
        description = RULE_FORBIDDEN_OPERATIONS.get((method, path))
    answer: dict[str, Any] = {
        "description": description or ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": body}},
    }
    if status == "409" and idempotent:
        answer["description"] += "; `request_in_progress`: a request with this Idempotency-Key is still being handled"
        answer["headers"] = {"Retry-After": RETRY_AFTER}
    if status == "429":
        answer["headers"] = {"Retry-After": COOLDOWN_RETRY_AFTER}
    return answer


def _takes_idempotency_key(operation: dict[str, Any]) -> bool:
    return any(
        parameter.get("in") == "header" and parameter.get("name", "").lower() == "idempotency-key"
        for parameter in operation.get("parameters", [])
    )


def with_error_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Documents the errors of every operation (a new route is covered without a word of its own)."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = {str(status): answer for status, answer in operation.get("responses", {}).items()}
            idempotent = _takes_idempotency_key(operation)
            secured, has_body = bool(operation.get("security")), "requestBody" in operation
            for status in error_statuses(method, path, secured, has_body):
                responses[status] = _error_response(status, idempotent, path, method)
            operation["responses"] = dict(sorted(responses.items()))
    path, method = SELF_OPERATION
    answer = document.get("paths", {}).get(path, {}).get(method, {}).get("responses", {}).get("200")
    if answer is not None:
        answer["content"] = {"application/json": {"schema": SELF_SCHEMA}}
    schemas[ERROR_SCHEMA] = ErrorBody.model_json_schema()
    schemas[GATEWAY_ERROR_SCHEMA] = GATEWAY_ERROR
    for name in UNUSED_SCHEMAS:
        if f'"#/components/schemas/{name}"' not in json.dumps(document):
            schemas.pop(name, None)
    return document


@cache
def openapi_json() -> str:
    """The document as JSON text, the form it is served and committed in."""
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes=SECURITY_SCHEMES,
        on_conflict="error",
    )
    for module_name in API_HANDLER_MODULES:
        merge.add_schema(import_module(module_name).app.get_openapi_schema(security_schemes=SECURITY_SCHEMES))
    document = with_error_responses(json.loads(merge.get_openapi_json_schema()))
    return str(model_json(OpenAPI(**document), by_alias=True, exclude_none=True, indent=2))


def openapi_document() -> dict[str, Any]:
    return json.loads(openapi_json())  # type: ignore[no-any-return]
