"""Request rules that need no store: what a request may not do, and when an export is asked for again too soon."""

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from domain.errors import Conflict, DomainError, Gone, TooSoon
from domain.requests.model import DataRequest, ExportFormat, RequestType

SUBJECT_PURGED = "subject_purged"  # the rejection reason of a request its subject's purge left unanswered


class RequestClosed(Conflict):
    default_code = "request_closed"


class ExportNotReady(Conflict):
    default_code = "export_not_ready"


class ExportExpired(Gone):
    default_code = "export_expired"


class ExportCooldown(TooSoon):
    default_code = "export_cooldown"


class ExtensionTooLate(Conflict):
    default_code = "extension_too_late"


class UnknownSystem(DomainError):
    default_code = "unknown_system"


def ensure_not_repeated(
    requests: Iterable[DataRequest], type_: RequestType, format_: ExportFormat, *, now: datetime, cooldown: timedelta
) -> None:
    """GDPR Art. 12(5): the same export completed less than `cooldown` ago is a repetitive request. It is refused
    for now (429, Retry-After), naming the export already made, which the subject may download again. An export whose
    archive has expired holds nothing back (the subject has no copy any more), and the wait ends when the archive
    does if that is sooner."""
    recent = [
        request
        for request in (request.as_seen_at(now) for request in requests)
        if request.type == type_
        and request.format == format_
        and request.status == "completed"  # `expired` once the archive is gone
        and request.completed_at is not None
        and request.completed_at > now - cooldown
    ]
    if not recent:
        return
    latest = max(recent, key=lambda request: request.completed_at or now)
    assert latest.completed_at is not None
    ends = latest.completed_at + cooldown
    if latest.export_expires_at is not None:
        ends = min(ends, latest.export_expires_at)
    raise ExportCooldown(
        "The same export was completed recently: download that one, or ask again after the Retry-After seconds.",
        retry_after=math.ceil((ends - now).total_seconds()),
        details=[{"request_id": latest.request_id, "completed_at": latest.completed_at.isoformat()}],
    )


def summary(request: DataRequest) -> dict[str, object]:
    """A request's event detail: its facts, never the subject's data."""
    return {
        "request_id": request.request_id,
        "subject_id": request.subject_id,
        "type": request.type,
        "status": request.status,
        "due_at": request.due_at.isoformat(),
    }
