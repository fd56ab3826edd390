"""Warm overhead per API operation, in-process against moto in-process: the handler's time for one request divided
by the time of the raw boto3 calls that request needs (recorded from the handler, replayed with the same client for
another subject whose state was built the same way). Handler and floor alternate, ITERATIONS each, median.

Each side gets a fresh subject built just before it (untimed), and both tables are emptied after it (untimed): moto
deep-copies a whole table for every item of a TransactWriteItems, so a growing table would inflate both sides alike
and flatter the ratio.

Run alone: PYTHONPATH=src:. .venv/bin/python bench/perf_warm.py
"""

import copy
import os
import time
from collections.abc import Callable
from typing import Any

from lambda_context import Context
from perf_child import substituted
from perf_common import REGION, api_event, median, set_all_function_env, signed_up, write_fragment

ITERATIONS = int(os.environ.get("BENCH_WARM_ITERATIONS", "200"))
WARMUP = 20
ACCOUNT_ID = "123456789012"  # moto's default account


class Operation:
    def __init__(self, name: str, handler: str, event: Callable[[str], dict[str, Any]], consents: bool) -> None:
        self.name, self.handler, self.event, self.consents = name, handler, event, consents


OPERATIONS = [
    Operation(
        "GET /me/consents",
        "handlers.consent_api",
        lambda sub: api_event("consent_api/get_my_consents.json", sub),
        consents=True,
    ),
    Operation(
        "PUT /me/consents",
        "handlers.consent_api",
        lambda sub: api_event(
            "consent_api/put_my_consents.json",
            sub,
            body={"decisions": {"analytics": True, "newsletters": False}, "source": "banner"},
        ),
        consents=False,
    ),
    Operation(
        "POST /me/requests",
        "handlers.subject_api",
        lambda sub: api_event("consent_api/put_my_consents.json", sub, "POST /me/requests", body={"type": "access"}),
        consents=False,
    ),
    Operation(
        "GET /me",
        "handlers.subject_api",
        lambda sub: api_event("consent_api/get_my_consents.json", sub, "GET /me"),
        consents=False,
    ),
]


class Bench:
    def __init__(self, stack: Any) -> None:
        import boto3

        from adapters.aws import dynamodb

        self.stack = stack
        self.ddb = dynamodb()  # the application's own client: the floor replays through it
        self.tables = [stack.physical_ids["SubjectsTable"], stack.physical_ids["AuditTable"]]
        secret_arn = stack.physical_ids["PseudonymKeySecret"]
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=secret_arn)["SecretString"]
        self.secret = secret.encode()

    def pseudonym(self, subject_id: str) -> str:
        from domain.audit.model import pseudonym_of

        return pseudonym_of(self.secret, subject_id)

    def subject(self, consents: bool) -> str:
        """A subject as sign-up leaves it (profile and first audit record), with a consent decision if asked."""
        from handlers import consent_api

        subject_id, _ = signed_up()
        if consents:
            event = OPERATIONS[1].event(subject_id)
            assert consent_api.lambda_handler(event, Context())["statusCode"] == 200
        return subject_id

    def empty_tables(self) -> None:
        from moto.dynamodb.models import dynamodb_backends

        backend = dynamodb_backends[ACCOUNT_ID][REGION]
        for table in self.tables:
            items = self.ddb.scan(TableName=table, ProjectionExpression="pk, sk")["Items"]
            for start in range(0, len(items), 25):
                batch = [{"DeleteRequest": {"Key": item}} for item in items[start : start + 25]]
                self.ddb.batch_write_item(RequestItems={table: batch})
            # moto keeps every stream record (and deep-copies them with the table in each transaction)
            shard = backend.get_table(table).stream_shard
            if shard is not None:
                shard.items.clear()

    def record(self, run: Callable[[], Any]) -> list[tuple[str, dict[str, Any]]]:
        calls: list[tuple[str, dict[str, Any]]] = []

        def capture(params: dict[str, Any], model: Any, **_: Any) -> None:
            calls.append((model.name, copy.deepcopy(params)))

        self.ddb.meta.events.register_first("before-parameter-build", capture, unique_id="bench-record")
        try:
            run()
        finally:
            self.ddb.meta.events.unregister("before-parameter-build", unique_id="bench-record")
        return calls

    def measure(self, operation: Operation) -> dict[str, Any]:
        import importlib

        module = importlib.import_module(operation.handler)
        context = Context()

        def invoke(subject_id: str) -> float:
            event = operation.event(subject_id)
            started = time.perf_counter()
            answer = module.lambda_handler(event, context)
            elapsed = time.perf_counter() - started
            assert answer["statusCode"] < 300, answer
            return elapsed

        for _ in range(WARMUP):
            invoke(self.subject(operation.consents))
            self.empty_tables()
        recorded_subject = self.subject(operation.consents)
        calls = self.record(lambda: invoke(recorded_subject))
        self.empty_tables()

        def replay(subject_id: str) -> float:
            mapping = {recorded_subject: subject_id, self.pseudonym(recorded_subject): self.pseudonym(subject_id)}
            prepared = [(name, substituted(params, mapping)) for name, params in calls]
            started = time.perf_counter()
            for name, params in prepared:
                self.ddb._make_api_call(name, params)
            return time.perf_counter() - started

        handler_times: list[float] = []
        floor_times: list[float] = []
        for index in range(ITERATIONS):
            for side in ("handler", "floor") if index % 2 == 0 else ("floor", "handler"):
                subject_id = self.subject(operation.consents)
                if side == "handler":
                    handler_times.append(invoke(subject_id))
                else:
                    floor_times.append(replay(subject_id))
                self.empty_tables()
        handler, floor = median(handler_times), median(floor_times)
        return {
            "operation": operation.name,
            "calls": [name for name, _ in calls],
            "handler_ms": round(handler * 1000, 3),
            "floor_ms": round(floor * 1000, 3),
            "overhead_ms": round((handler - floor) * 1000, 3),
            "ratio": round(handler / floor, 3),
            "iterations": ITERATIONS,
        }


def main() -> dict[str, Any]:
    from moto import mock_aws

    results = []
    for operation in OPERATIONS:
        with mock_aws():
            from adapters.aws import client
            from localcloud.provision import Provisioner
            from localcloud.template import Stack

            stack = Provisioner(Stack.from_template()).provision()
            set_all_function_env(stack)
            _clear_caches()
            client.cache_clear()
            result = Bench(stack).measure(operation)
            results.append(result)
            print(
                f"  warm {operation.name:20s} {result['handler_ms']:6.2f} ms vs floor {result['floor_ms']:6.2f} ms"
                f" = {result['ratio']:.2f} ({'+'.join(result['calls'])})",
                flush=True,
            )
    return {
        "method": f"in-process against moto in-process; median of {ITERATIONS} requests per side, alternated; "
        "floor = the same DynamoDB calls (recorded from the handler) replayed with the same client",
        "target_ratio": 1.25,
        "operations": results,
    }


def _clear_caches() -> None:
    import wiring

    wiring.reset()


if __name__ == "__main__":
    write_fragment("warm", main())
