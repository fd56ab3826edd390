"""Capacity model for production (docs/performance.md, "Capacity model"): DynamoDB read and write request units,
Lambda GB-seconds and requests per day, and the monthly bill at on-demand prices, for 1 million and 100 million
subjects. Deterministic: every input is an assumption written below, next to the call plan it comes from
(tests/integration/test_call_budget.py). Not a benchmark (make bench does not run it).

Run: .venv/bin/python bench/capacity_model.py        (prints the markdown tables the doc holds)
"""

import math
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------------- prices (USD)
DDB_WRU = 1.25 / 1e6  # on-demand write request unit
DDB_RRU = 0.25 / 1e6  # on-demand read request unit
LAMBDA_GBS = 0.0000133334  # arm64, per GB-second
LAMBDA_REQUEST = 0.20 / 1e6
SQS_REQUEST = 0.40 / 1e6  # standard queue, per request (a batch of up to 10 small messages is one request)
EVENTS = 1.00 / 1e6  # EventBridge custom events published
HTTP_API = 1.00 / 1e6  # API Gateway HTTP API requests (first 300 million a month)
S3_PUT = 0.005 / 1000  # S3 Standard PUT requests (the audit anchors; an empty object stores nothing to speak of)
DAYS_PER_MONTH = 30.4

# ---------------------------------------------------------------------------------------------------- traffic
DAU_SHARE = 0.20  # subjects active on a given day
ACTIVITY_CALLS_PER_DAU = 3  # POST /me/activity per active subject and day (the host app calls it per session)
SAME_CONTAINER_SHARE = 0.5  # repeat calls of the day that reach the container which recorded the day (0 calls)
CONSENT_READS_PER_DAU = 1.0  # GET /me/consents (the banner's check)
CONSENT_CHANGES_PER_DAU = 0.02  # PUT /me/consents, two purposes each
PROFILE_READS_PER_DAU = 0.01  # GET /me
PROFILE_CHANGES_PER_DAU = 0.002  # PATCH /me
ACCESS_REQUESTS_PER_SUBJECT_DAY = 1e-5  # POST /me/requests (about 0.4 % of subjects a year)
ERASURES_PER_SUBJECT_DAY = 1e-5  # DELETE /me; purged 60 days later, so as many purges a day in steady state
INACTIVE_PER_SUBJECT_DAY = 0.10 / 365  # 10 % of subjects a year cross the 180-day line
ITEMS_PER_SUBJECT = 200  # items in a subject's partition when exported or purged (about 100 KB)
COLD_START_SHARE = 0.01  # API invocations that start a container
INIT_SECONDS = 1.0  # billed INIT of a cold start (Python + powertools + boto3 at 512 MB; billed since Aug 2025)

# ---------------------------------------------------------------------------------------------------- latency
CALL_MS = 6.0  # one DynamoDB/SQS/EventBridge call in-region, warm connection
CODE_MS = 1.0  # the code around the calls (measured warm overhead: 0.5-1 ms a request, docs/performance.md)


@dataclass(frozen=True)
class Step:
    """One invocation of one function: its DynamoDB units and the other requests it makes."""

    rru: float
    wru: float
    calls: int  # AWS calls, for the duration estimate
    memory_mb: int = 512
    extra_seconds: float = 0.0
    sqs: float = 0.0
    events: float = 0.0
    http: bool = False
    audits: int = 0  # audit records written (each anchored by the audit table's stream: one PutObject)
    s3_puts: float = 0.0

    @property
    def seconds(self) -> float:
        return (CODE_MS + self.calls * CALL_MS) / 1000 + self.extra_seconds

    @property
    def gb_seconds(self) -> float:
        return self.memory_mb / 1024 * self.seconds


ANCHOR_BATCH = 5  # audit records per invocation of the anchor function (as the outbox's batches at these rates)


# Units per call (DynamoDB rules: a strongly consistent read of <= 4 KB is 1 RRU, also for a key that is not there;
# an eventually consistent one 0.5; a write of <= 1 KB is 1 WRU, a failed conditional write too; a transaction
# costs twice its items; a GSI entry changed costs a write on the index, a key change two).
GATE_RRU = 2  # BatchGetItem, consistent: the profile's deletion fields and the tombstone key
AUDIT_HEAD_RRU = 1  # Query Limit 1, consistent
PARTITION_RRU = math.ceil(ITEMS_PER_SUBJECT * 0.5 / 4)  # one consistent pass over ~100 KB

ACTIVITY_FIRST = Step(rru=0, wru=1 + 2, calls=1, http=True)  # UpdateItem + ActivityByDay entry moved
ACTIVITY_CACHED = Step(rru=0, wru=0, calls=0, http=True)
ACTIVITY_ELSEWHERE = Step(rru=GATE_RRU, wru=1, calls=2, http=True)  # failed conditional UpdateItem + status
CONSENT_READ = Step(rru=GATE_RRU + 1, wru=0, calls=2, http=True)
CONSENT_CHANGE = Step(rru=GATE_RRU + 1 + AUDIT_HEAD_RRU, wru=2 * (1 + 2 + 2 + 1), calls=4, http=True, audits=1)
PROFILE_READ = Step(rru=GATE_RRU + 1, wru=0, calls=2, http=True)
PROFILE_CHANGE = Step(rru=GATE_RRU + 1 + AUDIT_HEAD_RRU, wru=2 * (1 + 1 + 1), calls=4, http=True, audits=1)
ACCESS_REQUEST = Step(rru=GATE_RRU + 2 + AUDIT_HEAD_RRU, wru=2 * (2 + 1 + 1 + 1), calls=5, http=True, audits=1)
EXPORT = Step(
    rru=1 + 2 * (1 + AUDIT_HEAD_RRU) + PARTITION_RRU,
    wru=2 * (2 + 1) + 2 * (2 + 1 + 1),
    calls=10,
    memory_mb=1024,
    extra_seconds=0.5,  # ~100 KB through the archive, and the S3 upload
    sqs=2,  # the poller's receive and delete (EventBridge's send is an event, below)
    audits=2,  # started, ready
)
ERASURE = Step(rru=AUDIT_HEAD_RRU, wru=2 * (1 + 1 + 1) + 1, calls=2, http=True, audits=1)  # + PurgeByDay entry
PURGE = Step(
    rru=1 + 1 + 2 * PARTITION_RRU + AUDIT_HEAD_RRU + 1,  # + the last step's check that nothing is left
    # certificate transaction, deletes (+ GSI entries), then the profile out and the tombstone in, transactionally
    wru=2 * (2 + 1 + 1) + (ITEMS_PER_SUBJECT - 1) + 2 + 2 * 2,
    calls=12 + math.ceil(ITEMS_PER_SUBJECT / 25),
    extra_seconds=0.2,
    sqs=1 + 2 / 10,  # the sweep's send (one batch per 10) and the poller's receive and delete per 10
    events=1,  # SubjectPurged
    audits=1,
)
INACTIVITY_WORKER = Step(
    rru=1 + GATE_RRU + 1 + 2 + AUDIT_HEAD_RRU + AUDIT_HEAD_RRU,
    wru=2 * (2 + 1 + 1 + 1) + 2 * (1 + 1 + 1) + 1 + 1,  # request, deletion (+ PurgeByDay), notice
    calls=10,
    sqs=0.1 + 0.2,  # the sweep's send and the poller's receive and delete, per message of a batch of 10
    events=3,  # DataSubjectRequestReceived, SubjectDeletionScheduled, SubjectInactive
    audits=2,
)
EVENT_PUBLISH = Step(rru=0, wru=0, calls=1, memory_mb=256, events=1)  # per outbox item (batches of up to 25)
AUDIT_ANCHOR = Step(rru=0, wru=0, calls=ANCHOR_BATCH, memory_mb=256, s3_puts=ANCHOR_BATCH)  # per batch of records


@dataclass
class Bucket:
    rru: float = 0
    wru: float = 0
    gb_seconds: float = 0
    invocations: float = 0
    sqs: float = 0
    events: float = 0
    http: float = 0
    audits: float = 0
    s3_puts: float = 0

    def add(self, step: Step, count: float, *, cold: bool = False) -> None:
        self.rru += step.rru * count
        self.wru += step.wru * count
        self.gb_seconds += step.gb_seconds * count
        if cold:
            self.gb_seconds += count * COLD_START_SHARE * INIT_SECONDS * step.memory_mb / 1024
        self.invocations += count
        self.sqs += step.sqs * count
        self.events += step.events * count
        self.http += count if step.http else 0
        self.audits += step.audits * count
        self.s3_puts += step.s3_puts * count

    def anchor_audit_records(self) -> None:
        """The audit anchor function's invocations for the audit records this bucket's work wrote."""
        self.add(AUDIT_ANCHOR, self.audits / ANCHOR_BATCH)

    def dollars_per_day(self) -> dict[str, float]:
        return {
            "DynamoDB": self.rru * DDB_RRU + self.wru * DDB_WRU,
            "Lambda": self.gb_seconds * LAMBDA_GBS + self.invocations * LAMBDA_REQUEST,
            "API Gateway": self.http * HTTP_API,
            "SQS + EventBridge": self.sqs * SQS_REQUEST + self.events * EVENTS,
            "S3": self.s3_puts * S3_PUT,
        }


def model(subjects: float) -> dict[str, Bucket]:
    dau = subjects * DAU_SHARE
    activity, sweeps, requests = Bucket(), Bucket(), Bucket()
    repeats = dau * (ACTIVITY_CALLS_PER_DAU - 1)
    activity.add(ACTIVITY_FIRST, dau, cold=True)
    activity.add(ACTIVITY_CACHED, repeats * SAME_CONTAINER_SHARE, cold=True)
    activity.add(ACTIVITY_ELSEWHERE, repeats * (1 - SAME_CONTAINER_SHARE), cold=True)

    inactive = subjects * INACTIVE_PER_SUBJECT_DAY
    erased = subjects * ERASURES_PER_SUBJECT_DAY
    # The two daily sweeps: a checkpoint read and write, 16 (inactivity) or 32 (purge) index queries, each at least
    # 0.5 RRU (eventually consistent), and the found keys (~150 bytes each); then the work they start.
    found_rru = (inactive + inactive + erased) * 150 / 4096 * 0.5
    sweeps.add(Step(rru=1 + 16 * 0.5, wru=1, calls=18, extra_seconds=inactive * 0.002), 1)
    sweeps.add(Step(rru=1 + 32 * 0.5 + found_rru, wru=1, calls=34, extra_seconds=(inactive + erased) * 0.002), 1)
    sweeps.add(INACTIVITY_WORKER, inactive)
    sweeps.add(EXPORT, inactive)  # the export made for each inactive subject
    sweeps.add(PURGE, inactive + erased)  # 60 days later, every day alike in steady state
    sweeps.add(EVENT_PUBLISH, (inactive * INACTIVITY_WORKER.events + (inactive + erased) * PURGE.events) / 5)
    sweeps.anchor_audit_records()

    requests.add(CONSENT_READ, dau * CONSENT_READS_PER_DAU, cold=True)
    changes = dau * CONSENT_CHANGES_PER_DAU
    requests.add(CONSENT_CHANGE, changes, cold=True)
    requests.add(PROFILE_READ, dau * PROFILE_READS_PER_DAU, cold=True)
    requests.add(PROFILE_CHANGE, dau * PROFILE_CHANGES_PER_DAU, cold=True)
    access = subjects * ACCESS_REQUESTS_PER_SUBJECT_DAY
    requests.add(ACCESS_REQUEST, access, cold=True)
    requests.add(EXPORT, access)
    requests.add(ERASURE, erased, cold=True)
    published = changes * 2 + dau * PROFILE_CHANGES_PER_DAU + access * 2 + erased
    requests.add(EVENT_PUBLISH, published / 5)  # outbox records arrive in batches (5 on average at these rates)
    requests.events += published - published / 5  # the batch's other events (add() counted one per invocation)
    requests.anchor_audit_records()
    return {"activity tracking": activity, "daily sweeps and what they start": sweeps, "a day's requests": requests}


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}" if value >= 1 else f"{value:.3f}"


def main() -> None:
    for subjects in (1e6, 1e8):
        buckets = model(subjects)
        print(f"\n#### {subjects:,.0f} subjects\n")
        print("| each day | RRU | WRU | Lambda GB-s | Lambda invocations | $ a month |")
        print("|---|---:|---:|---:|---:|---:|")
        monthly_total = 0.0
        lines: dict[str, float] = {}
        for name, bucket in buckets.items():
            dollars = bucket.dollars_per_day()
            monthly = sum(dollars.values()) * DAYS_PER_MONTH
            monthly_total += monthly
            for line, value in dollars.items():
                lines[line] = lines.get(line, 0) + value * DAYS_PER_MONTH
            print(
                f"| {name} | {fmt(bucket.rru)} | {fmt(bucket.wru)} | {fmt(bucket.gb_seconds)} | "
                f"{fmt(bucket.invocations)} | {fmt(monthly)} |"
            )
        print(f"| **total** | | | | | **{fmt(monthly_total)}** |")
        print("\nMonthly, by service: " + ", ".join(f"{name} ${fmt(value)}" for name, value in lines.items()))


if __name__ == "__main__":
    main()
