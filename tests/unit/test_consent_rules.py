from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.consent.catalog import LegalBasis, Purpose, PurposeCatalog, UnknownPurpose
from domain.consent.model import ConsentChange, ConsentChangeRequest, ConsentSource, ConsentState, Decision
from domain.consent.rules import (
    RequiredPurposeRefused,
    merge_states,
    plan_change,
    plan_claim,
    view_consents,
    withdrawal_request,
)

NOW = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
MAX_AGE = timedelta(days=396)  # 13 months: what every policy states (consent.max_age_days)
DESCRIPTIONS = {
    "login": "Keeps you signed in.",
    "analytics": "We measure how the site is used.",
    "marketing_emails": "We send you e-mails about offers.",
}

CatalogFactory = Callable[..., PurposeCatalog]


@pytest.fixture
def make_catalog() -> CatalogFactory:
    """A small catalog: required login, analytics (not GPC-covered), marketing e-mails (GPC-covered).

    Keyword arguments reword a purpose's description, e.g. `make_catalog(analytics="New text.")`.
    """

    def make(policy_version: str = "2026-11-01", **rewordings: str) -> PurposeCatalog:
        descriptions = DESCRIPTIONS | rewordings
        return PurposeCatalog(
            policy_version=policy_version,
            purposes=[
                _purpose("login", descriptions["login"], required=True),
                _purpose("analytics", descriptions["analytics"]),
                _purpose("marketing_emails", descriptions["marketing_emails"], gpc_opt_out=True),
            ],
        )

    return make


@pytest.fixture
def catalog(make_catalog: CatalogFactory) -> PurposeCatalog:
    return make_catalog()


def _purpose(purpose_id: str, description: str, *, required: bool = False, gpc_opt_out: bool = False) -> Purpose:
    return Purpose(
        id=purpose_id,
        title=purpose_id.replace("_", " ").capitalize(),
        description=description,
        legal_basis=LegalBasis.CONTRACT if required else LegalBasis.CONSENT,
        required=required,
        default=required,
        gpc_opt_out=gpc_opt_out,
        category="cookie",
    )


def _apply(
    state: ConsentState,
    decisions: dict[str, bool],
    *,
    catalog: PurposeCatalog,
    now: datetime = NOW,
    gpc_signal: bool = False,
    dnt_signal: bool = False,
    acknowledged: bool = False,
    source_override: ConsentSource | None = None,
) -> ConsentChange:
    request = ConsentChangeRequest(decisions=decisions, source="banner", gpc_conflict_acknowledged=acknowledged)
    return plan_change(
        state,
        request,
        catalog=catalog,
        now=now,
        receipt_id="rcpt-1",
        subject_ref="visitor:v-1",
        gpc_signal=gpc_signal,
        dnt_signal=dnt_signal,
        jurisdiction="FR",
        user_agent_family="Firefox",
        source_override=source_override,
    )


def _decision(at: datetime, *, granted: bool = True, wording_hash: str = "h") -> Decision:
    return Decision(
        granted=granted,
        source="banner",
        at=at,
        policy_version="v1",
        wording_hash=wording_hash,
        receipt_id="r",
    )


def test_grant_then_withdraw_leaves_purpose_refused(catalog: PurposeCatalog) -> None:
    # Given analytics was granted
    granted = _apply(ConsentState(), {"analytics": True}, catalog=catalog).new_state
    # When it is withdrawn
    change = _apply(granted, {"analytics": False}, catalog=catalog, now=NOW + timedelta(days=1))
    # Then it is refused and the event remembers the previous grant
    assert change.new_state.decisions["analytics"].granted is False
    assert (change.events[0].previous, change.events[0].decision) == (True, False)


def test_each_change_increments_the_version_and_event_sequence(catalog: PurposeCatalog) -> None:
    # Given a state at version 4
    state = ConsentState(version=4)
    # When a change is planned
    change = _apply(state, {"analytics": True, "marketing_emails": False}, catalog=catalog)
    # Then the new state is version 5 and every event carries that sequence
    assert change.new_state.version == 5
    assert [event.sequence for event in change.events] == [5, 5]


def test_every_submitted_decision_is_an_event_in_request_order(catalog: PurposeCatalog) -> None:
    # Given analytics was already granted
    state = _apply(ConsentState(), {"analytics": True}, catalog=catalog).new_state
    # When the same grant is re-affirmed along with another decision
    change = _apply(state, {"marketing_emails": False, "analytics": True}, catalog=catalog)
    # Then the unchanged decision is still recorded, as proof of re-affirmation
    assert [(event.purpose, event.previous) for event in change.events] == [
        ("marketing_emails", None),
        ("analytics", True),
    ]


def test_unknown_purpose_is_rejected_with_offending_ids(catalog: PurposeCatalog) -> None:
    # Given a request naming purposes that are not in the catalog
    decisions = {"analytics": True, "telepathy": True, "mind_reading": False}
    # When the change is planned
    with pytest.raises(UnknownPurpose) as raised:
        _apply(ConsentState(), decisions, catalog=catalog)
    # Then the error lists exactly the unknown ids
    assert raised.value.code == "unknown_purpose"
    assert raised.value.details == [{"purpose": "telepathy"}, {"purpose": "mind_reading"}]


def test_refusing_a_required_purpose_is_rejected(catalog: PurposeCatalog) -> None:
    # Given a request refusing the strictly necessary login purpose
    decisions = {"login": False}
    # When the change is planned
    with pytest.raises(RequiredPurposeRefused) as raised:
        _apply(ConsentState(), decisions, catalog=catalog)
    # Then the error says it cannot be refused
    assert raised.value.code == "required_purpose"
    assert raised.value.message == "Purpose 'login' is strictly necessary and cannot be refused."


def test_gpc_turns_a_grant_of_a_covered_purpose_into_a_gpc_refusal(catalog: PurposeCatalog) -> None:
    # Given a browser sending the GPC signal
    # When the user grants marketing e-mails without acknowledging the conflict
    change = _apply(ConsentState(), {"marketing_emails": True}, catalog=catalog, gpc_signal=True)
    # Then a refusal with source "gpc" is recorded
    decision = change.new_state.decisions["marketing_emails"]
    assert (decision.granted, decision.source) == (False, "gpc")
    assert (change.events[0].decision, change.events[0].source) == (False, "gpc")
    assert change.receipt.gpc_conflict_acknowledged is False


def test_gpc_does_not_block_purposes_it_does_not_cover(catalog: PurposeCatalog) -> None:
    # Given a browser sending the GPC signal
    # When the user grants analytics
    change = _apply(ConsentState(), {"analytics": True}, catalog=catalog, gpc_signal=True)
    # Then the grant is recorded as submitted
    decision = change.new_state.decisions["analytics"]
    assert (decision.granted, decision.source) == (True, "banner")


def test_dnt_refuses_a_covered_grant_as_dnt_where_the_policy_honours_dnt(catalog: PurposeCatalog) -> None:
    # Given a policy that honours Do Not Track, and a browser sending DNT: 1 (and no GPC)
    honouring = catalog.model_copy(update={"honours_dnt": True})
    # When the user grants marketing e-mails without acknowledging the conflict
    change = _apply(ConsentState(), {"marketing_emails": True}, catalog=honouring, dnt_signal=True)
    # Then a refusal is recorded as the DNT signal's, and the receipt names DNT, not GPC
    decision = change.new_state.decisions["marketing_emails"]
    assert (decision.granted, decision.source) == (False, "dnt")
    assert (change.events[0].decision, change.events[0].source) == (False, "dnt")
    assert (change.receipt.dnt_signal, change.receipt.gpc_signal) == (True, False)


def test_dnt_changes_nothing_where_the_policy_does_not_honour_it(catalog: PurposeCatalog) -> None:
    # Given a policy that does not respond to Do Not Track (Imocloud), and a browser sending DNT: 1
    assert catalog.honours_dnt is False
    # When the user grants marketing e-mails
    change = _apply(ConsentState(), {"marketing_emails": True}, catalog=catalog, dnt_signal=True)
    # Then the grant is recorded as submitted, and the receipt does not claim a signal that was not acted on
    decision = change.new_state.decisions["marketing_emails"]
    assert (decision.granted, decision.source) == (True, "banner")
    assert change.receipt.dnt_signal is False


def test_acknowledged_gpc_conflict_records_the_explicit_grant(catalog: PurposeCatalog) -> None:
    # Given a browser sending GPC and a client that showed the user the conflict
    # When the user confirms granting marketing e-mails
    change = _apply(ConsentState(), {"marketing_emails": True}, catalog=catalog, gpc_signal=True, acknowledged=True)
    # Then the explicit grant is recorded with the request's source, and the receipt says so
    decision = change.new_state.decisions["marketing_emails"]
    assert (decision.granted, decision.source) == (True, "banner")
    assert change.receipt.gpc_signal is True
    assert change.receipt.gpc_conflict_acknowledged is True


def test_source_override_replaces_the_request_source(catalog: PurposeCatalog) -> None:
    # Given marketing e-mails were granted
    state = _apply(ConsentState(), {"marketing_emails": True}, catalog=catalog).new_state
    # When a one-click unsubscribe applies the withdrawal
    change = _apply(state, {"marketing_emails": False}, catalog=catalog, source_override="unsubscribe")
    # Then events, decision and receipt carry the overriding source
    assert change.events[0].source == "unsubscribe"
    assert change.new_state.decisions["marketing_emails"].source == "unsubscribe"
    assert change.receipt.collection_method == "unsubscribe via Firefox"


def test_receipt_lists_requested_purposes_with_their_legal_basis(catalog: PurposeCatalog) -> None:
    # Given a visitor choosing on the banner
    # When the change is planned
    change = _apply(ConsentState(), {"analytics": True, "login": True}, catalog=catalog)
    # Then the receipt describes each purpose, its decision and legal basis, for the opaque subject
    receipt = change.receipt
    assert [(p.purpose, p.decision, p.legal_basis, p.source) for p in receipt.purposes] == [
        ("analytics", True, LegalBasis.CONSENT, "banner"),
        ("login", True, LegalBasis.CONTRACT, "banner"),
    ]
    assert (receipt.receipt_id, receipt.subject, receipt.policy_version) == (
        "rcpt-1",
        "visitor:v-1",
        "2026-11-01",
    )
    assert (receipt.jurisdiction, receipt.collection_method, receipt.timestamp) == (
        "FR",
        "banner via Firefox",
        NOW,
    )


def test_plan_change_rejects_a_naive_now(catalog: PurposeCatalog) -> None:
    # Given a timestamp without a time zone
    naive_now = datetime(2026, 11, 5, 12, 0)
    # When a change is planned with it
    # Then it is refused, because evidence must not depend on the server's zone
    with pytest.raises(ValueError, match="timezone-aware"):
        _apply(ConsentState(), {"analytics": True}, catalog=catalog, now=naive_now)


def test_change_request_needs_at_least_one_decision() -> None:
    # Given an empty decisions map
    # When the request is validated
    # Then it is rejected
    with pytest.raises(ValidationError):
        ConsentChangeRequest.model_validate({"decisions": {}, "source": "banner"})


def test_change_request_rejects_ambiguous_decision_values() -> None:
    # Given a decision sent as a string rather than a boolean
    # When the request is validated
    # Then it is rejected: consent must be unambiguous
    with pytest.raises(ValidationError):
        ConsentChangeRequest.model_validate({"decisions": {"analytics": "yes"}, "source": "banner"})


@pytest.mark.parametrize("acknowledgement", ["yes", 1, "true"])
def test_change_request_rejects_an_ambiguous_gpc_acknowledgement(acknowledgement: object) -> None:
    # Given an acknowledgement of a GPC conflict sent as something other than a boolean
    body = {"decisions": {"marketing_emails": True}, "source": "banner", "gpc_conflict_acknowledged": acknowledgement}
    # When the request is validated
    # Then it is rejected: overriding a GPC opt-out needs an unambiguous choice, like any decision
    with pytest.raises(ValidationError):
        ConsentChangeRequest.model_validate(body)


def test_change_request_forbids_extra_fields() -> None:
    # Given a request with a field the API does not define
    # When it is validated
    # Then it is rejected
    with pytest.raises(ValidationError):
        ConsentChangeRequest.model_validate({"decisions": {"analytics": True}, "source": "api", "gpc": False})


def test_undecided_purpose_shows_its_default(catalog: PurposeCatalog) -> None:
    # Given a visitor who has decided nothing
    # When the consents are viewed
    views = view_consents(ConsentState(), catalog=catalog, now=NOW, max_age=MAX_AGE)
    # Then each purpose shows its catalog default, undecided and not stale
    assert {pid: (v.granted, v.decided, v.stale) for pid, v in views.items()} == {
        "login": (True, False, False),
        "analytics": (False, False, False),
        "marketing_emails": (False, False, False),
    }


def test_decision_becomes_stale_when_the_purpose_is_reworded(make_catalog: CatalogFactory) -> None:
    # Given analytics granted under the original wording
    state = _apply(ConsentState(), {"analytics": True}, catalog=make_catalog()).new_state
    # When the policy rewords analytics
    reworded = make_catalog("2027-01-01", analytics="We measure how the site is used and by whom.")
    views = view_consents(state, catalog=reworded, now=NOW, max_age=MAX_AGE)
    # Then the grant is shown as stale and no longer permits processing; other purposes are unaffected
    assert (views["analytics"].granted, views["analytics"].stale) == (True, True)
    assert views["analytics"].permits_processing is False
    assert views["marketing_emails"].stale is False


def test_decision_is_not_stale_after_twelve_months(catalog: PurposeCatalog) -> None:
    # Given analytics granted 12 months ago
    state = _apply(ConsentState(), {"analytics": True}, catalog=catalog, now=NOW - timedelta(days=365)).new_state
    # When the consents are viewed today with a 13-month maximum age
    views = view_consents(state, catalog=catalog, now=NOW, max_age=MAX_AGE)
    # Then the grant is still valid
    assert views["analytics"].stale is False
    assert views["analytics"].permits_processing is True


def test_decision_is_stale_after_thirteen_months(catalog: PurposeCatalog) -> None:
    # Given analytics granted a little over 13 months ago
    state = _apply(ConsentState(), {"analytics": True}, catalog=catalog, now=NOW - timedelta(days=397)).new_state
    # When the consents are viewed today with a 13-month maximum age
    views = view_consents(state, catalog=catalog, now=NOW, max_age=MAX_AGE)
    # Then the grant must be asked again
    assert views["analytics"].stale is True


def test_required_purpose_is_always_granted_and_never_stale(make_catalog: CatalogFactory) -> None:
    # Given login was affirmed long ago under wording that has since changed
    old = NOW - timedelta(days=1000)
    state = _apply(ConsentState(), {"login": True}, catalog=make_catalog(), now=old).new_state
    # When the consents are viewed against the reworded catalog
    views = view_consents(state, catalog=make_catalog(login="Keeps you signed in securely."), now=NOW, max_age=MAX_AGE)
    # Then login is still granted, decided and not stale
    assert (views["login"].granted, views["login"].decided, views["login"].stale) == (True, True, False)


def test_merge_takes_visitor_decision_when_newer() -> None:
    # Given the subject refused analytics yesterday and the visitor granted it today
    subject = ConsentState(decisions={"analytics": _decision(NOW - timedelta(days=1), granted=False)})
    visitor = ConsentState(decisions={"analytics": _decision(NOW, granted=True)})
    # When the visitor record is claimed
    merged = merge_states(subject, visitor)
    # Then the visitor's newer decision is written into the subject
    assert merged == {"analytics": visitor.decisions["analytics"]}


def test_merge_keeps_subject_decision_when_newer() -> None:
    # Given the subject granted analytics today and the visitor refused it yesterday
    subject = ConsentState(decisions={"analytics": _decision(NOW, granted=True)})
    visitor = ConsentState(decisions={"analytics": _decision(NOW - timedelta(days=1), granted=False)})
    # When the visitor record is claimed
    merged = merge_states(subject, visitor)
    # Then nothing is written: the subject's newer decision wins
    assert merged == {}


def test_merge_takes_visitor_decisions_the_subject_never_made() -> None:
    # Given the visitor decided a purpose the subject never decided
    visitor = ConsentState(decisions={"surveys": _decision(NOW - timedelta(days=30), granted=False)})
    # When the visitor record is claimed
    merged = merge_states(ConsentState(), visitor)
    # Then that decision is written
    assert merged == {"surveys": visitor.decisions["surveys"]}


def _claim(
    claimed: dict[str, Decision],
    *,
    catalog: PurposeCatalog,
    state: ConsentState | None = None,
    now: datetime = NOW,
    gpc_signal: bool = False,
) -> ConsentChange | None:
    return plan_claim(
        state or ConsentState(),
        claimed,
        catalog=catalog,
        now=now,
        receipt_id="claim-receipt",
        subject_ref="subject-1",
        gpc_signal=gpc_signal,
    )


def test_a_claimed_grant_made_under_old_wording_stays_stale(make_catalog: CatalogFactory) -> None:
    # Given a visitor's analytics grant made under the original wording, claimed after analytics was reworded
    given = _apply(ConsentState(), {"analytics": True}, catalog=make_catalog(), now=NOW - timedelta(days=30))
    reworded = make_catalog("2027-01-01", analytics="We measure how the site is used and by whom.")
    # When the claim is planned and the subject's consents are viewed
    change = _claim(given.new_state.decisions, catalog=reworded)
    assert change is not None
    views = view_consents(change.new_state, catalog=reworded, now=NOW, max_age=MAX_AGE)
    # Then the grant keeps its own time and policy version, and is stale
    assert (views["analytics"].granted, views["analytics"].stale, views["analytics"].source) == (True, True, "claim")
    assert (views["analytics"].at, views["analytics"].policy_version) == (NOW - timedelta(days=30), "2026-11-01")


def test_a_claimed_year_old_choice_is_stale_thirteen_months_after_it_was_made(catalog: PurposeCatalog) -> None:
    # Given a banner grant made a year before it is claimed
    given = _apply(ConsentState(), {"analytics": True}, catalog=catalog, now=NOW - timedelta(days=365))
    change = _claim(given.new_state.decisions, catalog=catalog)
    assert change is not None
    # When the subject's consents are viewed 40 days after the claim
    views = view_consents(change.new_state, catalog=catalog, now=NOW + timedelta(days=40), max_age=MAX_AGE)
    # Then the grant is stale (13 months since it was made), not fresh for 13 months from the claim
    assert views["analytics"].stale is True


def test_a_claim_is_dated_when_it_was_claimed_and_names_when_each_choice_was_made(catalog: PurposeCatalog) -> None:
    # Given a visitor's grant made 30 days ago
    made = NOW - timedelta(days=30)
    given = _apply(ConsentState(), {"analytics": True}, catalog=catalog, now=made)
    # When the claim is planned
    change = _claim(given.new_state.decisions, catalog=catalog)
    # Then the event and the receipt are dated now, with the choice's own time and policy version, as a claim
    assert change is not None
    (event,) = change.events
    assert (event.at, event.decided_at, event.policy_version, event.source) == (NOW, made, "2026-11-01", "claim")
    assert change.receipt.timestamp == NOW
    (purpose,) = change.receipt.purposes
    assert (purpose.decision, purpose.source, purpose.decided_at, purpose.policy_version) == (
        True,
        "claim",
        made,
        "2026-11-01",
    )
    assert change.new_state.decisions["analytics"].receipt_id == change.receipt.receipt_id


def test_a_gpc_signal_on_the_claim_refuses_a_claimed_grant_it_covers(catalog: PurposeCatalog) -> None:
    # Given a visitor's marketing e-mails and analytics grants, claimed by a request carrying GPC
    given = _apply(ConsentState(), {"marketing_emails": True, "analytics": True}, catalog=catalog, now=NOW)
    # When the claim is planned
    change = _claim(given.new_state.decisions, catalog=catalog, now=NOW + timedelta(days=1), gpc_signal=True)
    # Then marketing e-mails is refused now by GPC; analytics (not covered) is claimed as made
    assert change is not None
    decisions = change.new_state.decisions
    assert (decisions["marketing_emails"].granted, decisions["marketing_emails"].source) == (False, "gpc")
    assert decisions["marketing_emails"].at == NOW + timedelta(days=1)
    assert (decisions["analytics"].granted, decisions["analytics"].source, decisions["analytics"].at) == (
        True,
        "claim",
        NOW,
    )


def test_a_claim_leaves_out_retired_purposes_and_refusals_of_required_ones(catalog: PurposeCatalog) -> None:
    # Given visitor decisions for a purpose no longer in the catalog and a refusal of one now strictly necessary
    claimed = {"retired": _decision(NOW, granted=True), "login": _decision(NOW, granted=False)}
    # When the claim is planned
    change = _claim(claimed, catalog=catalog)
    # Then there is nothing to write
    assert change is None


def test_withdrawal_request_refuses_purposes_and_skips_required_ones(catalog: PurposeCatalog) -> None:
    # Given a parent withdrawing everything, including the strictly necessary login
    # When the withdrawal request is built
    request = withdrawal_request(["login", "analytics", "marketing_emails"], catalog=catalog)
    # Then only refusable purposes are refused
    assert request is not None
    assert request.decisions == {"analytics": False, "marketing_emails": False}


def test_withdrawal_of_only_required_purposes_is_nothing_to_do(catalog: PurposeCatalog) -> None:
    # Given only required purposes to withdraw
    # When the withdrawal request is built
    request = withdrawal_request(["login"], catalog=catalog)
    # Then there is no request to apply
    assert request is None
