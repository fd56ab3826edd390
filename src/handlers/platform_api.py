"""Platform routes: health, the OpenAPI document of the whole API and its Swagger UI."""

from typing import Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from api.http import BEARER, build_app, resolve
from api.identity import caller_of
from observability import logger

app = build_app()


class Health(BaseModel):
    status: str


@app.get("/health", summary="Liveness of the API", tags=["platform"])
def health() -> Health:
    return Health(status="ok")


class WhoAmI(BaseModel):
    subject_id: str
    groups: list[str]
    scopes: list[str]


@app.get("/whoami", summary="The identity the API sees in your token", tags=["platform"], security=BEARER)
def whoami() -> WhoAmI:
    caller = caller_of(app.current_event)
    return WhoAmI(subject_id=caller.subject_id, groups=sorted(caller.groups), scopes=sorted(caller.scopes))


@app.get("/openapi.json", summary="The OpenAPI document of the whole API", tags=["platform"])
def openapi_json() -> Response[str]:
    from api.openapi import openapi_json  # imported on use: /health stays light

    return Response(200, content_types.APPLICATION_JSON, openapi_json())


@app.get("/swagger", summary="Swagger UI for the whole API", tags=["platform"], include_in_schema=False)
def swagger() -> Response[str]:
    from api.swagger import swagger_page

    return Response(200, "text/html", swagger_page())


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
