"""How every use case writes a request's progress: one audit entry per change, and the completion rule.

Shared by the subject's and workers' side (RequestService) and the operators' (OperatorDesk), so a request completes
the same way whoever moves it."""

from dataclasses import replace
from datetime import datetime

from domain.audit.model import Actor, AuditEntry
from domain.requests.model import DataRequest
from domain.requests.ports import RequestStore
from domain.requests.rules import summary


def request_audit(
    action: str, actor: Actor, request: DataRequest, *, at: datetime, correlation_id: str | None = None, **details: str
) -> AuditEntry:
    """The audit entry of a change to a request: its type and status, never the subject's data."""
    return AuditEntry(
        action=action,
        actor=actor,
        at=at,
        request_id=request.request_id,
        correlation_id=correlation_id,
        details={"type": request.type, "status": request.status, **details},
    )


def save_progress(
    store: RequestStore, request: DataRequest, action: str, actor: Actor, *, now: datetime, **details: str
) -> DataRequest:
    """Writes a changed request, completed (and announced) once its export exists, if it has one, and no connected
    system is still pending; otherwise audited as `action`."""
    export_done = not request.is_export or request.export_key is not None
    if export_done and not request.systems_pending:
        completed = replace(request, status="completed", completed_at=now)
        audit = request_audit("request.completed", actor, completed, at=now, **details)
        return store.update(completed, audit=audit, event=("DataSubjectRequestCompleted", summary(completed)))
    return store.update(request, audit=request_audit(action, actor, request, at=now, **details))
