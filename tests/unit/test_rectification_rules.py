"""Rectification on request (Art. 16, notice of Art. 19) against in-memory fakes: what is applied, what is kept (names,
never values), and when the request is closed."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from domain.audit.model import AuditEntry
from domain.clock import FixedClock
from domain.erasure.model import SubjectStatus, SubjectUnavailable
from domain.errors import NotFound
from domain.profile import Profile
from domain.profile_changes import ProfilePatch
from domain.requests.model import DataRequest
from domain.requests.operator import OperatorDesk
from domain.requests.rectification import (
    NothingToRectify,
    RectificationOpen,
    RectificationService,
    fields_to_rectify,
)
from domain.requests.service import RequestService

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SUBJECT = "s-1"


class Fakes:
    """A profile, requests and an audit trail in memory; records what a recipient would be told."""

    def __init__(self, profile: Profile | None, state: str = "active") -> None:
        self.stored = profile
        self.state = state
        self.requests: dict[str, DataRequest] = {}
        self.audit: list[AuditEntry] = []
        self.events: list[dict[str, object]] = []

    # ProfileWriter
    def profile(self, subject_id: str) -> Profile | None:
        return self.stored

    def save_profile(
        self, profile: Profile, changed: list[str], *, audit: AuditEntry, request_id: str | None = None
    ) -> None:
        self.stored = profile
        self.audit.append(audit)
        self.events.append({"subject_id": profile.subject_id, "fields": changed, "request_id": request_id})

    # StatusPort
    def status(self, subject_id: str) -> SubjectStatus:
        if self.state == "active":
            return SubjectStatus(state="active")
        return SubjectStatus(state="pending_deletion", purge_at=NOW + timedelta(days=30), reason="user_request")

    # RequestStore (what submit, acted_on and system_done use)
    def open_request(self, subject_id: str, type_: str, format_: str) -> DataRequest | None:
        return next((r for r in self.requests.values() if r.type == type_ and r.is_open), None)

    def create(self, request: DataRequest, *, audit: AuditEntry, expires_at: int) -> DataRequest:
        self.requests[request.request_id] = request
        self.audit.append(audit)
        return request

    def find(self, request_id: str) -> DataRequest | None:
        return self.requests.get(request_id)

    def update(self, request: DataRequest, *, audit: AuditEntry, event: object = None) -> DataRequest:
        self.requests[request.request_id] = request
        self.audit.append(audit)
        return request


def a_profile() -> Profile:
    return Profile(subject_id=SUBJECT, email="ada@example.org", family_name="Byron", created_at=NOW, updated_at=NOW)


def service_with(fakes: Fakes, systems: list[str]) -> tuple[RectificationService, OperatorDesk]:
    ids = iter(f"{n:032x}" for n in range(1, 100))
    requests = RequestService(
        fakes,  # type: ignore[arg-type]
        FixedClock(NOW),
        profiles=fakes,
        new_id=lambda: next(ids),
        retention=timedelta(days=1095),
        export_lifetime=timedelta(days=7),
        systems=systems,
    )
    desk = OperatorDesk(fakes, FixedClock(NOW), systems=systems)  # type: ignore[arg-type]
    return RectificationService(requests, fakes, fakes, FixedClock(NOW)), desk


def rectify(service: RectificationService, **changes: object) -> DataRequest:
    return service.rectify(SUBJECT, ProfilePatch(**changes), verified_by="reply from the account address", admin="op")


def test_the_fields_of_a_correction_are_the_names_it_sends_null_included() -> None:
    assert fields_to_rectify(ProfilePatch(family_name="Lovelace", country=None)) == ["country", "family_name"]


def test_a_correction_is_applied_and_recipients_are_told_the_field_names_and_the_request() -> None:
    # Given a subject and no connected system
    fakes = Fakes(a_profile())
    service, _ = service_with(fakes, systems=[])
    # When an operator records their rectification
    request = rectify(service, family_name="Lovelace")
    # Then the profile holds it, the event names the field and the request, and the request is completed
    assert fakes.stored is not None
    assert fakes.stored.family_name == "Lovelace"
    assert fakes.events == [{"subject_id": SUBJECT, "fields": ["family_name"], "request_id": request.request_id}]
    assert (request.type, request.origin, request.status) == ("rectification", "admin", "completed")


def test_the_audit_trail_and_the_request_hold_field_names_never_values() -> None:
    fakes = Fakes(a_profile())
    service, _ = service_with(fakes, systems=[])
    request = rectify(service, family_name="Lovelace", email="ada@lovelace.example")
    (rectified,) = [entry for entry in fakes.audit if entry.action == "profile.rectified"]
    assert rectified.details == {"fields": ["email", "family_name"], "admin": "op"}
    assert (rectified.actor, rectified.request_id) == ("admin", request.request_id)
    kept = repr(fakes.audit) + repr(fakes.requests) + repr(fakes.events)
    assert "Lovelace" not in kept
    assert "lovelace.example" not in kept


def test_the_request_stays_in_progress_until_every_connected_system_has_reported() -> None:
    # Given two connected systems
    fakes = Fakes(a_profile())
    service, desk = service_with(fakes, systems=["crm", "mailer"])
    # When the rectification is recorded, then one system reports
    request = rectify(service, family_name="Lovelace")
    assert (request.status, request.systems_pending) == ("in_progress", ["crm", "mailer"])
    after_one = desk.system_done(request.request_id, "crm", admin="op")
    # Then it is still in progress; it completes when the other has reported too
    assert after_one.status == "in_progress"
    assert desk.system_done(request.request_id, "mailer", admin="op").status == "completed"


def test_a_correction_that_changes_nothing_notifies_no_one_and_completes_at_once() -> None:
    fakes = Fakes(a_profile())
    service, _ = service_with(fakes, systems=["crm"])
    request = rectify(service, family_name="Byron")
    assert fakes.events == []
    assert (request.status, request.systems_pending) == ("completed", [])


def test_a_second_rectification_while_one_waits_for_systems_is_refused() -> None:
    fakes = Fakes(a_profile())
    service, _ = service_with(fakes, systems=["crm"])
    first = rectify(service, family_name="Lovelace")
    with pytest.raises(RectificationOpen) as refused:
        rectify(service, given_name="Augusta")
    assert refused.value.details == [{"request_id": first.request_id, "status": "in_progress"}]
    assert fakes.stored is not None
    assert fakes.stored.given_name is None


def test_a_request_recorded_but_never_applied_is_resumed() -> None:
    # Given a rectification request recorded whose correction was never applied (a crash in between)
    fakes = Fakes(a_profile())
    service, _ = service_with(fakes, systems=[])
    recorded = service.requests.submit(SUBJECT, "rectification", origin="admin", verified_by="call")
    # When the operator records it again
    request = rectify(service, family_name="Lovelace")
    # Then the correction is applied under that request
    assert request.request_id == recorded.request_id
    assert request.status == "completed"
    assert fakes.events[0]["request_id"] == recorded.request_id


def test_a_resumed_request_whose_correction_was_applied_still_waits_for_the_systems() -> None:
    # Given a rectification applied (recipients told) whose closing step was never written, a day ago
    fakes = Fakes(replace(a_profile(), family_name="Lovelace"))
    earlier, _ = service_with(fakes, systems=["crm"])
    earlier.clock = earlier.requests.clock = FixedClock(NOW - timedelta(days=1))
    recorded = earlier.requests.submit(SUBJECT, "rectification", origin="admin", verified_by="call")
    # When the operator records it again, nothing being left to change
    service, _ = service_with(fakes, systems=["crm"])
    request = rectify(service, family_name="Lovelace")
    # Then it is that request, still waiting for the system the first call may have told
    assert request.request_id == recorded.request_id
    assert (request.status, request.systems_pending) == ("in_progress", ["crm"])


def test_a_subject_pending_deletion_is_not_rectified() -> None:
    fakes = Fakes(a_profile(), state="pending_deletion")
    service, _ = service_with(fakes, systems=[])
    with pytest.raises(SubjectUnavailable):
        rectify(service, family_name="Lovelace")
    assert fakes.requests == {}


def test_an_unknown_subject_is_not_found_and_no_request_is_opened() -> None:
    fakes = Fakes(None)
    service, _ = service_with(fakes, systems=[])
    with pytest.raises(NotFound):
        rectify(service, family_name="Lovelace")
    assert fakes.requests == {}


def test_a_rectification_without_a_field_is_refused() -> None:
    fakes = Fakes(a_profile())
    service, _ = service_with(fakes, systems=[])
    with pytest.raises(NothingToRectify):
        rectify(service)
    assert replace(a_profile()) == fakes.stored
