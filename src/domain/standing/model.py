"""The subject's standing towards processing: a restriction (GDPR Art. 18) and objections (Art. 21).

Stored with the subject (one STANDING item of the subject's partition): the purge removes it with the rest, the
export shows it. Nothing here is personal data beyond the subject id: grounds are codes, purposes are catalog ids.
An operator's free-text reasons (a lift, compelling grounds) are kept here, as a request's extension reason is kept
on the request, and never in audit records or events.
"""

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from domain.consent.model import ConsentState
from domain.erasure.model import SubjectStatus
from domain.errors import Conflict, DomainError, Forbidden

RestrictionGrounds = Literal["accuracy_contested", "unlawful_processing", "legal_claims", "objection_pending"]
RestrictedBy = Literal["subject", "parent", "admin"]
PermissionReason = Literal[
    "consent",
    "refused",
    "withdrawn",
    "restricted",
    "objected",
    "minor",
    "gpc",
    "dnt",
    "pending_deletion",
    "purged",
    "required",
]


@dataclass(frozen=True, kw_only=True)
class Restriction:
    grounds: RestrictionGrounds
    since: datetime
    restricted_by: RestrictedBy = "subject"
    request_id: str | None = None
    # Art. 18(3): a lift the subject did not ask for is announced first and takes effect at `lift_at`.
    lift_at: datetime | None = None
    lift_requested_by: Literal["admin"] | None = None
    lift_reason: str | None = None

    def in_force(self, now: datetime) -> bool:
        """Evaluated lazily: once an announced lift's time has come, the restriction is no longer in force."""
        return self.lift_at is None or self.lift_at > now


@dataclass(frozen=True, kw_only=True)
class Objection:
    purpose: str
    at: datetime
    request_id: str
    absolute: bool  # direct marketing (Art. 21(3)): no compelling grounds can override it
    compelling_grounds_at: datetime | None = None
    compelling_grounds_reason: str | None = None

    @property
    def in_force(self) -> bool:
        return self.absolute or self.compelling_grounds_at is None


@dataclass(frozen=True, kw_only=True)
class Standing:
    restriction: Restriction | None = None
    objections: dict[str, Objection] = field(default_factory=dict)
    version: int = 0

    def restriction_at(self, now: datetime) -> Restriction | None:
        """The restriction in force at `now`, if any."""
        if self.restriction is not None and self.restriction.in_force(now):
            return self.restriction
        return None


@dataclass(frozen=True, kw_only=True)
class SubjectFacts:
    """Everything the permission rule reads, from one read of the subject's partition."""

    exists: bool  # a profile or a tombstone: the subject is known
    status: SubjectStatus
    standing: Standing
    consents: ConsentState
    birth_date: date | None = None
    country: str | None = None


@dataclass(frozen=True, kw_only=True)
class SubjectStanding:
    """What GET /me/status tells the subject: the account state, the restriction in force, and their objections
    (each, for purposes based on legitimate interests, perhaps overridden by compelling grounds)."""

    status: SubjectStatus
    restriction: Restriction | None
    objections: tuple[Objection, ...] = ()


class NotRestricted(Conflict):
    default_code = "not_restricted"


class RestrictionHeldByParent(Forbidden):
    default_code = "restriction_by_parent"


class ObjectionNotApplicable(DomainError):
    default_code = "objection_not_applicable"


class ObjectionAbsolute(Conflict):
    default_code = "objection_absolute"


class NoSuchObjection(Conflict):
    default_code = "no_such_objection"


class NoPurpose(DomainError):
    default_code = "no_purpose"
