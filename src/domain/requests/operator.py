"""The operators' desk: the request queue, a request's facts, and what an operator decides about it (extend, reject,
mark a connected system done); and the overdue list the daily sweep reports."""

from dataclasses import KW_ONLY, dataclass

from domain.clock import Clock
from domain.deadlines import ensure_can_extend
from domain.errors import NotFound
from domain.requests.model import UNFINISHED_STATUSES, DataRequest, RequestStatus
from domain.requests.ports import RequestStore
from domain.requests.recording import request_audit, save_progress
from domain.requests.rules import ExtensionTooLate, RequestClosed, UnknownSystem, summary


@dataclass(eq=False)
class OperatorDesk:
    store: RequestStore
    clock: Clock
    _: KW_ONLY
    systems: list[str]

    def find(self, request_id: str) -> DataRequest:
        return self._found(request_id).as_seen_at(self.clock.now())

    def queue(
        self, status: RequestStatus, *, overdue: bool, limit: int, cursor: str | None
    ) -> tuple[list[DataRequest], str | None]:
        """The admin queue: requests of one status, soonest due first (`overdue`: only those past due)."""
        now = self.clock.now()
        due_before = now.isoformat() if overdue else None
        # `expired` is a completed request seen after its export's lifetime (DataRequest.as_seen_at): both are stored
        # as completed, and told apart here, so a page may hold fewer than `limit` (the cursor goes on).
        stored = "completed" if status == "expired" else status
        page, next_cursor = self.store.list_by_status(stored, due_before=due_before, limit=limit, cursor=cursor)
        seen = [request.as_seen_at(now) for request in page]
        return [request for request in seen if request.status == status], next_cursor

    def extend(self, request_id: str, reason: str, *, admin: str) -> DataRequest:
        request = self._open(request_id)
        ensure_can_extend(request.extended)
        now = self.clock.now()
        if now > request.due_at:
            # GDPR Art. 12(3) (CCPA likewise): the subject is told of an extension within the first period.
            raise ExtensionTooLate(
                "The deadline has passed: a request can be extended only before it is due.",
                details=[{"due_at": request.due_at.isoformat()}],
            )
        extended = request.changed(now, extended=True, extension_reason=reason, due_at=request.extended_due_at())
        audit = request_audit("request.extended", "admin", extended, at=now, admin=admin)
        return self.store.update(extended, audit=audit, event=("DataSubjectRequestExtended", summary(extended)))

    def reject(self, request_id: str, reason: str, *, admin: str) -> DataRequest:
        # Also a failed request: the overdue sweep reports it daily until an operator closes it, with the reason.
        request = self._open(request_id, or_failed=True)
        now = self.clock.now()
        rejected = request.closed(now, "rejected", rejection_reason=reason)
        audit = request_audit("request.rejected", "admin", rejected, at=now, admin=admin)
        return self.store.update(rejected, audit=audit, event=("DataSubjectRequestRejected", summary(rejected)))

    def system_done(self, request_id: str, system: str, *, admin: str) -> DataRequest:
        if system not in self.systems:
            raise UnknownSystem(f"'{system}' is not a registered connected system.", details=[{"known": self.systems}])
        request = self._open(request_id)
        if system in request.systems_done:
            return request
        now = self.clock.now()
        updated = request.changed(
            now,
            systems_pending=[s for s in request.systems_pending if s != system],
            systems_done=[*request.systems_done, system],
        )
        return save_progress(
            self.store, updated, "request.system_completed", "admin", now=now, admin=admin, system=system
        )

    def overdue(self, *, limit: int = 1000) -> list[DataRequest]:
        now_key = self.clock.now().isoformat()
        found: list[DataRequest] = []
        for status in UNFINISHED_STATUSES:  # never the completed or rejected partitions, which only grow
            cursor = None
            while len(found) < limit:
                page, cursor = self.store.list_by_status(status, due_before=now_key, limit=100, cursor=cursor)
                found += page
                if cursor is None:
                    break
        return found[:limit]

    def _found(self, request_id: str) -> DataRequest:
        request = self.store.find(request_id)
        if request is None:
            raise NotFound("No request with this id.")
        return request

    def _open(self, request_id: str, *, or_failed: bool = False) -> DataRequest:
        request = self._found(request_id)
        if not (request.is_open or (or_failed and request.status == "failed")):
            raise RequestClosed(f"The request is already {request.status}.")
        return request
