"""Export of a large subject: ITEMS host records of ~400-byte JSON documents (RECORD#orders#<n>, about 50 MB of
JSON), written with BatchWriteItem into moto in-process, served to a child process by moto's threaded server in this
process. The child runs only the export worker on one message: its time, and its peak RSS above its baseline (after
imports and client creation). moto keeps the uploaded parts, and the table, in *this* process, so the child's RSS is
the worker's own memory. The floor, also a child: the same partition paged with raw Query calls and the same number of
bytes uploaded in 8 MiB parts with a raw multipart upload.

Run alone: PYTHONPATH=src:. .venv/bin/python bench/perf_export.py
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from perf_common import (
    BENCH,
    CLIENT_CONFIG,
    Cloud,
    fast_query_responses,
    light_transaction_backups,
    load_event,
    median,
    moto_server,
    set_all_function_env,
    write_fragment,
)

import wiring.requests
import wiring.shared

ITEMS = int(os.environ.get("BENCH_EXPORT_ITEMS", "100000"))
RUNS = int(os.environ.get("BENCH_EXPORT_RUNS", "2"))
CHILD = BENCH / "perf_child.py"
PART_SIZE = 8 * 1024 * 1024  # adapters.s3_archive.DEFAULT_PART_SIZE
ACCOUNT_ID = "123456789012"  # moto's default account
CITIES = ["Berlin", "Paris", "Madrid", "Rome", "Vienna", "Lisbon", "Dublin", "Warsaw", "Prague", "Oslo"]


def order(number: int, rng: random.Random) -> dict[str, Any]:
    """A ~400-byte order document, with enough variety that it compresses like real data rather than like zeros."""
    lines = [
        {
            "sku": f"SKU-{rng.randrange(10**6):06d}",
            "name": f"Item {rng.randrange(10**4)}",
            "quantity": rng.randrange(1, 5),
            "unit_price": {"amount": rng.randrange(100, 10**5), "currency": "EUR"},
        }
        for _ in range(2)
    ]
    return {
        "number": f"ORD-{number:07d}",
        "placed_at": f"2025-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T{rng.randrange(24):02d}:00:00Z",
        "status": rng.choice(["delivered", "shipped", "returned", "cancelled"]),
        "lines": lines,
        "shipping": {"city": rng.choice(CITIES), "postcode": f"{rng.randrange(10**5):05d}", "country": "DE"},
        "payment_ref": uuid.UUID(int=rng.getrandbits(128)).hex,
        "total": {"amount": sum(x["unit_price"]["amount"] * x["quantity"] for x in lines), "currency": "EUR"},
    }


def seed(table: str, subject_id: str) -> dict[str, float]:
    """ITEMS records straight into moto in-process (the server shares its backend) with BatchWriteItem."""
    import boto3
    from moto import mock_aws
    from moto.dynamodb.models import dynamodb_backends

    mock = mock_aws()
    mock.start(reset=False)
    started = time.perf_counter()
    json_bytes = 0
    try:
        ddb = boto3.client("dynamodb", region_name="us-east-1")
        rng = random.Random(20260101)  # noqa: S311 - test data
        batch: list[dict[str, Any]] = []
        for number in range(ITEMS):
            document = json.dumps(order(number, rng))
            json_bytes += len(document)
            item = {
                "pk": {"S": f"SUBJECT#{subject_id}"},
                "sk": {"S": f"RECORD#orders#{number:07d}"},
                "category": {"S": "orders"},
                "document": {"S": document},
                "updated_at": {"S": "2026-01-01T00:00:00+00:00"},
            }
            batch.append({"PutRequest": {"Item": item}})
            if len(batch) == 25 or number == ITEMS - 1:
                pending: dict[str, Any] = {table: batch}
                while pending:
                    pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
                batch = []
    finally:
        mock.stop(remove_data=False)
    shard = dynamodb_backends[ACCOUNT_ID]["us-east-1"].get_table(table).stream_shard
    if shard is not None:
        shard.items.clear()  # moto keeps a stream record per write; nothing reads them here
    return {"seconds": time.perf_counter() - started, "json_bytes": json_bytes}


def child(mode: str, spec: dict[str, Any], env: dict[str, str], workdir: Path) -> dict[str, Any]:
    spec_file = workdir / f"spec-{uuid.uuid4().hex}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(CHILD), mode, str(spec_file)], env=env, capture_output=True, text=True, check=False
    )
    spec_file.unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{mode} child failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    return json.loads(lines[-1].removeprefix("BENCH-RESULT "))  # type: ignore[no-any-return]


def export_event(subject_id: str, request_id: str) -> dict[str, Any]:
    event = load_event("export_worker/request_received.json")
    envelope = json.loads(event["Records"][0]["body"])
    envelope["detail"].update(subject_id=subject_id, request_id=request_id)
    event["Records"][0]["body"] = json.dumps(envelope)
    return event


def new_request(subject_id: str) -> Any:
    import wiring.requests
    import wiring.shared

    return wiring.requests.requests().submit(subject_id, "access")


def measure(cloud: Cloud, workdir: Path) -> dict[str, Any]:
    from domain.audit.model import AuditEntry
    from domain.profile import Profile

    set_all_function_env(cloud.stack)
    os.environ["AWS_ENDPOINT_URL"] = cloud.url
    # The same subject exports once per run: the cooldown on repeated exports (GDPR Art. 12(5)) is off here.
    os.environ["EXPORT_COOLDOWN_HOURS"] = "0"
    from datetime import UTC, datetime

    subject_id, now = str(uuid.uuid4()), datetime.now(UTC)
    profile = Profile(subject_id=subject_id, email="ada@example.org", country="DE", created_at=now, updated_at=now)
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    table = cloud.stack.physical_ids["SubjectsTable"]
    seeded = seed(table, subject_id)
    print(
        f"  export: seeded {ITEMS} items ({seeded['json_bytes'] / 2**20:.1f} MiB of JSON) in {seeded['seconds']:.0f} s"
    )
    env = cloud.function_env("ExportWorkerFunction")
    bucket = cloud.stack.physical_ids["ExportsBucket"]
    s3 = cloud.client("s3")
    worker_runs: list[dict[str, Any]] = []
    floor_runs: list[dict[str, Any]] = []
    archive_bytes = 0
    for run in range(RUNS):
        request = new_request(subject_id)
        worker_spec = {
            "event": export_event(subject_id, request.request_id),
            "profile": os.environ.get("BENCH_PROFILE"),
        }
        result = child("export", worker_spec, env, workdir)
        assert result["failures"] == 0, result
        stored = wiring.requests.request_store().get(subject_id, request.request_id)
        assert stored is not None, stored
        assert stored.export_key is not None, stored
        archive_bytes = s3.head_object(Bucket=bucket, Key=stored.export_key)["ContentLength"]
        result["archive_bytes"] = archive_bytes
        result["items_exported"] = sum((stored.export_counts or {}).values())
        worker_runs.append(result)
        spec = {
            "table": table,
            "pk": f"SUBJECT#{subject_id}",
            "bucket": bucket,
            "key": f"exports/{subject_id}/floor-{run}.zip",
            "kms_key_id": env["EXPORT_KMS_KEY_ID"],
            "bytes": archive_bytes,
            "part_size": PART_SIZE,
            "client_config": CLIENT_CONFIG,
        }
        floor_runs.append(child("export-floor", spec, env, workdir))
        print(
            f"  export run {run + 1}: worker {result['seconds']:.1f} s, "
            f"+{(result['peak_rss'] - result['baseline_rss']) / 2**20:.1f} MiB RSS; "
            f"floor {floor_runs[-1]['seconds']:.1f} s",
            flush=True,
        )
    worker_s = median([r["seconds"] for r in worker_runs])
    floor_s = median([r["seconds"] for r in floor_runs])
    peak_above = max(r["peak_rss"] - r["baseline_rss"] for r in worker_runs)
    return {
        "method": "child processes against moto's threaded server in the parent (which holds the table and the "
        "uploaded parts); RSS = /proc/self/status VmHWM after clear_refs minus VmRSS before the export",
        "items": ITEMS,
        "json_mib": round(seeded["json_bytes"] / 2**20, 1),
        "seed_seconds": round(seeded["seconds"], 1),
        "archive_mib": round(archive_bytes / 2**20, 2),
        "items_exported": worker_runs[-1]["items_exported"],
        "worker_seconds": round(worker_s, 2),
        "worker_request_updates_seconds": round(median([r["request_updates_seconds"] for r in worker_runs]), 2),
        "floor_seconds": round(floor_s, 2),
        "floor_query_seconds": round(median([r["query_seconds"] for r in floor_runs]), 2),
        "floor_upload_seconds": round(median([r["upload_seconds"] for r in floor_runs]), 2),
        "floor_pages": floor_runs[-1]["pages"],
        "throughput_ratio": round(worker_s / floor_s, 2),
        "target_ratio": 1.5,
        "worker_items_per_second": round(ITEMS / worker_s),
        "peak_rss_above_baseline_mib": round(peak_above / 2**20, 1),
        "worker_baseline_rss_mib": round(median([r["baseline_rss"] for r in worker_runs]) / 2**20, 1),
        "floor_peak_rss_above_baseline_mib": round(
            max(r["peak_rss"] - r["baseline_rss"] for r in floor_runs) / 2**20, 1
        ),
        "target_peak_mib": 64,
        "peak_measured_after_reset": all(r["peak_reset"] for r in worker_runs),
        "runs": RUNS,
    }


def main() -> dict[str, Any]:
    fast_query_responses()
    light_transaction_backups()
    with moto_server() as cloud, tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        return measure(cloud, Path(tmp))


if __name__ == "__main__":
    write_fragment("export", main())
