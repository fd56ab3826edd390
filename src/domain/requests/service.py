"""Request use cases of the subject (submit, idempotent while open; track; download) and of the workers that act on
requests (exports, erasure, the changes other rights make). The operators' side is the OperatorDesk (operator.py)."""

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta

from domain.audit.model import Actor, AuditEntry
from domain.clock import Clock, epoch_seconds
from domain.deadlines import due_at, jurisdiction_for
from domain.errors import NotFound
from domain.requests.model import (
    DataRequest,
    ExportFormat,
    Origin,
    RequestType,
)
from domain.requests.ports import ProfileStore, RequestStore
from domain.requests.recording import request_audit, save_progress
from domain.requests.rules import (
    SUBJECT_PURGED,
    ExportExpired,
    ExportNotReady,
    ensure_not_repeated,
    summary,
)


@dataclass(eq=False)
class RequestService:
    store: RequestStore
    clock: Clock
    _: KW_ONLY
    profiles: ProfileStore
    new_id: Callable[[], str]
    retention: timedelta
    export_lifetime: timedelta
    systems: list[str]
    export_cooldown: timedelta = timedelta(0)

    # ------------------------------------------------------------------ subject side
    def submit(
        self,
        subject_id: str,
        type_: RequestType,
        format_: ExportFormat = "json",
        *,
        origin: Origin = "subject",
        verified_by: str | None = None,
        correlation_id: str | None = None,
    ) -> DataRequest:
        existing = self.store.open_request(subject_id, type_, format_)
        if existing:
            return existing
        if origin in ("subject", "parent"):  # an operator's request is theirs to judge
            self._check_cooldown(subject_id, type_, format_)
        profile = self.profiles.profile(subject_id)
        if profile is None and origin == "admin":  # an operator's typo must not open a request for nobody
            raise NotFound("No subject with this id.")
        jurisdiction = jurisdiction_for(profile.country if profile else None)
        now = self.clock.now()
        deadline = due_at(now, jurisdiction)
        assert deadline is not None  # only an open pause leaves it undefined, and a new request has none
        request = DataRequest(
            request_id=self.new_id(),
            subject_id=subject_id,
            type=type_,
            format=format_,
            origin=origin,
            verified_by=verified_by,
            jurisdiction=jurisdiction.value,
            received_at=now,
            due_at=deadline,
            updated_at=now,
            systems_pending=list(self.systems),
        )
        audit = self._audit("request.received", origin, request, correlation_id=correlation_id)
        return self.store.create(request, audit=audit, expires_at=epoch_seconds(now + self.retention))

    def _check_cooldown(self, subject_id: str, type_: RequestType, format_: ExportFormat) -> None:
        # One query of the subject's own requests (RequestStore.list_for), only for exports.
        if type_ in ("access", "portability") and self.export_cooldown > timedelta(0):
            requests = self.store.list_for(subject_id)
            ensure_not_repeated(requests, type_, format_, now=self.clock.now(), cooldown=self.export_cooldown)

    # Reads answer requests as seen now (DataRequest.as_seen_at: an export past its lifetime is `expired`); the use
    # cases that write work on the stored request (_owned, _found).
    def get(self, subject_id: str, request_id: str) -> DataRequest:
        return self._owned(subject_id, request_id).as_seen_at(self.clock.now())

    def list_for(self, subject_id: str) -> list[DataRequest]:
        now = self.clock.now()
        requests = [request.as_seen_at(now) for request in self.store.list_for(subject_id)]
        return sorted(requests, key=lambda r: r.received_at, reverse=True)

    def download_key(self, subject_id: str, request_id: str) -> str:
        request = self._owned(subject_id, request_id)
        if request.status in ("failed", "rejected"):
            raise ExportNotReady(f"The request was {request.status}; it has no export to download.")
        # Completed only: while connected systems are still working the request is in progress, export or not.
        if request.status != "completed" or request.export_key is None or request.export_expires_at is None:
            raise ExportNotReady("The export is not ready yet; check the request's status and try again later.")
        if request.export_expires_at <= self.clock.now():
            raise ExportExpired("The export has expired and was deleted; submit a new request for a fresh copy.")
        # Audited, but not written to the request: issuing a link changes nothing about the request, and a rewrite
        # per link would let a subject churn its record (and race the export worker's and operators' updates).
        self.store.record(request.subject_id, self._audit("request.download_url_issued", "subject", request))
        return request.export_key

    # ------------------------------------------------------------------ export worker
    def start_export(self, request: DataRequest) -> DataRequest:
        if request.status != "received":
            return request
        started = request.started(self.clock.now())
        return self.store.update(started, audit=self._audit("request.started", "system", started))

    def export_ready(self, request: DataRequest, *, key: str, sha256: str, counts: dict[str, int]) -> DataRequest:
        now = self.clock.now()
        ready = request.changed(
            now,
            export_key=key,
            export_sha256=sha256,
            export_counts=counts,
            export_expires_at=now + self.export_lifetime,
        )
        return self._complete_if_done(ready, "request.export_ready", "system")

    def export_failed(self, request: DataRequest, reason: str) -> DataRequest:
        failed = request.changed(self.clock.now(), status="failed")
        audit = self._audit("request.failed", "system", failed, reason=reason)
        return self.store.update(failed, audit=audit, event=("DataSubjectRequestFailed", summary(failed)))

    def purged_meanwhile(self, request: DataRequest) -> DataRequest:
        """The subject is purged (or due) before its export could be made or recorded: the request is closed,
        rejected for that reason, never answered with an export nobody may have any more."""
        if not request.is_open:
            return request
        rejected = request.closed(self.clock.now(), "rejected", rejection_reason=SUBJECT_PURGED)
        audit = self._audit("request.rejected", "system", rejected, reason=SUBJECT_PURGED)
        return self.store.update(rejected, audit=audit, event=("DataSubjectRequestRejected", summary(rejected)))

    def close_for_purge(self, subject_id: str) -> list[DataRequest]:
        """The purge closes every export request still open (rejected, `subject_purged`): the export worker would
        otherwise answer it later for nobody. Erasure requests are the purge's own (erasure_done)."""
        return [
            self.purged_meanwhile(request)
            for request in self.store.list_for(subject_id)
            if request.is_open and request.is_export
        ]

    # ------------------------------------------------------------------ erasure
    def erasure_scheduled(self, request: DataRequest, *, purge_at: datetime | None) -> DataRequest:
        """The subject's data is unavailable and its purge scheduled: the request is acted on, so it is completed now
        (once connected systems have reported, as any request), within its deadline. The purge itself follows the
        restore window and its certificate names this request."""
        if not request.is_open:
            return request
        scheduled = request.started(self.clock.now(), purge_at=purge_at)
        return self._complete_if_done(scheduled, "request.erasure_scheduled", "system")

    def erasure_done(self, subject_id: str, request_id: str) -> None:
        """The purge ran. Completes the request only if it was left open (a crash between scheduling and
        completion); an already completed request is left as it is."""
        request = self.store.get(subject_id, request_id)
        if request is not None and request.is_open:
            updated = request.changed(self.clock.now())
            self._complete_if_done(updated, "request.erased", "system")

    def acted_on(self, request: DataRequest, action: str, actor: Actor | None = None, **details: str) -> DataRequest:
        """The request's own change is made (a rectification applied, a restriction or objection in force): in
        progress, and completed once the connected systems it still waits for have reported (the same rule as every
        request). `actor` defaults to whoever made the request."""
        if not request.is_open:
            return request
        started = request.started(self.clock.now())
        return self._complete_if_done(started, action, actor or request.origin, **details)

    # ------------------------------------------------------------------ helpers
    def _owned(self, subject_id: str, request_id: str) -> DataRequest:
        # Another subject's id is "not found", never "forbidden": no oracle for what exists.
        request = self.store.get(subject_id, request_id)
        if request is None:
            raise NotFound("No request with this id.")
        return request

    def _complete_if_done(self, request: DataRequest, action: str, actor: Actor, **details: str) -> DataRequest:
        return save_progress(self.store, request, action, actor, now=self.clock.now(), **details)

    def _audit(
        self, action: str, actor: Actor, request: DataRequest, correlation_id: str | None = None, **details: str
    ) -> AuditEntry:
        return request_audit(action, actor, request, at=self.clock.now(), correlation_id=correlation_id, **details)
