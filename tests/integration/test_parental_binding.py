"""One approval, one child, at the store (adapters.parental_binding) under moto: of sign-ups binding with the same
approved request, concurrently or one after the other, exactly one is bound and named by the approval; a retried
trigger of that one changes nothing; the others are left unbound."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from threading import Barrier, RLock
from typing import Any

import pytest

import wiring.minors
import wiring.shared
from adapters.parental_binding import bind_child
from tests.integration.test_minors_api import approved_request, items_of, request_consent


def bind(child: str, request_id: str) -> str:
    return bind_child(wiring.shared.settings().subjects_table, child, request_id, datetime.now(UTC))


def admitted_by(request_id: str) -> str | None:
    approval = wiring.minors.parental_store().approved(request_id)
    assert approval is not None
    return approval.child_subject_id


def bound_to(ddb: Any, aws: Any, child: str) -> str | None:
    binding = items_of(ddb, aws, f"SUBJECT#{child}").get("PARENTAL_BINDING")
    return binding["request_id"]["S"] if binding else None


@pytest.fixture
def atomic_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each DynamoDB request applied whole, as DynamoDB does: in-process moto checks a transaction's conditions and
    then writes without a lock, so threads could interleave inside one request (and a cancelled transaction
    restores a copy of the table taken before another thread's write). Between requests the threads interleave
    freely: that is the race under test."""
    from moto.dynamodb.models import DynamoDBBackend

    lock = RLock()
    for name in ("transact_write_items", "update_item", "get_item", "put_item", "query"):
        original = getattr(DynamoDBBackend, name)

        def applied_whole(self: Any, *args: Any, _original: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _original(self, *args, **kwargs)

        monkeypatch.setattr(DynamoDBBackend, name, applied_whole)


def test_of_sign_ups_binding_at_the_same_moment_with_one_approval_exactly_one_is_bound(
    aws, ddb, context, atomic_requests
):
    # Given an approved request, and six confirmed sign-ups presenting it at the same moment
    request_id, _ = approved_request(context)
    children = [str(uuid.uuid4()) for _ in range(6)]
    start = Barrier(len(children))
    wiring.shared.settings()  # built once, before the threads

    def race(child: str) -> str:
        start.wait()
        return bind(child, request_id)

    # When each binds
    with ThreadPoolExecutor(len(children)) as pool:
        outcomes = dict(zip(children, pool.map(race, children), strict=True))
    # Then exactly one is bound, the approval names it, and no other account is bound to the request
    (winner,) = [child for child, outcome in outcomes.items() if outcome == "bound"]
    assert sorted(outcomes.values()) == ["bound"] + ["consent_used"] * 5
    assert admitted_by(request_id) == winner
    assert [child for child in children if bound_to(ddb, aws, child) == request_id] == [winner]


def test_the_second_sign_up_with_a_used_approval_is_not_bound_and_the_approval_keeps_the_first(aws, ddb, context):
    request_id, _ = approved_request(context)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert bind(first, request_id) == "bound"
    assert bind(second, request_id) == "consent_used"
    assert admitted_by(request_id) == first
    assert bound_to(ddb, aws, second) is None


def test_a_retried_trigger_of_the_bound_child_changes_nothing(aws, ddb, context):
    request_id, _ = approved_request(context)
    child = str(uuid.uuid4())
    assert bind(child, request_id) == "bound"
    bound_at = items_of(ddb, aws, f"SUBJECT#{child}")["PARENTAL_BINDING"]["bound_at"]["S"]
    assert bind(child, request_id) == "bound"
    assert admitted_by(request_id) == child
    assert items_of(ddb, aws, f"SUBJECT#{child}")["PARENTAL_BINDING"]["bound_at"]["S"] == bound_at


def test_an_account_bound_to_another_request_uses_no_approval(aws, ddb, context):
    # Given an account bound to one approved request, and another approved request
    first_request, _ = approved_request(context)
    other_request, _ = approved_request(context)
    child = str(uuid.uuid4())
    assert bind(child, first_request) == "bound"
    # When a trigger of that account names the other request
    assert bind(child, other_request) == "bound_to_another_request"
    # Then the other approval still admits a child of its own
    assert admitted_by(other_request) is None
    assert bound_to(ddb, aws, child) == first_request


def test_a_request_without_an_approval_yet_binds_the_account_and_marks_nothing(aws, ddb, context):
    # Given a request the parent has not answered
    issued = request_consent(context)
    child = str(uuid.uuid4())
    # When a sign-up names it (an adult's, or one without a birth date: the gate let it through)
    assert bind(child, issued["request_id"]) == "bound_without_approval"
    # Then the account is bound, and no approval exists to be marked
    assert bound_to(ddb, aws, child) == issued["request_id"]
    assert wiring.minors.parental_store().approved(issued["request_id"]) is None
