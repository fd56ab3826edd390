"""AWS calls per operation against the call plan (docs/performance.md, "Call plan"): an operation that makes more
calls than its plan, or a call its plan does not have, fails here.

Every botocore call is counted (an event hook on every client created, the powertools secrets client included) in
a warm container: each case first runs its operation once for another subject, so what is counted is the steady
state. A cold container adds one GetSecretValue per secret it signs with (cached five minutes), noted in the plan.
bench/perf_calls.py runs the same cases and reports the counts in bench/results.json.
"""

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import botocore.session
import pytest

import wiring.erasure
import wiring.requests
import wiring.shared
from handlers import subject_api
from tests.support import LambdaContext

GATE = "dynamodb.BatchGetItem"  # the availability gate of every /me route that is not exempt (api/availability.py)
AUDIT_HEAD = "dynamodb.Query"  # the head of the subject's audit chain, read before appending (adapters/audit_log.py)
SHARDS = 16  # domain.activity.SHARDS: one Query per shard of a day in the sweeps' sparse indexes


@dataclass(frozen=True)
class Case:
    operation: str
    event_file: str
    plan: tuple[str, ...]  # the calls, in the order the code makes them
    prepare: Callable[[Any], Callable[[], Any]]  # seeds and warms up; returns the measured invocation

    @property
    def max_calls(self) -> int:
        return len(self.plan)


# ---------------------------------------------------------------------------------------------------- counting


@contextmanager
def counted_calls() -> Iterator[list[str]]:
    """Every AWS call made by any botocore client created inside the block, as "service.Operation"."""
    from aws_lambda_powertools.utilities.parameters import base as parameters

    from adapters.aws import client

    calls: list[str] = []
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        created = original(self, *args, **kwargs)
        service = created.meta.service_model.service_name

        def count(model: Any, **_: Any) -> None:
            calls.append(f"{service}.{model.name}")

        created.meta.events.register("before-call", count)
        return created

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    client.cache_clear()
    parameters.DEFAULT_PROVIDERS.clear()  # a new secrets client, created with the hook
    try:
        yield calls
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]
        client.cache_clear()
        parameters.DEFAULT_PROVIDERS.clear()


def measure(case: Case, stack: Any) -> list[str]:
    """The calls of one warm invocation of the case's operation."""
    reset_wiring()
    with counted_calls() as calls:
        invoke = case.prepare(stack)
        calls.clear()
        invoke()
        return list(calls)


def reset_wiring() -> None:
    """Forget what a previous stack's containers cached (tables, secrets, clients)."""
    import wiring
    from api.routes import subject as subject_routes

    wiring.reset()
    subject_routes._active_today.clear()


# ---------------------------------------------------------------------------------------------------- seeding


def _event(relative: str) -> dict[str, Any]:
    from tests.support import load_event

    return load_event(relative)


def api_event(relative: str, subject_id: str, route: str | None = None, body: Any = None) -> dict[str, Any]:
    """A sample API event for `subject_id`; with `route`, retargeted (the subject API's routes have no samples)."""
    from tests.support import as_subject, routed, with_body

    event = as_subject(_event(relative), subject_id)
    if route is not None:
        routed(event, route)
        event["rawQueryString"] = ""
        event.pop("queryStringParameters", None)
        event.pop("pathParameters", None)
        event.pop("body", None)
    if body is not None:
        with_body(event, body)
    return event


def answered(handler: Any, event: dict[str, Any]) -> Any:
    answer = handler.lambda_handler(event, LambdaContext(remaining_ms=300_000))
    if isinstance(answer, dict) and "statusCode" in answer:
        assert answer["statusCode"] < 300, answer
    if isinstance(answer, dict) and "batchItemFailures" in answer:
        assert answer["batchItemFailures"] == [], answer
    return answer


def subject(*, records: int = 0, last_active: date | None = None, consents: bool = False) -> str:
    """A subject as sign-up leaves one (profile, first audit record), with host records and consents if asked."""
    from adapters.aws import dynamodb
    from domain.activity import activity_keys
    from domain.audit.model import AuditEntry
    from domain.profile import Profile

    subject_id, now = str(uuid.uuid4()), datetime.now(UTC)
    profile = Profile(
        subject_id=subject_id, email="ada@example.org", given_name="Ada", country="DE", created_at=now, updated_at=now
    )
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    if last_active is not None:
        wiring.shared.store().record_activity(
            subject_id, last_active.isoformat(), activity_keys(subject_id, last_active)
        )
    if consents:
        from handlers import consent_api

        answered(consent_api, _put_consents(subject_id))
    table = wiring.requests.settings().subjects_table
    for number in range(records):
        document = {"number": f"ORD-{number:05d}", "total": {"amount": 1000 + number, "currency": "EUR"}}
        dynamodb().put_item(
            TableName=table,
            Item={
                "pk": {"S": f"SUBJECT#{subject_id}"},
                "sk": {"S": f"RECORD#orders#{number:05d}"},
                "category": {"S": "orders"},
                "document": {"S": json.dumps(document)},
            },
        )
    return subject_id


def _put_consents(subject_id: str) -> dict[str, Any]:
    body = {"decisions": {"analytics": True, "newsletters": False}, "source": "banner"}
    return api_event("consent_api/put_my_consents.json", subject_id, body=body)


def warm(run: Callable[[str], Any], **seed: Any) -> Callable[[], Any]:
    """Run the operation once for one subject (the container warms up), return it bound to a second one."""
    run(subject(**seed))
    measured = subject(**seed)
    return lambda: run(measured)


# ---------------------------------------------------------------------------------------------------- the API


def _consent_api(relative: str, route: str | None = None, body: Any = None) -> Callable[[str], Any]:
    from handlers import consent_api

    return lambda sub: answered(consent_api, api_event(relative, sub, route, body))


def _subject_api(route: str, body: Any = None) -> Callable[[str], Any]:

    source = "consent_api/put_my_consents.json" if body is not None else "consent_api/get_my_consents.json"
    return lambda sub: answered(subject_api, api_event(source, sub, route, body))


def get_consents(stack: Any) -> Callable[[], Any]:
    return warm(_consent_api("consent_api/get_my_consents.json"), consents=True)


def purposes_not_modified(stack: Any) -> Callable[[], Any]:
    """The banner revalidating its copy of the catalog: a 304 (answered() accepts any status under 300 only)."""
    from handlers import consent_api

    event = _event("consent_api/get_purposes.json")
    etag = consent_api.lambda_handler(event, LambdaContext())["headers"]["ETag"]
    event.setdefault("headers", {})["if-none-match"] = etag

    def revalidate() -> None:
        assert consent_api.lambda_handler(event, LambdaContext())["statusCode"] == 304

    return revalidate


def put_consents(stack: Any) -> Callable[[], Any]:
    from handlers import consent_api

    return warm(lambda sub: answered(consent_api, _put_consents(sub)), consents=True)


def put_marketing_consent(stack: Any) -> Callable[[], Any]:
    from handlers import consent_api

    body = {"decisions": {"marketing_emails": True}, "source": "settings"}
    return warm(lambda sub: answered(consent_api, api_event("consent_api/put_my_consents.json", sub, body=body)))


def get_me(stack: Any) -> Callable[[], Any]:
    return warm(_subject_api("GET /me"))


def patch_me(stack: Any) -> Callable[[], Any]:
    return warm(_subject_api("PATCH /me", {"given_name": "Grace"}))


def activity_first(stack: Any) -> Callable[[], Any]:
    return warm(_subject_api("POST /me/activity"))


def activity_again(stack: Any) -> Callable[[], Any]:
    record = _subject_api("POST /me/activity")
    invoke = warm(record)
    invoke()  # the first call of the day; the measured one is the second, in the same container
    return invoke


def activity_again_elsewhere(stack: Any) -> Callable[[], Any]:
    from api.routes import subject as subject_routes

    record = _subject_api("POST /me/activity")
    invoke = warm(record)
    invoke()
    subject_routes._active_today.clear()  # the second call of the day reaches another container
    return invoke


def post_request(stack: Any) -> Callable[[], Any]:
    return warm(_subject_api("POST /me/requests", {"type": "access"}))


def host_permissions(stack: Any) -> Callable[[], Any]:
    """The host's one question (domain/standing/rules.py): one BatchGetItem of the subject's partition."""
    from tests.support import at_path, routed

    def run(subject_id: str) -> Any:
        event = routed(_event("subject_api/put_record.json"), "GET /app/subjects/{subject_id}/permissions")
        at_path(event, f"/app/subjects/{subject_id}/permissions", subject_id=subject_id)
        event["rawQueryString"] = "purpose=analytics&purpose=newsletters"
        event["queryStringParameters"] = {"purpose": "analytics,newsletters"}
        event.pop("body", None)
        return answered(subject_api, event)

    return warm(run, consents=True)


def parent_with_child() -> str:
    """A parent whose account is linked to one child's (the link as the host application's POST .../link leaves it
    in the parent's partition); the child decided consents."""
    from adapters.aws import dynamodb

    parent, child, now = subject(), subject(consents=True), datetime.now(UTC).isoformat()
    link = {"child_subject_id": child, "child_reference": "signup-budget", "request_id": uuid.uuid4().hex}
    item = {"pk": f"SUBJECT#{parent}", "sk": f"CHILD#{child}", **link, "approved_at": now, "linked_at": now}
    dynamodb().put_item(
        TableName=wiring.requests.settings().subjects_table, Item={key: {"S": value} for key, value in item.items()}
    )
    return parent


def parents_children(stack: Any) -> Callable[[], Any]:
    from handlers import minors_api

    def run(parent: str) -> Any:
        return answered(minors_api, as_subject_event("minors_api/get_children.json", parent))

    run(parent_with_child())
    measured = parent_with_child()
    return lambda: run(measured)


def as_subject_event(relative: str, subject_id: str) -> dict[str, Any]:
    from tests.support import as_subject

    event = as_subject(_event(relative), subject_id)
    event["requestContext"]["authorizer"]["jwt"]["claims"].pop("cognito:groups", None)
    return event


def delete_me(stack: Any) -> Callable[[], Any]:
    return warm(_subject_api("DELETE /me"))


def admin_audit_read(stack: Any) -> Callable[[], Any]:
    from handlers import admin_api
    from tests.support import routed

    def run(subject_id: str) -> Any:
        pseudonym = wiring.shared.store().audit.pseudonym(subject_id)
        path = f"/admin/audit/{pseudonym}"
        event = routed(_event("admin_api/get_certificate.json"), "GET /admin/audit/{subject_pseudonym}", path)
        event["pathParameters"] = {"subject_pseudonym": pseudonym}
        return answered(admin_api, event)

    return warm(run)


# ---------------------------------------------------------------------------------------------------- workers


def audit_anchor_record(stack: Any) -> Callable[[], Any]:
    from handlers import audit_anchor

    def run(subject_id: str) -> Any:
        event = _event("audit_anchor/audit_record_inserted.json")
        change = event["Records"][0]["dynamodb"]
        change["Keys"]["pk"]["S"] = change["NewImage"]["pk"]["S"] = f"AUDIT#{uuid.uuid4().hex * 2}"
        return answered(audit_anchor, event)

    return warm(run)


def export_message(stack: Any) -> Callable[[], Any]:
    from handlers import export_worker

    def run(subject_id: str) -> Any:
        request = wiring.requests.requests().submit(subject_id, "access")
        event = _event("export_worker/request_received.json")
        envelope = json.loads(event["Records"][0]["body"])
        envelope["detail"].update(subject_id=subject_id, request_id=request.request_id)
        event["Records"][0]["body"] = json.dumps(envelope)
        return lambda: answered(export_worker, event)

    run(subject(records=30))()
    return run(subject(records=30))


def purge_stream(stack: Any) -> Callable[[], Any]:
    from handlers import purge_worker

    def run(subject_id: str) -> Any:
        event = _event("purge_worker/ttl_profile_removed.json")
        change = event["Records"][0]["dynamodb"]
        change["Keys"]["pk"]["S"] = change["OldImage"]["pk"]["S"] = f"SUBJECT#{subject_id}"
        return answered(purge_worker, event)

    return warm(run, records=20)


def purge_queue(stack: Any) -> Callable[[], Any]:
    from adapters.aws import dynamodb
    from handlers import purge_worker

    def run(subject_id: str) -> Any:
        wiring.erasure.erasure().schedule_deletion(subject_id, "user_request", actor="subject")
        due = (datetime.now(UTC) - timedelta(days=1)).isoformat()  # the restore window has ended
        dynamodb().update_item(
            TableName=wiring.requests.settings().subjects_table,
            Key={"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}},
            UpdateExpression="SET purge_at = :due",
            ExpressionAttributeValues={":due": {"S": due}},
        )
        event = _event("inactivity_worker/subject_inactive.json")  # an SQS record; the purge queue's body
        event["Records"][0]["body"] = json.dumps({"subject_id": subject_id})
        return lambda: answered(purge_worker, event)

    run(subject(records=20))()
    return run(subject(records=20))


def inactivity_message(stack: Any) -> Callable[[], Any]:
    from handlers import inactivity_worker

    def run(subject_id: str) -> Any:
        event = _event("inactivity_worker/subject_inactive.json")
        message = json.loads(event["Records"][0]["body"])
        message["subject_id"] = subject_id
        event["Records"][0]["body"] = json.dumps(message)
        return answered(inactivity_worker, event)

    inactive_since = date.fromisoformat(
        json.loads(_event("inactivity_worker/subject_inactive.json")["Records"][0]["body"])["inactive_since"]
    )
    return warm(run, last_active=inactive_since)


def _checkpoint(stack: Any, sweep: str, day: date) -> None:
    from adapters.aws import dynamodb

    dynamodb().put_item(
        TableName=stack.physical_ids["SubjectsTable"],
        Item={"pk": {"S": f"SWEEP#{sweep}"}, "sk": {"S": "CHECKPOINT"}, "day": {"S": day.isoformat()}},
    )


def purge_sweep_day(stack: Any) -> Callable[[], Any]:
    from handlers import purge_sweep

    def run() -> Any:
        _checkpoint(stack, "purge", datetime.now(UTC).date() - timedelta(days=2))  # yesterday's run finished
        return lambda: answered(purge_sweep, _event("inactivity_sweep/daily.json"))

    run()()
    return run()


def inactivity_sweep_day(stack: Any) -> Callable[[], Any]:
    from handlers import inactivity_sweep

    def run() -> Any:
        days = wiring.erasure.inactivity_sweep_settings().inactivity_days
        cutoff = datetime.now(UTC).date() - timedelta(days=days)
        _checkpoint(stack, "inactivity", cutoff - timedelta(days=1))  # yesterday's run finished
        return lambda: answered(inactivity_sweep, _event("inactivity_sweep/daily.json"))

    run()()
    return run()


def overdue_sweep_day(stack: Any) -> Callable[[], Any]:
    from handlers import overdue_sweep

    closed = wiring.requests.requests().submit(subject(), "access")  # a closed request: its partition is never read
    wiring.requests.operator_desk().reject(closed.request_id, "manifestly unfounded", admin="op")

    def run() -> Any:
        return answered(overdue_sweep, _event("overdue_sweep/daily.json"))

    run()
    return run


# ---------------------------------------------------------------------------------------------------- the plan

# The purge of one subject, the same whether the TTL stream or the purge queue starts it.
PURGE = (
    "dynamodb.Query",
    "dynamodb.Query",
    "s3.ListObjectsV2",  # the exports and the login are looked up before the certificate states them
    "cognito-idp.ListUsers",
    "kms.Sign",
    AUDIT_HEAD,
    "dynamodb.TransactWriteItems",
    "dynamodb.Query",
    "dynamodb.BatchWriteItem",
    "dynamodb.Query",  # export requests still open? closed (rejected, subject_purged)
    "s3.ListObjectsV2",  # an export that landed after the first listing? deleted
    "dynamodb.Query",  # nothing left in the partition but what the purge keeps?
    "dynamodb.TransactWriteItems",  # last: the profile becomes the tombstone
)

CASES = [
    Case("GET /consent/purposes (304)", "consent_api/get_purposes.json", (), purposes_not_modified),
    Case(
        "GET /me/consents",
        "consent_api/get_my_consents.json",
        # the consent state; the profile: is the subject under the age of consent? (purposes closed to minors)
        (GATE, "dynamodb.GetItem", "dynamodb.GetItem"),
        get_consents,
    ),
    Case(
        "PUT /me/consents",
        "consent_api/put_my_consents.json",
        (GATE, "dynamodb.GetItem", AUDIT_HEAD, "dynamodb.TransactWriteItems"),
        put_consents,
    ),
    Case(
        "PUT /me/consents (granting a purpose closed to minors)",
        "consent_api/put_my_consents.json",
        # the profile first (a minor cannot grant it), then as any change
        (GATE, "dynamodb.GetItem", "dynamodb.GetItem", AUDIT_HEAD, "dynamodb.TransactWriteItems"),
        put_marketing_consent,
    ),
    Case("GET /me", "consent_api/get_my_consents.json (GET /me)", (GATE, "dynamodb.GetItem"), get_me),
    Case(
        "PATCH /me",
        "consent_api/put_my_consents.json (PATCH /me)",
        (GATE, "dynamodb.GetItem", AUDIT_HEAD, "dynamodb.TransactWriteItems"),
        patch_me,
    ),
    Case(
        "POST /me/activity (first of the day)",
        "consent_api/get_my_consents.json (POST /me/activity)",
        ("dynamodb.UpdateItem",),
        activity_first,
    ),
    Case(
        "POST /me/activity (again, same container)",
        "consent_api/get_my_consents.json (POST /me/activity)",
        (),
        activity_again,
    ),
    Case(
        "POST /me/activity (again, another container)",
        "consent_api/get_my_consents.json (POST /me/activity)",
        ("dynamodb.UpdateItem", GATE),
        activity_again_elsewhere,
    ),
    Case(
        "POST /me/requests",
        "consent_api/put_my_consents.json (POST /me/requests)",
        (
            GATE,
            "dynamodb.GetItem",
            "dynamodb.Query",  # the subject's own requests: the same export completed within ExportCooldownHours?
            "dynamodb.GetItem",
            AUDIT_HEAD,
            "dynamodb.TransactWriteItems",
        ),
        post_request,
    ),
    Case(
        "GET /app/subjects/{id}/permissions",
        "subject_api/put_record.json (GET /app/subjects/{subject_id}/permissions)",
        ("dynamodb.BatchGetItem",),  # PROFILE, CONSENTS, TOMBSTONE, STANDING (a second only for unprocessed keys)
        host_permissions,
    ),
    Case(
        "GET /parents/me/children (one child)",
        "minors_api/get_children.json",
        (
            "dynamodb.BatchGetItem",  # the parent's own account is available
            "dynamodb.Query",  # the parent's links (CHILD# items)
            # per child: the profile (of age? then not listed); the state and the restriction in force, from the
            # one read of the partition the host's permission question makes; the consent state; what is held
            *("dynamodb.GetItem", "dynamodb.BatchGetItem", "dynamodb.GetItem", "dynamodb.Query"),
        ),
        parents_children,
    ),
    Case(
        "DELETE /me",
        "consent_api/get_my_consents.json (DELETE /me)",
        (AUDIT_HEAD, "dynamodb.TransactWriteItems"),
        delete_me,
    ),
    Case(
        "GET /admin/audit/{p}",
        "admin_api/get_certificate.json (GET /admin/audit/{subject_pseudonym})",
        ("s3.ListObjectsV2", "dynamodb.Query", "kms.Sign"),
        admin_audit_read,
    ),
    Case(
        "audit anchor, per audit record",
        "audit_anchor/audit_record_inserted.json",
        ("s3.PutObject",),
        audit_anchor_record,
    ),
    Case(
        "export worker, per message (31 items, one page)",
        "export_worker/request_received.json",
        (
            "dynamodb.GetItem",
            "dynamodb.BatchGetItem",  # purged or due? then no export is made
            *("dynamodb.GetItem", AUDIT_HEAD, "dynamodb.TransactWriteItems"),
            "dynamodb.Query",
            "s3.PutObject",
            "dynamodb.BatchGetItem",  # purged or due since? then the archive would outlive the purge: deleted
            *("dynamodb.GetItem", AUDIT_HEAD, "dynamodb.TransactWriteItems"),
        ),
        export_message,
    ),
    Case(
        "purge worker, per subject (TTL stream, 21 items)",
        "purge_worker/ttl_profile_removed.json",
        PURGE,
        purge_stream,
    ),
    Case(
        "purge worker, per subject (purge queue, 21 items)",
        "inactivity_worker/subject_inactive.json (purge queue body)",
        ("dynamodb.GetItem", *PURGE),
        purge_queue,
    ),
    Case(
        "inactivity worker, per subject",
        "inactivity_worker/subject_inactive.json",
        (
            "dynamodb.GetItem",
            GATE,
            "dynamodb.Query",
            *("dynamodb.GetItem", "dynamodb.GetItem", AUDIT_HEAD, "dynamodb.TransactWriteItems"),
            *(AUDIT_HEAD, "dynamodb.TransactWriteItems"),
            "dynamodb.PutItem",
        ),
        inactivity_message,
    ),
    Case(
        "purge sweep, daily run with nothing due",
        "inactivity_sweep/daily.json",
        ("dynamodb.GetItem", *["dynamodb.Query"] * SHARDS, "dynamodb.UpdateItem", *["dynamodb.Query"] * SHARDS),
        purge_sweep_day,
    ),
    Case(
        "overdue sweep, daily run with nothing overdue",
        "overdue_sweep/daily.json",
        # the received, in_progress and failed partitions of RequestsByStatus; the policy's announcement, read
        # (already announced: nothing written)
        ("dynamodb.Query", "dynamodb.Query", "dynamodb.Query", "dynamodb.GetItem"),
        overdue_sweep_day,
    ),
    Case(
        "inactivity sweep, daily run with nobody inactive",
        "inactivity_sweep/daily.json",
        ("dynamodb.GetItem", *["dynamodb.Query"] * SHARDS, "dynamodb.UpdateItem"),
        inactivity_sweep_day,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.operation for case in CASES])
def test_operation_makes_no_more_calls_than_its_plan(aws: Any, case: Case) -> None:
    # Given a warm container and a subject in the state the operation expects
    # When the operation runs once
    calls = measure(case, aws)
    # Then it made at most the calls of its plan, and none of a kind the plan does not have
    extra = Counter(calls) - Counter(case.plan)
    assert len(calls) <= case.max_calls, f"{case.operation}: {len(calls)} calls, plan {case.max_calls}: {calls}"
    assert not extra, f"{case.operation}: calls beyond the plan {dict(extra)}; made {calls}"
