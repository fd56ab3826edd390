"""Rectification on request (GDPR Art. 16) and its notice to recipients (Art. 19).

A subject who writes instead of using `PATCH /me` asks an operator, who verifies the sender and records the request
with the corrections. They are applied by the rules of `PATCH /me` (domain.profile_changes.apply_patch) as soon as
the request is recorded, since the operator's verification is what `PATCH /me` gets from the token. What is kept:

- the request record: ids and facts (type, origin, how the sender was verified, status), never a value;
- the audit trail: `profile.rectified` with the names of the fields that changed and the operator, never a value;
- the `ProfileRectified` event (the same one `PATCH /me` publishes): the field names and the request's id, so each
  recipient re-reads what it holds and reports through the systems route.

The request is closed like the others (RequestService.acted_on): completed once every connected system has reported.
A correction that changes nothing (the profile already says so) has nothing to notify: it completes at once.
"""

from dataclasses import dataclass, replace

from domain.audit.model import AuditEntry
from domain.clock import Clock
from domain.erasure.ports import StatusPort
from domain.errors import Conflict, InvalidRequest, NotFound
from domain.profile_changes import ProfilePatch, apply_patch
from domain.requests.model import DataRequest
from domain.requests.ports import ProfileWriter
from domain.requests.service import RequestService


class RectificationOpen(Conflict):
    """A rectification of this subject is still waiting for connected systems: a second one would be merged into it
    unseen (one open request of a kind per subject), so it waits until that one is closed."""

    default_code = "rectification_open"


class NothingToRectify(InvalidRequest):
    default_code = "nothing_to_rectify"


def fields_to_rectify(patch: ProfilePatch) -> list[str]:
    """The names of the fields a correction sends (a value or null): what it is about, never what it says."""
    return sorted(patch.model_fields_set)


@dataclass(eq=False)
class RectificationService:
    requests: RequestService
    profiles: ProfileWriter
    subjects: StatusPort
    clock: Clock

    def rectify(
        self,
        subject_id: str,
        patch: ProfilePatch,
        *,
        verified_by: str,
        admin: str,
        correlation_id: str | None = None,
    ) -> DataRequest:
        """Records the request (origin admin, with the verification), applies the correction, notifies recipients.

        Resumable: a request recorded whose correction was never applied, or whose closing step was never written (a
        crash in between), is still `received`, and the next call applies its correction under it; it then waits for
        every connected system even if nothing is left to change, since the first call may have told them."""
        if not fields_to_rectify(patch):
            raise NothingToRectify(
                "A rectification names at least one field to correct.", details=[{"field": "changes"}]
            )
        self.subjects.status(subject_id).ensure_available()  # 410: pending deletion or purged, nothing to correct
        profile = self.profiles.profile(subject_id)
        if profile is None:
            raise NotFound("No subject with this id.")
        asked_at = self.clock.now()
        request = self.requests.submit(
            subject_id, "rectification", origin="admin", verified_by=verified_by, correlation_id=correlation_id
        )
        resumed = request.received_at < asked_at  # recorded by an earlier call, which may have told recipients
        if request.status != "received":
            raise RectificationOpen(
                "A rectification of this subject is still open (its connected systems have not all reported); record "
                "this one once it is completed.",
                details=[{"request_id": request.request_id, "status": request.status}],
            )
        now = self.clock.now()
        corrected, changed = apply_patch(profile, patch, now)
        if changed:
            audit = AuditEntry(
                action="profile.rectified",
                actor="admin",
                at=now,
                request_id=request.request_id,
                correlation_id=correlation_id,
                details={"fields": changed, "admin": admin},
            )
            self.profiles.save_profile(corrected, changed, audit=audit, request_id=request.request_id)
        elif not resumed:
            request = replace(request, systems_pending=[])  # no recipient was told anything, none has to report
        return self.requests.acted_on(request, "request.rectified", "admin", admin=admin)
