"""Subject routes: the profile (access and rectification), activity, data-subject requests and their
downloads, and the records the host application registers about a subject."""

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body, Header, Path

from api.authorization import HOST_APP
from api.http import Routes, build_router
from api.identity import caller_of
from api.languages import negotiate
from api.parameters import REQUEST_ID, SUBJECT_ID
from api.subject_schemas import (
    ActivityOut,
    DeletionOut,
    DownloadOut,
    ProfileOut,
    RecordOut,
    RequestIn,
    RequestListOut,
    RequestOut,
    StatusOut,
)
from domain.activity import activity_keys
from domain.audit.model import AuditEntry
from domain.erasure.model import SubjectUnavailable
from domain.errors import NotFound
from domain.profile import AGE_FIELDS
from domain.profile_changes import ProfilePatch, apply_patch
from domain.records import encode_document
from policy.recipients import RecipientsOut, recipients_view
from wiring.erasure import erasure
from wiring.policy import policy, record_categories
from wiring.requests import download_url, requests, settings
from wiring.shared import clock, store

router = build_router()
TAGS = ["subject"]
subject = Routes(router, tags=TAGS)
host_app = Routes(router, tags=TAGS, middlewares=[HOST_APP])
RECORD_ID = Annotated[str, Path(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]
# A client's key for safe retries: a retry with the same key gets the first answer (api.idempotency). Longer keys
# are refused rather than cut: two keys sharing their first characters must not share an answer.
IDEMPOTENCY_KEY = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Retries with the same key within 24 hours get the first answer and make no second request; "
        "while the first is still being handled they get 409 `request_in_progress` with `Retry-After`.",
    ),
]
_active_today: set[tuple[str, str]] = set()  # per container: a busy client costs no AWS call at all


def _me() -> str:
    return caller_of(router.current_event).subject_id


def _audit(action: str, actor: Any, **details: Any) -> AuditEntry:
    return AuditEntry(action=action, actor=actor, at=clock().now(), details=details)


@subject.get("/me", summary="Your profile: the personal data held about you")
def get_me() -> ProfileOut:
    profile = store().profile(_me())
    if profile is None:
        raise NotFound("No profile exists for this account.")
    return ProfileOut(**asdict(profile))


@subject.patch(
    "/me",
    summary="Correct or complete your profile",
    description="403 `age_correction_needs_verification`: you are a minor under this service's rules and the new "
    "birth date or country would make you of age; the privacy team corrects it once verified (a rectification).",
)
def patch_me(patch: ProfilePatch) -> ProfileOut:
    subject_id = _me()
    profile = store().profile(subject_id)
    if profile is None:
        raise NotFound("No profile exists for this account.")
    updated, changed = apply_patch(profile, patch, clock().now())
    if not changed:
        return ProfileOut(**asdict(updated))
    audit = _audit("profile.rectified", "subject", fields=changed)
    if set(changed) & set(AGE_FIELDS):
        from wiring.minors import subject_ages

        # A minor cannot make themselves of age (domain.minors.ages.check_self_correction); the write holds only if
        # the fields checked are still those read, so two corrections cannot combine into one the rule refuses.
        subject_ages().check_self_correction(profile, updated)
        store().save_profile(updated, changed, audit=audit, checked=(profile, AGE_FIELDS))
    else:
        store().save_profile(updated, changed, audit=audit)
    return ProfileOut(**asdict(updated))


@subject.post("/me/activity", summary="Record that you were active today (at most one write a day)")
def post_activity() -> ActivityOut:
    subject_id, today = _me(), clock().now().date()
    key = (subject_id, today.isoformat())
    if key in _active_today:
        return ActivityOut(recorded=False, day=today)
    recorded = store().record_activity(subject_id, today.isoformat(), activity_keys(subject_id, today))
    if not recorded:
        # Either today is already recorded, or the subject is not active: only then is the status read.
        status = erasure().status(subject_id)
        if status.state == "pending_deletion" and status.reason == "inactivity":
            erasure().restore(subject_id)  # being active again cancels an inactivity removal, and records today
            recorded = True
        else:
            status.ensure_available()
    _active_today.add(key)
    return ActivityOut(recorded=recorded, day=today)


@subject.post(
    "/me/requests",
    summary="Exercise a right: a copy of your data (access, portability), erasure, restriction or objection",
    description="`restriction` (with `grounds`, GDPR Art. 18) restricts processing at once; `objection` (with "
    "`purposes`, Art. 21) applies to direct marketing and legitimate interests (422 `objection_not_applicable` "
    "otherwise: withdraw consent with PUT /me/consents; 422 `unknown_purpose`).",
    status_code=202,
)
def post_request(body: RequestIn, idempotency_key: IDEMPOTENCY_KEY = None) -> RequestOut:
    subject_id = _me()
    if idempotency_key:
        from api.idempotency import once

        scope = {"subject": subject_id, "key": idempotency_key, "type": body.type, "format": body.format}
        if body.grounds or body.purposes:  # restriction, objection: what was asked is part of the answer
            scope["what"] = body.grounds or ",".join(body.purposes or [])
        replayed: RequestOut = once(
            scope, RequestOut, lambda: _submit(subject_id, body), name="post_request", context=router.lambda_context
        )
        return replayed
    return _submit(subject_id, body)


def _submit(subject_id: str, body: RequestIn) -> RequestOut:
    if body.type == "erasure":
        return _erase(subject_id)
    if body.type in ("restriction", "objection"):
        from api.routes.standing import submit_standing_request

        return submit_standing_request(subject_id, body)
    return RequestOut.of(requests().submit(subject_id, body.type, body.format))


def _erase(subject_id: str) -> RequestOut:
    # Completed as soon as the data is unavailable and its purge scheduled (one month is the deadline; the restore
    # window is ErasureGraceDays): the purge's certificate names the request.
    request = requests().submit(subject_id, "erasure")
    status = erasure().schedule_deletion(subject_id, "erasure_request", actor="subject", request_id=request.request_id)
    return RequestOut.of(requests().erasure_scheduled(request, purge_at=status.purge_at))


@subject.delete("/me", summary="Delete your account: unavailable now, purged after the restore window", status_code=202)
def delete_me() -> DeletionOut:
    status = erasure().schedule_deletion(_me(), "user_request", actor="subject")
    return DeletionOut(
        state=status.state,
        purge_at=status.purge_at,
        reason=status.reason,
        request_id=status.request_id,
        restore_until=status.purge_at,
    )


@subject.post(
    "/me/restore",
    summary="Cancel the deletion of your account during the restore window",
    description="Cancels a deletion you asked for (or one for inactivity). 409 `deletion_not_cancellable`: the "
    "deletion was asked by your parent or guardian, or the account was opened without their required consent; "
    "only they can change it. 409 `not_scheduled`: nothing to restore.",
)
def restore_me() -> StatusOut:
    # Exactly as it was, but for the day of last activity: today (domain.erasure.service).
    status = erasure().restore(_me())
    return StatusOut(state=status.state, purge_at=None, reason=None)


@subject.get("/me/status", summary="Whether your account is active, pending deletion or purged")
def get_status() -> StatusOut:
    from api.standing_schemas import status_out
    from wiring.standing import standing

    # One read of the partition: the account state and the restriction the permission rule sees (domain/standing).
    return status_out(standing().status(_me()))


@subject.get(
    "/me/recipients",
    summary="Who your personal data is disclosed to, and for which purposes (GDPR Art. 19)",
    description="The recipients of the product's policy (name, role, what for, country, transfer safeguard), each "
    "with the policy's purposes it serves; they are the ones told of every rectification, erasure or restriction. "
    "Purpose titles in the negotiated language (`Content-Language`). Answered while the account is pending deletion.",
)
def get_recipients(
    # No length limit: a header we cannot read falls back to the policy's default language (as GET /policy).
    accept_language: Annotated[str | None, Header(alias="Accept-Language")] = None,
) -> Response[RecipientsOut]:
    _me()
    active = policy()
    language = negotiate(accept_language, active.languages, active.default_language)
    headers = {"Content-Language": language, "Vary": "Accept-Language", "Cache-Control": "private, max-age=300"}
    return Response(200, content_types.APPLICATION_JSON, recipients_view(active, language), headers=headers)


@subject.get("/me/requests", summary="Your requests and their status")
def list_requests() -> RequestListOut:
    return RequestListOut(items=[RequestOut.of(r) for r in requests().list_for(_me())])


@subject.get("/me/requests/<request_id>", summary="One of your requests")
def get_request(request_id: REQUEST_ID) -> RequestOut:
    return RequestOut.of(requests().get(_me(), request_id))


@subject.get("/me/requests/<request_id>/download", summary="A short-lived link to your export")
def get_download(request_id: REQUEST_ID) -> DownloadOut:
    subject_id = _me()
    status = erasure().status(subject_id)  # due counts as purged: its exports are going or gone
    if status.state == "purged":  # pending deletion, the export can still be had back (api/availability.py)
        raise SubjectUnavailable(status.state, status.purge_at)
    key = requests().download_key(subject_id, request_id)
    ttl = min(settings().download_url_ttl_seconds, 3600)
    url = download_url(key, ttl)
    return DownloadOut(url=url, expires_at=clock().now() + timedelta(seconds=ttl))


@host_app.put(
    "/app/subjects/<subject_id>/records/<category>/<record_id>",
    summary="Register a record the host application holds about a subject (host application only)",
    description="A record of a category with a retention rule (e.g. `invoices`: `invoice_date`, kept 10 years) must "
    "carry that date in ISO 8601, or it is refused with 422 naming the field. A subject pending deletion or purged "
    "takes no new record: 410.",
)
def put_record(
    subject_id: SUBJECT_ID,
    category: Annotated[str, Path(max_length=64)],
    record_id: RECORD_ID,
    document: Annotated[dict[str, Any], Body()],
) -> RecordOut:
    encoded = encode_document(document)  # 413 first: too big is what matters, whatever else is wrong
    record_categories().get(category).check(document)  # 422 if its retention rule has no date to count from
    audit = _audit("record.registered", "app", category=category)
    if not store().put_record(subject_id, category, record_id, encoded, audit=audit, now=clock().now().isoformat()):
        erasure().status(subject_id).ensure_accepts_records()  # 410 if pending deletion or purged
        raise NotFound("No subject with this id.")
    return RecordOut(subject_id=subject_id, category=category, record_id=record_id, stored=True)


@host_app.delete(
    "/app/subjects/<subject_id>/records/<category>/<record_id>",
    summary="Remove a registered record (host application only)",
)
def delete_record(
    subject_id: SUBJECT_ID,
    category: Annotated[str, Path(max_length=64)],
    record_id: RECORD_ID,
) -> RecordOut:
    record_categories().get(category)
    if not store().delete_record(
        subject_id, category, record_id, audit=_audit("record.deleted", "app", category=category)
    ):
        raise NotFound("No such record.")
    return RecordOut(subject_id=subject_id, category=category, record_id=record_id, stored=False)
