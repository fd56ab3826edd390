"""Consent routes: the purposes catalog, a subject's and a visitor's decisions, history, receipts, claim,
one-click unsubscribe (RFC 8058) and the tokens the host's mailer puts in its List-Unsubscribe headers."""

from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Path, Query

from api.authorization import HOST_APP
from api.caching import public_answer, register_not_modified
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
from api.http import Routes, build_router
from api.identity import caller_of
from api.languages import negotiate
from api.parameters import SUBJECT_ID
from domain.consent.model import ConsentChangeRequest, ConsentReceipt, ConsentView
from domain.consent.ports import Owner
from domain.consent.service import RequestContext
from domain.errors import InvalidRequest
from wiring.consent import catalog, consents, purposes, settings
from wiring.policy import policy

router = build_router()
TAGS = ["consent"]
public = Routes(router, tags=TAGS, security=None)
subject = Routes(router, tags=TAGS)
host_app = Routes(router, tags=TAGS, middlewares=[HOST_APP])


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
# It is public and cacheable (api/caching.py); a revalidation with the current ETag answers 304 without a body and,
# like every answer of this route, without an AWS call.
register_not_modified(router)


@public.get(
    "/consent/purposes",
    summary="The purposes catalog and its policy version, in the language the caller prefers",
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
    served = purposes()
    language = negotiate(accept_language, list(served), policy().default_language)
    return public_answer(served[language], if_none_match, language)


@subject.get("/me/consents", summary="Your current decision per purpose")
def get_my_consents() -> ConsentsOut:
    return _consents_out(consents().current(_subject(), offers=True))


@subject.put("/me/consents", summary="Grant or refuse purposes; returns a consent receipt")
def put_my_consents(request: ConsentChangeRequest) -> ConsentReceipt:
    return consents().change(_subject(), request, _context(), actor="subject")


@subject.get("/me/consents/history", summary="Every consent change, newest first")
def get_my_history(
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> HistoryOut:
    page = consents().history(_subject(), cursor=cursor, limit=limit)
    return HistoryOut(items=[HistoryItemOut(**event.model_dump()) for event in page.items], next=page.next_cursor)


@subject.get("/me/consents/receipts/<receipt_id>", summary="One consent receipt")
def get_my_receipt(receipt_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> ConsentReceipt:
    return consents().receipt(_subject(), receipt_id)


@subject.post("/me/consents/claim", summary="Merge a visitor's banner choices into your consents")
def claim_visitor(body: ClaimIn) -> ClaimOut:
    receipt = consents().claim(_subject().id, body.visitor_id, _context())
    return ClaimOut(claimed=True, receipt_id=receipt.receipt_id if receipt else None)


@public.get("/visitors/<visitor_id>/consents", summary="An anonymous visitor's decisions")
def get_visitor_consents(visitor_id: Annotated[str, Path(pattern=VISITOR_ID_PATTERN)]) -> ConsentsOut:
    return _consents_out(consents().current(Owner("visitor", visitor_id)))


@public.put("/visitors/<visitor_id>/consents", summary="Record an anonymous visitor's decisions")
def put_visitor_consents(
    visitor_id: Annotated[str, Path(pattern=VISITOR_ID_PATTERN)], request: ConsentChangeRequest
) -> ConsentReceipt:
    return consents().change(Owner("visitor", visitor_id), request, _context(), actor="visitor")


@public.post("/unsubscribe", summary="One-click unsubscribe (RFC 8058): withdraws the token's purpose")
def post_unsubscribe(token: Annotated[str, Query(min_length=1, max_length=2048)]) -> UnsubscribedOut:
    body = router.current_event.decoded_body or ""
    if "List-Unsubscribe=One-Click" not in body:
        raise InvalidRequest("Send the body List-Unsubscribe=One-Click (RFC 8058) to unsubscribe.")
    receipt = consents().unsubscribe(token, _context())
    return UnsubscribedOut(unsubscribed=True, purpose=receipt.purposes[0].purpose, receipt_id=receipt.receipt_id)


@public.get("/unsubscribe", summary="Explains the one-click link; changes nothing (mail scanners follow links)")
def get_unsubscribe(token: Annotated[str | None, Query(max_length=2048)] = None) -> UnsubscribeInfoOut:
    if token:
        consents().check_unsubscribe_link(token)  # 410 when the account is gone, as the POST would answer
    return UnsubscribeInfoOut(message="To unsubscribe, send POST to this URL with the body List-Unsubscribe=One-Click.")


@host_app.post(
    "/app/subjects/<subject_id>/unsubscribe-tokens",
    summary="A one-click unsubscribe token for a subject and purpose (host application only)",
)
def post_unsubscribe_token(subject_id: SUBJECT_ID, body: UnsubscribeTokenIn) -> UnsubscribeTokenOut:
    lifetime = timedelta(days=settings().unsubscribe_token_days)
    token, expires_at = consents().issue_unsubscribe_token(subject_id, body.purpose, lifetime)
    return UnsubscribeTokenOut(token=token, expires_at=expires_at, url_path=f"/unsubscribe?token={token}")
