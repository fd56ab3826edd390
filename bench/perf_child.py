"""One fresh interpreter per measurement, started by bench/perf_cold.py and bench/perf_export.py.

    perf_child.py handler <spec.json>   import the handler module, answer the spec's event (a cold start)
    perf_child.py record  <spec.json>   the same, recording every AWS call (service, operation, parameters)
    perf_child.py floor   <spec.json>   import boto3, create the same clients, replay the recorded calls
    perf_child.py restored <spec.json>  SnapStart: import the handler and run its snapshot and restore hooks (untimed,
                                        as Lambda does before the first request), then the first request of the
                                        restored environment, then the same request (other ids) warm
    perf_child.py framework <spec.json> boto3 imported first (untimed), then the API functions' framework alone:
                                        powertools' validated resolver and pydantic, one route, one answer (or
                                        pydantic alone, the same models without the resolver)
    perf_child.py export        <spec.json>   the export worker on one message: time, and peak RSS above baseline
    perf_child.py export-floor  <spec.json>   the same partition paged with raw Query calls, the same number of
                                              bytes uploaded with a raw multipart upload

The timer starts after the spec is read (json and pickle are imported before it, by both sides alike), so what
is timed is exactly the import of the code and its first answer. The last stdout line is `BENCH-RESULT {json}`.
"""

import json
import pickle
import resource
import sys
import time
from pathlib import Path
from typing import Any

from lambda_context import Context

RESULT = "BENCH-RESULT "


def substituted(value: Any, mapping: dict[str, str]) -> Any:
    """`value` with every identifier of the recorded run replaced by this run's (strings and dict keys)."""
    if isinstance(value, str):
        for old, new in mapping.items():
            if old in value:
                value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {substituted(k, mapping): substituted(v, mapping) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(substituted(v, mapping) for v in value)
    return value


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def peak_rss_bytes() -> int:
    """The peak resident set of this process image. Not getrusage's ru_maxrss: Linux carries it over execve from
    the forked parent (here: the benchmark holding moto's data), so it would report the parent's peak."""
    return _status_kib("VmHWM") * 1024 if Path("/proc/self/status").exists() else resource_peak()


def rss_bytes() -> int:
    return _status_kib("VmRSS") * 1024


def reset_peak_rss() -> bool:
    """Start VmHWM again from the current RSS (Linux >= 4.0), so a later peak is the peak of what follows."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def resource_peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def install_recorder(calls: list[tuple[str, str, Any]]) -> None:
    """Every botocore client created from now on reports each call's parameters before botocore touches them."""
    import copy

    import botocore.session

    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        service = client.meta.service_model.service_name

        def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
            calls.append((service, model.name, copy.deepcopy(params)))

        client.meta.events.register_first("before-parameter-build", capture)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]


def run_handler(spec: dict[str, Any], record: bool) -> dict[str, Any]:
    import importlib

    event = spec["event"]
    calls: list[tuple[str, str, Any]] = []
    if record:
        install_recorder(calls)
    profile_to = spec.get("profile_to")  # perf_cold.py --profile: where the recording run's cProfile goes
    if profile_to:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu_started, started = time.process_time(), time.perf_counter()
    module = importlib.import_module(spec["handler"])
    imported = time.perf_counter()
    answer = module.lambda_handler(event, Context())
    done, cpu_done = time.perf_counter(), time.process_time()
    if profile_to:
        profiler.disable()
        profiler.dump_stats(profile_to)
    if record:
        Path(spec["calls_file"]).write_bytes(pickle.dumps(calls))
    status = answer.get("statusCode") if isinstance(answer, dict) else None
    return {
        "import_s": imported - started,
        "invoke_s": done - imported,
        "total_s": done - started,
        "cpu_s": cpu_done - cpu_started,
        "status": status,
        "failures": len(answer.get("batchItemFailures", [])) if isinstance(answer, dict) else 0,
        "calls": [f"{service}.{operation}" for service, operation, _ in calls],
        "peak_rss": peak_rss_bytes(),
    }


def run_restored(spec: dict[str, Any]) -> dict[str, Any]:
    import importlib
    import statistics

    from snapshot_restore_py import get_after_restore, get_before_snapshot

    module = importlib.import_module(spec["handler"])
    for hooks in (get_before_snapshot(), get_after_restore()):
        for hook, args, kwargs in hooks:
            hook(*args, **kwargs)
    timings, statuses = [], set()
    for event in spec["events"]:
        started = time.perf_counter()
        answer = module.lambda_handler(event, Context())
        timings.append(time.perf_counter() - started)
        statuses.add(answer.get("statusCode") if isinstance(answer, dict) else None)
    return {"first_s": timings[0], "warm_s": statistics.median(timings[1:]), "statuses": sorted(map(str, statuses))}


def run_floor(spec: dict[str, Any]) -> dict[str, Any]:
    recorded = pickle.loads(Path(spec["calls_file"]).read_bytes())  # noqa: S301 - our own file, just written
    calls = [(s, o, substituted(p, spec.get("mapping", {}))) for s, o, p in recorded]
    cpu_started, started = time.process_time(), time.perf_counter()
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    imported = time.perf_counter()
    config = Config(**spec["client_config"])
    clients: dict[str, Any] = {}
    errors = 0
    for service, operation, params in calls:
        if service not in clients:
            clients[service] = boto3.client(service, config=config)  # type: ignore[call-overload]
        try:
            clients[service]._make_api_call(operation, params)
        except ClientError:
            errors += 1  # a replayed conditional write may fail its condition: the round trip is the same
    done, cpu_done = time.perf_counter(), time.process_time()
    return {
        "import_s": imported - started,
        "invoke_s": done - imported,
        "total_s": done - started,
        "cpu_s": cpu_done - cpu_started,
        "errors": errors,
        "calls": len(calls),
        "peak_rss": peak_rss_bytes(),
    }


def run_framework(spec: dict[str, Any]) -> dict[str, Any]:
    """What any API function built on this project's stack pays on top of the floor, before a line of its own:
    powertools' HTTP API resolver with validation on and pydantic, one route with a body model and a response
    model, one answer (`stack` "resolver"); or, to price the alternative, the same models validating the body and
    shaping the answer without the resolver (`stack` "pydantic"). boto3 is imported before the timer (the floor
    pays for it, and every API function needs it), and the collector is set as `handlers/__init__.py` sets it, so
    the figure is the framework's own share."""
    import gc

    import boto3  # noqa: F401 - untimed: the floor's share

    gc.set_threshold(20_000, 10, 10)
    cpu_started, started = time.process_time(), time.perf_counter()
    from typing import Annotated

    from pydantic import BaseModel, Field

    class Choice(BaseModel):
        purpose: Annotated[str, Field(min_length=1, max_length=64)]
        granted: bool

    class Receipt(BaseModel):
        receipt_id: str
        choices: list[Choice]

    event = spec["event"]
    if spec["stack"] == "pydantic":
        choice = Choice.model_validate_json(event["body"])
        receipt = Receipt(receipt_id=event["pathParameters"]["visitor_id"], choices=[choice])
        answer = {"statusCode": 200, "body": receipt.model_dump_json()}
    else:
        from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

        app = APIGatewayHttpResolver(enable_validation=True)

        @app.put("/visitors/<visitor_id>/consents")
        def put_choice(visitor_id: str, choice: Choice) -> Receipt:
            return Receipt(receipt_id=visitor_id, choices=[choice])

        answer = app.resolve(event, Context())  # type: ignore[arg-type]
    done, cpu_done = time.perf_counter(), time.process_time()
    return {"total_s": done - started, "cpu_s": cpu_done - cpu_started, "status": answer["statusCode"]}


def run_export(spec: dict[str, Any]) -> dict[str, Any]:
    """The baseline is taken after the imports and after the clients exist (as in a warm container); the peak is
    VmHWM after `clear_refs`, i.e. the highest RSS while the export ran."""
    import importlib

    module = importlib.import_module("handlers.export_worker")
    from adapters.aws import client

    client("dynamodb"), client("s3")
    bookkeeping = _timed_request_updates(module)
    baseline = rss_bytes()
    reset = reset_peak_rss()
    profiler = None
    if spec.get("profile"):
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    answer = module.lambda_handler(spec["event"], Context())
    elapsed = time.perf_counter() - started
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(spec["profile"])
    return {
        "seconds": elapsed,
        "request_updates_seconds": sum(bookkeeping),
        "baseline_rss": baseline,
        "peak_rss": peak_rss_bytes(),
        "peak_reset": reset,
        "failures": len(answer.get("batchItemFailures", [])),
    }


def _timed_request_updates(module: Any) -> list[float]:
    """Time spent in the request's bookkeeping (start_export, export_ready: a read and a transaction each), which
    moto makes slow on a big table (it backs up the table for every transaction), apart from the archive itself."""
    spent: list[float] = []
    service = module.requests()  # the request service the worker uses (wiring.requests)
    for name in ("start_export", "export_ready"):
        original = getattr(service, name)

        def timed(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent.append(time.perf_counter() - started)

        setattr(service, name, timed)
    return spent


def run_export_floor(spec: dict[str, Any]) -> dict[str, Any]:
    import boto3
    from botocore.config import Config

    config = Config(**spec["client_config"])
    dynamodb = boto3.client("dynamodb", config=config)  # type: ignore[call-overload]
    s3 = boto3.client("s3", config=config)  # type: ignore[call-overload]
    part_size, total = spec["part_size"], spec["bytes"]
    part = bytes(part_size)
    baseline = rss_bytes()
    reset = reset_peak_rss()
    started = time.perf_counter()
    query: dict[str, Any] = {
        "TableName": spec["table"],
        "KeyConditionExpression": "pk = :pk",
        "ExpressionAttributeValues": {":pk": {"S": spec["pk"]}},
        "ConsistentRead": True,
    }
    items = pages = 0
    while True:
        page = dynamodb.query(**query)
        items, pages = items + len(page.get("Items", [])), pages + 1
        if "LastEvaluatedKey" not in page:
            break
        query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    paged = time.perf_counter()
    encryption = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": spec["kms_key_id"]}
    upload = s3.create_multipart_upload(Bucket=spec["bucket"], Key=spec["key"], **encryption)["UploadId"]
    parts, sent = [], 0
    while sent < total:
        body = part if total - sent >= part_size else part[: total - sent]
        number = len(parts) + 1
        etag = s3.upload_part(Bucket=spec["bucket"], Key=spec["key"], UploadId=upload, PartNumber=number, Body=body)
        parts.append({"PartNumber": number, "ETag": etag["ETag"]})
        sent += len(body)
    s3.complete_multipart_upload(
        Bucket=spec["bucket"], Key=spec["key"], UploadId=upload, MultipartUpload={"Parts": parts}
    )
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "query_seconds": paged - started,
        "upload_seconds": done - paged,
        "items": items,
        "pages": pages,
        "parts": len(parts),
        "baseline_rss": baseline,
        "peak_rss": peak_rss_bytes(),
        "peak_reset": reset,
    }


def main() -> None:
    mode, spec_path = sys.argv[1], sys.argv[2]
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    if mode == "floor":
        result = run_floor(spec)
    elif mode == "restored":
        result = run_restored(spec)
    elif mode == "framework":
        result = run_framework(spec)
    elif mode == "export":
        result = run_export(spec)
    elif mode == "export-floor":
        result = run_export_floor(spec)
    else:
        result = run_handler(spec, record=mode == "record")
    sys.stdout.write("\n" + RESULT + json.dumps(result) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
