"""The inactivity sweep and worker under moto: who crosses the line, checkpoints, and the removal it starts."""

import json
import uuid
from datetime import date, timedelta
from typing import Any

import pytest

import wiring.erasure
import wiring.requests
import wiring.shared
from adapters.aws import client
from adapters.sweep_state import SweepCheckpoint
from domain.activity import activity_keys
from domain.audit.model import AuditEntry
from domain.profile import Profile
from handlers import inactivity_sweep, inactivity_worker, subject_api
from tests.support import as_subject, drain, load_event, routed

SWEEP_EVENT = "inactivity_sweep/daily.json"
WORKER_EVENT = "inactivity_worker/subject_inactive.json"
INACTIVITY_DAYS = 180
GRACE_DAYS = 60


@pytest.fixture
def table(aws) -> str:
    return str(aws.physical_ids["SubjectsTable"])


# ---------------------------------------------------------------- helpers


def bare_subject(ddb: Any, table: str, last_active: date) -> str:
    """A profile item (no audit trail: fast) whose last activity is recorded through the real adapter."""
    subject_id = str(uuid.uuid4())
    ddb.put_item(
        TableName=table,
        Item={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}, "state": {"S": "active"}},
    )
    day = last_active.isoformat()
    assert wiring.shared.store().record_activity(subject_id, day, activity_keys(subject_id, last_active))
    return subject_id


def signed_up_subject(last_active: date) -> str:
    """A subject created the way sign-up creates one, last active on the given day."""
    subject_id = str(uuid.uuid4())
    now = wiring.shared.clock().now()
    profile = Profile(subject_id=subject_id, email="ada@example.org", country="DE", created_at=now, updated_at=now)
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    wiring.shared.store().record_activity(subject_id, last_active.isoformat(), activity_keys(subject_id, last_active))
    return subject_id


def queued(aws) -> list[dict[str, Any]]:
    """Every message on the InactivityQueue (consumed)."""
    return drain(aws.physical_ids["InactivityQueue"])


def sqs_event(*bodies: dict[str, Any]) -> dict[str, Any]:
    template = load_event(WORKER_EVENT)["Records"][0]
    records = [{**template, "messageId": str(uuid.uuid4()), "body": json.dumps(body)} for body in bodies]
    return {"Records": records}


def notices(ddb: Any, table: str) -> list[dict[str, Any]]:
    """The SubjectInactive events waiting in the outbox (a scan is fine in a test)."""
    items = ddb.scan(TableName=table)["Items"]
    outbox = [json.loads(i["outbox"]["S"]) for i in items if i["pk"]["S"].startswith("OUTBOX#")]
    return [o["detail"] for o in outbox if o["detail_type"] == "SubjectInactive"]


def snapshot(ddb: Any, aws) -> str:
    tables = (aws.physical_ids["SubjectsTable"], aws.physical_ids["AuditTable"])
    items = [item for name in tables for item in ddb.scan(TableName=name)["Items"]]
    return json.dumps(sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"])), sort_keys=True)


class ShrinkingContext:
    """A Lambda context whose remaining time drops under the sweep's reserve after `calls` checks."""

    def __init__(self, base: Any, calls: int) -> None:
        self._base, self._calls = base, calls

    def __getattr__(self, name: str) -> Any:
        return getattr(self._base, name)

    def get_remaining_time_in_millis(self) -> int:
        self._calls -= 1
        return 120_000 if self._calls >= 0 else 29_999


# ---------------------------------------------------------------- the sweep


def test_the_sweep_queues_exactly_the_subjects_whose_last_activity_crossed_the_line_today(
    aws, ddb, table, clock, context
):
    # Given subjects last active 180 days ago, 179 days ago, today, and 181 days ago (crossed yesterday)
    today = clock.today()
    cutoff = today - timedelta(days=INACTIVITY_DAYS)
    crossed = {bare_subject(ddb, table, cutoff) for _ in range(3)}
    for day in (cutoff + timedelta(days=1), today, cutoff - timedelta(days=1)):
        bare_subject(ddb, table, day)
    # When the daily sweep runs for the first time
    result = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    # Then exactly the subjects whose 180th inactive day is today are queued, with the day they were last active
    messages = queued(aws)
    assert {m["subject_id"] for m in messages} == crossed
    assert {m["inactive_since"] for m in messages} == {cutoff.isoformat()}
    assert result == {"queued": 3, "days": 1, "cutoff": cutoff.isoformat(), "finished": True}
    assert SweepCheckpoint(table, "inactivity").last_day() == cutoff


def test_a_second_run_the_same_day_queues_nothing(aws, ddb, table, clock, context):
    # Given a sweep that already ran today and found a subject
    bare_subject(ddb, table, clock.today() - timedelta(days=INACTIVITY_DAYS))
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    assert len(queued(aws)) == 1
    # When it runs again the same day
    result = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    # Then nothing is queued twice
    assert result["queued"] == 0
    assert result["days"] == 0
    assert queued(aws) == []


def test_a_missed_day_is_caught_up_by_the_next_run(aws, ddb, table, clock, context):
    # Given a sweep that ran today, and subjects crossing the line tomorrow and the day after
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    tomorrow = bare_subject(ddb, table, cutoff + timedelta(days=1))
    after = bare_subject(ddb, table, cutoff + timedelta(days=2))
    # When tomorrow's run is missed and the next one comes two days later
    clock.advance_days(2)
    result = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    # Then both days are swept, each subject with its own day, and the checkpoint is on the last one
    expected = {
        (tomorrow, (cutoff + timedelta(days=1)).isoformat()),
        (after, (cutoff + timedelta(days=2)).isoformat()),
    }
    assert {(m["subject_id"], m["inactive_since"]) for m in queued(aws)} == expected
    assert result["days"] == 2
    assert SweepCheckpoint(table, "inactivity").last_day() == cutoff + timedelta(days=2)


def test_a_checkpoint_ahead_of_the_cutoff_means_there_is_nothing_to_do(aws, ddb, table, clock, context):
    # Given a sweep that ran with the clock ten days ahead (the local cloud's clock was moved, then reset)
    clock.advance_days(10)
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    ahead = SweepCheckpoint(table, "inactivity").last_day()
    clock.advance_days(-10)
    bare_subject(ddb, table, clock.today() - timedelta(days=INACTIVITY_DAYS))
    # When it runs at today's date
    result = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    # Then it does nothing and leaves the checkpoint where it was
    assert result["queued"] == result["days"] == 0
    assert queued(aws) == []
    assert SweepCheckpoint(table, "inactivity").last_day() == ahead


def test_a_sweep_near_its_timeout_stops_after_a_whole_day_and_the_next_run_resumes(aws, ddb, table, clock, context):
    # Given three days to catch up, one subject crossing the line on each
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    SweepCheckpoint(table, "inactivity").advance(cutoff - timedelta(days=3))
    subjects = [bare_subject(ddb, table, cutoff - timedelta(days=back)) for back in (2, 1, 0)]
    # When the run has time for two days only
    first = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), ShrinkingContext(context, calls=2))
    # Then it stops with the checkpoint on the last finished day; the next run does the rest, nothing twice
    assert first["finished"] is False
    assert [m["subject_id"] for m in queued(aws)] == subjects[:2]
    assert SweepCheckpoint(table, "inactivity").last_day() == cutoff - timedelta(days=1)
    second = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    assert second["finished"] is True
    assert [m["subject_id"] for m in queued(aws)] == subjects[2:]


def test_the_sweep_reads_only_the_subjects_it_finds_never_the_table(aws, ddb, table, clock, context):
    # Given 300 subjects of whom 30 crossed the line during the five days since the last run
    today = clock.today()
    cutoff = today - timedelta(days=INACTIVITY_DAYS)
    SweepCheckpoint(table, "inactivity").advance(cutoff - timedelta(days=5))
    crossed = {bare_subject(ddb, table, cutoff - timedelta(days=i % 5)) for i in range(30)}
    for i in range(270):
        bare_subject(ddb, table, today - timedelta(days=i % INACTIVITY_DAYS))  # active within the last 180 days
    read, scans = [0], [0]

    def count_items(parsed: dict[str, Any], **_: Any) -> None:
        read[0] += len(parsed.get("Items", []))

    def count_scan(**_: Any) -> None:
        scans[0] += 1

    dynamodb = client("dynamodb")
    dynamodb.meta.events.register("after-call.dynamodb.Query", count_items)
    dynamodb.meta.events.register("before-call.dynamodb.Scan", count_scan)
    try:
        # When the sweep runs
        result = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    finally:
        dynamodb.meta.events.unregister("after-call.dynamodb.Query", count_items)
        dynamodb.meta.events.unregister("before-call.dynamodb.Scan", count_scan)
    # Then it found the 30, reading no more than 10 % beyond them, and never scanned
    assert {m["subject_id"] for m in queued(aws)} == crossed
    assert result["queued"] == 30
    assert read[0] <= 1.1 * 30
    assert scans[0] == 0


# ---------------------------------------------------------------- the worker


def test_an_inactive_subject_is_exported_then_scheduled_for_removal_sixty_days_later(aws, ddb, table, clock, context):
    # Given a subject last active 180 days ago, found by the sweep
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    (message,) = queued(aws)
    before = wiring.shared.clock().now()
    # When the worker handles the message
    result = inactivity_worker.lambda_handler(sqs_event(message), context)
    # Then an access request made by the system exists (the export), the subject is pending deletion for
    # inactivity with the purge 60 days away, and SubjectInactive waits in the outbox
    assert result == {"batchItemFailures": []}
    (request,) = wiring.requests.requests().list_for(subject)
    assert (request.type, request.origin, request.status) == ("access", "system", "received")
    status = wiring.erasure.erasure().status(subject)
    assert (status.state, status.reason) == ("pending_deletion", "inactivity")
    assert status.purge_at is not None
    assert status.purge_at.date() == (before + timedelta(days=GRACE_DAYS)).date()
    assert status.purge_at <= wiring.shared.clock().now() + timedelta(days=GRACE_DAYS)  # never later than promised
    assert notices(ddb, table) == [
        {"subject_id": subject, "inactive_since": cutoff.isoformat(), "purge_at": status.purge_at.isoformat()}
    ]


def test_a_redelivered_message_changes_nothing(aws, ddb, table, clock, context):
    # Given a subject the worker already scheduled for removal
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    event = sqs_event({"subject_id": subject, "inactive_since": cutoff.isoformat()})
    inactivity_worker.lambda_handler(event, context)
    before = snapshot(ddb, aws)
    # When the same message arrives again, an hour later
    clock.advance_days(1 / 24)
    result = inactivity_worker.lambda_handler(event, context)
    # Then nothing changed: one request, the first purge date, one notice, no new audit record
    assert result == {"batchItemFailures": []}
    assert snapshot(ddb, aws) == before
    assert len(wiring.requests.requests().list_for(subject)) == 1
    assert len(notices(ddb, table)) == 1


def test_a_subject_active_again_after_the_sweep_is_left_alone(aws, ddb, table, clock, context):
    # Given a subject queued by the sweep who was active again before the worker got the message
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    (message,) = queued(aws)
    today = clock.today()
    wiring.shared.store().record_activity(subject, today.isoformat(), activity_keys(subject, today))
    # When the worker handles the message
    result = inactivity_worker.lambda_handler(sqs_event(message), context)
    # Then the subject stays active, with no export and no notice
    assert result == {"batchItemFailures": []}
    assert wiring.erasure.erasure().status(subject).state == "active"
    assert wiring.requests.requests().list_for(subject) == []
    assert notices(ddb, table) == []


def restored_through_the_api(subject: str, route: str, context: Any) -> int:
    """The subject answers `route` ("POST /me/restore" or "POST /me/activity") as the privacy center sends it."""

    event = routed(as_subject(load_event("subject_api/post_activity.json"), subject), route)
    return int(subject_api.lambda_handler(event, context)["statusCode"])


@pytest.mark.parametrize("route", ["POST /me/restore", "POST /me/activity"])
def test_an_account_restored_from_an_inactivity_removal_is_swept_again_180_days_after_the_restore(
    aws, ddb, table, clock, context, route
):
    # Given a subject scheduled for removal by the inactivity sweep (the day they were last active is swept)
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    inactivity_worker.lambda_handler(sqs_event(*queued(aws)), context)
    assert wiring.erasure.erasure().status(subject).reason == "inactivity"
    # When they come back 30 days later and restore their account (the privacy center's restore button, or the
    # host application's activity call), then stay away again
    clock.advance_days(30)
    restored_on = clock.today()
    assert restored_through_the_api(subject, route, context) == 200
    assert wiring.erasure.erasure().status(subject).state == "active"
    clock.advance_days(INACTIVITY_DAYS - 1)
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    assert queued(aws) == []
    clock.advance_days(1)
    inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    # Then the sweep finds them again on the 180th day after the restore, not before, and never forgets them
    assert queued(aws) == [{"subject_id": subject, "inactive_since": restored_on.isoformat()}]


def test_a_subject_pending_deletion_for_another_reason_keeps_it(aws, ddb, table, clock, context):
    # Given an inactive subject who has also deleted their account
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    scheduled = wiring.erasure.erasure().schedule_deletion(subject, "user_request", actor="subject")
    # When the worker handles their inactivity
    inactivity_worker.lambda_handler(sqs_event({"subject_id": subject, "inactive_since": cutoff.isoformat()}), context)
    # Then the account deletion stands as it was, and no export or notice is made
    assert wiring.erasure.erasure().status(subject) == scheduled
    assert wiring.requests.requests().list_for(subject) == []
    assert notices(ddb, table) == []


def test_the_sample_message_of_an_unknown_subject_is_acknowledged_and_changes_nothing(aws, ddb, clock, context):
    # Given the sample message, about a subject without a profile
    before = snapshot(ddb, aws)
    # When the worker handles it
    result = inactivity_worker.lambda_handler(load_event(WORKER_EVENT), context)
    # Then it is acknowledged (not retried) and nothing is written
    assert result == {"batchItemFailures": []}
    assert snapshot(ddb, aws) == before


def test_a_malformed_message_fails_alone(aws, ddb, table, clock, context):
    # Given a batch of a malformed message and a good one
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    event = sqs_event({"subject_id": subject}, {"subject_id": subject, "inactive_since": cutoff.isoformat()})
    # When the worker handles the batch
    result = inactivity_worker.lambda_handler(event, context)
    # Then only the malformed one is reported for a retry; the good one did its work
    assert result == {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["messageId"]}]}
    assert wiring.erasure.erasure().status(subject).reason == "inactivity"


def test_a_retry_after_a_failed_scheduling_does_not_export_twice(aws, ddb, table, clock, context, monkeypatch):
    # Given a first attempt that made the export request, then failed before scheduling the deletion
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    event = sqs_event({"subject_id": subject, "inactive_since": cutoff.isoformat()})
    erasure = wiring.erasure.erasure()

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("DynamoDB was throttling")

    monkeypatch.setattr(erasure, "schedule_deletion", unavailable)
    failed = inactivity_worker.lambda_handler(event, context)
    assert failed["batchItemFailures"]
    monkeypatch.undo()
    # ... and the export worker has finished that export meanwhile (the request is closed)
    (request,) = wiring.requests.requests().list_for(subject)
    wiring.requests.requests().export_ready(
        request, key=f"exports/{subject}/{request.request_id}.zip", sha256="0", counts={}
    )
    # When SQS redelivers the message
    result = inactivity_worker.lambda_handler(event, context)
    # Then the subject is scheduled, with the one export already made
    assert result == {"batchItemFailures": []}
    assert wiring.erasure.erasure().status(subject).reason == "inactivity"
    assert [r.status for r in wiring.requests.requests().list_for(subject)] == ["completed"]
    assert len(notices(ddb, table)) == 1


# ---------------------------------------------------------------- the product's policy


def test_a_policy_that_removes_no_inactive_account_sweeps_nobody(aws, ddb, table, clock, context, monkeypatch):
    import wiring

    # Given a subject inactive long past iMind's 180 days, in a stack deployed with Mindomo's policy (no such rule)
    monkeypatch.setenv("POLICY", "mindomo")
    wiring.reset()
    bare_subject(ddb, table, clock.today() - timedelta(days=INACTIVITY_DAYS + 30))
    # When the daily sweep runs
    result = inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)
    # Then nobody is queued for removal
    assert result["queued"] == 0
    assert queued(aws) == []


def test_an_inactivity_period_longer_than_the_policys_stops_the_sweep_at_cold_start(aws, context, monkeypatch):
    import wiring
    from config import ConfigurationError

    monkeypatch.setenv("INACTIVITY_DAYS", str(INACTIVITY_DAYS + 1))
    wiring.reset()
    with pytest.raises(ConfigurationError, match="INACTIVITY_DAYS 181 exceeds the imind policy's 180 days"):
        inactivity_sweep.lambda_handler(load_event(SWEEP_EVENT), context)


def test_a_grace_longer_than_the_policys_stops_the_worker_at_cold_start(aws, ddb, table, clock, context, monkeypatch):
    import wiring
    from config import ConfigurationError

    # Given a stack whose INACTIVITY_GRACE_DAYS would keep an inactive account a day past iMind's promised 60
    monkeypatch.setenv("INACTIVITY_GRACE_DAYS", str(GRACE_DAYS + 1))
    wiring.reset()
    cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
    subject = signed_up_subject(cutoff)
    event = sqs_event({"subject_id": subject, "inactive_since": cutoff.isoformat()})
    # When the worker starts, then it refuses, and nothing is scheduled
    with pytest.raises(ConfigurationError, match="INACTIVITY_GRACE_DAYS 61 exceeds the imind policy's 60 days"):
        inactivity_worker.lambda_handler(event, context)
    assert wiring.erasure.erasure().status(subject).state == "active"
    # And a shorter grace (a test stack) is applied as configured
    monkeypatch.setenv("INACTIVITY_GRACE_DAYS", "7")
    wiring.reset()
    assert inactivity_worker.lambda_handler(event, context) == {"batchItemFailures": []}
    status = wiring.erasure.erasure().status(subject)
    assert status.purge_at is not None
    assert status.purge_at.date() == clock.today() + timedelta(days=7)


def test_a_policy_without_an_export_first_removes_without_one(aws, ddb, table, clock, context):
    import wiring
    from domain.erasure.inactivity import InactivityRule

    # Given an inactivity rule that promises no export before the removal
    wiring.dependency_overrides[wiring.erasure.inactivity_rule] = lambda: InactivityRule(
        grace=timedelta(days=GRACE_DAYS), export_first=False
    )
    try:
        cutoff = clock.today() - timedelta(days=INACTIVITY_DAYS)
        subject = signed_up_subject(cutoff)
        # When the worker handles the subject
        result = inactivity_worker.lambda_handler(
            sqs_event({"subject_id": subject, "inactive_since": cutoff.isoformat()}), context
        )
        # Then it is scheduled for removal, with no export request made for it
        assert result == {"batchItemFailures": []}
        assert wiring.erasure.erasure().status(subject).reason == "inactivity"
        assert wiring.requests.requests().list_for(subject) == []
    finally:
        wiring.dependency_overrides.clear()
        wiring.reset()


def test_a_restore_window_longer_than_the_policys_stops_the_function_at_cold_start(aws, monkeypatch):
    import wiring
    from config import ConfigurationError
    from wiring.erasure import erasure_grace

    monkeypatch.setenv("POLICY", "mindomo")  # purged at once: no restore window
    monkeypatch.setenv("PROMISED_DELETION_DAYS", "30")  # and everything gone within 30 days, as its stack deploys
    monkeypatch.setenv("ERASURE_GRACE_DAYS", "1")
    wiring.reset()
    with pytest.raises(ConfigurationError, match="ERASURE_GRACE_DAYS 1 exceeds the mindomo policy's restore window"):
        erasure_grace()
    monkeypatch.setenv("ERASURE_GRACE_DAYS", "0")
    wiring.reset()
    assert erasure_grace() == timedelta(0)


def test_a_deletion_bound_longer_than_the_policys_stops_the_function_at_cold_start(aws, monkeypatch):
    import wiring
    from config import ConfigurationError
    from wiring.erasure import erasure_grace

    # Given iMind's policy (backups age out within 60 days) and a stack whose bound would let them live 90
    monkeypatch.setenv("PROMISED_DELETION_DAYS", "90")
    wiring.reset()
    # When a function that schedules deletions starts, Then it refuses
    with pytest.raises(ConfigurationError, match="PROMISED_DELETION_DAYS 90 exceeds the imind policy's 60 days"):
        erasure_grace()
    # And Imocloud's policy, whose backups are isolated until deleted, bounds only the purge, which the grace keeps
    monkeypatch.setenv("POLICY", "imocloud")
    monkeypatch.setenv("ERASURE_GRACE_DAYS", "0")
    wiring.reset()
    assert erasure_grace() == timedelta(0)
