"""The daily inactivity sweep per subject found, against the raw calls it needs (moto in-process).

bench/bench_inactivity_sweep.py measures the sweep's reads at scale (100,000 subjects: items read / subjects found);
its figures are taken from bench/results_inactivity.json (make bench runs it first). This adds the time: SUBJECTS
profiles, CROSSED of them last active exactly INACTIVITY_DAYS ago, one day to sweep. The handler's run is timed per
subject found, against two floors measured in the same run: the raw writes it needs (the SendMessageBatch calls
that queue the subjects and the checkpoint's UpdateItem) and all the raw calls it makes (plus the checkpoint read
and the 16 index queries), replayed through the same client. RUNS each, alternated, median.

Run alone: PYTHONPATH=src:. .venv/bin/python bench/perf_sweep.py
"""

import copy
import json
import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench_inactivity_sweep import INACTIVITY_DAYS, seed
from lambda_context import Context
from perf_common import BENCH, fast_query_responses, median, set_all_function_env, write_fragment

SUBJECTS = int(os.environ.get("BENCH_SWEEP_SUBJECTS", "20000"))
RUNS = 3
WRITES = frozenset({"SendMessageBatch", "UpdateItem"})
ACCOUNT_ID = "123456789012"  # moto's default account


def drain_queue_as_filled(queue_name: str, sqs: Any) -> None:
    """moto reads every message of a queue for each message sent (its queue attributes count them), so sending 1,000
    messages costs seconds, growing with the queue. The benchmark empties the queue after each SendMessageBatch
    (the same for the handler and its floors): a send then costs what it costs with an empty queue, as in SQS."""
    from moto.sqs.models import sqs_backends

    queue = sqs_backends[ACCOUNT_ID]["us-east-1"].get_queue(queue_name)

    def drain(**_: Any) -> None:
        queue._messages.clear()

    sqs.meta.events.register("after-call.sqs.SendMessageBatch", drain, unique_id="bench-drain")


def measure(stack: Any) -> dict[str, Any]:
    from adapters.aws import client
    from handlers import inactivity_sweep

    table = stack.physical_ids["SubjectsTable"]
    today = datetime.now(UTC).date()
    started = time.perf_counter()
    seed(table, today, SUBJECTS)
    seed_seconds = time.perf_counter() - started
    clients = {"dynamodb": client("dynamodb"), "sqs": client("sqs")}
    drain_queue_as_filled(stack.physical_ids["InactivityQueue"].rsplit("/", 1)[-1], clients["sqs"])

    def reset() -> None:
        checkpoint = (today - timedelta(days=INACTIVITY_DAYS + 1)).isoformat()  # yesterday's run finished
        clients["dynamodb"].put_item(
            TableName=table,
            Item={"pk": {"S": "SWEEP#inactivity"}, "sk": {"S": "CHECKPOINT"}, "day": {"S": checkpoint}},
        )

    def run_handler() -> tuple[float, int]:
        reset()
        started = time.perf_counter()
        result = inactivity_sweep.lambda_handler({"detail-type": "Scheduled Event", "source": "aws.events"}, Context())
        return time.perf_counter() - started, int(result["queued"])

    calls: list[tuple[str, str, dict[str, Any]]] = []
    for service, sdk in clients.items():

        def capture(params: dict[str, Any], model: Any, _service: str = service, **_: Any) -> None:
            calls.append((_service, model.name, copy.deepcopy(params)))

        sdk.meta.events.register_first("before-parameter-build", capture, unique_id="bench-sweep")
    _, found = run_handler()
    for sdk in clients.values():
        sdk.meta.events.unregister("before-parameter-build", unique_id="bench-sweep")
    calls = [call for call in calls if call[1] != "PutItem"]  # the reset's own call

    def run_floor(only_writes: bool) -> float:
        reset()
        chosen = [call for call in calls if call[1] in WRITES] if only_writes else calls
        started = time.perf_counter()
        for service, operation, params in chosen:
            clients[service]._make_api_call(operation, params)
        return time.perf_counter() - started

    handler_times, floor_times, writes_times = [], [], []
    for run in range(RUNS):
        order = ("handler", "floor", "writes") if run % 2 == 0 else ("writes", "floor", "handler")
        for side in order:
            if side == "handler":
                seconds, queued = run_handler()
                assert queued == found
                handler_times.append(seconds)
            else:
                (floor_times if side == "floor" else writes_times).append(run_floor(side == "writes"))
    handler, floor, writes = median(handler_times), median(floor_times), median(writes_times)
    counts: dict[str, int] = {}
    for _, operation, _ in calls:
        counts[operation] = counts.get(operation, 0) + 1
    return {
        "subjects_total": SUBJECTS,
        "subjects_found": found,
        "seed_seconds": round(seed_seconds, 1),
        "calls": counts,
        "handler_seconds": round(handler, 3),
        "ms_per_subject": round(handler / found * 1000, 3),
        "raw_calls_seconds": round(floor, 3),
        "raw_calls_ms_per_subject": round(floor / found * 1000, 3),
        "ratio_to_raw_calls": round(handler / floor, 2),
        "raw_writes_seconds": round(writes, 3),
        "raw_writes_ms_per_subject": round(writes / found * 1000, 3),
        "ratio_to_raw_writes": round(handler / writes, 2),
        "runs": RUNS,
        "note": "moto in-process: a GSI Query walks every item of the table, so the reads cost in proportion to "
        "the table here (not in DynamoDB); the queue is emptied after each SendMessageBatch (moto reads every "
        "queued message for each message sent).",
    }


def main() -> dict[str, Any]:
    from moto import mock_aws

    fast_query_responses()
    with mock_aws():
        from adapters.aws import client
        from localcloud.provision import Provisioner
        from localcloud.template import Stack

        stack = Provisioner(Stack.from_template()).provision()
        set_all_function_env(stack)
        os.environ["INACTIVITY_DAYS"] = str(INACTIVITY_DAYS)
        client.cache_clear()
        result = measure(stack)
    reads = BENCH / "results_inactivity.json"
    if reads.exists():
        result["reads_at_scale"] = json.loads(reads.read_text(encoding="utf-8"))
        result["reads_at_scale"]["measured_at"] = datetime.fromtimestamp(reads.stat().st_mtime, UTC).isoformat()
    print(
        f"  sweep: {result['ms_per_subject']:.2f} ms per subject found vs raw calls "
        f"{result['raw_calls_ms_per_subject']:.2f} ms (x{result['ratio_to_raw_calls']}), raw writes "
        f"{result['raw_writes_ms_per_subject']:.2f} ms (x{result['ratio_to_raw_writes']})",
        flush=True,
    )
    return result


if __name__ == "__main__":
    write_fragment("sweep", main())
