"""What the parental consent use cases need from storage and the outside world."""

from typing import Protocol

from domain.audit.model import AuditEntry
from domain.minors.mail import ParentMail
from domain.minors.model import ApprovedRequest, ChildBinding, ChildLink, PendingRequest
from domain.profile import Profile

Event = tuple[str, dict[str, object]]
Spend = tuple[str, int]  # (token id, epoch second until which it must stay spent)
Audit = tuple[str, AuditEntry]  # (whose chain: a subject id or another audit subject, the entry)


# What a store raises when a transaction's conditions no longer hold (the service reads again or answers).
class TokenSpent(Exception):
    """The token's id was already recorded as used."""


class RequestEnded(Exception):
    """The pending request is gone (decided, or expired) or the approval changed meanwhile."""


class SubjectMissing(Exception):
    """The child's or the parent's profile does not exist."""


class BindingMoved(Exception):
    """The child's binding no longer names this request, or names another parent: read it again."""


class ChainMoved(Exception):
    """An audit chain moved under the transaction; reading again and retrying is safe."""


class ParentMailPort(Protocol):
    def send(self, mail: ParentMail) -> None:
        """Hands the mail to the mail service; raises if it was not accepted. Never logs the address or the body."""
        ...


class VerifiedEmailPort(Protocol):
    def verified_email(self, subject_id: str) -> str | None:
        """The e-mail address of the subject's login if the identity provider verified it; None if there is no such
        login, no address, or it is not verified. Never logs the address."""
        ...


class ProfileStore(Protocol):
    """The child's profile, read for the birth date and country that decide whether a parent still acts."""

    def profile(self, subject_id: str) -> Profile | None: ...


class ParentalStore(Protocol):
    def create(self, request: PendingRequest, *, event: Event) -> None: ...

    def pending(self, request_id: str) -> PendingRequest | None: ...

    def approve(
        self, request: PendingRequest, approved: ApprovedRequest, *, spend: Spend, event: Event, audit: Audit
    ) -> None: ...

    def deny(self, request: PendingRequest, *, spend: Spend, event: Event, audit: Audit) -> None: ...

    def approved(self, request_id: str) -> ApprovedRequest | None: ...

    def binding(self, child_subject_id: str) -> ChildBinding | None:
        """The consent request the child's own sign-up named, and the parent it was linked to, if any."""
        ...

    def link(self, approved: ApprovedRequest, link: ChildLink, *, audits: list[tuple[str, AuditEntry]]) -> None:
        """Records the link if the approval still allows it (else RequestEnded), both accounts exist (else
        SubjectMissing) and the child's binding still names this request and no other parent (else BindingMoved)."""
        ...

    def link_of(self, parent_subject_id: str, child_subject_id: str) -> ChildLink | None: ...

    def children(self, parent_subject_id: str) -> list[ChildLink]: ...

    def record_withdrawal(self, link: ChildLink, *, event: Event, audit: AuditEntry) -> None: ...
