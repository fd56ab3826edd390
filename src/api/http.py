"""The resolver every API function uses: validation on, errors mapped in one place."""

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer, SecurityScheme
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.availability import unavailable_response
from api.errors import register_error_handlers

# OpenAPI security requirement of every route behind the JWT authorizer, and the scheme it names.
BEARER: list[dict[str, list[str]]] = [{"bearerAuth": []}]
SECURITY_SCHEMES: dict[str, SecurityScheme] = {"bearerAuth": HTTPBearer(bearerFormat="JWT")}


def build_app(**options: Any) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver(enable_validation=True, **options)
    register_error_handlers(app)
    return app


def resolve(app: APIGatewayHttpResolver, event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Every API function's entry: the availability gate, then the routes.

    No answer may be cached: they carry personal data, and a cached 410 would outlive a restore.
    """
    response = unavailable_response(event) or app.resolve(event, context)
    headers = response.setdefault("headers", {}) or {}
    headers["Cache-Control"] = "no-store"
    response["headers"] = headers
    return response
