"""What request use cases need from storage, the queue of work and the outside world."""

from typing import Protocol

from domain.audit.model import AuditEntry
from domain.errors import Contended
from domain.profile import Profile
from domain.requests.model import DataRequest


class ProfileStore(Protocol):
    """The subject's profile, read for the country that decides a new request's deadline."""

    def profile(self, subject_id: str) -> Profile | None: ...


class ProfileWriter(ProfileStore, Protocol):
    """The profile as a rectification corrects it (adapters.subject_store.DynamoSubjectStore)."""

    def save_profile(
        self, profile: Profile, changed: list[str], *, audit: AuditEntry, request_id: str | None = None
    ) -> None:
        """Write the `changed` fields of `profile` with `audit` and the ProfileRectified event, which names the
        fields (never their values) and `request_id` when the correction answers a request (Art. 19: each recipient
        is told, and reports back on that request); NotFound if the profile is gone."""
        ...


class RequestStore(Protocol):
    def open_request(self, subject_id: str, type_: str, format_: str) -> DataRequest | None: ...

    def create(self, request: DataRequest, *, audit: AuditEntry, expires_at: int) -> DataRequest:
        """Store a new request with its outbox event; if an identical open one exists, return that instead."""
        ...

    def get(self, subject_id: str, request_id: str) -> DataRequest | None: ...

    def find(self, request_id: str) -> DataRequest | None:
        """By id alone (admin routes), through the request's lookup item."""
        ...

    def list_for(self, subject_id: str) -> list[DataRequest]: ...

    def update(
        self, request: DataRequest, *, audit: AuditEntry, event: tuple[str, dict[str, object]] | None = None
    ) -> DataRequest:
        """Write the new version if the stored one is `request.version - 1`; raise ConcurrentUpdate otherwise."""
        ...

    def record(self, subject_id: str, audit: AuditEntry) -> None:
        """Append `audit` to the subject's audit trail and nothing else: for what is done with a request without
        changing it (a download link issued is a read, so the request record is not rewritten)."""
        ...

    def list_by_status(
        self, status: str, *, due_before: str | None, limit: int, cursor: str | None
    ) -> tuple[list[DataRequest], str | None]: ...


class ConcurrentUpdate(Contended):
    """The request changed since it was read (another operator, the export worker): nothing was written."""
