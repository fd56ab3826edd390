"""Standing use cases against a small in-memory store: objections to legitimate interests and compelling grounds,
an operator's announced lift evaluated lazily, the subject's immediate lift, and what each change publishes."""

from dataclasses import replace
from datetime import timedelta

import pytest

from domain.audit.model import AuditEntry
from domain.clock import FixedClock
from domain.consent.model import ConsentState
from domain.erasure.model import SubjectStatus
from domain.requests.model import DataRequest
from domain.standing.model import NotRestricted, ObjectionAbsolute, RestrictionHeldByParent, Standing, SubjectFacts
from domain.standing.service import StandingService
from tests.unit.test_standing_rules import CATALOG, RULES, decision


class FakeStandingStore:
    def __init__(self) -> None:
        self.standing = Standing()
        self.consents = ConsentState(version=1, decisions={"marketing_emails": decision("marketing_emails", True)})
        self.published: list[tuple[str, dict[str, object]]] = []
        self.audited: list[AuditEntry] = []

    def facts(self, subject_id: str) -> SubjectFacts:
        return SubjectFacts(
            exists=True, status=SubjectStatus(state="active"), standing=self.standing, consents=self.consents
        )

    def save(
        self, subject_id: str, standing: Standing, *, audit: AuditEntry, event: tuple[str, dict[str, object]]
    ) -> Standing:
        assert standing.version == self.standing.version + 1
        self.standing = standing
        self.audited.append(audit)
        self.published.append(event)
        return standing


def service_at() -> tuple[StandingService, FakeStandingStore, FixedClock]:
    store, clock = FakeStandingStore(), FixedClock()
    service = StandingService(store, clock, catalog=lambda: CATALOG, rules=lambda: RULES, lift_notice=timedelta(days=7))
    return service, store, clock


def a_request(clock: FixedClock, type_: str = "objection") -> DataRequest:
    now = clock.now()
    return DataRequest(
        request_id="q" * 32,
        subject_id="s-1",
        type=type_,  # type: ignore[arg-type]
        jurisdiction="gdpr",
        received_at=now,
        due_at=now + timedelta(days=30),
        updated_at=now,
    )


def test_an_objection_to_legitimate_interests_holds_until_an_operator_records_compelling_grounds() -> None:
    service, store, clock = service_at()
    request = a_request(clock)
    service.record_objection(request, ["fraud_scoring"])
    assert service.permissions("s-1", ["fraud_scoring"])["fraud_scoring"].reason == "objected"
    service.compelling_grounds(request, "fraud_scoring", "fraud pattern under investigation", admin="op-1")
    assert service.permissions("s-1", ["fraud_scoring"])["fraud_scoring"].allowed is True
    # The operator's reason stays out of the event and the audit record
    assert [name for name, _ in store.published] == ["SubjectObjected", "ObjectionOverridden"]
    assert "fraud pattern" not in repr(store.published) + repr(store.audited)


def test_compelling_grounds_are_refused_for_direct_marketing() -> None:
    service, _, clock = service_at()
    request = a_request(clock)
    service.record_objection(request, ["marketing_emails"])
    with pytest.raises(ObjectionAbsolute):
        service.compelling_grounds(request, "marketing_emails", "we want to", admin="op-1")


def test_an_operator_lift_is_announced_and_the_restriction_ends_at_lift_at_without_a_sweep() -> None:
    service, store, clock = service_at()
    service.restrict(a_request(clock, "restriction"), "legal_claims", by="subject")
    announced = service.announce_lift("s-1", "claim settled", admin="op-1")
    assert announced.restriction is not None
    assert announced.restriction.lift_at == clock.now() + timedelta(days=7)
    assert service.permissions("s-1", ["marketing_emails"])["marketing_emails"].reason == "restricted"
    clock.advance(days=7)
    assert service.permissions("s-1", ["marketing_emails"])["marketing_emails"].reason == "consent"
    assert service.status("s-1").restriction is None
    assert [name for name, _ in store.published] == ["SubjectRestricted", "RestrictionLiftAnnounced"]


def test_the_subjects_own_lift_is_immediate_and_a_second_one_is_a_conflict() -> None:
    service, store, clock = service_at()
    service.restrict(a_request(clock, "restriction"), "accuracy_contested", by="subject")
    service.lift("s-1")
    assert store.standing.restriction is None
    with pytest.raises(NotRestricted):
        service.lift("s-1")


def test_a_new_restriction_cancels_an_announced_lift() -> None:
    service, store, clock = service_at()
    service.restrict(a_request(clock, "restriction"), "legal_claims", by="subject")
    service.announce_lift("s-1", "claim settled", admin="op-1")
    service.restrict(replace(a_request(clock, "restriction"), request_id="r" * 32), "unlawful_processing", by="parent")
    assert store.standing.restriction is not None
    assert store.standing.restriction.lift_at is None


def test_a_child_cannot_lift_the_restriction_their_parent_placed_but_the_parent_can() -> None:
    # The attack: the child lifts what the parent decided, so collection resumes
    service, store, clock = service_at()
    service.restrict(a_request(clock, "restriction"), "unlawful_processing", by="parent")
    with pytest.raises(RestrictionHeldByParent):
        service.lift("s-1")
    assert service.permissions("s-1", ["marketing_emails"])["marketing_emails"].reason == "restricted"
    service.lift("s-1", by="parent")
    assert store.standing.restriction is None
    assert store.published[-1] == ("RestrictionLifted", {"subject_id": "s-1", "lifted_by": "parent"})
    assert store.audited[-1].actor == "parent"


def test_a_child_asking_again_does_not_take_over_the_parents_restriction() -> None:
    # The attack's second route: restrict again as the subject (restricted_by would become the child's), then lift
    service, store, clock = service_at()
    service.restrict(a_request(clock, "restriction"), "unlawful_processing", by="parent")
    service.restrict(replace(a_request(clock, "restriction"), request_id="r" * 32), "accuracy_contested", by="subject")
    assert store.standing.restriction is not None
    assert store.standing.restriction.restricted_by == "parent"
    with pytest.raises(RestrictionHeldByParent):
        service.lift("s-1")


def test_a_parent_may_lift_a_restriction_the_child_asked_for_themselves() -> None:
    service, store, clock = service_at()
    service.restrict(a_request(clock, "restriction"), "accuracy_contested", by="subject")
    service.lift("s-1", by="parent")
    assert store.standing.restriction is None
