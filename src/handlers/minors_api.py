"""Minors routes: the host application's age check and parental consent requests, the parent's one-time answer,
the parent's rights over a linked child's data, and the operator's purge of a child who signed up without consent.
"""

from dataclasses import asdict, replace
from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from api.http import BEARER, build_app, resolve
from api.identity import ADMIN_GROUP, APP_GROUP, caller_of
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
from api.snapstart import prime_on_snapshot
from api.subject_schemas import DownloadOut, ProfileOut, RequestOut
from composition import clock, erasure, requests, store
from domain.audit.model import AuditEntry
from domain.erasure.model import CANCELLABLE_BY_SUBJECT, SubjectStatus, SubjectUnavailable
from domain.minors.model import SUBJECT_ID_PATTERN, ChildLink, ParentalRightsEnded, parental_rights_apply
from domain.minors.rules import InvalidBirthDate, check_minor, load_age_table
from domain.profile import Profile
from minors_composition import catalog, consents, parental, parental_store, settings, underage
from observability import logger

app = build_app()
TAGS = ["minors"]
MINORS_SCOPE = "privacy/minors"
SUBJECT_ID = Annotated[str, Path(pattern=SUBJECT_ID_PATTERN)]
REQUEST_ID = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]


# ---------------------------------------------------------------- who may call
def _host_app() -> None:
    caller_of(app.current_event).require_group_or_scope(APP_GROUP, MINORS_SCOPE)


def _linked(child_id: str) -> ChildLink:
    """The caller's own link to this child; an unknown child and someone else's child look the same (404), and a
    child who is of age is no longer the parent's to act for (403)."""
    parent = caller_of(app.current_event).subject_id
    erasure().ensure_available(parent)
    link = parental().linked_child(parent, child_id)
    if not _parent_acts_for(store().profile(child_id)):
        raise ParentalRightsEnded()
    return link


def _parent_acts_for(child: Profile | None) -> bool:
    if child is None:  # purged: the routes answer for that themselves
        return True
    return parental_rights_apply(
        child.birth_date,
        child.country,
        clock().now(),
        table=load_age_table(),
        minimum_age=settings().minimum_consent_age,
    )


def _not_purged(child_id: str) -> SubjectStatus:
    status = erasure().status(child_id)
    if status.state == "purged":
        raise SubjectUnavailable("purged", status.purge_at)
    return status


# ---------------------------------------------------------------- host application
@app.post(
    "/minors/checks",
    summary="Whether a sign-up needs a parent's consent (host application only; nothing is stored)",
    tags=TAGS,
    security=BEARER,
)
def post_check(body: MinorCheckIn) -> MinorCheckOut:
    _host_app()
    try:
        result = check_minor(
            body.birth_date,
            body.country,
            clock().now(),  # ages are counted on the earliest date on Earth: never overestimated (domain.minors.rules)
            table=load_age_table(),
            minimum_age=settings().minimum_consent_age,
        )
    except InvalidBirthDate:
        raise InvalidBirthDate("The birth date is in the future.") from None  # without the date in the answer
    return MinorCheckOut(
        parental_consent_required=result.parental_consent_required, age_of_consent=result.age_of_consent, age=result.age
    )


@app.post(
    "/minors/consent-requests",
    summary="Ask a parent for consent: keeps only the parent's e-mail until the answer or expiry (host application)",
    description="The backend e-mails the parent (in `language`) what would be collected, why, and the parent's "
    "rights, with a single-use link to answer. The link's token goes to that mailbox only: it is in neither this "
    "answer nor any event.",
    tags=TAGS,
    security=BEARER,
    status_code=201,
)
def post_consent_request(body: ConsentRequestIn) -> ConsentRequestOut:
    _host_app()
    issued = parental().request(body.parent_email, body.country, body.child_reference, language=body.language)
    logger.info("parental consent requested", extra={"request_id": issued.request_id})
    return ConsentRequestOut(request_id=issued.request_id, expires_at=issued.expires_at)


@app.post(
    "/minors/consent-requests/confirm",
    summary="The parent's answer, with the token from the e-mail (single use)",
    tags=TAGS,
)
def post_confirm(body: ConfirmIn) -> ConfirmOut:
    request_id = parental().confirm(body.token, body.decision)  # the audit record takes the request's correlation id
    return ConfirmOut(request_id=request_id, decision=body.decision, recorded=True)


@app.post(
    "/app/minors/consent-requests/<request_id>/link",
    summary="Link an approved request's child account to the parent (host application only)",
    description="Only the account whose own sign-up named this request (client metadata `parental_request_id`) can "
    "be linked, while its birth date needs a parent's consent and it has no other parent; otherwise 409 "
    "`child_not_bound`, `parental_consent_not_required`, `child_already_linked` or `link_conflict`.",
    tags=TAGS,
    security=BEARER,
)
def post_link(request_id: REQUEST_ID, body: LinkIn) -> LinkOut:
    _host_app()
    link = parental().link(request_id, body.child_subject_id, body.parent_subject_id)
    return LinkOut(
        request_id=link.request_id,
        parent_subject_id=link.parent_subject_id,
        child_subject_id=link.child_subject_id,
        linked_at=link.linked_at,
    )


# ---------------------------------------------------------------- parents
def _child_out(link: ChildLink, found: Profile | None) -> ChildOut:
    child = link.child_subject_id
    status = erasure().status(child)
    profile, decided, collected = None, {}, {}
    if status.state == "active":  # a child pending deletion is unavailable to everyone, the parent included
        from domain.consent.ports import Owner  # here: the host's routes (age checks, requests) never need consent

        profile = ProfileOut(**asdict(found)) if found else None
        views = consents().current(Owner("subject", child))
        decided = {purpose: view.granted for purpose, view in views.items() if view.decided}
        collected = parental_store().collected(child)
    return ChildOut(
        child_subject_id=child,
        child_reference=link.child_reference,
        request_id=link.request_id,
        approved_at=link.approved_at,
        linked_at=link.linked_at,
        state=status.state,
        purge_at=status.purge_at,
        profile=profile,
        consents=decided,
        collected=collected,
    )


@app.get(
    "/parents/me/children",
    summary="Your linked children and what is held about them",
    description="A child who has reached the age of digital consent in their country is not listed: their data "
    "is theirs alone, and the routes about them answer 403 `parental_rights_ended`.",
    tags=TAGS,
    security=BEARER,
)
def get_children() -> ChildrenOut:
    parent = caller_of(app.current_event).subject_id
    erasure().ensure_available(parent)
    items = []
    for link in parental().children(parent):
        child = store().profile(link.child_subject_id)
        if _parent_acts_for(child):
            items.append(_child_out(link, child))
    return ChildrenOut(items=items)


@app.post(
    "/parents/me/children/<child_id>/requests",
    summary="Ask for a copy of your child's data",
    tags=TAGS,
    security=BEARER,
    status_code=202,
)
def post_child_request(child_id: SUBJECT_ID, body: ChildRequestIn) -> RequestOut:
    _linked(child_id)
    erasure().ensure_available(child_id)
    return RequestOut.of(requests().submit(child_id, body.type, body.format, origin="parent"))


@app.get(
    "/parents/me/children/<child_id>/requests/<request_id>",
    summary="One request about your child",
    tags=TAGS,
    security=BEARER,
)
def get_child_request(child_id: SUBJECT_ID, request_id: REQUEST_ID) -> RequestOut:
    _linked(child_id)
    return RequestOut.of(requests().get(child_id, request_id))


@app.get(
    "/parents/me/children/<child_id>/requests/<request_id>/download",
    summary="A short-lived link to your child's export",
    tags=TAGS,
    security=BEARER,
)
def get_child_download(child_id: SUBJECT_ID, request_id: REQUEST_ID) -> DownloadOut:
    from adapters.s3_archive import presigned_download_url

    _linked(child_id)
    _not_purged(child_id)  # the request record outlives the purge; the export does not
    key = requests().download_key(child_id, request_id)
    ttl = min(settings().download_url_ttl_seconds, 3600)
    return DownloadOut(
        url=presigned_download_url(settings().exports_bucket, key, ttl),
        expires_at=clock().now() + timedelta(seconds=ttl),
    )


@app.post(
    "/parents/me/children/<child_id>/erasure",
    summary="Delete your child's data (purged after the restore window)",
    tags=TAGS,
    security=BEARER,
    status_code=202,
)
def post_child_erasure(child_id: SUBJECT_ID) -> ChildDeletionOut:
    _linked(child_id)
    status = _not_purged(child_id)
    if status.state == "active" or status.reason in CANCELLABLE_BY_SUBJECT:
        # A deletion already pending (e.g. for inactivity) becomes the parent's: the child can no longer cancel it.
        request = requests().submit(child_id, "erasure", origin="parent")
        status = erasure().schedule_binding_deletion(
            child_id, "parent_request", actor="parent", request_id=request.request_id
        )
        requests().erasure_scheduled(request, purge_at=status.purge_at)  # acted on: completed now (subject_api)
    return ChildDeletionOut(
        child_subject_id=child_id,
        state=status.state,
        purge_at=status.purge_at,
        reason=status.reason,
        request_id=status.request_id,
    )


@app.post(
    "/parents/me/children/<child_id>/withdraw",
    summary="Withdraw your consent: every refusable purpose refused, collection stopped, deletion scheduled",
    tags=TAGS,
    security=BEARER,
)
def post_child_withdraw(child_id: SUBJECT_ID) -> WithdrawOut:
    from api.context import request_context  # here: the host's routes (age checks, requests) never need consent
    from domain.consent.ports import Owner
    from domain.consent.rules import withdrawal_request

    link = _linked(child_id)
    _not_purged(child_id)
    receipt_id = None
    # Whatever the child's state: a deletion already pending (e.g. for inactivity) could otherwise be cancelled by
    # the child's next activity, with every consent still granted.
    refusals = withdrawal_request([purpose.id for purpose in catalog().purposes], catalog=catalog())
    if refusals is not None:
        receipt = consents().change(
            Owner("subject", child_id),
            refusals,
            request_context(app.current_event),
            actor="parent",
            source_override="parent",
        )
        receipt_id = receipt.receipt_id
    parental().record_withdrawal(link, receipt_id=receipt_id)
    status = erasure().schedule_binding_deletion(child_id, "parent_request", actor="parent")
    return WithdrawOut(
        child_subject_id=child_id,
        state=status.state,
        purge_at=status.purge_at,
        reason=status.reason,
        request_id=status.request_id,
        receipt_id=receipt_id,
    )


# ---------------------------------------------------------------- operators
@app.post(
    "/admin/subjects/<subject_id>/underage",
    summary="A child signed up without parental consent: unavailable now, purged without a restore window",
    tags=["admin"],
    security=BEARER,
    status_code=202,
)
def post_underage(subject_id: SUBJECT_ID) -> UnderageOut:
    caller_of(app.current_event).require_group(ADMIN_GROUP)
    status = erasure().schedule_deletion(subject_id, "underage", actor="admin", grace=timedelta(0))
    now = clock().now()
    if status.purge_at is not None and status.purge_at > now:
        # Already pending with a restore window (e.g. the child deleted the account): end the window now.
        audit = AuditEntry(action="deletion.expedited", actor="admin", at=now, details={"reason": "underage"})
        if underage().expedite(subject_id, "underage", audit=audit, now=now):
            status = replace(status, purge_at=now, reason="underage")
    underage().queue(subject_id)
    return UnderageOut(
        subject_id=subject_id, state=status.state, purge_at=status.purge_at, reason=status.reason, queued=True
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(
    app, requests, erasure, store, parental, consents, underage, catalog
)  # SnapStart: what the published version's snapshot holds
