"""Steps the fault-injection flows are made of: sign-ups (fault-free set-up), API calls, the outbox pump, sweeps,
queue and stream deliveries, each played by the runtime the way Lambda and its event sources would."""

import json
import random
import uuid
from datetime import date, timedelta
from typing import Any

import wiring.consent
import wiring.erasure
import wiring.shared
from domain.activity import activity_keys
from domain.audit.model import AuditEntry
from domain.consent.model import ConsentChangeRequest
from domain.consent.ports import Owner
from domain.consent.service import RequestContext
from domain.profile import Profile
from handlers import subject_api
from localcloud.patterns import matches
from tests.faults.world import World
from tests.support import load_event

COUNTRIES = ("DE", "FR", "GB", "IE", "NL", "US")
SWEEP_CATCH_UP_DAYS = 10


def optional_purposes() -> list[str]:

    return [p.id for p in wiring.consent.catalog().purposes if not p.required]


def random_decisions(rng: random.Random, purposes: list[str]) -> dict[str, bool]:
    return {purpose: rng.random() < 0.5 for purpose in rng.sample(purposes, rng.randint(1, min(4, len(purposes))))}


def sign_up(
    world: World,
    count: int,
    flow: str,
    *,
    login: bool = False,
    consents: int = 0,
    orders: int = 0,
    invoices: int = 0,
    last_active: list[date] | None = None,
) -> list[str]:
    """Subjects created through the real code paths, without faults (the set-up is not under test)."""
    import wiring.erasure
    import wiring.shared

    rng, purposes = world.runtime.rng, optional_purposes()
    ddb, cognito = world.harness("dynamodb"), world.harness("cognito-idp")
    created = []
    with world.injector.paused():
        for index in range(count):
            if login:
                user = cognito.admin_create_user(
                    UserPoolId=world.id("UserPool"), Username=f"{flow}-{index}-{uuid.uuid4().hex[:6]}@example.org"
                )["User"]
                subject_id = next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub")
            else:  # from the seeded dice: a replay with the same seed meets the same subjects in the same order
                subject_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            now = world.clock.now()
            profile = Profile(
                subject_id=subject_id,
                email=f"{flow}-{index}@example.org",
                given_name="Ada",
                country=rng.choice(COUNTRIES),
                created_at=now,
                updated_at=now,
            )
            audit = AuditEntry(action="profile.created", actor="system", at=now)
            assert wiring.shared.store().create_profile(profile, audit=audit)
            plan = world.ledger.add(subject_id, flow, has_login=login, invoices=invoices)
            for _ in range(consents):
                decisions = random_decisions(rng, purposes)
                change = ConsentChangeRequest(decisions=decisions, source="settings")
                receipt = wiring.consent.consents().change(
                    Owner("subject", subject_id), change, RequestContext(), actor="subject"
                )
                plan.consents.append((receipt.receipt_id, decisions))
            for number in range(orders):
                _record(ddb, world, subject_id, "orders", f"O-{number:04d}", {"item": "book", "qty": number + 1})
            for number in range(invoices):
                document = {"invoice_date": now.date().isoformat(), "total": 10 * (number + 1)}
                _record(ddb, world, subject_id, "invoices", f"INV-{number:04d}", document)
            if last_active:
                day = last_active[index % len(last_active)]
                wiring.shared.store().record_activity(subject_id, day.isoformat(), activity_keys(subject_id, day))
            created.append(subject_id)
    return created


def _record(ddb: Any, world: World, subject_id: str, category: str, record_id: str, document: dict[str, Any]) -> None:
    ddb.put_item(
        TableName=world.table,
        Item={
            "pk": {"S": f"SUBJECT#{subject_id}"},
            "sk": {"S": f"RECORD#{category}#{record_id}"},
            "category": {"S": category},
            "document": {"S": json.dumps(document)},
            "updated_at": {"S": world.clock.now().isoformat()},
        },
    )


# ---------------------------------------------------------------------------------------------- event sources


def publish_outbox(world: World) -> None:
    """The OutboxInserted stream mapping: every new outbox record of the table to the event publisher; then what
    it gave up on, from the retry queue."""
    world.runtime.run(outbox_stream_job(world))
    replay_given_up_outbox(world)


def outbox_stream_job(world: World) -> Any:
    """The OutboxInserted mapping over the stream's new records; a batch it gives up on goes to its on-failure
    destination, OutboxRetryQueue."""
    from handlers import event_publisher

    subscription, _ = world.subscription("EventPublisherFunction", "DynamoDB")
    records = [r for r in world.read_stream() if any(matches(f, r) for f in subscription.filters)]
    return stream_job(
        world,
        "EventPublisherFunction",
        "OutboxInserted",
        event_publisher.lambda_handler,
        event_publisher.processor,
        records,
    )


def replay_given_up_outbox(world: World) -> None:
    """The retry queue's mapping: the publisher reads each given-up batch back from the stream and publishes it."""
    from handlers import event_publisher

    if given_up := world.drain_queue("OutboxRetryQueue"):
        world.runtime.run(
            queue_job(
                world,
                "EventPublisherFunction",
                "OutboxRetryQueue",
                event_publisher.lambda_handler,
                event_publisher.retry_processor,
                given_up,
            )
        )


def purge_stream_job(world: World, records: list[dict[str, Any]]) -> Any:
    """The ProfileExpired stream mapping (TTL removals of profiles) to the purge worker; a batch it gives up on
    goes to its on-failure destination, the purge queue."""
    from handlers import purge_worker

    subscription, _ = world.subscription("PurgeWorkerFunction", "DynamoDB")
    wanted = [r for r in records if any(matches(f, r) for f in subscription.filters)]
    assert len(wanted) == len(records), "a TTL record the template's filter would not pass"
    return stream_job(
        world,
        "PurgeWorkerFunction",
        "ProfileExpired",
        purge_worker.lambda_handler,
        purge_worker.stream_processor,
        wanted,
    )


def stream_job(world: World, function: str, mapping: str, handler: Any, processor: Any, records: list[dict]) -> Any:
    """A stream mapping of `function` as the template sets it up; a batch it gives up on goes to its on-failure
    destination."""
    subscription, properties = world.subscription(function, "DynamoDB")
    return world.runtime.stream_job(
        mapping,
        handler,
        processor,
        records,
        batch_size=subscription.batch_size,
        max_retries=int(properties["MaximumRetryAttempts"]),
        on_failure=lambda given_up: world.give_up_stream_batch(function, given_up),
    )


def queue_job(world: World, function: str, queue: str, handler: Any, processor: Any, records: list[dict]) -> Any:
    subscription, _ = world.subscription(function, "SQS")
    return world.runtime.queue_job(
        queue,
        handler,
        processor,
        records,
        batch_size=subscription.batch_size,
        max_receives=world.queue_setting(queue),
    )


def redelivered(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SQS delivers at least once: the same messages again, later (fresh receipt)."""
    copies = []
    for record in records:
        copy = json.loads(json.dumps(record))
        copy["messageId"] = f"{record['messageId']}-again"
        copy["attributes"]["ApproximateReceiveCount"] = "1"
        copies.append(copy)
    return copies


def export_worker_job(world: World, records: list[dict[str, Any]]) -> Any:
    from handlers import export_worker

    return queue_job(
        world, "ExportWorkerFunction", "ExportQueue", export_worker.lambda_handler, export_worker.processor, records
    )


def run_sweep(world: World, handler: Any, sample: str) -> list[Any]:
    """A daily schedule: each run is retried twice by Lambda; a day whose runs all fail is caught up the next day."""
    results = []
    for _ in range(SWEEP_CATCH_UP_DAYS):
        result, errors = world.runtime.scheduled(handler, load_event(sample))
        results.append(result or errors)
        if result is not None:
            return results
        world.clock.advance_days(1)
    raise AssertionError(f"the sweep failed {SWEEP_CATCH_UP_DAYS} days in a row: {results}")


def days_back(today: date, *offsets: int) -> list[date]:
    return [today - timedelta(days=offset) for offset in offsets]


# ---------------------------------------------------------------------------------------------- erasure steps


def delete_accounts(world: World, subject_ids: list[str]) -> None:
    """DELETE /me for each subject; a 202 is an acknowledged deletion the purge must honour."""

    for subject_id in subject_ids:
        call = world.runtime.api(subject_api.lambda_handler, world.api_event("subject_api/delete_me.json", subject_id))
        if call.status == 202:
            world.ledger.subjects[subject_id].deletion = "user_request"


def request_erasures(world: World, subject_ids: list[str]) -> None:
    """POST /me/requests {"type": "erasure"}: the request is completed when the deletion is scheduled (the purge
    completes it only if a fault left it open).

    The sample carries an Idempotency-Key. When powertools cannot record the outcome of an attempt that did schedule
    the deletion, the client's retries only meet the in-progress record (409): the client never hears, yet the
    deletion stands. So a client left without an answer looks, as the privacy center would (GET /me/status).
    """

    for subject_id in subject_ids:
        body = {"type": "erasure", "format": "json"}
        call = world.runtime.api(
            subject_api.lambda_handler, world.api_event("subject_api/post_request.json", subject_id, body)
        )
        plan = world.ledger.subjects[subject_id]
        if call.status == 202:
            plan.deletion, plan.erasure_request_id = "erasure_request", call.body["request_id"]
            continue
        with world.injector.paused():
            status = wiring.erasure.erasure().status(subject_id)
            if status.state == "pending_deletion":
                plan.deletion, plan.erasure_request_id = "erasure_request", status.request_id


def restore_accounts(world: World, subject_ids: list[str]) -> None:
    """POST /me/restore within the window (the DELETE /me sample, re-routed)."""

    for subject_id in subject_ids:
        event = world.api_event("subject_api/delete_me.json", subject_id)
        event["routeKey"] = event["requestContext"]["routeKey"] = "POST /me/restore"
        event["rawPath"] = event["requestContext"]["http"]["path"] = "/me/restore"
        event["requestContext"]["http"]["method"] = "POST"
        if world.runtime.api(subject_api.lambda_handler, event).status == 200:
            world.ledger.subjects[subject_id].deletion = None


def purge_queue_job(world: World, records: list[dict[str, Any]]) -> Any:
    from handlers import purge_worker

    return queue_job(
        world, "PurgeWorkerFunction", "PurgeQueue", purge_worker.lambda_handler, purge_worker.queue_processor, records
    )


def sweep_purges(world: World) -> list[dict[str, Any]]:
    """The daily purge sweep; returns the messages it queued."""
    from handlers import purge_sweep

    run_sweep(world, purge_sweep.lambda_handler, "purge_sweep/daily.json")
    return world.drain_queue("PurgeQueue")


def mark_due(world: World) -> None:
    for plan in world.ledger.subjects.values():
        if plan.deletion:
            plan.due = True
