"""Minors routes: the host application's age check and parental consent requests, the parent's one-time answer,
the parent's rights over a linked child's data, and the operator's purge of a child who signed up without consent.
"""

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path

from api.authorization import ADMIN, HOST_APP_OR_MINORS_SCOPE
from api.http import Routes, build_router
from api.identity import caller_of
from api.minors_schemas import (
    ChildDeletionOut,
    ChildOut,
    ChildrenOut,
    ChildRequestIn,
    ConfirmIn,
    ConfirmOut,
    ConsentRequestIn,
    ConsentRequestOut,
    LinkIn,
    LinkOut,
    MinorCheckIn,
    MinorCheckOut,
    UnderageOut,
    WithdrawOut,
)
from api.parameters import REQUEST_ID
from api.standing_schemas import ChildRestrictionIn, restriction_out
from api.subject_schemas import DownloadOut, ProfileOut, RequestOut, StatusOut
from domain.minors.model import SUBJECT_ID_PATTERN
from domain.minors.use_cases import ChildView
from observability import logger
from wiring.minors import age_check, parental, parents, settings
from wiring.requests import download_url
from wiring.shared import clock

router = build_router()
TAGS = ["minors"]
host_app = Routes(router, tags=TAGS, middlewares=[HOST_APP_OR_MINORS_SCOPE])
public = Routes(router, tags=TAGS, security=None)
parent = Routes(router, tags=TAGS)
operator = Routes(router, tags=["admin"], middlewares=[ADMIN])
SUBJECT_ID = Annotated[str, Path(pattern=SUBJECT_ID_PATTERN)]


def _me() -> str:
    return caller_of(router.current_event).subject_id


# ---------------------------------------------------------------- host application
@host_app.post(
    "/minors/checks", summary="Whether a sign-up needs a parent's consent (host application only; nothing is stored)"
)
def post_check(body: MinorCheckIn) -> MinorCheckOut:
    ages = age_check()
    result = ages.check(body.birth_date, body.country)
    return MinorCheckOut(
        parental_consent_required=result.parental_consent_required,
        age_of_consent=result.age_of_consent,
        age=result.age,
        allowed=ages.allowed(result),
    )


@host_app.post(
    "/minors/consent-requests",
    summary="Ask a parent for consent: keeps only the parent's e-mail until the answer or expiry (host application)",
    description="The backend e-mails the parent (in `language`) what would be collected, why, and the parent's "
    "rights, with a single-use link to answer. The link's token goes to that mailbox only: it is in neither this "
    "answer nor any event.",
    status_code=201,
)
def post_consent_request(body: ConsentRequestIn) -> ConsentRequestOut:
    issued = parents().ask_parent(body.parent_email, body.country, body.child_reference, language=body.language)
    logger.info("parental consent requested", extra={"request_id": issued.request_id})
    return ConsentRequestOut(request_id=issued.request_id, expires_at=issued.expires_at)


@public.post(
    "/minors/consent-requests/confirm", summary="The parent's answer, with the token from the e-mail (single use)"
)
def post_confirm(body: ConfirmIn) -> ConfirmOut:
    request_id = parental().confirm(body.token, body.decision)  # the audit record takes the request's correlation id
    return ConfirmOut(request_id=request_id, decision=body.decision, recorded=True)


@host_app.post(
    "/app/minors/consent-requests/<request_id>/link",
    summary="Link an approved request's child account to the parent (host application only)",
    description="Only the account whose own sign-up named this request (client metadata `parental_request_id`) can "
    "be linked, while its birth date needs a parent's consent and it has no other parent; otherwise 409 "
    "`child_not_bound`, `parental_consent_not_required`, `child_already_linked` or `link_conflict`. The parent must "
    "be the account whose Cognito-verified e-mail address is the one the consent mail went to (compared by a keyed "
    "digest, case and surrounding spaces ignored); any other account answers 409 `parent_not_addressee`.",
)
def post_link(request_id: REQUEST_ID, body: LinkIn) -> LinkOut:
    link = parental().link(request_id, body.child_subject_id, body.parent_subject_id)
    return LinkOut(
        request_id=link.request_id,
        parent_subject_id=link.parent_subject_id,
        child_subject_id=link.child_subject_id,
        linked_at=link.linked_at,
    )


# ---------------------------------------------------------------- parents
def _child_out(view: ChildView) -> ChildOut:
    link, status = view.link, view.status
    return ChildOut(
        child_subject_id=link.child_subject_id,
        child_reference=link.child_reference,
        request_id=link.request_id,
        approved_at=link.approved_at,
        linked_at=link.linked_at,
        state=status.state,
        purge_at=status.purge_at,
        profile=ProfileOut(**asdict(view.profile)) if view.profile else None,
        consents=view.consents,
        collected=view.collected,
        restricted=view.restriction is not None,
        restriction=restriction_out(view.restriction),
    )


@parent.get(
    "/parents/me/children",
    summary="Your linked children and what is held about them",
    description="A child who has reached the age of digital consent in their country is not listed: their data "
    "is theirs alone, and the routes about them answer 403 `parental_rights_ended`.",
)
def get_children() -> ChildrenOut:
    return ChildrenOut(items=[_child_out(view) for view in parents().children(_me())])


@parent.post("/parents/me/children/<child_id>/requests", summary="Ask for a copy of your child's data", status_code=202)
def post_child_request(child_id: SUBJECT_ID, body: ChildRequestIn) -> RequestOut:
    return RequestOut.of(parents().request(_me(), child_id, body.type, body.format))


@parent.get("/parents/me/children/<child_id>/requests/<request_id>", summary="One request about your child")
def get_child_request(child_id: SUBJECT_ID, request_id: REQUEST_ID) -> RequestOut:
    return RequestOut.of(parents().get_request(_me(), child_id, request_id))


@parent.get(
    "/parents/me/children/<child_id>/requests/<request_id>/download",
    summary="A short-lived link to your child's export",
)
def get_child_download(child_id: SUBJECT_ID, request_id: REQUEST_ID) -> DownloadOut:
    key = parents().download_key(_me(), child_id, request_id)
    ttl = min(settings().download_url_ttl_seconds, 3600)
    return DownloadOut(url=download_url(key, ttl), expires_at=clock().now() + timedelta(seconds=ttl))


@parent.post(
    "/parents/me/children/<child_id>/erasure",
    summary="Delete your child's data (purged after the restore window)",
    status_code=202,
)
def post_child_erasure(child_id: SUBJECT_ID) -> ChildDeletionOut:
    status = parents().erase(_me(), child_id)
    return ChildDeletionOut.of(child_id, status)


@parent.post(
    "/parents/me/children/<child_id>/withdraw",
    summary="Withdraw your consent: every refusable purpose refused, collection stopped, deletion scheduled",
)
def post_child_withdraw(child_id: SUBJECT_ID) -> WithdrawOut:
    from api.context import request_context  # here: the host's routes (age checks, requests) never need consent

    withdrawal = parents().withdraw(_me(), child_id, request_context(router.current_event))
    return WithdrawOut.of(child_id, withdrawal.status, receipt_id=withdrawal.receipt_id)


@parent.post(
    "/parents/me/children/<child_id>/restriction",
    summary="Restrict the processing of your child's data: collection stops, nothing is deleted (GDPR Art. 18)",
    status_code=202,
)
def post_child_restriction(child_id: SUBJECT_ID, body: ChildRestrictionIn) -> RequestOut:
    from domain.standing.use_cases import restrict
    from wiring.requests import requests
    from wiring.standing import standing

    parents().linked(_me(), child_id)
    return RequestOut.of(restrict(requests(), standing(), child_id, body.grounds, by="parent"))


@parent.post(
    "/parents/me/children/<child_id>/restriction/lift",
    summary="Lift the restriction of your child's data (now): collection may resume as their consents allow",
    description="Only a parent lifts a restriction a parent placed (the child's own lift is refused, 403 "
    "`restriction_by_parent`). 409 `not_restricted`: processing of the child's data is not restricted.",
)
def post_child_restriction_lift(child_id: SUBJECT_ID) -> StatusOut:
    from api.standing_schemas import status_out
    from wiring.standing import standing

    parents().linked(_me(), child_id)
    standing().lift(child_id, by="parent")
    return status_out(standing().status(child_id))


# ---------------------------------------------------------------- operators
@operator.post(
    "/admin/subjects/<subject_id>/underage",
    summary="A child signed up without parental consent: unavailable now, purged without a restore window",
    status_code=202,
)
def post_underage(subject_id: SUBJECT_ID) -> UnderageOut:
    status = parents().remove_underage(subject_id)
    return UnderageOut(
        subject_id=subject_id, state=status.state, purge_at=status.purge_at, reason=status.reason, queued=True
    )
