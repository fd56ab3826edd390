"""Operator routes (privacy-admin group): requests received by other channels (a rectification applied at once), the
request queue by status and due date, extensions, rejections, connected systems' completion, legal holds on a
subject's records, a restore for a subject who asked by e-mail, audit chains with their verification (the head
signed), and deletion certificates with the exact message their signature covers."""

from typing import Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from api.admin_schemas import (
    AdminRequestIn,
    AdminRequestListOut,
    AdminRequestOut,
    AuditChainOut,
    CertificateOut,
    HoldIn,
    HoldListOut,
    HoldOut,
    ReasonIn,
    RestoreIn,
    SignedHead,
)
from api.authorization import ADMIN
from api.http import Routes, build_router
from api.identity import caller_of
from api.parameters import REQUEST_ID, SUBJECT_ID
from api.standing_schemas import CompellingGroundsIn, StandingOut
from api.subject_schemas import StatusOut
from domain.requests.model import DataRequest, RequestStatus
from wiring.audit import audit
from wiring.erasure import erasure, holds
from wiring.requests import operator_desk, rectification, requests
from wiring.shared import audit_log

router = build_router()
TAGS = ["admin"]
operator = Routes(router, tags=TAGS, middlewares=[ADMIN])
CATEGORY = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,40}$")]  # domain.records.CATEGORY_ID


def _out(request: DataRequest) -> AdminRequestOut:
    """A request as operators see it, with the pseudonym that names its audit chain."""
    return AdminRequestOut.of_request(request, audit_log().pseudonym(request.subject_id))


def _admin() -> str:
    """The operator's subject id (ADMIN has let only operators in)."""
    return caller_of(router.current_event).subject_id


@operator.post(
    "/admin/requests",
    summary="Record a request received by e-mail after verifying the sender (a rectification is applied at once)",
    status_code=202,
)
def post_admin_request(body: AdminRequestIn) -> AdminRequestOut:
    if body.changes is not None:  # a rectification (AdminRequestIn): applied now, closed as connected systems report
        corrected = rectification().rectify(body.subject_id, body.changes, verified_by=body.verified_by, admin=_admin())
        return _out(corrected)
    request = requests().submit(body.subject_id, body.type, body.format, origin="admin", verified_by=body.verified_by)
    return _out(request)


@operator.get("/admin/requests", summary="Requests by status, soonest due first")
def list_admin_requests(
    status: Annotated[RequestStatus, Query()] = "received",
    overdue: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> AdminRequestListOut:
    items, next_cursor = operator_desk().queue(status, overdue=overdue, limit=limit, cursor=cursor)
    return AdminRequestListOut(items=[_out(r) for r in items], next=next_cursor)


@operator.get("/admin/requests/<request_id>", summary="One request, with its subject and systems")
def get_admin_request(request_id: REQUEST_ID) -> AdminRequestOut:
    return _out(operator_desk().find(request_id))


@operator.post(
    "/admin/requests/<request_id>/extend", summary="Extend the deadline once (GDPR: +2 months), before it has passed"
)
def extend_request(request_id: REQUEST_ID, body: ReasonIn) -> AdminRequestOut:
    return _out(operator_desk().extend(request_id, body.reason, admin=_admin()))


@operator.post(
    "/admin/requests/<request_id>/reject", summary="Reject an open request, or close a failed one, with the reason"
)
def reject_request(request_id: REQUEST_ID, body: ReasonIn) -> AdminRequestOut:
    return _out(operator_desk().reject(request_id, body.reason, admin=_admin()))


@operator.post(
    "/admin/requests/<request_id>/systems/<system>/complete",
    summary="A connected system finished its part of the request",
)
def complete_system(
    request_id: REQUEST_ID, system: Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,64}$")]
) -> AdminRequestOut:
    return _out(operator_desk().system_done(request_id, system, admin=_admin()))


@operator.post(
    "/admin/subjects/<subject_id>/holds",
    summary="Place a legal hold: the subject's records of a category are kept past its purge until the hold ends "
    "(placing it again on the same category replaces until and reason)",
    status_code=201,
)
def place_hold(subject_id: SUBJECT_ID, body: HoldIn) -> HoldOut:
    return HoldOut.of(holds().place(subject_id, body.category, body.until, body.reason, admin=_admin()))


@operator.get("/admin/subjects/<subject_id>/holds", summary="A subject's legal holds that have not ended")
def list_holds(subject_id: SUBJECT_ID) -> HoldListOut:
    return HoldListOut(items=[HoldOut.of(hold) for hold in holds().holds(subject_id)])


@operator.delete(
    "/admin/subjects/<subject_id>/holds/<category>",
    summary="Lift a legal hold (records already isolated by a purge stay isolated until the hold's end)",
    status_code=204,
    responses={204: {"description": "The hold is lifted", "content": {}}},
)
def lift_hold(subject_id: SUBJECT_ID, category: CATEGORY) -> Response[None]:
    holds().lift(subject_id, category, admin=_admin())
    return Response(status_code=204)


@operator.post(
    "/admin/subjects/<subject_id>/restore",
    summary="Cancel a subject's deletion within the restore window, for a subject who asked by e-mail",
    description="The rules of POST /me/restore: only a deletion the subject may cancel (their own, an erasure "
    "request, inactivity), within the window. 409 `deletion_not_cancellable`: a parent's, or an account opened "
    "without the required parental consent; 409 `not_scheduled`: nothing to restore; 410: purged. Audited as the "
    "operator's act, with the verification method.",
)
def restore_subject(subject_id: SUBJECT_ID, body: RestoreIn) -> StatusOut:
    status = erasure().restore(subject_id, actor="admin", details={"admin": _admin(), "verified_by": body.verified_by})
    return StatusOut(state=status.state, purge_at=None, reason=None)


@operator.get("/admin/audit/<subject_pseudonym>", summary="A subject's audit chain and whether it verifies")
def get_audit_chain(subject_pseudonym: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]) -> AuditChainOut:
    chain = audit().chain(subject_pseudonym)
    head = chain.head_signature
    return AuditChainOut(
        subject=chain.subject,
        verification=chain.verification,
        records=chain.records,
        head_signature=SignedHead.model_validate({"signed_message": head.message, **head.signature}) if head else None,
    )


@operator.get(
    "/admin/certificates/<certificate_id>",
    summary="A deletion certificate with its signature and the exact message signed",
)
def get_certificate(certificate_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> CertificateOut:
    stored = audit().certificate(certificate_id)
    return CertificateOut(
        certificate=stored.certificate,
        signature=stored.signature,
        signing_key_id=stored.signing_key_id,
        signing_algorithm=stored.signing_algorithm,
        signed_message=stored.signed_message,
    )


# ---------------------------------------------------------------- restriction and objection (domain/standing)
@operator.post(
    "/admin/subjects/<subject_id>/restriction/lift",
    summary="Announce the lift of a subject's restriction: in force until the notice period ends (GDPR Art. 18(3))",
    description="The subject is told before the lift: `RestrictionLiftAnnounced` and `lift_at` in their GET "
    "/me/status; processing resumes at `lift_at` (RestrictionLiftNoticeDays). The reason is kept with the "
    "restriction, never in the audit trail. 409 `not_restricted`.",
    status_code=202,
)
def post_restriction_lift(subject_id: SUBJECT_ID, body: ReasonIn) -> StandingOut:
    from api.standing_schemas import standing_out
    from wiring.standing import standing

    updated = standing().announce_lift(subject_id, body.reason, admin=_admin())
    return standing_out(subject_id, updated, updated.restriction)


@operator.post(
    "/admin/requests/<request_id>/compelling-grounds",
    summary="Record compelling legitimate grounds that override an objection (GDPR Art. 21(1))",
    description="Only for a purpose based on legitimate interests: an objection to direct marketing is absolute "
    "(409 `objection_absolute`). 409 `no_such_objection`: the request holds no objection to this purpose.",
)
def post_compelling_grounds(request_id: REQUEST_ID, body: CompellingGroundsIn) -> StandingOut:
    from api.standing_schemas import standing_out
    from wiring.shared import clock
    from wiring.standing import standing

    request = operator_desk().find(request_id)
    updated = standing().compelling_grounds(request, body.purpose, body.reason, admin=_admin())
    return standing_out(request.subject_id, updated, updated.restriction_at(clock().now()))
