"""Benchmark of the daily inactivity sweep under moto (in-process): 100,000 subjects, 1,000 of whom crossed the
180-day line today. Counts the items DynamoDB's Query calls returned to the sweep and times the run; the cost of
the sweep must follow the subjects it finds (target: items read <= 1.1 x found), not the size of the table.

Run: .venv/bin/python bench/bench_inactivity_sweep.py   (writes bench/results_inactivity.json; not part of make test)
"""

import json
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(name, "bench")
os.environ.pop("AWS_ENDPOINT_URL", None)
os.environ.pop("PRIVACY_LOCAL_CLOUD", None)

from lambda_context import Context  # noqa: E402
from moto import mock_aws  # noqa: E402

SUBJECTS = 100_000
CROSSED = 1_000
INACTIVITY_DAYS = 180
RESULTS = ROOT / "bench" / "results_inactivity.json"


def seed(table: str, today: Any, subjects: int = SUBJECTS) -> None:
    """`subjects` profiles with their activity keys, written straight with BatchWriteItem (25 a call) for speed
    (bench/perf_sweep.py seeds its table with this too)."""
    from adapters.aws import dynamodb
    from domain.activity import activity_keys

    cutoff = today - timedelta(days=INACTIVITY_DAYS)
    batch: list[dict[str, Any]] = []
    for index in range(subjects):
        subject_id = f"{index:08d}-bench-subject"
        # The first CROSSED were last active exactly 180 days ago; the rest within the last 179 days.
        day = cutoff if index < CROSSED else today - timedelta(days=index % (INACTIVITY_DAYS - 1))
        item = {
            "pk": {"S": f"SUBJECT#{subject_id}"},
            "sk": {"S": "PROFILE"},
            "state": {"S": "active"},
            "last_active_day": {"S": day.isoformat()},
            **{key: {"S": value} for key, value in activity_keys(subject_id, day).items()},
        }
        batch.append({"PutRequest": {"Item": item}})
        if len(batch) == 25:
            _write(dynamodb(), table, batch)
            batch = []
    if batch:
        _write(dynamodb(), table, batch)


def _write(client: Any, table: str, batch: list[dict[str, Any]]) -> None:
    pending: dict[str, Any] = {table: batch}
    while pending:
        pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


def main() -> dict[str, Any]:
    with mock_aws():
        from localcloud.provision import Provisioner, function_environment
        from localcloud.template import Stack

        stack = Provisioner(Stack.from_template()).provision()
        os.environ.update(function_environment(stack, "InactivitySweepFunction"))
        from adapters.aws import client
        from adapters.sweep_state import SweepCheckpoint
        from handlers import inactivity_sweep

        table = stack.physical_ids["SubjectsTable"]
        today = datetime.now(UTC).date()
        started = time.perf_counter()
        seed(table, today)
        seed_seconds = time.perf_counter() - started
        # Yesterday's run finished: today's run sweeps exactly one day, the one that crossed the line today.
        SweepCheckpoint(table, "inactivity").advance(today - timedelta(days=INACTIVITY_DAYS + 1))

        counted = {"queries": 0, "items_read": 0, "scans": 0}

        def on_query(parsed: dict[str, Any], **_: Any) -> None:
            counted["queries"] += 1
            counted["items_read"] += len(parsed.get("Items", []))

        def on_scan(**_: Any) -> None:
            counted["scans"] += 1

        dynamodb = client("dynamodb")
        dynamodb.meta.events.register("after-call.dynamodb.Query", on_query)
        dynamodb.meta.events.register("before-call.dynamodb.Scan", on_scan)
        started = time.perf_counter()
        context = Context(request_id="bench", memory_mb=512, remaining_ms=300_000)
        result = inactivity_sweep.lambda_handler({"detail-type": "Scheduled Event", "source": "aws.events"}, context)
        seconds = time.perf_counter() - started

    found = int(result["queued"])
    report = {
        "subjects_total": SUBJECTS,
        "subjects_crossed": CROSSED,
        "subjects_found": found,
        "items_read": counted["items_read"],
        "ratio": round(counted["items_read"] / found, 4) if found else None,
        "target_ratio": 1.1,
        "queries": counted["queries"],
        "scans": counted["scans"],
        "seconds": round(seconds, 3),
        "seed_seconds": round(seed_seconds, 1),
        "note": "moto in-process: seconds measure the handler against moto (whose GSI query walks every item), "
        "not DynamoDB; items_read counts the items the Query calls returned.",
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    outcome = main()
    ok = outcome["subjects_found"] == CROSSED and outcome["ratio"] is not None and outcome["ratio"] <= 1.1
    sys.exit(0 if ok and outcome["scans"] == 0 else 1)
