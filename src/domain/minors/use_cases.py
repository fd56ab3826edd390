"""What a parent does for a linked child, and an operator for a child who signed up without consent: flows that span
the minors, erasure, requests and consent contexts, so they are use cases here rather than code in a handler.

Consent is reached through factories (`consents`, `catalog`): the host application's routes (age checks, consent
requests) never need it, so the minors function imports it only for the routes that do.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from domain.audit.model import AuditEntry
from domain.clock import Clock
from domain.erasure.model import CANCELLABLE_BY_SUBJECT, DeletionReason, SubjectStatus, SubjectUnavailable
from domain.erasure.service import ErasureService
from domain.minors.model import ChildLink, IssuedRequest, NoParentalPath, ParentalRightsEnded, parental_rights_apply
from domain.minors.ports import ProfileStore
from domain.minors.rules import AgeOfConsentTable
from domain.minors.service import ParentalService
from domain.profile import Profile
from domain.requests.model import DataRequest, ExportFormat, RequestType
from domain.requests.service import RequestService

if TYPE_CHECKING:
    from domain.consent.catalog import PurposeCatalog
    from domain.consent.service import ConsentService, RequestContext
    from domain.standing.model import Restriction, SubjectStanding


class CollectedPort(Protocol):
    def collected(self, subject_id: str) -> dict[str, int]:
        """How many items of each category the subject's partition holds (keys only: no personal data read)."""
        ...


class StandingPort(Protocol):
    def status(self, subject_id: str) -> "SubjectStanding":
        """The account state with the restriction in force, from one read of the subject's partition."""
        ...


class UnderagePort(Protocol):
    def expedite(self, subject_id: str, reason: DeletionReason, *, audit: AuditEntry, now: datetime) -> bool: ...

    def queue(self, subject_id: str) -> None: ...


@dataclass(frozen=True)
class ChildView:
    """A linked child as the parent sees it: the state of the account, and while it is active, what is held and
    the restriction of its processing in force (whoever placed it)."""

    link: ChildLink
    status: SubjectStatus
    restriction: "Restriction | None" = None
    profile: Profile | None = None
    consents: dict[str, bool] = field(default_factory=dict)
    collected: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Withdrawal:
    status: SubjectStatus
    receipt_id: str | None


@dataclass(eq=False, kw_only=True)
class ParentsOfChildren:
    parental: ParentalService
    parental_store: CollectedPort
    profiles: ProfileStore
    erasure: ErasureService
    requests: RequestService
    consents: "Callable[[], ConsentService]"
    catalog: "Callable[[], PurposeCatalog]"
    standing: Callable[[], StandingPort]
    underage: Callable[[], UnderagePort]
    clock: Clock
    minimum_consent_age: int
    age_table: AgeOfConsentTable  # the law's ages, raised where the product's policy is stricter
    parental_path: bool = True  # whether the policy lets a parent consent for a child under the age

    # ------------------------------------------------------------ asking a parent
    def ask_parent(self, parent_email: str, country: str, child_reference: str, *, language: str) -> IssuedRequest:
        """A parent's consent is asked only where the policy has a parental path: elsewhere nobody is e-mailed."""
        if not self.parental_path:
            raise NoParentalPath
        return self.parental.request(parent_email, country, child_reference, language=language)

    # ------------------------------------------------------------ who the parent may act for
    def linked(self, parent: str, child: str) -> ChildLink:
        """The parent's own link to this child; an unknown child and someone else's child look the same (404), and a
        child who is of age is no longer the parent's to act for (403)."""
        self.erasure.ensure_available(parent)
        link = self.parental.linked_child(parent, child)
        if not self._acts_for(self.profiles.profile(child)):
            raise ParentalRightsEnded()
        return link

    def _acts_for(self, child: Profile | None) -> bool:
        if child is None:  # purged: the routes answer for that themselves
            return True
        return parental_rights_apply(
            child.birth_date,
            child.country,
            self.clock.now(),
            table=self.age_table,
            minimum_age=self.minimum_consent_age,
        )

    def _not_purged(self, child: str) -> SubjectStatus:
        status = self.erasure.status(child)
        if status.state == "purged":
            raise SubjectUnavailable("purged", status.purge_at)
        return status

    # ------------------------------------------------------------ what the parent sees
    def children(self, parent: str) -> list[ChildView]:
        """The linked children the parent still acts for (a child of age is not listed)."""
        self.erasure.ensure_available(parent)
        views = []
        for link in self.parental.children(parent):
            child = self.profiles.profile(link.child_subject_id)
            if self._acts_for(child):
                views.append(self._view(link, child))
        return views

    def _view(self, link: ChildLink, found: Profile | None) -> ChildView:
        child = link.child_subject_id
        # The state and the restriction from one read (the one the host's permission question makes): knowing the
        # restriction costs the listing no AWS call.
        standing = self.standing().status(child)
        status = standing.status
        if status.state != "active":  # a child pending deletion is unavailable to everyone, the parent included
            return ChildView(link=link, status=status)
        from domain.consent.ports import Owner  # here: the host's routes (age checks, requests) never need consent

        views = self.consents().current(Owner("subject", child))
        return ChildView(
            link=link,
            status=status,
            restriction=standing.restriction,
            profile=found,
            consents={purpose: view.granted for purpose, view in views.items() if view.decided},
            collected=self.parental_store.collected(child),
        )

    # ------------------------------------------------------------ the child's rights, exercised by the parent
    def request(self, parent: str, child: str, type_: RequestType, format_: ExportFormat) -> DataRequest:
        self.linked(parent, child)
        self.erasure.ensure_available(child)
        return self.requests.submit(child, type_, format_, origin="parent")

    def get_request(self, parent: str, child: str, request_id: str) -> DataRequest:
        self.linked(parent, child)
        return self.requests.get(child, request_id)

    def download_key(self, parent: str, child: str, request_id: str) -> str:
        self.linked(parent, child)
        self._not_purged(child)  # the request record outlives the purge; the export does not
        return self.requests.download_key(child, request_id)

    def erase(self, parent: str, child: str) -> SubjectStatus:
        self.linked(parent, child)
        status = self._not_purged(child)
        if status.state == "active" or status.reason in CANCELLABLE_BY_SUBJECT:
            # A deletion already pending (e.g. for inactivity) becomes the parent's: the child can no longer cancel it.
            request = self.requests.submit(child, "erasure", origin="parent")
            status = self.erasure.schedule_binding_deletion(
                child, "parent_request", actor="parent", request_id=request.request_id
            )
            self.requests.erasure_scheduled(request, purge_at=status.purge_at)  # acted on: completed now
        return status

    def withdraw(self, parent: str, child: str, context: "RequestContext") -> Withdrawal:
        """Every refusable purpose refused, the withdrawal recorded, the child's deletion scheduled."""
        from domain.consent.ports import Owner
        from domain.consent.rules import withdrawal_request

        link = self.linked(parent, child)
        self._not_purged(child)
        receipt_id = None
        # Whatever the child's state: a deletion already pending (e.g. for inactivity) could otherwise be cancelled by
        # the child's next activity, with every consent still granted.
        catalog = self.catalog()
        refusals = withdrawal_request([purpose.id for purpose in catalog.purposes], catalog=catalog)
        if refusals is not None:
            receipt = self.consents().change(
                Owner("subject", child), refusals, context, actor="parent", source_override="parent"
            )
            receipt_id = receipt.receipt_id
        self.parental.record_withdrawal(link, receipt_id=receipt_id)
        status = self.erasure.schedule_binding_deletion(child, "parent_request", actor="parent")
        return Withdrawal(status=status, receipt_id=receipt_id)

    # ------------------------------------------------------------ operators
    def remove_underage(self, subject_id: str) -> SubjectStatus:
        """A child signed up without parental consent: unavailable now, purged without a restore window."""
        status = self.erasure.schedule_deletion(subject_id, "underage", actor="admin", grace=timedelta(0))
        now = self.clock.now()
        if status.purge_at is not None and status.purge_at > now:
            # Already pending with a restore window (e.g. the child deleted the account): end the window now.
            audit = AuditEntry(action="deletion.expedited", actor="admin", at=now, details={"reason": "underage"})
            if self.underage().expedite(subject_id, "underage", audit=audit, now=now):
                status = replace(status, purge_at=now, reason="underage")
        self.underage().queue(subject_id)
        return status
