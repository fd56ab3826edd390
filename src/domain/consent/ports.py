"""What the consent use cases need from storage and the outside world (implemented by the adapters)."""

from dataclasses import dataclass
from typing import Literal, Protocol

from domain.audit.model import AuditEntry
from domain.consent.model import ConsentChange, ConsentEvent, ConsentReceipt, ConsentState


@dataclass(frozen=True)
class Owner:
    """Whose consents: a signed-in subject, or an anonymous visitor of the cookie banner."""

    kind: Literal["subject", "visitor"]
    id: str

    @property
    def reference(self) -> str:
        """How receipts name the owner: an opaque id, never a name or an e-mail address."""
        return self.id if self.kind == "subject" else f"visitor:{self.id}"


@dataclass(frozen=True)
class HistoryPage:
    items: list[ConsentEvent]
    next_cursor: str | None


class ConcurrentChange(Exception):
    """Another change committed first (version condition failed): re-read and re-plan."""


class SubjectMissing(Exception):
    """The subject has no live profile: purged (only a tombstone is left), due for purge, or never signed up."""


class ConsentStore(Protocol):
    def load(self, owner: Owner) -> ConsentState: ...

    def subject_exists(self, subject_id: str) -> bool:
        """True while the subject has a profile that is not due for purge (pending deletion still counts)."""
        ...

    def save(
        self,
        owner: Owner,
        change: ConsentChange,
        *,
        expected_version: int,
        audit: AuditEntry,
        expires_at: int | None = None,
        spend_token: tuple[str, int] | None = None,
        require_subject: bool = False,
    ) -> None:
        """Commit state, events, receipt and audit record atomically; raise ConcurrentChange on a lost race.

        spend_token=(token id, expiry): mark a single-use token as spent in the same transaction.
        require_subject: commit only while the subject exists (as `subject_exists`), checked in the same
        transaction; else write nothing and raise SubjectMissing.
        """
        ...

    def history(self, owner: Owner, *, cursor: str | None, limit: int) -> HistoryPage: ...

    def receipt(self, owner: Owner, receipt_id: str) -> ConsentReceipt | None: ...

    def delete_visitor(self, visitor_id: str) -> None: ...


class MinorPort(Protocol):
    def under_age_of_consent(self, subject_id: str) -> bool:
        """True when the subject's profile (birth date, country) puts them under the age of digital consent by the
        product's rules (domain.minors.rules.check_minor); False when of age, or when no age is known. At most one
        read of the profile."""
        ...


class TokenSpent(Exception):
    """A single-use token was already used."""
