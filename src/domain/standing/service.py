"""Standing use cases: restrict (Art. 18), lift (now by the subject, announced by an operator), object (Art. 21),
record compelling grounds, and the host's permission question. Requests are opened and completed by the request
service; this service changes the standing, with its audit record and event in the same write."""

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import timedelta
from typing import Literal

from domain.audit.model import Actor, AuditEntry, DetailValue
from domain.clock import Clock
from domain.consent.catalog import PurposeCatalog, UnknownPurpose
from domain.erasure.model import SubjectStatus, SubjectUnavailable
from domain.errors import NotFound
from domain.requests.model import DataRequest
from domain.standing.model import (
    NoPurpose,
    NoSuchObjection,
    NotRestricted,
    Objection,
    ObjectionAbsolute,
    RestrictedBy,
    Restriction,
    RestrictionGrounds,
    RestrictionHeldByParent,
    Standing,
    SubjectFacts,
    SubjectStanding,
)
from domain.standing.ports import StandingStore
from domain.standing.rules import Permission, PermissionRules, objection_targets, permission


@dataclass(eq=False)
class StandingService:
    store: StandingStore
    clock: Clock
    _: KW_ONLY
    catalog: Callable[[], PurposeCatalog]
    rules: Callable[[], PermissionRules]
    lift_notice: timedelta

    # ------------------------------------------------------------------ reads
    def facts(self, subject_id: str) -> SubjectFacts:
        return self.store.facts(subject_id)

    def status(self, subject_id: str) -> SubjectStanding:
        """GET /me/status: the account state, the restriction in force and the objections, from the facts
        `permission` reads. A pending deletion past its purge time is purged (as ErasureService.status says)."""
        facts, now = self.store.facts(subject_id), self.clock.now()
        status = facts.status
        if status.state == "pending_deletion" and status.gone_at(now):
            status = SubjectStatus(state="purged", purge_at=status.purge_at, reason=status.reason)
        objections = tuple(sorted(facts.standing.objections.values(), key=lambda objection: objection.purpose))
        return SubjectStanding(status=status, restriction=facts.standing.restriction_at(now), objections=objections)

    def ensure_available(self, subject_id: str) -> None:
        self._available(subject_id)

    def check_objection(self, purpose_ids: list[str]) -> None:
        """422 before any request is opened: unknown purposes, or purposes no objection applies to."""
        objection_targets(purpose_ids, self.catalog())

    def permissions(self, subject_id: str, purpose_ids: list[str]) -> dict[str, Permission]:
        if not purpose_ids:
            raise NoPurpose("Name at least one purpose to ask about.", details=[{"field": "purpose"}])
        catalog = self.catalog()
        unknown = catalog.unknown_ids(purpose_ids)
        if unknown:
            raise UnknownPurpose.for_ids(unknown)
        facts = self.store.facts(subject_id)
        if not facts.exists:
            raise NotFound("No subject with this id.")
        now, rules = self.clock.now(), self.rules()
        return {pid: permission(catalog.get(pid), facts, now, rules) for pid in dict.fromkeys(purpose_ids)}

    # ------------------------------------------------------------------ restriction
    def restrict(self, request: DataRequest, grounds: RestrictionGrounds, *, by: RestrictedBy) -> Standing:
        """In force at once. A restriction asked again replaces the grounds and cancels an announced lift. A
        parent's restriction stays the parent's when the child asks again (else the child could take it over and
        lift it: see `lift`)."""
        subject_id, now = request.subject_id, self.clock.now()
        current = self._available(subject_id)
        in_force = current.restriction_at(now)
        held_by_parent = in_force is not None and in_force.restricted_by == "parent"
        restriction = Restriction(
            grounds=grounds,
            since=in_force.since if in_force else now,
            restricted_by="parent" if held_by_parent else by,
            request_id=request.request_id,
        )
        event: dict[str, object] = {"subject_id": subject_id, "request_id": request.request_id, "grounds": grounds}
        return self._save(
            subject_id,
            replace(current, restriction=restriction),
            self._audit("standing.restricted", _actor(by), request_id=request.request_id, grounds=grounds),
            ("SubjectRestricted", event),
        )

    def lift(self, subject_id: str, *, by: Literal["subject", "parent"] = "subject") -> Standing:
        """The subject's own lift, or their parent's: immediate.

        Security invariant: a restriction a parent placed ("stop the further collection or use" of the child's
        data) is lifted by the parent only. The child's own lift is refused (403 `restriction_by_parent`), so a
        child cannot undo what the parent decided for them."""
        current = self.store.facts(subject_id).standing
        restriction = current.restriction_at(self.clock.now())
        if restriction is None:
            raise NotRestricted("Processing of this data is not restricted.")
        if restriction.restricted_by == "parent" and by != "parent":
            raise RestrictionHeldByParent("Your parent restricted the processing of your data; only they can lift it.")
        event: dict[str, object] = {"subject_id": subject_id, "lifted_by": by}
        return self._save(
            subject_id,
            replace(current, restriction=None),
            self._audit("standing.restriction_lifted", by),
            ("RestrictionLifted", event),
        )

    def announce_lift(self, subject_id: str, reason: str, *, admin: str) -> Standing:
        """An operator's lift (Art. 18(3)): announced now, in force until `lift_at` = now + the notice period."""
        facts = self.store.facts(subject_id)
        if not facts.exists:
            raise NotFound("No subject with this id.")
        now = self.clock.now()
        restriction = facts.standing.restriction_at(now)
        if restriction is None:
            raise NotRestricted("Processing of this subject's data is not restricted.")
        if restriction.lift_at is not None:
            return facts.standing  # already announced: the notice period is not restarted
        lift_at = now + self.lift_notice
        announced = replace(restriction, lift_at=lift_at, lift_requested_by="admin", lift_reason=reason)
        event: dict[str, object] = {"subject_id": subject_id, "lift_at": lift_at.isoformat()}
        return self._save(
            subject_id,
            replace(facts.standing, restriction=announced),
            self._audit("standing.restriction_lift_announced", "admin", admin=admin, lift_at=lift_at.isoformat()),
            ("RestrictionLiftAnnounced", event),
        )

    # ------------------------------------------------------------------ objection
    def record_objection(self, request: DataRequest, purpose_ids: list[str]) -> Standing:
        purposes = objection_targets(purpose_ids, self.catalog())
        subject_id, now = request.subject_id, self.clock.now()
        current = self._available(subject_id)
        objections = dict(current.objections)
        for purpose in purposes:
            objections[purpose.id] = Objection(
                purpose=purpose.id, at=now, request_id=request.request_id, absolute=purpose.direct_marketing
            )
        ids = [purpose.id for purpose in purposes]
        event: dict[str, object] = {"subject_id": subject_id, "request_id": request.request_id, "purposes": ids}
        return self._save(
            subject_id,
            replace(current, objections=objections),
            self._audit("standing.objected", "subject", request_id=request.request_id, purposes=ids),
            ("SubjectObjected", event),
        )

    def compelling_grounds(self, request: DataRequest, purpose: str, reason: str, *, admin: str) -> Standing:
        """Art. 21(1): an operator records compelling legitimate grounds; never for direct marketing (Art. 21(3))."""
        current = self.store.facts(request.subject_id).standing
        objection = current.objections.get(purpose)
        if objection is None or objection.request_id != request.request_id:
            raise NoSuchObjection("This request holds no objection to this purpose.", details=[{"purpose": purpose}])
        if objection.absolute:
            raise ObjectionAbsolute(
                "An objection to direct marketing is absolute: no grounds can override it.",
                details=[{"purpose": purpose}],
            )
        now = self.clock.now()
        overridden = replace(objection, compelling_grounds_at=now, compelling_grounds_reason=reason)
        event: dict[str, object] = {
            "subject_id": request.subject_id,
            "request_id": request.request_id,
            "purpose": purpose,
        }
        return self._save(
            request.subject_id,
            replace(current, objections={**current.objections, purpose: overridden}),
            self._audit(
                "standing.compelling_grounds", "admin", request_id=request.request_id, purpose=purpose, admin=admin
            ),
            ("ObjectionOverridden", event),
        )

    # ------------------------------------------------------------------ helpers
    def _available(self, subject_id: str) -> Standing:
        facts = self.store.facts(subject_id)
        if facts.status.state != "active":
            raise SubjectUnavailable(facts.status.state, facts.status.purge_at, facts.status.reason)
        return facts.standing

    def _save(
        self, subject_id: str, standing: Standing, audit: AuditEntry, event: tuple[str, dict[str, object]]
    ) -> Standing:
        return self.store.save(subject_id, replace(standing, version=standing.version + 1), audit=audit, event=event)

    def _audit(self, action: str, actor: Actor, *, request_id: str | None = None, **details: DetailValue) -> AuditEntry:
        return AuditEntry(action=action, actor=actor, at=self.clock.now(), request_id=request_id, details=details)


def _actor(by: RestrictedBy) -> Actor:
    return by
