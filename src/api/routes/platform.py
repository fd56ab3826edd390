"""Platform routes: health, the OpenAPI document of the whole API and its Swagger UI, and the public key that
verifies deletion certificates and signed audit chain heads."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Header

from api.caching import public_answer, register_not_modified
from api.http import BEARER, build_router
from api.identity import caller_of
from api.languages import negotiate
from api.platform_schemas import Health, SigningKeyOut, WhoAmI
from policy.public import PolicyView
from wiring.policy import policy

router = build_router()
register_not_modified(router)


@router.get(
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
    return public_answer(active.public_view(language), if_none_match, language)


@router.get("/health", summary="Liveness of the API", tags=["platform"])
def health() -> Health:
    return Health(status="ok")


@router.get("/whoami", summary="The identity the API sees in your token", tags=["platform"], security=BEARER)
def whoami() -> WhoAmI:
    caller = caller_of(router.current_event)
    return WhoAmI(subject_id=caller.subject_id, groups=sorted(caller.groups), scopes=sorted(caller.scopes))


@router.get(
    "/.well-known/privacy-signing-key",
    summary="The public key that verifies deletion certificates offline (ECDSA P-256, SHA-256)",
    tags=["platform"],
)
def signing_key() -> SigningKeyOut:
    from domain.errors import NotFound
    from wiring.audit import signing_public_key  # imported on use: /health stays light

    key = signing_public_key()
    if key is None:
        raise NotFound("No signing key is configured.")
    return SigningKeyOut(key_id=key.key_id, algorithm="ECDSA_SHA_256", public_key_pem=key.public_key_pem)


@router.get("/openapi.json", summary="The OpenAPI document of the whole API", tags=["platform"])
def openapi_json() -> Response[str]:
    from api.openapi import openapi_json  # imported on use: /health stays light

    return Response(200, content_types.APPLICATION_JSON, openapi_json())


@router.get("/swagger", summary="Swagger UI for the whole API", tags=["platform"], include_in_schema=False)
def swagger() -> Response[str]:
    from api.swagger import swagger_page

    return Response(200, "text/html", swagger_page())
