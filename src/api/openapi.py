"""One OpenAPI document for the whole API, merged from the resolver of every API function."""

import json
from functools import cache
from importlib import import_module
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from api.http import SECURITY_SCHEMES

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
    "Routes marked with bearerAuth need a JWT from the user pool; the subject is the token's `sub`."
)


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
    return merge.get_openapi_json_schema()


def openapi_document() -> dict[str, Any]:
    return json.loads(openapi_json())  # type: ignore[no-any-return]
