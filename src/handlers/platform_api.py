"""Platform routes: health, the OpenAPI document of the whole API and its Swagger UI, and the public key that
verifies deletion certificates and signed audit chain heads."""

from typing import Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from api.http import BEARER, build_app, resolve
from api.identity import caller_of
from api.snapstart import prime_on_snapshot
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


class SigningKeyOut(BaseModel):
    key_id: str
    algorithm: Literal["ECDSA_SHA_256"]
    public_key_pem: str


@app.get(
    "/.well-known/privacy-signing-key",
    summary="The public key that verifies deletion certificates offline (ECDSA P-256, SHA-256)",
    tags=["platform"],
)
def signing_key() -> SigningKeyOut:
    from domain.errors import NotFound
    from trust_composition import signing_public_key  # imported on use: /health stays light

    key = signing_public_key()
    if key is None:
        raise NotFound("No signing key is configured.")
    return SigningKeyOut(key_id=key.key_id, algorithm="ECDSA_SHA_256", public_key_pem=key.public_key_pem)


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


prime_on_snapshot(app)  # SnapStart: what the published version's snapshot holds
