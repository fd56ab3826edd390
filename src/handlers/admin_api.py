"""Operator routes (privacy-admin group): requests received by other channels, the request queue by status and
due date, extensions, rejections, connected systems' completion, legal holds on a subject's records, audit chains
with their verification (the head signed), and deletion certificates with the exact message their signature
covers."""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from api.http import BEARER, build_app, resolve
from api.identity import ADMIN_GROUP, caller_of
from api.snapstart import prime_on_snapshot
from api.subject_schemas import RequestOut
from composition import clock, holds, requests, store
from domain.audit.model import AuditRecord, ChainVerification, verify_chain
from domain.erasure.model import LegalHold
from domain.errors import NotFound
from domain.requests.model import DataRequest, RequestStatus
from observability import logger
from trust_composition import audit_anchors, certificates, signer

app = build_app()
TAGS = ["admin"]
REQUEST_ID = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Reason = Annotated[str, Field(min_length=3, max_length=500)]
SUBJECT_ID = Annotated[str, Path(min_length=1, max_length=128)]
CATEGORY = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{1,40}$")]  # domain.records.CATEGORY_ID


class AdminRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    subject_id: Annotated[str, Field(min_length=1, max_length=128)]
    type: Literal["access", "portability"]
    format: Literal["json", "csv"] = "json"
    verified_by: Annotated[
        str, Field(min_length=3, max_length=200, description="How the sender's identity was checked")
    ]


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class AdminRequestOut(RequestOut):
    subject_id: str
    origin: str
    verified_by: str | None
    extension_reason: str | None
    rejection_reason: str | None
    systems_pending: list[str]
    systems_done: list[str]

    @classmethod
    def of(cls, request: DataRequest) -> "AdminRequestOut":
        base = RequestOut.of(request).model_dump()
        extra = ("subject_id", "origin", "verified_by", "extension_reason", "rejection_reason")
        return cls(
            **base,
            **{name: getattr(request, name) for name in extra},
            systems_pending=list(request.systems_pending),
            systems_done=list(request.systems_done),
        )


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    category: Annotated[str, Field(min_length=1, max_length=64, description="A configured record category")]
    until: Annotated[AwareDatetime, Field(description="When the hold ends (ISO 8601 with an offset, in the future)")]
    reason: Annotated[
        str, Field(min_length=1, max_length=500, description="Why (e.g. the case); kept on the hold, never audited")
    ]

    @field_validator("until")
    @classmethod
    def _in_utc(cls, until: datetime) -> datetime:
        try:
            return until.astimezone(UTC)
        except OverflowError as error:  # e.g. 9999-12-31T23:00:00-02:00 is past the last representable moment
            raise ValueError("out of range") from error


class HoldOut(BaseModel):
    category: str
    until: datetime
    reason: str
    placed_at: datetime
    placed_by: Annotated[str, Field(description="The operator who placed it (their subject id)")]

    @classmethod
    def of(cls, hold: LegalHold) -> "HoldOut":
        return cls(
            category=hold.category,
            until=hold.until,
            reason=hold.reason,
            placed_at=hold.placed_at,
            placed_by=hold.placed_by,
        )


class HoldListOut(BaseModel):
    items: list[HoldOut]


class AdminRequestListOut(BaseModel):
    items: list[AdminRequestOut]
    next: str | None


class SignedHead(BaseModel):
    """The service's signed statement of the chain it verified: the signature covers `signed_message` exactly."""

    signed_message: Annotated[
        str,
        Field(
            description="Canonical JSON of {subject, length, head_hash, valid, broken_at, anchored_through, verified_at}"
        ),
    ]
    signature: Annotated[str, Field(description="Base64 of the DER-encoded ECDSA signature")]
    signing_key_id: str
    signing_algorithm: Literal["ECDSA_SHA_256"]


class AuditChainOut(BaseModel):
    subject: str
    verification: ChainVerification
    records: list[AuditRecord]
    head_signature: SignedHead | None = None


class CertificateOut(BaseModel):
    """A deletion certificate and everything needed to verify it offline (see docs/verify-certificate.md)."""

    certificate: Annotated[
        dict[str, Any], Field(description="The certificate body exactly as stored and signed (a DeletionCertificate)")
    ]
    signature: Annotated[str | None, Field(description="Base64 of the DER-encoded ECDSA signature")]
    signing_key_id: Annotated[str | None, Field(description="The KMS key (ARN) that signed")]
    signing_algorithm: Annotated[str | None, Field(description="ECDSA_SHA_256: ECDSA on P-256 over SHA-256")]
    signed_message: Annotated[
        str, Field(description="The exact UTF-8 text that was signed: the certificate as canonical JSON")
    ]


def _admin() -> str:
    caller = caller_of(app.current_event)
    caller.require_group(ADMIN_GROUP)
    return caller.subject_id


@app.post(
    "/admin/requests",
    summary="Record a request received by e-mail after verifying the sender",
    tags=TAGS,
    security=BEARER,
    status_code=202,
)
def post_admin_request(body: AdminRequestIn) -> AdminRequestOut:
    _admin()
    request = requests().submit(body.subject_id, body.type, body.format, origin="admin", verified_by=body.verified_by)
    return AdminRequestOut.of(request)


@app.get("/admin/requests", summary="Requests by status, soonest due first", tags=TAGS, security=BEARER)
def list_admin_requests(
    status: Annotated[RequestStatus, Query()] = "received",
    overdue: Annotated[bool, Query()] = False,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> AdminRequestListOut:
    _admin()
    items, next_cursor = requests().queue(status, overdue=overdue, limit=limit, cursor=cursor)
    return AdminRequestListOut(items=[AdminRequestOut.of(r) for r in items], next=next_cursor)


@app.get(
    "/admin/requests/<request_id>", summary="One request, with its subject and systems", tags=TAGS, security=BEARER
)
def get_admin_request(request_id: REQUEST_ID) -> AdminRequestOut:
    _admin()
    return AdminRequestOut.of(requests().find(request_id))


@app.post(
    "/admin/requests/<request_id>/extend",
    summary="Extend the deadline once (GDPR: +2 months), before it has passed",
    tags=TAGS,
    security=BEARER,
)
def extend_request(request_id: REQUEST_ID, body: ReasonIn) -> AdminRequestOut:
    return AdminRequestOut.of(requests().extend(request_id, body.reason, admin=_admin()))


@app.post(
    "/admin/requests/<request_id>/reject",
    summary="Reject an open request, or close a failed one, with the reason",
    tags=TAGS,
    security=BEARER,
)
def reject_request(request_id: REQUEST_ID, body: ReasonIn) -> AdminRequestOut:
    return AdminRequestOut.of(requests().reject(request_id, body.reason, admin=_admin()))


@app.post(
    "/admin/requests/<request_id>/systems/<system>/complete",
    summary="A connected system finished its part of the request",
    tags=TAGS,
    security=BEARER,
)
def complete_system(
    request_id: REQUEST_ID, system: Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,64}$")]
) -> AdminRequestOut:
    return AdminRequestOut.of(requests().system_done(request_id, system, admin=_admin()))


@app.post(
    "/admin/subjects/<subject_id>/holds",
    summary="Place a legal hold: the subject's records of a category are kept past its purge until the hold ends "
    "(placing it again on the same category replaces until and reason)",
    tags=TAGS,
    security=BEARER,
    status_code=201,
)
def place_hold(subject_id: SUBJECT_ID, body: HoldIn) -> HoldOut:
    admin = _admin()
    return HoldOut.of(holds().place(subject_id, body.category, body.until, body.reason, admin=admin))


@app.get(
    "/admin/subjects/<subject_id>/holds",
    summary="A subject's legal holds that have not ended",
    tags=TAGS,
    security=BEARER,
)
def list_holds(subject_id: SUBJECT_ID) -> HoldListOut:
    _admin()
    return HoldListOut(items=[HoldOut.of(hold) for hold in holds().holds(subject_id)])


@app.delete(
    "/admin/subjects/<subject_id>/holds/<category>",
    summary="Lift a legal hold (records already isolated by a purge stay isolated until the hold's end)",
    tags=TAGS,
    security=BEARER,
    status_code=204,
    responses={204: {"description": "The hold is lifted", "content": {}}},
)
def lift_hold(subject_id: SUBJECT_ID, category: CATEGORY) -> Response[None]:
    admin = _admin()
    holds().lift(subject_id, category, admin=admin)
    return Response(status_code=204)


@app.get(
    "/admin/audit/<subject_pseudonym>",
    summary="A subject's audit chain and whether it verifies",
    tags=TAGS,
    security=BEARER,
)
def get_audit_chain(subject_pseudonym: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]) -> AuditChainOut:
    _admin()
    # Anchors first: a record appended meanwhile is then in the chain read after them, never missing from it.
    anchors = audit_anchors().of(subject_pseudonym)
    records = store().audit.chain(subject_pseudonym)
    verification = verify_chain(records, anchors, now=clock().now())
    return AuditChainOut(
        subject=subject_pseudonym,
        verification=verification,
        records=records,
        head_signature=_signed_head(subject_pseudonym, verification),
    )


def _signed_head(subject: str, verification: ChainVerification) -> SignedHead | None:
    sign = signer()
    if sign is None or (verification.length == 0 and not verification.anchored_through):
        return None
    from adapters.certificates import canonical_json

    statement = {
        "subject": subject,
        "length": verification.length,
        "head_hash": verification.head_hash,
        "valid": verification.valid,
        "broken_at": verification.broken_at,
        "anchored_through": verification.anchored_through,
        "verified_at": clock().now().isoformat(),
    }
    message = canonical_json(statement)
    return SignedHead.model_validate({"signed_message": message, **sign(message.encode("utf-8"))})


@app.get(
    "/admin/certificates/<certificate_id>",
    summary="A deletion certificate with its signature and the exact message signed",
    tags=TAGS,
    security=BEARER,
)
def get_certificate(certificate_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]) -> CertificateOut:
    _admin()
    stored = certificates().get(certificate_id)
    if stored is None:
        raise NotFound("No deletion certificate with this id.")
    return CertificateOut(
        certificate=stored.certificate,
        signature=stored.signature,
        signing_key_id=stored.signing_key_id,
        signing_algorithm=stored.signing_algorithm,
        signed_message=stored.signed_message,
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)


prime_on_snapshot(
    app, requests, holds, store, audit_anchors, certificates
)  # SnapStart: what the published version's snapshot holds
