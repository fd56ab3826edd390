"""Platform routes: health, the OpenAPI document of the whole API and its Swagger UI, and the public key that
verifies deletion certificates and signed audit chain heads."""

from functools import cache
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from api.caching import public_answer, register_not_modified
from api.http import BEARER, build_app, resolve
from api.identity import caller_of
from api.languages import negotiate
from api.snapstart import prime_on_snapshot
from config import Settings
from observability import logger
from policy.loader import load_policy
from policy.model import Policy
from policy.public import PolicyView

app = build_app()
register_not_modified(app)


@cache
def policy() -> Policy:
    """The policy this stack enforces, validated at cold start (SnapStart priming): a wrong one stops it there."""
    return load_policy(Settings.from_env().policy)


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


@app.get(
    "/policy",
    summary="The product's privacy policy: controller, purposes, recipients, retention, rights and how to complain",
    tags=["platform"],
    responses={
        200: {
            "description": "The policy in the negotiated language (`Content-Language`); cacheable, with a strong ETag"
        },
        304: {"description": "Not modified: the `If-None-Match` tag is the current one for that language"},
    },
)
def get_policy(
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=1024)] = None,
    # No length limit: a header we cannot read falls back to the policy's default language.
    accept_language: Annotated[str | None, Header(alias="Accept-Language")] = None,
) -> Response[PolicyView]:
    active = policy()
    language = negotiate(accept_language, active.languages, active.default_language)
    headers = {"Content-Language": language, "Vary": "Accept-Language"}
    return public_answer(active.public_view(language), if_none_match, headers)


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


prime_on_snapshot(app, policy)  # SnapStart: what the published version's snapshot holds
