"""Fault injection: every flow driven to completion through throttling, 5xx answers and timeouts on 35 % of the
attempts of AWS calls (and outages outlasting the SDK's retries on 2 % of calls), then the final state checked
against what the system acknowledged.

The injector (tests/faults/injector.py) answers a seeded fraction of the calls of every boto3 client the code uses
with a fault; botocore's standard retry mode absorbs most, the others fail upward into the code, whose own paths
(API clients retrying 5xx, SQS redelivery and dead-letter queues, stream retries and their on-failure destination,
schedule retries and sweep checkpoints) are played by tests/faults/runtime.py as Lambda would. tests/faults/checks.py
holds the guarantees; the last tests show it catches each kind of broken guarantee. Bugs it found are reproduced by
the targeted tests.

FAULT_SEED=<n> (and FAULT_RATE, FAULT_SUSTAINED) replay the flows with other dice; FAULT_LOG_LEVEL=ERROR shows the
functions' error logs. The terminal summary reports what each flow went through.
"""

import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

import wiring.erasure
import wiring.requests
from handlers import subject_api
from localcloud.template import Stack
from tests.faults.checks import Problem, check, subject_of
from tests.faults.flows import (
    days_back,
    delete_accounts,
    export_worker_job,
    mark_due,
    optional_purposes,
    outbox_stream_job,
    publish_outbox,
    purge_queue_job,
    purge_stream_job,
    queue_job,
    random_decisions,
    redelivered,
    replay_given_up_outbox,
    request_erasures,
    restore_accounts,
    run_sweep,
    sign_up,
    sweep_purges,
)
from tests.faults.injector import UNAVAILABLE, Fault
from tests.faults.world import FLOW_REPORTS, World

# Each flow must meet at least FLOW_FLOOR faults, so the four together meet SUITE_FLOOR even when pytest-xdist
# runs them in different processes; in one process the last test also adds up what they met.
FAULTS_BY_FLOW: dict[str, int] = {}
FLOWS = ("consents", "exports", "erasure", "inactivity")
GRACE_DAYS = int(Stack.from_template().parameters["ErasureGraceDays"])  # the restore window the world deploys
PAST_GRACE = GRACE_DAYS + 1  # the first day the purge sweep finds a deleted subject due
SUITE_FLOOR = 1_000
FLOW_FLOOR = SUITE_FLOOR // len(FLOWS)


def finish(world: World, flow: str, floor: int) -> list[Problem]:
    """Check the final state; record and bound the faults this flow went through."""
    problems = check(world)
    FAULTS_BY_FLOW[flow] = world.injector.total
    upward = sum(world.injector.failed_upward.values())
    dead = Counter(d.source for d in world.runtime.deliveries if d.outcome == "dead-lettered")
    redelivered_ = sum(1 for d in world.runtime.deliveries if d.attempts > 1)
    FLOW_REPORTS[flow] = (
        world.injector.total,
        f"{world.injector.summary()}; {world.runtime.invocations} invocations, {len(world.runtime.deliveries)} "
        f"deliveries ({redelivered_} delivered more than once, dead-lettered {dict(dead) or 'none'}), "
        f"{len(problems)} problems; {world.sleep.slept:.0f} s of backoff not slept",
    )
    assert world.injector.total >= floor, world.injector.summary()
    assert upward > 0, "no call exhausted its retries: the code's own recovery paths were not exercised"
    return problems


def assert_no_problems(problems: list[Problem]) -> None:
    assert not problems, f"{len(problems)} broken guarantees:\n" + "\n".join(str(p) for p in problems)


# ---------------------------------------------------------------------------------------------- (a) consents


def test_consent_changes_keep_every_acknowledged_decision(world: World) -> None:
    from handlers import consent_api

    rng, purposes = world.runtime.rng, optional_purposes()
    subjects = sign_up(world, 32, "consents")
    refused = Counter[int]()
    with world.injector.resumed():
        for _ in range(3):
            for subject_id in rng.sample(subjects, len(subjects)):
                decisions = random_decisions(rng, purposes)
                body = {"decisions": decisions, "source": rng.choice(["banner", "settings", "api"])}
                event = world.api_event("consent_api/put_my_consents.json", subject_id, body)
                call = world.runtime.api(consent_api.lambda_handler, event)
                if call.status == 200:
                    world.ledger.subjects[subject_id].consents.append((call.body["receipt_id"], decisions))
                else:
                    refused[call.status] += 1
        publish_outbox(world)
    assert set(refused) <= {500}, refused  # a client gives up only after its retries of 5xx answers
    assert_no_problems(finish(world, "consents", floor=FLOW_FLOOR))


# ---------------------------------------------------------------------------------------------- (b) exports


def test_every_export_request_gets_exactly_one_archive(world: World) -> None:

    rng = world.runtime.rng
    subjects = sign_up(world, 30, "exports", consents=1, invoices=2)
    kinds = [("access", "json"), ("portability", "csv"), ("access", "csv"), ("portability", "json")]
    with world.injector.resumed():
        for subject_id in subjects:
            type_, format_ = rng.choice(kinds)
            event = world.api_event("subject_api/post_request.json", subject_id, {"type": type_, "format": format_})
            call = world.runtime.api(subject_api.lambda_handler, event)
            if call.status == 202:
                world.ledger.subjects[subject_id].export_requests.append(call.body["request_id"])
        publish_outbox(world)  # DataSubjectRequestReceived -> the bus -> its rule -> the export queue
        messages = world.drain_queue("ExportQueue")
        world.runtime.run(export_worker_job(world, messages))
        world.runtime.run(export_worker_job(world, redelivered(messages)))  # at-least-once: all of them again
        publish_outbox(world)
    # A client gives up when every retry fails, or on a 409: after powertools could not record the first attempt's
    # outcome, a retry with the same Idempotency-Key meets its in-progress record (409, Retry-After; this client does
    # not wait that long).
    assert sum(len(p.export_requests) for p in world.ledger.subjects.values()) >= 0.75 * len(subjects)
    assert_no_problems(finish(world, "exports", floor=FLOW_FLOOR))


# ---------------------------------------------------------------------------------------------- (c) erasure


def test_erasure_purges_each_subject_once_with_its_certificate_through_both_paths(world: World) -> None:
    rng = world.runtime.rng
    subjects = sign_up(world, 36, "erasure", login=True, consents=1, orders=4, invoices=1)
    deleting, requesting = subjects[:24], subjects[24:32]  # the last 4 keep their account
    ledger = world.ledger.subjects
    with world.injector.resumed():
        delete_accounts(world, deleting)
        request_erasures(world, requesting)
        restore_accounts(world, rng.sample(deleting, 4))  # changed their mind within the window
        publish_outbox(world)

        # The restore window ends. TTL deletes some profiles before the daily sweep runs; the sweep queues every
        # due subject; queue and stream deliveries interleave; the backstop catches what the queue left.
        world.clock.advance_days(PAST_GRACE)
        pending = [s for s in subjects if ledger[s].deletion]
        early = world.expire_profiles(rng.sample(pending, len(pending) // 3))
        messages = sweep_purges(world)
        world.runtime.run(purge_queue_job(world, messages), purge_stream_job(world, early))
        late = world.expire_profiles(pending)  # TTL runs up to days late: the backstop for what is still there
        world.runtime.run(purge_stream_job(world, late))
        # At least once, both sources: every message and record again.
        world.runtime.run(purge_queue_job(world, redelivered(messages)), purge_stream_job(world, early + late))
        # Stream batches that ran out of retries, if any, reached the purge queue (their on-failure destination).
        world.runtime.run(purge_queue_job(world, world.drain_queue("PurgeQueue")))
        publish_outbox(world)
    mark_due(world)
    assert len(messages) >= len(pending) - len(early)
    assert_no_problems(finish(world, "erasure", floor=FLOW_FLOOR))


# ---------------------------------------------------------------------------------------------- (d) inactivity


def test_inactivity_sweep_and_worker_schedule_each_inactive_subject_once(world: World) -> None:
    import wiring.erasure
    from adapters.sweep_state import SweepCheckpoint
    from handlers import inactivity_sweep, inactivity_worker

    today = world.clock.today()
    cutoff = today - timedelta(days=180)
    with world.injector.paused():
        SweepCheckpoint(world.table, "inactivity").advance(cutoff - timedelta(days=4))
    inactive = sign_up(world, 26, "inactivity", consents=1, last_active=days_back(cutoff, 0, 1, 2, 3))
    # Active lately: not inactive even if a failed sweep is caught up days later.
    active = sign_up(world, 6, "active", consents=1, last_active=days_back(today, 0, 10, 100, 170))
    deleted = sign_up(world, 4, "deleted", last_active=days_back(cutoff, 0, 1))
    ledger = world.ledger.subjects
    with world.injector.paused():
        for subject_id in deleted:
            wiring.erasure.erasure().schedule_deletion(subject_id, "user_request", actor="subject")
            ledger[subject_id].deletion = "user_request"
    with world.injector.resumed():
        run_sweep(world, inactivity_sweep.lambda_handler, "inactivity_sweep/daily.json")
        messages = world.drain_queue("InactivityQueue")
        worker = inactivity_worker.lambda_handler, inactivity_worker.processor
        world.runtime.run(queue_job(world, "InactivityWorkerFunction", "InactivityQueue", *worker, messages))
        world.runtime.run(
            queue_job(world, "InactivityWorkerFunction", "InactivityQueue", *worker, redelivered(messages))
        )
        publish_outbox(world)  # the system's access requests -> the export queue; the SubjectInactive notices
        exports = world.drain_queue("ExportQueue")
        world.runtime.run(export_worker_job(world, exports))
        publish_outbox(world)
    queued = {json.loads(m["body"])["subject_id"] for m in messages}
    assert queued == set(inactive) | set(deleted)  # never an active one
    # What the worker acknowledged must hold; a message in the DLQ stands for itself (with its reason).
    dead = {
        subject_of(d)
        for d in world.runtime.deliveries
        if d.outcome == "dead-lettered" and d.source == "InactivityQueue"
    }
    for subject_id in inactive:
        if subject_id in dead:
            ledger[subject_id].undetermined = True
        else:
            ledger[subject_id].inactive = True
            ledger[subject_id].deletion = "inactivity"
    assert active
    assert_no_problems(finish(world, "inactivity", floor=FLOW_FLOOR))


# ---------------------------------------------------------------------------------------------- targeted faults


def outage(matches: Any, fault: Fault = UNAVAILABLE, calls: int | None = None) -> Any:
    """A rule failing every attempt of the matching calls (the first `calls` attempts only, if given)."""
    left = [calls]

    def rule(service: str, operation: str, request: Any) -> Fault | None:
        if not matches(service, operation, request):
            return None
        if left[0] is not None:
            if left[0] <= 0:
                return None
            left[0] -= 1
        return fault

    return rule


@pytest.mark.faults(rate=0, sustained=0)
def test_an_export_that_keeps_failing_is_dead_lettered_with_its_reason_and_its_request_failed(world: World) -> None:
    from handlers import subject_api

    subjects = sign_up(world, 3, "exports", consents=1, invoices=1)
    doomed = subjects[0]
    for subject_id in subjects:
        event = world.api_event("subject_api/post_request.json", subject_id, {"type": "access", "format": "json"})
        call = world.runtime.api(subject_api.lambda_handler, event)
        world.ledger.subjects[subject_id].export_requests.append(call.body["request_id"])
    publish_outbox(world)
    # S3 refuses every upload of one subject's archive, on every receive of its message.
    world.injector.rules = outage(lambda service, op, request: service == "s3" and f"/exports/{doomed}/" in request.url)
    with world.injector.resumed():
        world.runtime.run(export_worker_job(world, world.drain_queue("ExportQueue")))
        publish_outbox(world)
    (dead,) = [d for d in world.runtime.deliveries if d.outcome == "dead-lettered"]
    assert (subject_of(dead), dead.attempts) == (doomed, world.queue_setting("ExportQueue"))
    assert "ServiceUnavailable" in str(dead.reason)
    with world.injector.paused():
        request = wiring.requests.request_store().get(doomed, world.ledger.subjects[doomed].export_requests[0])
    assert request is not None
    assert request.status == "failed"  # marked on the last receive, before the message went to the DLQ
    assert_no_problems(check(world))  # the others completed; the failed one has no archive and a dead letter


@pytest.mark.faults(rate=0, sustained=0)
def test_an_export_marked_failed_leaves_no_archive_behind(world: World) -> None:
    """An export whose archive was uploaded but whose request could not be updated on any receive is marked failed,
    and its archive, belonging to no completed request, is deleted with it (not left to the lifecycle rule)."""

    (subject_id,) = sign_up(world, 1, "exports", consents=1)
    event = world.api_event("subject_api/post_request.json", subject_id, {"type": "access", "format": "json"})
    world.ledger.subjects[subject_id].export_requests.append(
        world.runtime.api(subject_api.lambda_handler, event).body["request_id"]
    )
    publish_outbox(world)
    # DynamoDB refuses every attempt to record the finished archive on the request (the upload itself succeeds).
    world.injector.rules = outage(
        lambda service, op, request: op == "TransactWriteItems" and f"exports/{subject_id}/".encode() in request.body
    )
    with world.injector.resumed():
        world.runtime.run(export_worker_job(world, world.drain_queue("ExportQueue")))
    assert [d.outcome for d in world.runtime.deliveries if d.source == "ExportQueue"] == ["dead-lettered"]
    assert_no_problems(check(world))


@pytest.mark.faults(rate=0, sustained=0)
def test_a_queue_purge_interrupted_after_its_items_went_is_finished_by_its_redelivery(world: World) -> None:
    """A purge from the purge queue that fails after its partition deletion (here: at the login) is finished by the
    redelivered message: the profile, deleted last, still says the subject is due, so the exports, the login, the
    tombstone and the erasure request's completion are not skipped; the certificate stays the one first written."""
    subjects = sign_up(world, 2, "erasure", login=True, consents=1, orders=2)
    delete_accounts(world, subjects[:1])
    request_erasures(world, subjects[1:])
    world.clock.advance_days(PAST_GRACE)
    messages = sweep_purges(world)
    # Cognito is unavailable during the first delivery: every attempt of its two ListUsers calls fails (six each:
    # adapters.aws sets max_attempts 5, which botocore reads as five retries).
    world.injector.rules = outage(lambda service, op, request: op == "ListUsers", calls=12)
    with world.injector.resumed():
        world.runtime.run(purge_queue_job(world, messages))
        publish_outbox(world)
    mark_due(world)
    assert [d.attempts for d in world.runtime.deliveries if d.source == "PurgeQueue"] == [2, 2]  # failed, then acked
    assert_no_problems(check(world))


@pytest.mark.faults(rate=0, sustained=0)
def test_a_ttl_removal_whose_stream_retries_run_out_is_purged_all_the_same(world: World) -> None:
    """When TTL has removed a profile and the purge worker's stream retries run out, the sweep cannot find the
    subject any more (its index keys went with the profile): the mapping's on-failure destination, the purge queue,
    gets where the batch was, and the worker reads it back from the stream and purges the rest of the partition."""
    subjects = sign_up(world, 1, "erasure", login=True, consents=1, orders=2)
    delete_accounts(world, subjects)
    world.clock.advance_days(PAST_GRACE)
    records = world.expire_profiles(subjects)
    # The signing key is unavailable for as long as the stream retries last.
    world.injector.rules = outage(lambda service, op, request: op == "Sign")
    with world.injector.resumed():
        world.runtime.run(purge_stream_job(world, records))
    world.injector.rules = None
    with world.injector.resumed():
        world.runtime.run(purge_queue_job(world, sweep_purges(world)))  # the next daily sweep, then its queue
    mark_due(world)
    assert [d.outcome for d in world.runtime.deliveries if d.source == "ProfileExpired"] == ["dead-lettered"]
    # The queue carried where the batch was, not the subject: the sweep no longer finds it.
    queued = [d.body for d in world.runtime.deliveries if d.source == "PurgeQueue"]
    assert [body["DDBStreamBatchInfo"]["batchSize"] for body in queued] == [1]
    assert_no_problems(check(world))


@pytest.mark.faults(rate=0, sustained=0)
def test_outbox_events_whose_stream_retries_run_out_are_published_from_the_retry_queue(world: World) -> None:
    """EventBridge refuses every PutEvents for as long as the stream's retries last: the mapping gives up, and its
    on-failure destination, the retry queue, gets where the batch was; the publisher reads it back from the stream
    and publishes every event once, with the id the stream would have given it (the checker holds it to that)."""
    subjects = sign_up(world, 2, "erasure", login=True)
    delete_accounts(world, subjects)  # SubjectDeletionScheduled, committed with each deletion
    world.injector.rules = outage(lambda service, op, request: op == "PutEvents")
    with world.injector.resumed():
        world.runtime.run(outbox_stream_job(world))
    world.injector.rules = None
    with world.injector.resumed():
        replay_given_up_outbox(world)
    stream = [d.outcome for d in world.runtime.deliveries if d.source == "OutboxInserted"]
    assert stream
    assert set(stream) == {"dead-lettered"}
    assert [d.outcome for d in world.runtime.deliveries if d.source == "OutboxRetryQueue"] == ["succeeded"]
    scheduled = [e for e in world.tap() if e["detail-type"] == "SubjectDeletionScheduled"]
    assert sorted(e["detail"]["subject_id"] for e in scheduled) == sorted(subjects)
    assert_no_problems(check(world))


@pytest.mark.faults(rate=0, sustained=0)
def test_the_checker_reports_a_given_up_outbox_batch_nobody_replayed(world: World) -> None:
    # Given outbox events whose stream retries ran out, and a retry queue whose messages are lost
    delete_accounts(world, sign_up(world, 1, "erasure", login=True))
    world.injector.rules = outage(lambda service, op, request: op == "PutEvents")
    with world.injector.resumed():
        world.runtime.run(outbox_stream_job(world))
    world.injector.rules = None
    assert world.drain_queue("OutboxRetryQueue")
    # Then the checker reports the events as never published
    assert "outbox event not published" in {problem.kind for problem in check(world)}


# ---------------------------------------------------------------------------------------------- the checker


def _delete_certificate(world: World) -> None:
    ddb = world.harness("dynamodb")
    certificate = next(i for i in ddb.scan(TableName=world.audit_table)["Items"] if i["pk"]["S"].startswith("CERT#"))
    ddb.delete_item(TableName=world.audit_table, Key={"pk": certificate["pk"], "sk": certificate["sk"]})


def _delete_a_consent_event(world: World) -> None:
    ddb = world.harness("dynamodb")
    event = next(i for i in ddb.scan(TableName=world.table)["Items"] if i["sk"]["S"].startswith("CONSENTEVT#"))
    ddb.delete_item(TableName=world.table, Key={"pk": event["pk"], "sk": event["sk"]})


def _copy_an_export(world: World) -> None:
    s3 = world.harness("s3")
    key = s3.list_objects_v2(Bucket=world.bucket, Prefix="exports/")["Contents"][0]["Key"]
    s3.copy_object(
        Bucket=world.bucket, Key=key.replace(".zip", "-copy.zip"), CopySource={"Bucket": world.bucket, "Key": key}
    )


def _alter_an_audit_record(world: World) -> None:
    ddb = world.harness("dynamodb")
    record = next(i for i in ddb.scan(TableName=world.audit_table)["Items"] if i["pk"]["S"].startswith("AUDIT#"))
    ddb.update_item(
        TableName=world.audit_table,
        Key={"pk": record["pk"], "sk": record["sk"]},
        UpdateExpression="SET actor = :actor",
        ExpressionAttributeValues={":actor": {"S": "admin" if record["actor"]["S"] != "admin" else "system"}},
    )


@pytest.mark.faults(rate=0, sustained=0)
@pytest.mark.parametrize(
    ("sabotage", "reported"),
    [
        (_delete_certificate, "purge without certificate"),
        (_delete_a_consent_event, "history does not match an acknowledged change"),
        (_copy_an_export, "export object of no completed request"),
        (_alter_an_audit_record, "audit chain broken"),
    ],
)
def test_the_checker_reports_a_broken_guarantee(world: World, sabotage: Any, reported: str) -> None:

    # Given a world where one subject was purged, one kept its consents and one got its export
    purged, kept, exported = sign_up(world, 3, "checker", login=True, consents=2, invoices=1)
    delete_accounts(world, [purged])
    event = world.api_event("subject_api/post_request.json", exported, {"type": "access", "format": "json"})
    world.ledger.subjects[exported].export_requests.append(
        world.runtime.api(subject_api.lambda_handler, event).body["request_id"]
    )
    publish_outbox(world)
    world.runtime.run(export_worker_job(world, world.drain_queue("ExportQueue")))
    world.clock.advance_days(PAST_GRACE)
    world.runtime.run(purge_queue_job(world, sweep_purges(world)))
    publish_outbox(world)
    mark_due(world)
    assert_no_problems(check(world))
    # When a guarantee is broken behind the system's back
    sabotage(world)
    # Then the same checker the flows end with reports it
    assert reported in {problem.kind for problem in check(world)}
    del kept


# ---------------------------------------------------------------------------------------------- the suite


def test_zz_the_suite_injected_at_least_a_thousand_faults() -> None:
    if set(FAULTS_BY_FLOW) != set(FLOWS):
        pytest.skip(f"only {sorted(FAULTS_BY_FLOW)} ran in this process")
    assert sum(FAULTS_BY_FLOW.values()) >= SUITE_FLOOR, FAULTS_BY_FLOW


# ---------------------------------------------------------------------------------------------- racing the purge


def _request_export(world: World, subject_id: str) -> str:

    event = world.api_event("subject_api/post_request.json", subject_id, {"type": "access", "format": "csv"})
    call = world.runtime.api(subject_api.lambda_handler, event)
    assert call.status == 202, call.body
    world.ledger.subjects[subject_id].export_requests.append(call.body["request_id"])
    return str(call.body["request_id"])


def _purge_due_subjects(world: World, days: int = PAST_GRACE) -> None:
    world.clock.advance_days(days)
    world.runtime.run(purge_queue_job(world, sweep_purges(world)))
    publish_outbox(world)
    mark_due(world)


def _stored_request(world: World, subject_id: str, request_id: str) -> Any:

    with world.injector.paused():
        return wiring.requests.request_store().get(subject_id, request_id)


@pytest.mark.faults(rate=0, sustained=0)
def test_an_export_uploaded_while_its_subject_is_purged_does_not_outlive_the_purge(world: World) -> None:
    """The export worker is uploading when the restore window ends and the purge runs (it lists no export yet):
    the worker sees the subject purged after its upload, and deletes the archive rather than leave it behind."""
    (subject_id,) = sign_up(world, 1, "race", login=True, consents=1, orders=2)
    request_id = _request_export(world, subject_id)
    publish_outbox(world)
    delete_accounts(world, [subject_id])
    messages = world.drain_queue("ExportQueue")
    raced = []

    def purge_during_upload(service: str, operation: str, request: Any) -> None:
        if raced or service != "s3" or operation not in ("PutObject", "CreateMultipartUpload"):
            return None
        if f"/exports/{subject_id}/" not in request.url:
            return None
        raced.append(operation)
        _purge_due_subjects(world)  # before the upload's request reaches S3
        return None

    world.injector.rules = purge_during_upload
    with world.injector.resumed():
        world.runtime.run(export_worker_job(world, messages))
        publish_outbox(world)
    assert raced
    request = _stored_request(world, subject_id, request_id)
    assert (request.status, request.rejection_reason) == ("rejected", "subject_purged")
    assert_no_problems(check(world))  # among them: no export of the subject left, nothing answered after the purge


@pytest.mark.faults(rate=0, sustained=0)
def test_an_export_request_open_at_the_purge_is_closed_and_never_answered(world: World) -> None:
    """The request's message is still on the queue when the subject is purged: the purge rejects the request
    (subject_purged), and the late message exports nothing and publishes no DataSubjectRequestCompleted."""
    (subject_id,) = sign_up(world, 1, "race", login=True, consents=1)
    request_id = _request_export(world, subject_id)
    publish_outbox(world)
    messages = world.drain_queue("ExportQueue")
    delete_accounts(world, [subject_id])
    _purge_due_subjects(world)
    with world.injector.resumed():
        world.runtime.run(export_worker_job(world, messages))
        publish_outbox(world)
    request = _stored_request(world, subject_id, request_id)
    assert (request.status, request.rejection_reason) == ("rejected", "subject_purged")
    completed = [e for e in world.ledger.published if e["detail-type"] == "DataSubjectRequestCompleted"]
    assert not [e for e in completed if e["detail"]["request_id"] == request_id]
    assert_no_problems(check(world))


@pytest.mark.faults(rate=0, sustained=0)
def test_a_purged_subject_gets_no_download_link(world: World) -> None:
    """A login token outlives the purge by up to an hour, and the request record outlives it for years: the
    download route refuses a purged subject instead of signing a link."""

    (subject_id,) = sign_up(world, 1, "race", login=True, consents=1)
    request_id = _request_export(world, subject_id)
    publish_outbox(world)
    delete_accounts(world, [subject_id])
    world.clock.advance_days(
        GRACE_DAYS - 1
    )  # exported on the window's last days: the export has not expired at the purge
    world.runtime.run(export_worker_job(world, world.drain_queue("ExportQueue")))
    _purge_due_subjects(world, days=2)
    event = world.api_event("subject_api/post_request.json", subject_id)
    path = f"/me/requests/{request_id}/download"
    event["routeKey"] = event["requestContext"]["routeKey"] = "GET /me/requests/{request_id}/download"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = "GET"
    event["pathParameters"] = {"request_id": request_id}
    event["body"] = None
    with world.injector.resumed():
        call = world.runtime.api(subject_api.lambda_handler, event)
    assert (call.status, call.body["error"]) == (410, "subject_unavailable"), call.body
    assert_no_problems(check(world))


@pytest.mark.faults(rate=0, sustained=0)
def test_a_purge_leaves_no_link_in_the_other_partition(world: World) -> None:
    """A parent and a child linked (both sides of the link), the child purged: no CHILD# item names the child in
    the parent's partition afterwards, whichever attempt of the purge removed it."""
    parent, child = sign_up(world, 2, "family", login=True, consents=1)
    ddb = world.harness("dynamodb")
    link = {"request_id": {"S": "0" * 32}, "linked_at": {"S": world.clock.now().isoformat()}}
    for pk, sk in ((f"SUBJECT#{parent}", f"CHILD#{child}"), (f"SUBJECT#{child}", f"PARENT#{parent}")):
        ddb.put_item(TableName=world.table, Item={"pk": {"S": pk}, "sk": {"S": sk}, **link})
    delete_accounts(world, [child])
    # The first attempt dies after the parent's side is gone: every attempt of its partition deletion fails.
    world.injector.rules = outage(lambda service, op, request: op == "BatchWriteItem", calls=6)
    with world.injector.resumed():
        _purge_due_subjects(world)
    assert not [d for d in world.runtime.deliveries if d.outcome == "dead-lettered"]
    assert_no_problems(check(world))
