"""Consent routes: the purposes catalog, a subject's and a visitor's decisions, history, receipts, claim,
one-click unsubscribe (RFC 8058) and the tokens the host's mailer puts in its List-Unsubscribe headers."""

import hashlib
import uuid
from datetime import timedelta
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from adapters.audit_log import AuditLog
from adapters.clock import SystemClock
from adapters.consent_store import DynamoConsentStore
from adapters.secrets import secret_bytes, signing_keys
from api.consent_schemas import (
    VISITOR_ID_PATTERN,
    ClaimIn,
    ClaimOut,
    ConsentOut,
    ConsentsOut,
    HistoryItemOut,
    HistoryOut,
    PurposeOut,
    PurposesOut,
    UnsubscribedOut,
    UnsubscribeInfoOut,
    UnsubscribeTokenIn,
    UnsubscribeTokenOut,
)
from api.context import request_context
from api.http import BEARER, build_app, resolve
from api.identity import APP_GROUP, caller_of
from api.languages import negotiate
from api.snapstart import prime_on_snapshot
from composition import erasure
from config import ConfigurationError, Settings
from domain.clock import epoch_seconds
from domain.consent.catalog import PurposeCatalog, load_catalog
from domain.consent.model import ConsentReceipt
from domain.consent.ports import Owner
from domain.consent.rules import ConsentChangeRequest, ConsentView
from domain.consent.service import ConsentService, RequestContext
from domain.errors import InvalidRequest
from observability import logger

app = build_app()
TAGS = ["consent"]


class ConsentSettings(Settings):
    token_secret_arn: str
    consent_catalog_path: str | None = None  # a deployment's own catalog; the bundled default otherwise
    consent_max_age_days: int = 396
    unsubscribe_token_days: int = 60
    # How long a visitor's audit records and anchors are kept after the change they record: the consent record's
    # lifetime (consent_max_age_days) plus the accountability period (docs/architecture.md, "Visitors' chains").
    visitor_audit_retention_days: int = 1491


@cache
def settings() -> ConsentSettings:
    config = ConsentSettings.from_env()
    if config.visitor_audit_retention_days < config.consent_max_age_days:
        raise ConfigurationError("VISITOR_AUDIT_RETENTION_DAYS must not be less than CONSENT_MAX_AGE_DAYS")
    return config


@cache
def service() -> ConsentService:
    config, clock = settings(), SystemClock()
    audit = AuditLog(config.audit_table, lambda: secret_bytes(config.pseudonym_secret_arn))
    return ConsentService(
        DynamoConsentStore(config.subjects_table, audit, lambda: epoch_seconds(clock.now())),
        catalog(),
        clock,
        new_id=lambda: uuid.uuid4().hex,
        max_age=timedelta(days=config.consent_max_age_days),
        token_secret=lambda: signing_keys(config.token_secret_arn),
        visitor_accountability=timedelta(days=config.visitor_audit_retention_days - config.consent_max_age_days),
    )


@cache
def catalog() -> PurposeCatalog:
    path = settings().consent_catalog_path
    return load_catalog(FilePath(path) if path else None)


def _subject() -> Owner:
    return Owner("subject", caller_of(app.current_event).subject_id)


def _consents_out(views: dict[str, ConsentView]) -> ConsentsOut:
    return ConsentsOut(
        policy_version=catalog().policy_version,
        consents={purpose: ConsentOut(**view.model_dump()) for purpose, view in views.items()},
    )


def _context() -> RequestContext:
    return request_context(app.current_event)


# The banner's hot path: every page view of every visitor asks for the catalog, which changes only with a deploy.
# Browsers and CDNs may keep it five minutes and serve it stale for a day while they revalidate; a revalidation
# with the current ETag answers 304 without a body (and, like every answer of this route, without an AWS call).
PURPOSES_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"
# The catalog is worded in English only until the policy document brings its translations; the answer negotiates
# with Accept-Language already, so clients and caches treat each language as its own representation.
DEFAULT_LANGUAGE = "en"
CATALOG_LANGUAGES = (DEFAULT_LANGUAGE,)


class _NotModified(Exception):
    """The client's copy of the catalog is current (answered 304, with no body to validate)."""

    def __init__(self, language: str) -> None:
        super().__init__(language)
        self.language = language


@cache
def purposes(language: str = DEFAULT_LANGUAGE) -> tuple[PurposesOut, str]:
    """The catalog as the route serves it in `language`, and its strong ETag: a digest of the language and exactly
    those bytes, so that no cache can answer one language's revalidation with another's copy."""
    current = catalog()
    body = PurposesOut(
        policy_version=current.policy_version,
        purposes=[PurposeOut(**purpose.model_dump()) for purpose in current.purposes],
    )
    digest = hashlib.sha256(f"{language}\n{body.model_dump_json()}".encode())
    return body, '"' + digest.hexdigest()[:32] + '"'


def _purposes_headers(language: str) -> dict[str, str]:
    return {
        "ETag": purposes(language)[1],
        "Cache-Control": PURPOSES_CACHE_CONTROL,
        "Content-Language": language,
        "Vary": "Accept-Language",
    }


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or any listed tag equal to ours under the weak comparison."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@app.exception_handler(_NotModified)
def _not_modified(error: _NotModified) -> Response[None]:
    return Response(status_code=304, headers=_purposes_headers(error.language))


@app.get(
    "/consent/purposes",
    summary="The purposes catalog and its policy version, in the language the caller prefers",
    tags=TAGS,
    responses={
        200: {
            "description": "The catalog in the negotiated language (`Content-Language`); cacheable, with a strong ETag"
        },
        304: {"description": "Not modified: the `If-None-Match` tag is the current one for that language"},
    },
)
def get_purposes(
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=1024)] = None,
    # No length limit: a header we cannot read falls back to the default language instead of failing the banner.
    accept_language: Annotated[str | None, Header(alias="Accept-Language")] = None,
) -> Response[PurposesOut]:
    language = negotiate(accept_language, CATALOG_LANGUAGES, DEFAULT_LANGUAGE)
    body, etag = purposes(language)
    if if_none_match is not None and _matches(if_none_match, etag):
        raise _NotModified(language)
    return Response(status_code=200, content_type="application/json", body=body, headers=_purposes_headers(language))


@app.get("/me/consents", summary="Your current decision per purpose", tags=TAGS, security=BEARER)
def get_my_consents() -> ConsentsOut:
    return _consents_out(service().current(_subject()))


@app.put("/me/consents", summary="Grant or refuse purposes; returns a consent receipt", tags=TAGS, security=BEARER)
def put_my_consents(request: ConsentChangeRequest) -> ConsentReceipt:
    return service().change(_subject(), request, _context(), actor="subject")


@app.get("/me/consents/history", summary="Every consent change, newest first", tags=TAGS, security=BEARER)
def get_my_history(
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HistoryOut:
    page = service().history(_subject(), cursor=cursor, limit=limit)
    return HistoryOut(items=[HistoryItemOut(**event.model_dump()) for event in page.items], next=page.next_cursor)


@app.get("/me/consents/receipts/<receipt_id>", summary="One consent receipt", tags=TAGS, security=BEARER)
def get_my_receipt(receipt_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> ConsentReceipt:
    return service().receipt(_subject(), receipt_id)


@app.post(
    "/me/consents/claim", summary="Merge a visitor's banner choices into your consents", tags=TAGS, security=BEARER
)
def claim_visitor(body: ClaimIn) -> ClaimOut:
    receipt = service().claim(_subject().id, body.visitor_id, _context())
    return ClaimOut(claimed=True, receipt_id=receipt.receipt_id if receipt else None)


@app.get("/visitors/<visitor_id>/consents", summary="An anonymous visitor's decisions", tags=TAGS)
def get_visitor_consents(visitor_id: Annotated[str, Path(pattern=VISITOR_ID_PATTERN)]) -> ConsentsOut:
    return _consents_out(service().current(Owner("visitor", visitor_id)))


@app.put("/visitors/<visitor_id>/consents", summary="Record an anonymous visitor's decisions", tags=TAGS)
def put_visitor_consents(
    visitor_id: Annotated[str, Path(pattern=VISITOR_ID_PATTERN)], request: ConsentChangeRequest
) -> ConsentReceipt:
    return service().change(Owner("visitor", visitor_id), request, _context(), actor="visitor")


@app.post("/unsubscribe", summary="One-click unsubscribe (RFC 8058): withdraws the token's purpose", tags=TAGS)
def post_unsubscribe(token: Annotated[str, Query(min_length=1, max_length=2048)]) -> UnsubscribedOut:
    body = app.current_event.decoded_body or ""
    if "List-Unsubscribe=One-Click" not in body:
        raise InvalidRequest("Send the body List-Unsubscribe=One-Click (RFC 8058) to unsubscribe.")
    receipt = service().unsubscribe(token, _context())
    return UnsubscribedOut(unsubscribed=True, purpose=receipt.purposes[0].purpose, receipt_id=receipt.receipt_id)


@app.get("/unsubscribe", summary="Explains the one-click link; changes nothing (mail scanners follow links)", tags=TAGS)
def get_unsubscribe(token: Annotated[str | None, Query(max_length=2048)] = None) -> UnsubscribeInfoOut:
    if token:
        service().check_unsubscribe_link(token)  # 410 when the account is gone, as the POST would answer
    return UnsubscribeInfoOut(message="To unsubscribe, send POST to this URL with the body List-Unsubscribe=One-Click.")


@app.post(
    "/app/subjects/<subject_id>/unsubscribe-tokens",
    summary="A one-click unsubscribe token for a subject and purpose (host application only)",
    tags=TAGS,
    security=BEARER,
)
def post_unsubscribe_token(
    subject_id: Annotated[str, Path(min_length=1, max_length=128)], body: UnsubscribeTokenIn
) -> UnsubscribeTokenOut:
    caller_of(app.current_event).require_group(APP_GROUP)
    lifetime = timedelta(days=settings().unsubscribe_token_days)
    token, expires_at = service().issue_unsubscribe_token(subject_id, body.purpose, lifetime)
    return UnsubscribeTokenOut(token=token, expires_at=expires_at, url_path=f"/unsubscribe?token={token}")


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(app, service, purposes, erasure)  # SnapStart: what the published version's snapshot holds
