"""Cold start per function against moto's server: a fresh interpreter imports the handler module and answers one
representative event, versus the floor: a fresh interpreter that imports boto3, creates the same clients and makes
the same raw calls (recorded from the handler, replayed with this run's ids). Median of RUNS each, alternated.
Also `python -X importtime` per handler module: the top contributors.

Run alone: PYTHONPATH=src:. .venv/bin/python bench/perf_cold.py [--profile DIR] [FunctionLogicalId ...]
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from lambda_context import Context
from perf_common import (
    BENCH,
    CLIENT_CONFIG,
    FUNCTIONS,
    Cloud,
    api_event,
    load_event,
    median,
    moto_server,
    set_all_function_env,
    signed_up,
    write_fragment,
)

import wiring.requests
import wiring.shared

RUNS = int(os.environ.get("PERF_COLD_RUNS", "7"))  # fewer for a quick look while working
IMPORTTIME_RUNS = 3
FLOOR_PACKAGES = ("boto3", "botocore", "s3transfer", "urllib3", "jmespath", "dateutil", "six")
CHILD = BENCH / "perf_child.py"
# The functions whose routes powertools validates (`api.http.build_app`). For those that call AWS, the floor plus
# the framework's own share (perf_child.py framework) is about the least any handler on this stack can take.
VALIDATED_APIS = frozenset(
    {"PlatformApiFunction", "ConsentApiFunction", "SubjectApiFunction", "AdminApiFunction", "MinorsApiFunction"}
)
FRAMEWORK_EVENT = "consent_api/put_visitor_consents.json"
# Published with SnapStart (template.yaml): their first request after a restore is measured against the same
# request warm, in the same restored interpreter (WARM_REQUESTS of them, other ids, median).
SNAPSTART = VALIDATED_APIS
WARM_REQUESTS = 5
OWN_SHARE_TARGET = 0.10  # (cold start - stack floor) / stack floor: our code's share on top of the chosen stack
RESTORE_TARGET = 1.25  # first request after restore / the same request warm
PROFILE_DIR: Path | None = None
Prepared = tuple[dict[str, Any], dict[str, str]]  # the event, and the ids it is about (substituted in floors)


# ---------------------------------------------------------------------------------------------------- seeding


class Seeder:
    """Builds each run's state through the application's own code, talking to moto's server."""

    def __init__(self, cloud: Cloud) -> None:
        import os

        self.cloud = cloud
        set_all_function_env(cloud.stack)
        os.environ["AWS_ENDPOINT_URL"] = cloud.url
        self.table = cloud.stack.physical_ids["SubjectsTable"]
        self.ddb = cloud.client("dynamodb")
        secret = cloud.client("secretsmanager").get_secret_value(
            SecretId=cloud.stack.physical_ids["PseudonymKeySecret"]
        )
        self.secret = secret["SecretString"].encode()
        self.reader = self.subject(consents=True)
        self.admin = str(uuid.uuid4())

    def pseudonym(self, subject_id: str) -> str:
        from domain.audit.model import pseudonym_of

        return pseudonym_of(self.secret, subject_id)

    def subject(self, *, consents: bool = False, records: int = 0, last_active: date | None = None) -> str:
        import wiring.requests
        import wiring.shared
        from domain.activity import activity_keys

        subject_id, now = signed_up(family_name="Lovelace", preferences={"language": "en"})
        if last_active is not None:
            wiring.shared.store().record_activity(
                subject_id, last_active.isoformat(), activity_keys(subject_id, last_active)
            )
        if consents:
            from handlers import consent_api

            body = {"decisions": {"analytics": True, "newsletters": False}, "source": "banner"}
            answer = consent_api.lambda_handler(
                api_event("consent_api/put_my_consents.json", subject_id, body=body),
                Context("seed", request_id="seed", memory_mb=512, remaining_ms=60_000),
            )
            assert answer["statusCode"] == 200, answer
        for number in range(records):
            document = {"number": f"ORD-{number:05d}", "total": {"amount": 1000 + number, "currency": "EUR"}}
            self.ddb.put_item(
                TableName=self.table,
                Item={
                    "pk": {"S": f"SUBJECT#{subject_id}"},
                    "sk": {"S": f"RECORD#orders#{number:05d}"},
                    "category": {"S": "orders"},
                    "document": {"S": json.dumps(document)},
                    "updated_at": {"S": now.isoformat()},
                },
            )
        return subject_id

    def checkpoint(self, sweep: str, day: date) -> None:
        self.ddb.put_item(
            TableName=self.table,
            Item={"pk": {"S": f"SWEEP#{sweep}"}, "sk": {"S": "CHECKPOINT"}, "day": {"S": day.isoformat()}},
        )


# ---------------------------------------------------------------------------------------------------- cases


def _platform(s: Seeder) -> Prepared:
    return load_event("platform_api/get_health.json"), {}


def _consent(s: Seeder) -> Prepared:
    return api_event("consent_api/get_my_consents.json", s.reader), {}


def _subject(s: Seeder) -> Prepared:
    return api_event("consent_api/get_my_consents.json", s.reader, "GET /me"), {}


def _admin(s: Seeder) -> Prepared:
    event = api_event("consent_api/get_my_consents.json", s.admin, "GET /admin/requests", groups=["privacy-admin"])
    return event, {}


def _minors(s: Seeder) -> Prepared:
    return load_event("minors_api/post_check.json"), {}


def _pre_sign_up(s: Seeder) -> Prepared:
    return load_event("pre_sign_up/sign_up.json"), {}


def _post_confirmation(s: Seeder) -> Prepared:
    subject_id = str(uuid.uuid4())
    pool = s.cloud.stack.physical_ids["UserPool"]
    event = {
        "version": "1",
        "region": "us-east-1",
        "userPoolId": pool,
        "userName": subject_id,
        "triggerSource": "PostConfirmation_ConfirmSignUp",
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown-unknown", "clientId": "bench"},
        "request": {
            "userAttributes": {
                "sub": subject_id,
                "email": "ada@example.org",
                "email_verified": "true",
                "given_name": "Ada",
                "country": "DE",
            }
        },
        "response": {},
    }
    return event, {"subject": subject_id}


def _scheduled(s: Seeder) -> dict[str, Any]:
    return load_event("inactivity_sweep/daily.json")


def _overdue(s: Seeder) -> Prepared:
    return _scheduled(s), {}


def _publisher(s: Seeder) -> Prepared:
    pk = f"OUTBOX#{uuid.uuid4().hex}"
    outbox = {"detail_type": "ConsentChanged", "detail": {"subject_id": s.reader, "purpose": "analytics"}}
    image = {"pk": {"S": pk}, "sk": {"S": "EVENT"}, "outbox": {"S": json.dumps(outbox)}, "expires_at": {"N": "1"}}
    record = {
        "eventID": "1",
        "eventName": "INSERT",
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"pk": image["pk"], "sk": image["sk"]},
            "NewImage": image,
            "SequenceNumber": "1",
            "SizeBytes": 200,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/bench/stream/1",
    }
    return {"Records": [record]}, {}


def _purge_worker(s: Seeder) -> Prepared:
    from domain.erasure.model import certificate_id

    subject_id = s.subject(records=10)
    event = load_event("purge_worker/ttl_profile_removed.json")
    change = event["Records"][0]["dynamodb"]
    change["Keys"]["pk"]["S"] = change["OldImage"]["pk"]["S"] = f"SUBJECT#{subject_id}"
    purge_at = datetime.fromisoformat(change["OldImage"]["purge_at"]["S"])
    return event, {"subject": subject_id, "certificate": certificate_id(subject_id, purge_at)}


def _purge_sweep(s: Seeder) -> Prepared:
    s.checkpoint("purge", datetime.now(UTC).date() - timedelta(days=2))  # the daily steady state
    return _scheduled(s), {}


def _inactivity_sweep(s: Seeder) -> Prepared:
    cutoff = datetime.now(UTC).date() - timedelta(
        days=int(s.cloud.function_env("InactivitySweepFunction")["INACTIVITY_DAYS"])
    )
    s.checkpoint("inactivity", cutoff - timedelta(days=1))  # the daily steady state: one day to sweep
    return _scheduled(s), {}


def _inactivity_worker(s: Seeder) -> Prepared:
    event = load_event("inactivity_worker/subject_inactive.json")
    message = json.loads(event["Records"][0]["body"])
    subject_id = s.subject(last_active=date.fromisoformat(message["inactive_since"]))
    message["subject_id"] = subject_id
    event["Records"][0]["body"] = json.dumps(message)
    return event, {"subject": subject_id}


def _parental(s: Seeder) -> Prepared:
    return load_event("parental_expiry/ttl_request_removed.json"), {}


def _audit_anchor(s: Seeder) -> Prepared:
    return load_event("audit_anchor/audit_record_inserted.json"), {}


def _export(s: Seeder) -> Prepared:

    subject_id = s.subject(records=20)
    request = wiring.requests.requests().submit(subject_id, "access")
    event = load_event("export_worker/request_received.json")
    envelope = json.loads(event["Records"][0]["body"])
    envelope["detail"].update(subject_id=subject_id, request_id=request.request_id)
    event["Records"][0]["body"] = json.dumps(envelope)
    return event, {"subject": subject_id, "request": request.request_id}


CASES: dict[str, tuple[str, Callable[[Seeder], Prepared]]] = {
    "PlatformApiFunction": ("platform_api/get_health.json", _platform),
    "ConsentApiFunction": ("consent_api/get_my_consents.json", _consent),
    "SubjectApiFunction": ("GET /me (consent_api/get_my_consents.json retargeted)", _subject),
    "AdminApiFunction": ("GET /admin/requests (consent_api/get_my_consents.json retargeted)", _admin),
    "MinorsApiFunction": ("minors_api/post_check.json", _minors),
    "PreSignUpFunction": ("pre_sign_up/sign_up.json (an adult: no read)", _pre_sign_up),
    "PostConfirmationFunction": ("Cognito PostConfirmation_ConfirmSignUp (built)", _post_confirmation),
    "OverdueSweepFunction": ("scheduled event (inactivity_sweep/daily.json)", _overdue),
    "EventPublisherFunction": ("stream INSERT of an outbox item (built)", _publisher),
    "PurgeWorkerFunction": ("purge_worker/ttl_profile_removed.json, 11 items", _purge_worker),
    "PurgeSweepFunction": ("scheduled event, checkpoint 2 days back", _purge_sweep),
    "InactivitySweepFunction": ("inactivity_sweep/daily.json, one day to sweep", _inactivity_sweep),
    "InactivityWorkerFunction": ("inactivity_worker/subject_inactive.json", _inactivity_worker),
    "ParentalExpiryFunction": ("parental_expiry/ttl_request_removed.json", _parental),
    "ExportWorkerFunction": ("export_worker/request_received.json, 22 items", _export),
    "AuditAnchorFunction": ("audit_anchor/audit_record_inserted.json", _audit_anchor),
}


# ---------------------------------------------------------------------------------------------------- children


def run_child(mode: str, spec: dict[str, Any], env: dict[str, str], workdir: Path) -> dict[str, Any]:
    spec_file = workdir / f"spec-{uuid.uuid4().hex}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, str(CHILD), mode, str(spec_file)], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    spec_file.unlink()
    lines = [line for line in done.stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"{mode} child failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1].removeprefix("BENCH-RESULT "))
    result["wall_s"] = wall
    return result


def importtime(spec: dict[str, Any], env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """A cold start under `python -X importtime`: the handler's imports and those its first answer makes lazily
    (minimum over IMPORTTIME_RUNS runs per module, as one run is noisy); totals and the biggest contributors."""
    best: dict[str, list[int]] = {}
    order: list[str] = []
    for _ in range(IMPORTTIME_RUNS):
        spec_file = workdir / f"spec-{uuid.uuid4().hex}.json"
        spec_file.write_text(json.dumps(spec), encoding="utf-8")
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-X", "importtime", str(CHILD), "handler", str(spec_file)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        spec_file.unlink()
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            self_us, cumulative_us, name = line.removeprefix("import time:").split("|")
            depth = (len(name) - len(name.lstrip())) // 2
            key = name.strip()
            if key not in best:
                best[key] = [int(self_us), int(cumulative_us), depth]
                order.append(key)
            else:
                best[key][0] = min(best[key][0], int(self_us))
                best[key][1] = min(best[key][1], int(cumulative_us))
    by_package: Counter[str] = Counter()
    for name, (self_us, _, _) in best.items():
        by_package[name.split(".")[0]] += self_us
    boto = sum(v for k, v in by_package.items() if k in FLOOR_PACKAGES)
    # The largest imports the floor does not make: each module's subtree (importtime lists a module after the
    # modules it imported, one indent deeper) without what boto3's packages cost in it.
    in_floor: set[int] = set()  # boto3's packages and everything they imported
    for index, name in enumerate(order):
        if name.startswith(FLOOR_PACKAGES):
            in_floor.add(index)
            for child in range(index - 1, -1, -1):
                if best[order[child]][2] <= best[name][2]:
                    break
                in_floor.add(child)
    own: dict[str, int] = {}
    for index, name in enumerate(order):
        depth, total = best[name][2], 0 if index in in_floor else best[name][0]
        for child in range(index - 1, -1, -1):
            if best[order[child]][2] <= depth:
                break
            total += 0 if child in in_floor else best[order[child]][0]
        own[name] = total
    skip = {"perf_child", "resource", spec["handler"]}
    largest = [
        {"module": name, "ms_without_boto3": round(own[name] / 1000, 1)}
        for name in sorted(order, key=lambda n: -own[n])
        if best[name][2] <= 2 and own[name] > 0 and name not in skip
    ][:8]
    return {
        "total_ms": round(sum(by_package.values()) / 1000, 1),
        "boto3_stack_ms": round(boto / 1000, 1),
        "by_package_ms": {name: round(us / 1000, 1) for name, us in by_package.most_common(8)},
        "largest_imports": largest,
    }


def measure(function: str, seeder: Seeder, workdir: Path) -> dict[str, Any]:
    source, prepare = CASES[function]
    handler = FUNCTIONS[function]
    env = seeder.cloud.function_env(function)
    calls_file = workdir / f"{function}.calls"
    event, recorded_ids = prepare(seeder)
    record_spec = {"handler": handler, "event": event, "calls_file": str(calls_file)}
    if PROFILE_DIR:
        record_spec["profile_to"] = str(PROFILE_DIR / f"{function}.prof")
    recorded = run_child("record", record_spec, env, workdir)

    def mapping(ids: dict[str, str]) -> dict[str, str]:
        pairs = {recorded_ids[key]: ids[key] for key in recorded_ids}
        if "subject" in recorded_ids:
            pairs[seeder.pseudonym(recorded_ids["subject"])] = seeder.pseudonym(ids["subject"])
        return pairs

    handler_runs: list[dict[str, Any]] = []
    floor_runs: list[dict[str, Any]] = []
    for run in range(RUNS):
        for mode in ("handler", "floor") if run % 2 == 0 else ("floor", "handler"):
            event, ids = prepare(seeder)
            if mode == "handler":
                handler_runs.append(run_child("handler", {"handler": handler, "event": event}, env, workdir))
            else:
                spec = {"calls_file": str(calls_file), "mapping": mapping(ids), "client_config": CLIENT_CONFIG}
                floor_runs.append(run_child("floor", spec, env, workdir))
    restored = restored_runs(function, handler, prepare, seeder, env, workdir) if function in SNAPSTART else None
    statuses = sorted({str(r.get("status")) for r in handler_runs})
    cold, floor = median([r["total_s"] for r in handler_runs]), median([r["total_s"] for r in floor_runs])
    return {
        "function": function,
        "event": source,
        "calls": recorded["calls"],
        "status": statuses,
        "handler_ms": round(cold * 1000, 1),
        "handler_import_ms": round(median([r["import_s"] for r in handler_runs]) * 1000, 1),
        "handler_first_answer_ms": round(median([r["invoke_s"] for r in handler_runs]) * 1000, 1),
        "handler_wall_ms": round(median([r["wall_s"] for r in handler_runs]) * 1000, 1),
        "floor_ms": round(floor * 1000, 1),
        "floor_import_ms": round(median([r["import_s"] for r in floor_runs]) * 1000, 1),
        "floor_wall_ms": round(median([r["wall_s"] for r in floor_runs]) * 1000, 1),
        "floor_replay_errors": max(r["errors"] for r in floor_runs),
        "ratio": round(cold / floor, 2),
        "handler_min_ms": round(min(r["total_s"] for r in handler_runs) * 1000, 1),
        "floor_min_ms": round(min(r["total_s"] for r in floor_runs) * 1000, 1),
        "handler_cpu_ms": round(median([r["cpu_s"] for r in handler_runs]) * 1000, 1),
        "floor_cpu_ms": round(median([r["cpu_s"] for r in floor_runs]) * 1000, 1),
        "cpu_ratio": round(median([r["cpu_s"] for r in handler_runs]) / median([r["cpu_s"] for r in floor_runs]), 2),
        "handler_peak_rss_mb": round(median([r["peak_rss"] for r in handler_runs]) / 2**20, 1),
        "floor_peak_rss_mb": round(median([r["peak_rss"] for r in floor_runs]) / 2**20, 1),
        "runs": RUNS,
        "restore": restored,
        "importtime": importtime({"handler": handler, "event": prepare(seeder)[0]}, env, workdir),
    }


def restored_runs(
    function: str,
    handler: str,
    prepare: Callable[[Seeder], Prepared],
    seeder: Seeder,
    env: dict[str, str],
    workdir: Path,
) -> dict[str, Any]:
    """RUNS restored environments: each answers its first request, then WARM_REQUESTS more of the same kind."""
    runs = []
    for _ in range(RUNS):
        events = [prepare(seeder)[0] for _ in range(1 + WARM_REQUESTS)]
        runs.append(run_child("restored", {"handler": handler, "events": events}, {**env, **_SNAP_ENV}, workdir))
    first, warm = median([r["first_s"] for r in runs]), median([r["warm_s"] for r in runs])
    return {
        "first_ms": round(first * 1000, 2),
        "warm_ms": round(warm * 1000, 2),
        "ratio": round(first / warm, 2),
        "statuses": sorted({status for r in runs for status in r["statuses"]}),
        "target_ratio": RESTORE_TARGET,
    }


_SNAP_ENV = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}


def framework_share(env: dict[str, str], workdir: Path) -> dict[str, Any]:
    """The API functions' framework alone, on top of boto3, and pydantic alone (the same models without
    powertools' resolver): median of RUNS fresh interpreters each, alternated."""
    event = load_event(FRAMEWORK_EVENT)
    event["body"] = json.dumps({"purpose": "analytics", "granted": True})
    runs: dict[str, list[dict[str, Any]]] = {"resolver": [], "pydantic": []}
    for run in range(RUNS):
        for stack in ("resolver", "pydantic") if run % 2 == 0 else ("pydantic", "resolver"):
            runs[stack].append(run_child("framework", {"event": event, "stack": stack}, env, workdir))
    if any(run["status"] != 200 for stack in runs.values() for run in stack):
        raise RuntimeError(f"the framework probe did not answer 200: {runs}")
    return {
        "what": "powertools' APIGatewayHttpResolver with enable_validation and pydantic, one route with a body and "
        "a response model, one answer; imported after boto3, so this is the framework's share alone",
        "ms": round(median([r["total_s"] for r in runs["resolver"]]) * 1000, 1),
        "cpu_ms": round(median([r["cpu_s"] for r in runs["resolver"]]) * 1000, 1),
        "pydantic_alone_ms": round(median([r["total_s"] for r in runs["pydantic"]]) * 1000, 1),
        "runs": RUNS,
    }


def with_framework_bound(result: dict[str, Any], framework: dict[str, Any] | None) -> dict[str, Any]:
    """The stack floor: boto3, its clients and calls (the floor), plus for a validated API function the framework.
    What the function takes above it is our own code's share."""
    stack_floor = result["floor_ms"]
    if framework is not None and result["function"] in VALIDATED_APIS:
        stack_floor += framework["ms"]
        if result["calls"]:
            result["framework_bound_ratio"] = round(stack_floor / result["floor_ms"], 2)
    result["stack_floor_ms"] = round(stack_floor, 1)
    result["own_share"] = round((result["handler_ms"] - stack_floor) / stack_floor, 2)
    result["own_share_target"] = OWN_SHARE_TARGET
    return result


def main(functions: list[str]) -> dict[str, Any]:
    results = []
    framework: dict[str, Any] | None = None
    with moto_server() as cloud, tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        seeder = Seeder(cloud)
        if VALIDATED_APIS.intersection(functions):
            framework = framework_share(cloud.function_env("ConsentApiFunction"), Path(tmp))
            print(
                f"  cold framework alone (on top of boto3) {framework['ms']:6.1f} ms;"
                f" pydantic alone {framework['pydantic_alone_ms']:.1f} ms",
                flush=True,
            )
        for function in functions:
            started = time.perf_counter()
            result = with_framework_bound(measure(function, seeder, Path(tmp)), framework)
            results.append(result)
            bound = f"; own share {result['own_share']:.2f} over a stack floor of {result['stack_floor_ms']:.0f} ms"
            if result["restore"]:
                restore = result["restore"]
                bound += f"; after restore {restore['first_ms']:.1f} ms vs warm {restore['warm_ms']:.1f} ms"
            print(
                f"  cold {function:26s} {result['handler_ms']:7.1f} ms vs floor {result['floor_ms']:6.1f} ms"
                f" = {result['ratio']:.2f} (CPU {result['handler_cpu_ms']:.0f} vs {result['floor_cpu_ms']:.0f} ms"
                f" = {result['cpu_ratio']:.2f}; {len(result['calls'])} calls, {time.perf_counter() - started:.0f} s"
                f"{bound})",
                flush=True,
            )
    return {
        "method": "median of in-child time from before the first import to the first answer, fresh interpreter, "
        f"{RUNS} runs each, handler and floor alternated; moto's threaded server in the parent process; also the "
        "child's CPU time over the same span (less sensitive to a busy machine; excludes moto's time)",
        "target_ratio": 1.5,
        "framework": framework,
        "functions": results,
    }


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if "--profile" in arguments:  # --profile DIR: a cProfile of each function's recording run, for snakeviz/pstats
        at = arguments.index("--profile")
        PROFILE_DIR = Path(arguments[at + 1]).resolve()
        PROFILE_DIR.mkdir(parents=True, exist_ok=True)
        del arguments[at : at + 2]
    chosen = arguments or list(CASES)
    write_fragment("cold", main(chosen))
