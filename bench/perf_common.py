"""Shared pieces of the performance suite (bench/bench_performance.py and its perf_*.py phases).

Not a benchmark itself (make bench runs only bench/bench_*.py): moto's server and the provisioned stack, the
environment a function gets, API event builders, a signed-up subject, medians. The Lambda context is
bench/lambda_context.py (perf_child.py loads it without this module's environment).
"""

import copy
import json
import logging
import os
import socket
import statistics
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
# The code under test; BENCH_SRC points the child processes at another tree (e.g. a copy before a change).
SRC = Path(os.environ.get("BENCH_SRC") or ROOT / "src")
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

REGION = "us-east-1"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}
os.environ.update(CREDENTIALS)
for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "PRIVACY_LOCAL_CLOUD"):
    os.environ.pop(_name, None)

# The app's client settings (src/adapters/aws.py), which the floors use too.
CLIENT_CONFIG = {"retries": {"mode": "standard", "max_attempts": 5}, "connect_timeout": 3, "read_timeout": 10}

# Every function of template.yaml and its handler module.
FUNCTIONS = {
    "PlatformApiFunction": "handlers.platform_api",
    "ConsentApiFunction": "handlers.consent_api",
    "SubjectApiFunction": "handlers.subject_api",
    "AdminApiFunction": "handlers.admin_api",
    "MinorsApiFunction": "handlers.minors_api",
    "PreSignUpFunction": "handlers.pre_sign_up",
    "PostConfirmationFunction": "handlers.post_confirmation",
    "OverdueSweepFunction": "handlers.overdue_sweep",
    "EventPublisherFunction": "handlers.event_publisher",
    "PurgeWorkerFunction": "handlers.purge_worker",
    "PurgeSweepFunction": "handlers.purge_sweep",
    "InactivitySweepFunction": "handlers.inactivity_sweep",
    "InactivityWorkerFunction": "handlers.inactivity_worker",
    "ParentalExpiryFunction": "handlers.parental_expiry",
    "ExportWorkerFunction": "handlers.export_worker",
    "AuditAnchorFunction": "handlers.audit_anchor",
}


def median(values: list[float]) -> float:
    return float(statistics.median(values))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cloud:
    url: str
    stack: Any
    session: Any

    def client(self, service: str) -> Any:
        return self.session.client(service, endpoint_url=self.url, region_name=REGION)

    def function_env(self, logical_id: str) -> dict[str, str]:
        """What a child process of `logical_id` gets: the template's environment, credentials and moto's URL."""
        from localcloud.provision import function_environment

        return {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": os.pathsep.join([str(SRC), str(ROOT)]),
            "PYTHONDONTWRITEBYTECODE": "1",
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_LAMBDA_FUNCTION_NAME": logical_id,
            "POWERTOOLS_METRICS_NAMESPACE": "PrivacyRights",
            **function_environment(self.stack, logical_id),
        }


@contextmanager
def moto_server() -> Iterator[Cloud]:
    """moto's threaded server on a free port with every resource of template.yaml (as `make run` does)."""
    import boto3
    from moto.server import ThreadedMotoServer

    from localcloud.provision import Provisioner
    from localcloud.template import Stack

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        session = boto3.session.Session(region_name=REGION)
        stack = Provisioner(Stack.from_template(), session, url).provision()
        yield Cloud(url=url, stack=stack, session=session)
    finally:
        server.stop()


def fast_query_responses() -> None:
    """Two shortcuts in moto's DynamoDB Query, for the benchmarks of large partitions (the same for the code and
    its floor, and checked to answer the same bytes: items, counts and LastEvaluatedKey, page by page).

    - moto 5.2 serializes an answer item by item through the service model (about 1 ms per item); its result is
      already DynamoDB's wire format, so it is answered as plain JSON.
    - For a whole partition of the base table (`pk = :pk`, forward, no filter, projection or limit), moto gathers
      and sorts every item of the table and walks to the start key on every page (seconds per page at 100,000
      items); here the partition's sort keys are sorted once and a page starts by bisection, filled up to moto's
      own 1,000,000-byte page limit with moto's own item sizes.
    """
    from bisect import bisect_right

    from moto.core.responses import ActionResult
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import RESULT_SIZE_LIMIT
    from moto.dynamodb.models.utilities import dynamo_to_dict
    from moto.dynamodb.responses import DynamoHandler

    original = DynamoHandler.query
    if getattr(original, "_bench_fast", False):
        return
    sorted_keys: dict[int, tuple[int, list[str]]] = {}

    def whole_partition(handler: Any) -> str | None:
        body = handler.body
        values = body.get("ExpressionAttributeValues") or {}
        if (
            body.get("KeyConditionExpression") != "pk = :pk"
            or set(body)
            - {
                "TableName",
                "KeyConditionExpression",
                "ExpressionAttributeValues",
                "ConsistentRead",
                "ExclusiveStartKey",
                "ReturnConsumedCapacity",
            }
            or set(values) != {":pk"}
            or "S" not in values[":pk"]
        ):
            return None
        table = handler.dynamodb_backend.get_table(body["TableName"])
        if table.hash_key_attr != "pk" or table.range_key_attr != "sk":
            return None
        pk = values[":pk"]["S"]
        partition = table.items.get(DynamoType({"S": pk}), {})
        cached = sorted_keys.get(id(partition))
        if cached is None or cached[0] != len(partition):
            cached = (len(partition), sorted(str(key.value) for key in partition))
            sorted_keys[id(partition)] = cached
        keys = cached[1]
        start = body.get("ExclusiveStartKey")
        position = bisect_right(keys, start["sk"]["S"]) if start else 0
        items: list[Any] = []
        size = 0
        last_key = None
        for sort_key in keys[position:]:
            item = partition[DynamoType({"S": sort_key})]
            if size + item.size() > RESULT_SIZE_LIMIT:
                last_key = {"pk": {"S": pk}, "sk": {"S": items[-1].attrs["sk"].value}}
                break
            items.append(item)
            size += item.size()
        answer: dict[str, Any] = {
            "Count": len(items),
            "ScannedCount": len(items),
            "Items": [dynamo_to_dict(item.attrs) for item in items],
        }
        if last_key:
            answer["LastEvaluatedKey"] = last_key
        return json.dumps(answer)

    def query(self: Any) -> Any:
        fast = whole_partition(self)
        if fast is not None:
            return fast
        result = original(self)
        return json.dumps(result.result) if isinstance(result, ActionResult) else result

    query._bench_fast = True  # type: ignore[attr-defined]
    DynamoHandler.query = query  # type: ignore[method-assign]


def light_transaction_backups() -> None:
    """moto backs up every table a TransactWriteItems touches with a deep copy, once per item of the transaction:
    seconds for a table of 100,000 items, long enough to trip botocore's read timeout and make it retry while moto
    still works on the first attempt. For the export benchmark the backup copies the table's key structure and
    shares the items: a failed transaction still rolls back its puts and deletes (the export's transactions have
    no updates, the only operation that changes an item in place)."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models.table import Table

    if isinstance(models.copy, _LightCopy):
        return
    models.copy = _LightCopy(Table)  # type: ignore[assignment]


class _LightCopy:
    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            backup = copy.copy(value)
            backup.items = type(value.items)(
                value.items.default_factory,  # type: ignore[attr-defined]
                {key: dict(part) if isinstance(part, dict) else part for key, part in value.items.items()},
            )
            return backup
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def set_all_function_env(stack: Any) -> None:
    """In this process: every function's environment at once (as the integration tests' `aws` fixture does)."""
    from localcloud.provision import function_environment

    for function in stack.of_type("AWS::Serverless::Function"):
        os.environ.update(function_environment(stack, function))


def signed_up(**fields: Any) -> tuple[str, datetime]:
    """A new subject's profile and first audit record as sign-up writes them (Ada, in Germany, and `fields`), through
    the app's store: the subject's id, and when."""
    import wiring.shared
    from domain.audit.model import AuditEntry
    from domain.profile import Profile

    subject_id, now = str(uuid.uuid4()), datetime.now(UTC)
    profile = Profile(
        subject_id=subject_id,
        email="ada@example.org",
        given_name="Ada",
        country="DE",
        created_at=now,
        updated_at=now,
        **fields,
    )
    wiring.shared.store().create_profile(profile, audit=AuditEntry(action="profile.created", actor="system", at=now))
    return subject_id, now


def load_event(relative: str) -> dict[str, Any]:
    return json.loads((ROOT / "events" / relative).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def api_event(
    source: str,
    subject_id: str,
    route: str | None = None,
    body: Any = None,
    groups: list[str] | None = None,
) -> dict[str, Any]:
    """An API Gateway v2 event from a sample in events/, for `subject_id`, optionally retargeted to another route
    (the subject API has no sample events of its own: its events are the consent samples with another route)."""
    event = copy.deepcopy(load_event(source))
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    claims["sub"] = claims["username"] = subject_id
    if groups is not None:
        claims["cognito:groups"] = "[" + " ".join(groups) + "]"
    if route is not None:
        method, path = route.split(" ", 1)
        event["routeKey"] = route
        event["rawPath"] = path
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["requestContext"]["routeKey"] = route
        event.pop("pathParameters", None)
        event["rawQueryString"] = ""
        event.pop("queryStringParameters", None)
    if body is not None:
        event["body"] = json.dumps(body)
        event["isBase64Encoded"] = False
        event["headers"]["content-type"] = "application/json"
        event["headers"]["content-length"] = str(len(event["body"]))
    elif route is not None and route.startswith(("GET ", "DELETE ")):
        event.pop("body", None)
    return event


def write_fragment(name: str, data: dict[str, Any]) -> Path:
    """Each phase writes its figures to bench/results_<name>.json; bench_performance.py merges them."""
    path = BENCH / f"results_{name}.json"
    path.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
    return path
