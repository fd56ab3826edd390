"""The final-state checker: what must hold however many faults the flows went through.

The flows write what the system acknowledged into a `Ledger` (a consent change answered 2xx, a deletion answered
202, a restore answered 200, ...). `check(world)` then reads everything back through fault-free clients and
reports every broken guarantee as a `Problem`:

- no subject lost data it should keep: a subject not deleted has its profile, its current consents are its last
  acknowledged decisions, and its history holds exactly one event per acknowledged decision (none for a change
  that was not acknowledged);
- no purge without its certificate: every purged subject has exactly one certificate, the purge is complete
  (partition, exports, login; a tombstone; held records isolated; its erasure request closed; no export request
  left open or answered after it; no parent-child link left in another partition), and every certificate's
  subject is purged;
- no export missing or duplicated: every completed export request has exactly one object, every object belongs to
  a completed request, no request is left open without its message in the dead-letter queue;
- every message (queue message or stream record) either succeeded or is dead-lettered with a reason, and none is
  left on a worker queue; every outbox record is published (by the stream, or by the retry queue once the stream
  gave up), unless its retry message was dead-lettered too;
- every audit chain verifies (`domain.audit.model.verify_chain` on `AuditLog.chain`).
"""

import hashlib
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from adapters.audit_log import AuditLog
from adapters.dynamo_json import from_item
from domain.audit.model import pseudonym_of, verify_chain
from domain.consent.model import ConsentEvent, ConsentState
from domain.requests.model import DataRequest
from domain.values import from_json


@dataclass(frozen=True)
class Problem:
    kind: str
    subject: str | None
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.subject or '-'} {self.detail}".rstrip()


@dataclass
class SubjectPlan:
    """What the system acknowledged about one subject, hence what must hold at the end."""

    subject_id: str
    flow: str
    consents: list[tuple[str, dict[str, bool]]] = field(default_factory=list)  # (receipt id, decisions), in order
    deletion: str | None = None  # the reason of an acknowledged deletion that stands (None: keep the subject)
    due: bool = False  # the purge date has passed and the purge has run: the subject must be purged
    erasure_request_id: str | None = None
    export_requests: list[str] = field(default_factory=list)  # acknowledged access/portability requests
    inactive: bool = False  # found inactive by the sweep: the worker must schedule its removal
    undetermined: bool = False  # its outcome is a dead letter's: only what holds either way is checked
    has_login: bool = False
    invoices: int = 0


@dataclass
class Ledger:
    subjects: dict[str, SubjectPlan] = field(default_factory=dict)
    published: list[dict[str, Any]] = field(default_factory=list)  # every event seen on the bus

    def add(self, subject_id: str, flow: str, **values: Any) -> SubjectPlan:
        plan = SubjectPlan(subject_id, flow, **values)
        self.subjects[subject_id] = plan
        return plan


# ---------------------------------------------------------------------------------------------- reading the world


@dataclass
class Snapshot:
    partitions: dict[str, dict[str, dict[str, Any]]]  # pk -> sk -> item (plain values)
    certificates: dict[str, list[dict[str, Any]]]  # pseudonym -> certificates
    audit_pseudonyms: list[str]
    objects: list[str]  # keys under exports/
    logins: set[str]  # subs of the user pool's users
    pseudonyms: dict[str, str]  # subject id -> pseudonym

    def partition(self, subject_id: str) -> dict[str, dict[str, Any]]:
        return self.partitions.get(f"SUBJECT#{subject_id}", {})


def _scan(ddb: Any, table: str) -> list[dict[str, Any]]:
    return [item for page in ddb.get_paginator("scan").paginate(TableName=table) for item in page.get("Items", [])]


def read_snapshot(world: Any) -> Snapshot:
    ddb = world.harness("dynamodb")
    partitions: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for item in _scan(ddb, world.table):
        values = from_item(item)
        partitions[values["pk"]][values["sk"]] = values
    certificates: dict[str, list[dict[str, Any]]] = defaultdict(list)
    audit_pseudonyms = set()
    for item in _scan(ddb, world.audit_table):
        values = from_item(item)
        if values["pk"].startswith("CERT#"):
            body = json.loads(values["certificate"])
            certificates[body["subject"]].append(body)
        elif values["pk"].startswith("AUDIT#"):
            audit_pseudonyms.add(values["pk"].removeprefix("AUDIT#"))
    s3 = world.harness("s3")
    objects = [
        item["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=world.bucket, Prefix="exports/")
        for item in page.get("Contents", [])
    ]
    cognito = world.harness("cognito-idp")
    logins = set()
    for page in cognito.get_paginator("list_users").paginate(UserPoolId=world.id("UserPool")):
        for user in page.get("Users", []):
            logins |= {a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub"}
    secret = world.secret()
    pseudonyms = {subject_id: pseudonym_of(secret, subject_id) for subject_id in world.ledger.subjects}
    return Snapshot(dict(partitions), dict(certificates), sorted(audit_pseudonyms), objects, logins, pseudonyms)


def subject_of(delivery: Any) -> str | None:
    """The subject a message or stream record is about (None for one about no subject)."""
    record = delivery.record
    if "body" in record:
        body = delivery.body
        detail = body.get("detail") if isinstance(body.get("detail"), dict) else body
        return detail.get("subject_id")  # type: ignore[no-any-return]
    data = record.get("dynamodb", {})
    pk = data.get("Keys", {}).get("pk", {}).get("S", "")
    if pk.startswith("SUBJECT#"):
        return str(pk.removeprefix("SUBJECT#"))
    outbox = data.get("NewImage", {}).get("outbox", {}).get("S")
    return json.loads(outbox).get("detail", {}).get("subject_id") if outbox else None


# ---------------------------------------------------------------------------------------------- the checks


def check(world: Any) -> list[Problem]:
    world.tap()
    snapshot = read_snapshot(world)
    dead: dict[str, list[Any]] = defaultdict(list)
    for delivery in world.runtime.deliveries:
        if delivery.outcome == "dead-lettered":
            dead[subject_of(delivery) or "-"].append(delivery)
    return [
        *check_deliveries(world),
        *check_subjects(world, snapshot, dead),
        *check_certificates(world, snapshot),
        *check_exports(world, snapshot, dead),
        *check_outbox(world),
        *check_audit_chains(world, snapshot),
    ]


WORKER_QUEUES = ("ExportQueue", "PurgeQueue", "InactivityQueue")


def check_deliveries(world: Any) -> list[Problem]:
    problems = []
    sqs = world.harness("sqs")
    for queue in WORKER_QUEUES:
        attributes = sqs.get_queue_attributes(QueueUrl=world.id(queue), AttributeNames=["All"])["Attributes"]
        waiting = int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )
        if waiting:
            problems.append(Problem("message never delivered", None, f"{waiting} on {queue}"))
    for delivery in world.runtime.deliveries:
        if delivery.outcome not in ("succeeded", "dead-lettered"):
            problems.append(Problem("message neither succeeded nor dead-lettered", subject_of(delivery), delivery.id))
        elif delivery.outcome == "dead-lettered" and not delivery.reason:
            problems.append(Problem("message dead-lettered without a reason", subject_of(delivery), delivery.id))
    return problems


def _requests(partition: dict[str, dict[str, Any]]) -> list[DataRequest]:
    return [from_json(DataRequest, i["request"]) for sk, i in partition.items() if sk.startswith("REQUEST#")]


def check_subjects(world: Any, snapshot: Snapshot, dead: dict[str, list[Any]]) -> list[Problem]:
    problems: list[Problem] = []
    for subject_id, plan in world.ledger.subjects.items():
        partition = snapshot.partition(subject_id)
        profile = partition.get("PROFILE")
        pseudonym = snapshot.pseudonyms[subject_id]
        certificates = snapshot.certificates.get(pseudonym, [])
        problem = _problem_factory(problems, subject_id)
        for request_id in plan.export_requests:
            if f"REQUEST#{request_id}" not in partition:
                problem("acknowledged request lost", request_id)
        if plan.inactive and not dead.get(subject_id):
            _check_inactivity(subject_id, partition, snapshot, problem)
        if plan.deletion is None:
            _check_kept(plan, partition, certificates, problem)
        elif plan.due and profile is None:
            _check_purged(plan, partition, certificates, snapshot, problem)
        elif plan.due:
            if not dead.get(subject_id):
                problem("due subject not purged", "and none of its purge messages is in a dead-letter queue")
        elif profile is None or profile.get("state") != "pending_deletion":
            problem("acknowledged deletion lost", f"state {profile and profile.get('state')}")
        elif profile.get("deletion_reason") != plan.deletion:
            problem("deletion reason changed", f"{plan.deletion} -> {profile.get('deletion_reason')}")
    return problems


def _problem_factory(problems: list[Problem], subject_id: str) -> Any:
    def problem(kind: str, detail: str = "") -> None:
        problems.append(Problem(kind, subject_id, detail))

    return problem


def _check_kept(plan: SubjectPlan, partition: dict[str, Any], certificates: list[Any], problem: Any) -> None:
    profile = partition.get("PROFILE")
    if profile is None:
        problem("profile lost", "a subject that was not deleted has no profile")
        return
    if certificates or "TOMBSTONE" in partition:
        problem("kept subject purged")
    if profile.get("state", "active") != "active" and not plan.undetermined:
        problem("kept subject not active", str(profile.get("state")))
    # Consents: the current state is the last acknowledged decision per purpose...
    expected: dict[str, bool] = {}
    for _, decisions in plan.consents:
        expected |= decisions
    state = ConsentState.model_validate_json(partition["CONSENTS"]["state"]) if "CONSENTS" in partition else None
    current = {purpose: d.granted for purpose, d in (state.decisions if state else {}).items()}
    for purpose, granted in expected.items():
        if current.get(purpose) != granted:
            problem("consent decision lost", f"{purpose}: acknowledged {granted}, stored {current.get(purpose)}")
    # ... and the history holds exactly one event per acknowledged decision, none for anything else.
    events = [
        ConsentEvent.model_validate_json(i["event"]) for sk, i in partition.items() if sk.startswith("CONSENTEVT#")
    ]
    by_receipt: dict[str, Counter[tuple[str, bool]]] = defaultdict(Counter)
    for event in events:
        by_receipt[event.receipt_id][(event.purpose, event.decision)] += 1
    acknowledged = dict(plan.consents)
    for receipt_id, decisions in acknowledged.items():
        found = by_receipt.get(receipt_id, Counter())
        if found != Counter(decisions.items()):
            problem("history does not match an acknowledged change", f"receipt {receipt_id}: {dict(found)}")
        if f"RECEIPT#{receipt_id}" not in partition:
            problem("consent receipt lost", receipt_id)
    for receipt_id in set(by_receipt) - set(acknowledged):
        problem("history holds a change that was never acknowledged", receipt_id)


def _check_purged(
    plan: SubjectPlan, partition: dict[str, Any], certificates: list[Any], snapshot: Snapshot, problem: Any
) -> None:
    if not certificates:
        problem("purge without certificate", "the profile is gone and no deletion certificate exists")
    elif len(certificates) > 1:
        problem("more than one certificate", str(len(certificates)))
    left = sorted(sk for sk in partition if not sk.startswith("REQUEST#") and sk != "TOMBSTONE")
    if left:
        problem("purge incomplete: items left", f"{len(left)} items, e.g. {left[:3]}")
    if "TOMBSTONE" not in partition:
        problem("purge incomplete: no tombstone")
    subject_id = plan.subject_id
    if any(key.startswith(f"exports/{subject_id}/") for key in snapshot.objects):
        problem("purge incomplete: exports left")
    if plan.has_login and subject_id in snapshot.logins:
        problem("purge incomplete: login left")
    if plan.erasure_request_id:
        request = next((r for r in _requests(partition) if r.request_id == plan.erasure_request_id), None)
        if request is None or request.status != "completed":
            problem("erasure request left open after the purge", f"status {request and request.status}")
    purged_at = datetime.fromisoformat(certificates[0]["purged_at"].replace("Z", "+00:00")) if certificates else None
    for request in _requests(partition):
        if request.is_export and request.is_open:
            problem("export request left open after the purge", request.request_id)
        elif request.status == "completed" and purged_at and request.completed_at and request.completed_at > purged_at:
            problem("request answered after the purge", request.request_id)
    for pk, items in snapshot.partitions.items():
        if any(sk in (f"CHILD#{subject_id}", f"PARENT#{subject_id}") for sk in items):
            problem("parent-child link left after the purge", pk.split("#", 1)[0])
    held = snapshot.partitions.get(f"HELD#{snapshot.pseudonyms[subject_id]}", {})
    if len(held) != plan.invoices:
        problem("held records not isolated", f"{len(held)} of {plan.invoices}")
    for certificate in certificates[:1]:
        if sum(h["count"] for h in certificate["held"]) != plan.invoices:
            problem("certificate miscounts held records", str(certificate["held"]))


def _check_inactivity(subject_id: str, partition: dict[str, Any], snapshot: Snapshot, problem: Any) -> None:
    profile = partition.get("PROFILE") or {}
    if (profile.get("state"), profile.get("deletion_reason")) != ("pending_deletion", "inactivity"):
        problem(
            "inactive subject not scheduled for removal", f"{profile.get('state')} {profile.get('deletion_reason')}"
        )
    system = [r for r in _requests(partition) if r.origin == "system" and r.type == "access"]
    if len(system) != 1:
        problem("inactivity export requested other than once", str(len(system)))
    notices = [
        outbox
        for pk, items in snapshot.partitions.items()
        if pk.startswith("OUTBOX#")
        for outbox in [json.loads(items.get("EVENT", {}).get("outbox", "{}"))]
        if outbox.get("detail_type") == "SubjectInactive" and outbox["detail"]["subject_id"] == subject_id
    ]
    if len(notices) != 1:
        problem("SubjectInactive notice queued other than once", str(len(notices)))


def check_certificates(world: Any, snapshot: Snapshot) -> list[Problem]:
    by_pseudonym = {p: s for s, p in snapshot.pseudonyms.items()}
    problems = []
    for pseudonym, certificates in snapshot.certificates.items():
        subject_id = by_pseudonym.get(pseudonym)
        if subject_id is None:
            problems.append(Problem("certificate for an unknown subject", None, pseudonym))
        elif "PROFILE" in snapshot.partition(subject_id):
            problems.append(Problem("certificate without purge", subject_id, certificates[0]["certificate_id"]))
    return problems


def check_exports(world: Any, snapshot: Snapshot, dead: dict[str, list[Any]]) -> list[Problem]:
    problems = []
    completed: dict[str, DataRequest] = {}
    objects = Counter(snapshot.objects)
    for pk, partition in snapshot.partitions.items():
        if not pk.startswith("SUBJECT#"):
            continue
        subject_id = pk.removeprefix("SUBJECT#")
        purged = "TOMBSTONE" in partition
        for request in _requests(partition):
            if not request.is_export:
                continue
            key = f"exports/{subject_id}/{request.request_id}.zip"
            stuck = [d for d in dead.get(subject_id, []) if request.request_id in json.dumps(d.record)]
            if request.status == "completed":
                completed[key] = request
                if request.export_key != key:
                    problems.append(Problem("completed export without its archive key", subject_id, key))
                elif not purged and objects[key] != 1:
                    problems.append(Problem("export missing", subject_id, request.request_id))
            elif request.status == "failed":
                if objects[key]:
                    problems.append(Problem("failed export left its archive", subject_id, request.request_id))
                if not stuck:
                    problems.append(Problem("export failed without its message dead-lettered", subject_id, key))
            elif request.is_open and not stuck:
                problems.append(Problem("export never finished", subject_id, f"{request.request_id} {request.status}"))
    for key, count in objects.items():
        if key not in completed:
            problems.append(Problem("export object of no completed request", None, key))
        elif count != 1:
            problems.append(Problem("export duplicated", None, key))
    return problems


def check_outbox(world: Any) -> list[Problem]:
    """Every committed event is published: by the stream, or after its retries ran out, by the retry queue; only
    a retry message that was dead-lettered too leaves events unpublished (waiting in StreamDeadLetterQueue)."""
    published = {e.get("detail", {}).get("event_id") for e in world.ledger.published}
    retries_exhausted = any(
        d.source == "OutboxRetryQueue" and d.outcome == "dead-lettered" for d in world.runtime.deliveries
    )
    problems = []
    for delivery in world.runtime.deliveries:
        image = delivery.record.get("dynamodb", {}).get("NewImage") or {}
        if "outbox" not in image or delivery.source != "OutboxInserted":
            continue
        if delivery.outcome != "succeeded" and (delivery.outcome != "dead-lettered" or retries_exhausted):
            continue
        event_id = hashlib.sha256(f"{image['pk']['S']}|{image['sk']['S']}".encode()).hexdigest()[:32]
        if event_id not in published:
            problems.append(Problem("outbox event not published", subject_of(delivery), event_id))
    return problems


def check_audit_chains(world: Any, snapshot: Snapshot) -> list[Problem]:
    log = AuditLog(world.audit_table, world.secret)
    problems = []
    with world.injector.paused():
        for pseudonym in snapshot.audit_pseudonyms:
            verification = verify_chain(log.chain(pseudonym))
            if not verification.valid:
                problems.append(
                    Problem("audit chain broken", pseudonym, f"at {verification.broken_at}: {verification.reason}")
                )
    return problems
