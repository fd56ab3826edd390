"""Operator routes (privacy-admin group): requests received by other channels, the request queue by status and
due date, extensions, rejections, connected systems' completion, and audit chains with their verification."""

from typing import Annotated, Any, Literal

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from api.http import BEARER, build_app, resolve
from api.identity import ADMIN_GROUP, caller_of
from api.subject_schemas import RequestOut
from composition import requests, store
from domain.audit import AuditRecord, ChainVerification, verify_chain
from domain.requests.model import DataRequest, RequestStatus
from observability import logger

app = build_app()
TAGS = ["admin"]
REQUEST_ID = Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")]
Reason = Annotated[str, Field(min_length=3, max_length=500)]


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
        extra = request.model_dump(
            include={
                "subject_id",
                "origin",
                "verified_by",
                "extension_reason",
                "rejection_reason",
                "systems_pending",
                "systems_done",
            }
        )
        return cls(**base, **extra)


class AdminRequestListOut(BaseModel):
    items: list[AdminRequestOut]
    next: str | None


class AuditChainOut(BaseModel):
    subject: str
    verification: ChainVerification
    records: list[AuditRecord]


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
    due_before = requests().clock.now().isoformat() if overdue else None
    items, next_cursor = store().list_by_status(status, due_before=due_before, limit=limit, cursor=cursor)
    return AdminRequestListOut(items=[AdminRequestOut.of(r) for r in items], next=next_cursor)


@app.get(
    "/admin/requests/<request_id>", summary="One request, with its subject and systems", tags=TAGS, security=BEARER
)
def get_admin_request(request_id: REQUEST_ID) -> AdminRequestOut:
    _admin()
    return AdminRequestOut.of(requests().find(request_id))


@app.post(
    "/admin/requests/<request_id>/extend",
    summary="Extend the deadline once (GDPR: +2 months)",
    tags=TAGS,
    security=BEARER,
)
def extend_request(request_id: REQUEST_ID, body: ReasonIn) -> AdminRequestOut:
    return AdminRequestOut.of(requests().extend(request_id, body.reason, admin=_admin()))


@app.post(
    "/admin/requests/<request_id>/reject", summary="Reject a request, with the reason", tags=TAGS, security=BEARER
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


@app.get(
    "/admin/audit/<subject_pseudonym>",
    summary="A subject's audit chain and whether it verifies",
    tags=TAGS,
    security=BEARER,
)
def get_audit_chain(subject_pseudonym: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")]) -> AuditChainOut:
    _admin()
    records = store().audit.chain(subject_pseudonym)
    return AuditChainOut(subject=subject_pseudonym, verification=verify_chain(records), records=records)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolve(app, event, context)
