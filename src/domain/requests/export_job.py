"""Answering an access or portability request with its archive (GDPR Art. 15, 20): the export worker's use case.

Safe to repeat: a request that is closed or already has its archive is skipped, and the archive's key is fixed per
request, so a redelivered message never makes a second export. No archive may outlive the subject's purge: a subject
purged or due (SubjectStatus.gone_at) gets none, and one that falls due during the upload has its archive deleted
after the request is closed.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

from domain.clock import Clock
from domain.erasure.model import SubjectStatus
from domain.requests.model import DataRequest
from domain.requests.ports import RequestStore
from domain.requests.service import RequestService

Outcome = Literal["ready", "skipped", "rejected_meanwhile", "subject_purged", "discarded_subject_purged"]


@dataclass(frozen=True)
class WrittenArchive:
    key: str
    sha256: str
    size: int
    counts: dict[str, int]


class ArchiveStore(Protocol):
    def key(self, request: DataRequest) -> str: ...

    def write(self, request: DataRequest, generated_at: datetime) -> WrittenArchive:
        """Streams the subject's data into the request's archive, encrypted at rest."""
        ...

    def delete(self, key: str) -> None: ...


class StatusReader(Protocol):
    def status(self, subject_id: str) -> SubjectStatus: ...


@dataclass(frozen=True)
class ExportOutcome:
    outcome: Outcome
    size: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(eq=False, kw_only=True)
class ExportJob:
    requests: RequestService
    store: RequestStore
    archives: ArchiveStore
    deletions: StatusReader
    clock: Clock

    def run(self, subject_id: str, request_id: str) -> ExportOutcome:
        request = self.store.get(subject_id, request_id)
        if request is not None and request.is_export and request.status == "rejected":
            # Rejected (by the subject's purge, or an operator) while an attempt was uploading: no archive may stand
            # for it. The attempt deletes its own after the rejection; a redelivery finishes that if it failed.
            self.archives.delete(self.archives.key(request))
            return ExportOutcome("rejected_meanwhile")
        if request is None or not request.is_open or not request.is_export or request.export_key is not None:
            return ExportOutcome("skipped")
        if self._gone(subject_id):
            self.requests.purged_meanwhile(request)
            return ExportOutcome("subject_purged")
        request = self.requests.start_export(request)
        archive = self.archives.write(request, self.clock.now())
        if self._gone(subject_id):
            # The purge started during the upload, and may have listed the exports before this one landed: the
            # archive would outlive it. The request closes first (audited), then the archive goes (a redelivery
            # retries that).
            self.requests.purged_meanwhile(request)
            self.archives.delete(archive.key)
            return ExportOutcome("discarded_subject_purged")
        self.requests.export_ready(request, key=archive.key, sha256=archive.sha256, counts=archive.counts)
        return ExportOutcome("ready", size=archive.size, counts=archive.counts)

    def give_up(self, subject_id: str, request_id: str, reason: str) -> list[tuple[str, Exception]]:
        """The last attempt failed: say so on the request, and delete the archive an attempt may have uploaded
        before it failed to record it (a copy of the subject's data no completed request stands for). Best effort,
        each step on its own, so the original error is never hidden: returns the steps that failed, to be logged."""
        failures: list[tuple[str, Exception]] = []
        try:
            request = self.store.get(subject_id, request_id)
        except Exception as error:  # noqa: BLE001 - reported; the caller re-raises the error that matters
            return [("read the request", error)]
        if request is None or not request.is_open or request.export_key is not None:
            return failures  # closed or completed meanwhile: its archive, if any, is the one it stands for
        try:
            self.archives.delete(self.archives.key(request))
        except Exception as error:  # noqa: BLE001 - the bucket's lifecycle rule expires a leftover archive
            failures.append(("delete the archive", error))
        try:
            self.requests.export_failed(request, reason)
        except Exception as error:  # noqa: BLE001 - reported; the caller re-raises the error that matters
            failures.append(("mark the request failed", error))
        return failures

    def _gone(self, subject_id: str) -> bool:
        """Purged, or due (the purge may be deleting the partition and the exports now): one BatchGetItem."""
        return self.deletions.status(subject_id).gone_at(self.clock.now())
