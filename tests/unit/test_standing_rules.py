"""The one permission rule (domain/standing/rules.py): its precedence, the lazy lift of an announced restriction,
the classification of objections, and the minor rule, against a small test catalog."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from domain.consent.catalog import PurposeCatalog, UnknownPurpose
from domain.consent.model import ConsentState, Decision
from domain.erasure.model import SubjectStatus
from domain.minors.rules import load_age_table
from domain.standing.model import Objection, ObjectionNotApplicable, Restriction, Standing, SubjectFacts
from domain.standing.rules import PermissionRules, objection_targets, permission

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
RULES = PermissionRules(max_consent_age=timedelta(days=396), age_table=load_age_table())


def _purpose(pid: str, basis: str, **flags: object) -> dict[str, object]:
    required = bool(flags.get("required", False))
    return {
        "id": pid,
        "title": pid,
        "description": f"{pid} text",
        "legal_basis": basis,
        "required": required,
        "default": required or basis != "consent",
        "gpc_opt_out": bool(flags.get("gpc_opt_out", False)),
        "category": "processing",
        "direct_marketing": bool(flags.get("direct_marketing", False)),
        "for_minors": bool(flags.get("for_minors", True)),
    }


CATALOG = PurposeCatalog.model_validate(
    {
        "policy_version": "test-1",
        "purposes": [
            _purpose("account", "contract", required=True),
            _purpose("marketing_emails", "consent", direct_marketing=True, for_minors=False, gpc_opt_out=True),
            _purpose("analytics", "consent"),
            _purpose("fraud_scoring", "legitimate_interests"),
            _purpose("billing", "contract"),
        ],
    }
)


def decision(pid: str, granted: bool, **changes: object) -> Decision:
    made = Decision(
        granted=granted,
        source="settings",
        at=NOW - timedelta(days=1),
        policy_version="test-1",
        wording_hash=CATALOG.get(pid).wording_hash,
        receipt_id="r1",
    )
    return made.model_copy(update=changes)


def facts(**changes: object) -> SubjectFacts:
    base = SubjectFacts(
        exists=True,
        status=SubjectStatus(state="active"),
        standing=Standing(),
        consents=ConsentState(version=1, decisions={"marketing_emails": decision("marketing_emails", True)}),
        birth_date=date(1990, 1, 1),
        country="DE",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def answer(pid: str, subject: SubjectFacts) -> tuple[bool, str]:
    found = permission(CATALOG.get(pid), subject, NOW, RULES)
    return found.allowed, found.reason


RESTRICTED = Standing(restriction=Restriction(grounds="accuracy_contested", since=NOW - timedelta(days=2)))
OBJECTED = Standing(
    objections={"marketing_emails": Objection(purpose="marketing_emails", at=NOW, request_id="q" * 32, absolute=True)}
)
PENDING = SubjectStatus(state="pending_deletion", purge_at=NOW + timedelta(days=10), reason="user_request")


@pytest.mark.parametrize(
    ("pid", "changes", "expected"),
    [
        ("marketing_emails", {}, (True, "consent")),
        ("account", {"status": SubjectStatus(state="purged")}, (False, "purged")),
        ("account", {"status": PENDING}, (False, "pending_deletion")),
        ("account", {"standing": RESTRICTED}, (True, "required")),
        ("marketing_emails", {"standing": RESTRICTED}, (False, "restricted")),
        ("billing", {"standing": RESTRICTED}, (False, "restricted")),
        ("marketing_emails", {"standing": OBJECTED}, (False, "objected")),
        ("marketing_emails", {"birth_date": date(2015, 1, 1)}, (False, "minor")),
        ("analytics", {"birth_date": date(2015, 1, 1)}, (False, "refused")),
        ("billing", {}, (True, "required")),
        ("fraud_scoring", {}, (True, "required")),
        ("analytics", {}, (False, "refused")),
    ],
)
def test_permission_follows_the_precedence_table(pid: str, changes: dict[str, object], expected: tuple) -> None:
    # Given a subject's facts, When the rule is asked for a purpose, Then the first matching reason answers
    assert answer(pid, facts(**changes)) == expected


def test_a_pending_deletion_wins_over_a_restriction_and_an_objection() -> None:
    assert answer("marketing_emails", facts(status=PENDING, standing=RESTRICTED)) == (False, "pending_deletion")


def test_a_pending_deletion_past_its_purge_time_is_purged() -> None:
    due = SubjectStatus(state="pending_deletion", purge_at=NOW - timedelta(seconds=1), reason="user_request")
    assert answer("account", facts(status=due)) == (False, "purged")


def test_an_announced_lift_keeps_the_restriction_until_lift_at_then_it_is_gone() -> None:
    # Given a restriction whose lift an operator announced for tomorrow
    assert RESTRICTED.restriction is not None
    lifting = Standing(restriction=replace(RESTRICTED.restriction, lift_at=NOW + timedelta(days=1)))
    subject = facts(standing=lifting)
    # Then it is in force now, and no longer once lift_at has come (no sweep)
    assert permission(CATALOG.get("marketing_emails"), subject, NOW, RULES).reason == "restricted"
    later = permission(CATALOG.get("marketing_emails"), subject, NOW + timedelta(days=1), RULES)
    assert (later.allowed, later.reason) == (True, "consent")


def test_a_refusal_from_gpc_says_gpc() -> None:
    consents = ConsentState(
        version=1, decisions={"marketing_emails": decision("marketing_emails", False, source="gpc")}
    )
    assert answer("marketing_emails", facts(consents=consents)) == (False, "gpc")


def test_a_refusal_of_a_purpose_granted_before_says_withdrawn() -> None:
    consents = ConsentState(
        version=2, decisions={"marketing_emails": decision("marketing_emails", False, withdrawn=True)}
    )
    assert answer("marketing_emails", facts(consents=consents)) == (False, "withdrawn")


def test_a_stale_grant_is_not_relied_upon() -> None:
    old = decision("marketing_emails", True, at=NOW - timedelta(days=400))
    consents = ConsentState(version=1, decisions={"marketing_emails": old})
    assert answer("marketing_emails", facts(consents=consents)) == (False, "refused")


def test_an_objection_to_legitimate_interests_stops_until_compelling_grounds_are_recorded() -> None:
    objection = Objection(purpose="fraud_scoring", at=NOW, request_id="q" * 32, absolute=False)
    assert answer("fraud_scoring", facts(standing=Standing(objections={"fraud_scoring": objection}))) == (
        False,
        "objected",
    )
    overridden = replace(objection, compelling_grounds_at=NOW)
    assert answer("fraud_scoring", facts(standing=Standing(objections={"fraud_scoring": overridden}))) == (
        True,
        "required",
    )


def test_compelling_grounds_never_override_an_objection_to_direct_marketing() -> None:
    assert OBJECTED.objections["marketing_emails"].absolute
    overridden = replace(OBJECTED.objections["marketing_emails"], compelling_grounds_at=NOW)
    assert overridden.in_force


def test_direct_marketing_and_legitimate_interests_may_be_objected_to() -> None:
    targets = objection_targets(["marketing_emails", "fraud_scoring"], CATALOG)
    assert [(p.id, p.direct_marketing) for p in targets] == [("marketing_emails", True), ("fraud_scoring", False)]


@pytest.mark.parametrize("pid", ["analytics", "billing", "account"])
def test_an_objection_to_consent_or_contract_processing_names_the_right_route(pid: str) -> None:
    with pytest.raises(ObjectionNotApplicable) as raised:
        objection_targets([pid], CATALOG)
    assert raised.value.code == "objection_not_applicable"
    assert "PUT /me/consents" in raised.value.message
    assert raised.value.details == [{"purpose": pid, "use": "PUT /me/consents"}]


def test_an_objection_to_an_unknown_purpose_is_refused() -> None:
    with pytest.raises(UnknownPurpose):
        objection_targets(["nope"], CATALOG)


def test_plan_change_records_a_refusal_after_a_grant_as_withdrawn_and_a_first_refusal_as_not() -> None:
    from domain.consent.model import ConsentChangeRequest
    from domain.consent.rules import plan_change

    def change(state: ConsentState, granted: bool) -> ConsentState:
        request = ConsentChangeRequest(decisions={"analytics": granted}, source="settings")
        planned = plan_change(
            state, request, catalog=CATALOG, now=NOW, receipt_id="r", subject_ref="s", gpc_signal=False
        )
        return planned.new_state

    refused_first = change(ConsentState(), False)
    assert refused_first.decisions["analytics"].withdrawn is False
    withdrawn = change(change(ConsentState(), True), False)
    assert withdrawn.decisions["analytics"].withdrawn is True
    assert change(withdrawn, False).decisions["analytics"].withdrawn is True  # refused again: still withdrawn
    assert change(withdrawn, True).decisions["analytics"].withdrawn is False


@pytest.mark.parametrize(
    "made",
    [
        None,
        decision("analytics", True),
        decision("analytics", False),
        decision("analytics", True, at=NOW - timedelta(days=400)),
        decision("analytics", True, wording_hash="old"),
    ],
)
def test_the_consent_view_and_the_permission_rule_agree_on_consent_alone(made: Decision | None) -> None:
    from domain.consent.rules import view_consents

    # Given an active adult with no restriction or objection, and one decision (or none)
    consents = ConsentState(version=1, decisions={} if made is None else {"analytics": made})
    view = view_consents(consents, catalog=CATALOG, now=NOW, max_age=RULES.max_consent_age)["analytics"]
    # Then what the consent view permits is what the permission rule allows
    assert permission(CATALOG.get("analytics"), facts(consents=consents), NOW, RULES).allowed is view.permits_processing
