"""Consent routes: the purposes catalog, a subject's and a visitor's decisions, history, receipts, claim,
one-click unsubscribe (RFC 8058) and the tokens the host's mailer puts in its List-Unsubscribe headers."""

from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from api.authorization import HOST_APP
from api.consent_schemas import (
    VISITOR_ID_PATTERN,
    ClaimIn,
    ClaimOut,
    ConsentOut,
    ConsentsOut,
    HistoryItemOut,
    HistoryOut,
    PurposesOut,
    UnsubscribedOut,
    UnsubscribeInfoOut,
    UnsubscribeTokenIn,
    UnsubscribeTokenOut,
)
from api.context import request_context
from api.http import BEARER, build_router
from api.identity import caller_of
from domain.consent.model import ConsentReceipt
from domain.consent.ports import Owner
from domain.consent.rules import ConsentChangeRequest, ConsentView
from domain.consent.service import RequestContext
from domain.errors import InvalidRequest
from wiring.consent import catalog, consents, purposes, settings

router = build_router()
TAGS = ["consent"]


def _subject() -> Owner:
    return Owner("subject", caller_of(router.current_event).subject_id)


def _consents_out(views: dict[str, ConsentView]) -> ConsentsOut:
    return ConsentsOut(
        policy_version=catalog().policy_version,
        consents={purpose: ConsentOut(**view.model_dump()) for purpose, view in views.items()},
    )


def _context() -> RequestContext:
    return request_context(router.current_event)


# The banner's hot path: every page view of every visitor asks for the catalog, which changes only with a deploy.
# Browsers and CDNs may keep it five minutes and serve it stale for a day while they revalidate; a revalidation
# with the current ETag answers 304 without a body (and, like every answer of this route, without an AWS call).
PURPOSES_CACHE_CONTROL = "public, max-age=300, stale-while-revalidate=86400"


class _NotModified(Exception):
    """The client's copy of the catalog is current (answered 304, with no body to validate)."""


def _matches(if_none_match: str, etag: str) -> bool:
    """RFC 9110 13.1.2: `*`, or any listed tag equal to ours under the weak comparison."""
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


@router.exception_handler(_NotModified)
def _not_modified(_: _NotModified) -> Response[None]:
    return Response(status_code=304, headers={"ETag": purposes()[1], "Cache-Control": PURPOSES_CACHE_CONTROL})


@router.get(
    "/consent/purposes",
    summary="The purposes catalog and its policy version",
    tags=TAGS,
    responses={
        200: {"description": "The catalog; cacheable, with a strong ETag"},
        304: {"description": "Not modified: the `If-None-Match` tag is the current one"},
    },
)
def get_purposes(
    if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=1024)] = None,
) -> Response[PurposesOut]:
    body, etag = purposes()
    if if_none_match is not None and _matches(if_none_match, etag):
        raise _NotModified
    return Response(
        status_code=200,
        content_type="application/json",
        body=body,
        headers={"ETag": etag, "Cache-Control": PURPOSES_CACHE_CONTROL},
    )


@router.get("/me/consents", summary="Your current decision per purpose", tags=TAGS, security=BEARER)
def get_my_consents() -> ConsentsOut:
    return _consents_out(consents().current(_subject()))


@router.put("/me/consents", summary="Grant or refuse purposes; returns a consent receipt", tags=TAGS, security=BEARER)
def put_my_consents(request: ConsentChangeRequest) -> ConsentReceipt:
    return consents().change(_subject(), request, _context(), actor="subject")


@router.get("/me/consents/history", summary="Every consent change, newest first", tags=TAGS, security=BEARER)
def get_my_history(
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HistoryOut:
    page = consents().history(_subject(), cursor=cursor, limit=limit)
    return HistoryOut(items=[HistoryItemOut(**event.model_dump()) for event in page.items], next=page.next_cursor)


@router.get("/me/consents/receipts/<receipt_id>", summary="One consent receipt", tags=TAGS, security=BEARER)
def get_my_receipt(receipt_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> ConsentReceipt:
    return consents().receipt(_subject(), receipt_id)


@router.post(
    "/me/consents/claim", summary="Merge a visitor's banner choices into your consents", tags=TAGS, security=BEARER
)
def claim_visitor(body: ClaimIn) -> ClaimOut:
    receipt = consents().claim(_subject().id, body.visitor_id, _context())
    return ClaimOut(claimed=True, receipt_id=receipt.receipt_id if receipt else None)


@router.get("/visitors/<visitor_id>/consents", summary="An anonymous visitor's decisions", tags=TAGS)
def get_visitor_consents(visitor_id: Annotated[str, Path(pattern=VISITOR_ID_PATTERN)]) -> ConsentsOut:
    return _consents_out(consents().current(Owner("visitor", visitor_id)))


@router.put("/visitors/<visitor_id>/consents", summary="Record an anonymous visitor's decisions", tags=TAGS)
def put_visitor_consents(
    visitor_id: Annotated[str, Path(pattern=VISITOR_ID_PATTERN)], request: ConsentChangeRequest
) -> ConsentReceipt:
    return consents().change(Owner("visitor", visitor_id), request, _context(), actor="visitor")


@router.post("/unsubscribe", summary="One-click unsubscribe (RFC 8058): withdraws the token's purpose", tags=TAGS)
def post_unsubscribe(token: Annotated[str, Query(min_length=1, max_length=2048)]) -> UnsubscribedOut:
    body = router.current_event.decoded_body or ""
    if "List-Unsubscribe=One-Click" not in body:
        raise InvalidRequest("Send the body List-Unsubscribe=One-Click (RFC 8058) to unsubscribe.")
    receipt = consents().unsubscribe(token, _context())
    return UnsubscribedOut(unsubscribed=True, purpose=receipt.purposes[0].purpose, receipt_id=receipt.receipt_id)


@router.get(
    "/unsubscribe", summary="Explains the one-click link; changes nothing (mail scanners follow links)", tags=TAGS
)
def get_unsubscribe(token: Annotated[str | None, Query(max_length=2048)] = None) -> UnsubscribeInfoOut:
    if token:
        consents().check_unsubscribe_link(token)  # 410 when the account is gone, as the POST would answer
    return UnsubscribeInfoOut(message="To unsubscribe, send POST to this URL with the body List-Unsubscribe=One-Click.")


@router.post(
    "/app/subjects/<subject_id>/unsubscribe-tokens",
    summary="A one-click unsubscribe token for a subject and purpose (host application only)",
    tags=TAGS,
    security=BEARER,
    middlewares=[HOST_APP],
)
def post_unsubscribe_token(
    subject_id: Annotated[str, Path(min_length=1, max_length=128)], body: UnsubscribeTokenIn
) -> UnsubscribeTokenOut:
    lifetime = timedelta(days=settings().unsubscribe_token_days)
    token, expires_at = consents().issue_unsubscribe_token(subject_id, body.purpose, lifetime)
    return UnsubscribeTokenOut(token=token, expires_at=expires_at, url_path=f"/unsubscribe?token={token}")
