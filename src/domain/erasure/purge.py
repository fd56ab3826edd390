"""The permanent purge of a subject whose restore window has ended: the use case both of the purge worker's sources
(the sweep's queue, the table's TTL stream) end in, with one certificate.

Order matters: the purge (certificate first, then the deletions), the erasure request closed if a crash left it
open, the subject's export requests still open closed (they would be answered later for nobody), and last `finish`,
which retires the profile: until then a redelivery finds the subject due and resumes.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from domain.clock import Clock
from domain.erasure.model import DeletionCertificate, SubjectStatus
from domain.requests.service import RequestService


class PurgePort(Protocol):
    def profile_status(self, subject_id: str) -> SubjectStatus | None: ...

    def purge(self, subject_id: str, status: SubjectStatus, now: datetime) -> DeletionCertificate:
        """Certify, then delete the partition (held records isolated), the exports and the login. Idempotent."""
        ...

    def finish(self, subject_id: str, status: SubjectStatus, now: datetime) -> None:
        """Delete exports that landed late, then retire the profile; raises while anything else is left."""
        ...


@dataclass(frozen=True)
class Purged:
    certificate_id: str
    held: int


class SubjectPurge:
    def __init__(self, *, purger: PurgePort, requests: RequestService, clock: Clock) -> None:
        self.purger = purger
        self.requests = requests
        self.clock = clock

    def purge_if_due(self, subject_id: str) -> Purged | None:
        """The sweep's source: the profile read again, and purged only if still pending and due. None when it was
        restored meanwhile, is not due yet, or has no profile (purged already: the profile goes last)."""
        status = self.purger.profile_status(subject_id)
        if status is None or status.state != "pending_deletion" or status.purge_at is None:
            return None
        if status.purge_at > self.clock.now():
            return None
        return self.purge(subject_id, status)

    def purge(self, subject_id: str, status: SubjectStatus) -> Purged:
        now = self.clock.now()
        certificate = self.purger.purge(subject_id, status, now)
        if status.request_id:  # completed when scheduled; this closes only one a crash left open (else no change)
            self.requests.erasure_done(subject_id, status.request_id)
        # Their worker, if it runs, finds them rejected and deletes any archive it raced; `finish` lists the exports
        # again for one that landed late.
        self.requests.close_for_purge(subject_id)
        self.purger.finish(subject_id, status, now)
        return Purged(certificate_id=certificate.certificate_id, held=len(certificate.held))
