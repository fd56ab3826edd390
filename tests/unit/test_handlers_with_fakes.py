"""Handlers against fakes: the collaborators a handler gets from `wiring` are swapped through
`wiring.dependency_overrides` (serverless-python-demo's injected collaborator), so a handler's own work (reading the
event, calling one use case, shaping the answer) is tested without AWS. The fakes record what they were asked."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import wiring
import wiring.erasure
import wiring.minors
import wiring.requests
from domain.erasure.inactivity import InactivityRule
from domain.erasure.model import SubjectStatus
from domain.minors.use_cases import Withdrawal
from tests.support import LambdaContext, load_event

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_overrides_left() -> Iterator[None]:
    yield
    wiring.reset()


# ---------------------------------------------------------------------------------------------- an API function
@dataclass
class FakeParents:
    """The minors use cases, answering a withdrawal as scheduled for deletion."""

    calls: list[tuple[str, ...]] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def withdraw(self, parent: str, child: str, context: Any) -> Withdrawal:
        self.calls.append(("withdraw", parent, child))
        self.contexts.append(context)
        status = SubjectStatus(state="pending_deletion", purge_at=NOW + timedelta(days=30), reason="parent_request")
        return Withdrawal(status=status, receipt_id="r" * 32)


def test_a_parents_withdrawal_is_one_call_of_the_use_case_for_the_tokens_parent_and_the_paths_child():
    # Given the minors use cases replaced by a fake
    from handlers import minors_api

    parents = FakeParents()
    wiring.dependency_overrides[wiring.minors.parents] = lambda: parents
    event = load_event("minors_api/post_child_withdraw.json")
    parent = event["requestContext"]["authorizer"]["jwt"]["claims"]["sub"]
    child = event["pathParameters"]["child_id"]
    # When the parent withdraws consent for the child
    answer = minors_api.lambda_handler(event, LambdaContext())
    # Then the use case ran once, for the token's subject (never a path or a body) and the path's child
    assert parents.calls == [("withdraw", parent, child)]
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200, body
    assert (body["state"], body["reason"], body["receipt_id"]) == ("pending_deletion", "parent_request", "r" * 32)


def test_a_parents_withdrawal_hands_the_browsers_dnt_signal_to_the_use_case_without_reading_the_policy():
    # Given the minors use cases replaced by a fake, and a parent's browser sending DNT: 1
    from handlers import minors_api

    parents = FakeParents()
    wiring.dependency_overrides[wiring.minors.parents] = lambda: parents
    event = load_event("minors_api/post_child_withdraw.json")
    event["headers"] = {**(event.get("headers") or {}), "dnt": "1"}
    # When the parent withdraws consent for the child
    answer = minors_api.lambda_handler(event, LambdaContext())
    # Then the route passed the signal on as the request's (whether it counts is the policy's, in the use case)
    assert answer["statusCode"] == 200, answer["body"]
    assert [(context.dnt_signal, context.gpc_signal) for context in parents.contexts] == [(True, False)]


def test_a_route_declared_for_the_host_application_refuses_a_plain_user_before_any_use_case():
    # Given a plain user's token on the host application's age check, with use cases that must not be reached
    from handlers import minors_api

    parents = FakeParents()
    wiring.dependency_overrides[wiring.minors.parents] = lambda: parents
    event = load_event("minors_api/post_check.json")
    event["requestContext"]["authorizer"]["jwt"]["claims"].pop("cognito:groups", None)
    event["requestContext"]["authorizer"]["jwt"]["scopes"] = None
    event["requestContext"]["authorizer"]["jwt"]["claims"]["scope"] = "aws.cognito.signin.user.admin"
    # When it calls the route
    answer = minors_api.lambda_handler(event, LambdaContext())
    # Then the declaration refuses it (403), and nothing was asked of the domain
    assert answer["statusCode"] == 403, answer["body"]
    assert parents.calls == []


def test_the_host_applications_age_check_answers_from_the_age_rules_without_building_the_parental_flows():
    # Why: it is the sign-up's hot path, which reads nothing from AWS; building the parental flows (mailer, stores,
    # the erasure and request services) cost the minors function about 100 ms of cold start (docs/performance.md).
    from domain.clock import FixedClock
    from domain.minors.ages import AgeCheck
    from domain.minors.rules import load_age_table
    from handlers import minors_api

    def unreachable() -> Any:
        raise AssertionError("the age check built the parental flows")

    for flows in (wiring.minors.parents, wiring.minors.parental, wiring.minors.parental_store):
        wiring.dependency_overrides[flows] = unreachable
    rules = AgeCheck(clock=FixedClock(NOW), age_table=load_age_table(), minimum_age=0, parental_path=False)
    wiring.dependency_overrides[wiring.minors.age_check] = lambda: rules
    # When the host application checks a 13-year-old in Germany (the age of digital consent is 16 there)
    answer = minors_api.lambda_handler(load_event("minors_api/post_check.json"), LambdaContext())
    # Then the answer comes from the age rules alone: a parent's consent is needed, and without a parental path in
    # the policy the person may not sign up at all
    body = json.loads(answer["body"])
    assert answer["statusCode"] == 200, body
    assert (body["parental_consent_required"], body["age_of_consent"], body["age"], body["allowed"]) == (
        True,
        16,
        13,
        False,
    )


# ---------------------------------------------------------------------------------------------- a worker
@dataclass
class FakeInactivity:
    last_active: date | None
    notices: list[tuple[str, date]] = field(default_factory=list)

    def last_active_day(self, subject_id: str) -> date | None:
        return self.last_active

    def notify_inactive(
        self, subject_id: str, *, inactive_since: date, purge_at: datetime, scheduled_at: datetime
    ) -> bool:
        self.notices.append((subject_id, inactive_since))
        return True


@dataclass
class FakeErasure:
    status_now: SubjectStatus = field(default_factory=lambda: SubjectStatus(state="active"))
    scheduled: list[tuple[str, str, timedelta | None]] = field(default_factory=list)

    def status(self, subject_id: str) -> SubjectStatus:
        return self.status_now

    def schedule_deletion(
        self, subject_id: str, reason: Any, *, actor: Any, grace: timedelta | None = None, **_: Any
    ) -> SubjectStatus:
        self.scheduled.append((subject_id, reason, grace))
        return replace(
            self.status_now,
            state="pending_deletion",
            reason=reason,
            purge_at=NOW + (grace or timedelta(0)),
            requested_at=NOW,
        )


@dataclass
class FakeRequests:
    submitted: list[tuple[str, str, str]] = field(default_factory=list)

    def list_for(self, subject_id: str) -> list[Any]:
        return []

    def submit(self, subject_id: str, type_: str, *, origin: str) -> None:
        self.submitted.append((subject_id, type_, origin))


def _worker_with(inactivity: FakeInactivity, erasure: FakeErasure, requests: FakeRequests) -> Any:
    from handlers import inactivity_worker

    wiring.dependency_overrides.update(
        {
            wiring.erasure.inactivity: lambda: inactivity,
            wiring.erasure.erasure: lambda: erasure,
            wiring.requests.requests: lambda: requests,
            wiring.erasure.inactivity_rule: lambda: InactivityRule(grace=timedelta(days=60), export_first=True),
        }
    )
    return inactivity_worker


def test_an_inactive_subject_gets_a_system_export_a_deletion_with_the_grace_and_a_notice():
    # Given a subject last active on the day the sweep found, and still active
    event = load_event("inactivity_worker/subject_inactive.json")
    message = json.loads(event["Records"][0]["body"])
    inactive_since = date.fromisoformat(message["inactive_since"])
    inactivity, erasure, requests = FakeInactivity(last_active=inactive_since), FakeErasure(), FakeRequests()
    worker = _worker_with(inactivity, erasure, requests)
    # When the worker handles the sweep's message
    assert worker.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    # Then an export is requested by the system, the deletion is scheduled for inactivity with the grace, and noticed
    subject_id = message["subject_id"]
    assert requests.submitted == [(subject_id, "access", "system")]
    assert erasure.scheduled == [(subject_id, "inactivity", timedelta(days=60))]
    assert inactivity.notices == [(subject_id, inactive_since)]


def test_a_subject_active_again_since_the_sweep_is_left_alone():
    # Given a subject active after the day the sweep found
    event = load_event("inactivity_worker/subject_inactive.json")
    inactive_since = date.fromisoformat(json.loads(event["Records"][0]["body"])["inactive_since"])
    inactivity, erasure, requests = (
        FakeInactivity(last_active=inactive_since + timedelta(days=1)),
        FakeErasure(),
        FakeRequests(),
    )
    worker = _worker_with(inactivity, erasure, requests)
    # When the worker handles the message
    assert worker.lambda_handler(event, LambdaContext()) == {"batchItemFailures": []}
    # Then nothing is requested, scheduled or noticed
    assert (requests.submitted, erasure.scheduled, inactivity.notices) == ([], [], [])
