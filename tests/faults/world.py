"""The world the fault-injection flows run in: every template resource in moto in-process, the functions'
environment, a clock file the functions honour, the fault injector on every client the code uses, a runtime
playing Lambda, and a harness of fault-free clients for set-up and checks (AWS's own side: queues, streams, TTL)."""

import json
import os
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import boto3
import botocore.endpoint
from botocore.config import Config
from moto import mock_aws

import wiring.shared
from localcloud.delivery import LocalClock, stream_failure_record, stream_record
from localcloud.moto_dynamodb import sign_as_ttl
from localcloud.provision import Provisioner, function_environment
from localcloud.routes import Subscription, Wiring
from localcloud.template import Stack
from tests.faults.checks import Ledger
from tests.faults.injector import FaultInjector, VirtualSleep
from tests.faults.runtime import REGION, Runtime, sqs_record
from tests.support import LambdaContext, load_event

SERVICES = ("dynamodb", "sqs", "s3", "kms", "events", "cognito-idp")
FLOW_REPORTS: dict[str, tuple[int, str]] = {}  # flow -> (faults injected, what happened): the terminal summary


def clear_container_state(*, keep: tuple[Any, ...] = (), secrets: bool = True) -> None:
    """What a new Lambda container starts without: cached clients, wiring, settings (and secrets)."""
    import wiring
    from api.routes import subject as subject_routes

    wiring.reset(keep=keep, secrets=secrets)
    subject_routes._active_today.clear()


class Clock(LocalClock):
    """The offset SystemClock honours in local mode (PRIVACY_LOCAL_CLOUD + LOCAL_CLOCK_FILE): the local cloud's clock
    file, advanced in days."""

    def advance_days(self, days: float) -> None:
        self.advance(days * 86_400)

    def now(self) -> datetime:
        return datetime.fromtimestamp(datetime.now(UTC).timestamp() + self.offset_seconds, UTC)

    def today(self) -> date:
        return self.now().date()

    def epoch(self) -> int:
        return int(self.now().timestamp())


@dataclass
class World:
    stack: Stack
    injector: FaultInjector
    runtime: Runtime
    clock: Clock
    sleep: VirtualSleep
    session: boto3.session.Session  # the harness: fault-free clients
    ledger: Ledger = field(default_factory=Ledger)
    wiring: Wiring | None = None
    _positions: dict[str, str] = field(default_factory=dict)

    # ------------------------------------------------------------------ names
    def id(self, logical_id: str) -> str:
        return str(self.stack.physical_ids[logical_id])

    @property
    def table(self) -> str:
        return self.id("SubjectsTable")

    @property
    def audit_table(self) -> str:
        return self.id("AuditTable")

    @property
    def bucket(self) -> str:
        return self.id("ExportsBucket")

    def harness(self, service: str) -> Any:
        if service == "dynamodbstreams":  # moto does not know the account-based streams endpoint
            return self.session.client(service, config=Config(account_id_endpoint_mode="disabled"))
        return self.session.client(service)  # type: ignore[call-overload]

    def queue_setting(self, logical_id: str) -> int:
        return int(self.stack.resources[logical_id]["Properties"]["RedrivePolicy"]["maxReceiveCount"])

    def subscription(self, function: str, kind: str) -> tuple[Subscription, dict[str, Any]]:
        """A function's queue or stream subscription in the template, and the event's own properties."""
        assert self.wiring is not None
        found = [s for s in (self.wiring.queues if kind == "SQS" else self.wiring.streams) if s.function == function]
        events = self.stack.resources[function]["Properties"]["Events"].values()
        properties = next(e["Properties"] for e in events if e["Type"] == kind)
        return found[0], properties

    # ------------------------------------------------------------------ API events
    def api_event(
        self, sample: str, subject_id: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> dict[str, Any]:
        event = load_event(sample)
        claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
        claims["sub"] = claims["username"] = subject_id
        if body is not None:
            event["body"] = json.dumps(body)
            event["isBase64Encoded"] = False
            event["headers"]["content-length"] = str(len(event["body"].encode()))
        event["headers"].update(headers or {})
        return event

    # ------------------------------------------------------------------ queues and streams (fault-free: AWS's side)
    def drain_queue(self, logical_id: str) -> list[dict[str, Any]]:
        """Every message waiting on a queue (received and deleted), as event records."""
        sqs, url = self.harness("sqs"), self.id(logical_id)
        arn = self.stack.attributes[logical_id]["Arn"]
        records = []
        while messages := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, AttributeNames=["All"], VisibilityTimeout=0
        ).get("Messages", []):
            for message in messages:
                records.append(sqs_record(message, arn))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return records

    def read_stream(self) -> list[dict[str, Any]]:
        """The subjects table's stream records written since the last read."""
        streams = self.harness("dynamodbstreams")
        stream_arn = self.stack.attributes["SubjectsTable"]["StreamArn"]
        records: list[dict[str, Any]] = []
        for shard in streams.describe_stream(StreamArn=stream_arn)["StreamDescription"].get("Shards", []):
            shard_id = shard["ShardId"]
            while True:
                # A fresh iterator every time: moto replaces a shard when it rolls back a cancelled transaction.
                position = self._positions.get(shard_id)
                args: dict[str, Any] = {"StreamArn": stream_arn, "ShardId": shard_id}
                if position is None:
                    args["ShardIteratorType"] = "TRIM_HORIZON"
                else:
                    args |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
                iterator = streams.get_shard_iterator(**args)["ShardIterator"]
                page = streams.get_records(ShardIterator=iterator, Limit=1000).get("Records", [])
                if not page:
                    break
                self._positions[shard_id] = page[-1]["dynamodb"]["SequenceNumber"]
                records += [stream_record(record, stream_arn) for record in page]
        return records

    def expire_profiles(self, subject_ids: list[str]) -> list[dict[str, Any]]:
        """DynamoDB's TTL process: deletes each profile whose expires_at has passed; its REMOVE record in the stream
        becomes TTL's (by the service principal), and is returned as the stream mapping would deliver it."""
        ddb, now = self.harness("dynamodb"), self.clock.epoch()
        stream_arn = self.stack.attributes["SubjectsTable"]["StreamArn"]
        records = []
        for subject_id in subject_ids:
            key = {"pk": {"S": f"SUBJECT#{subject_id}"}, "sk": {"S": "PROFILE"}}
            item = ddb.get_item(TableName=self.table, Key=key).get("Item")
            if not item or "expires_at" not in item or int(item["expires_at"]["N"]) > now:
                continue
            ddb.delete_item(TableName=self.table, Key=key)
            removal = sign_as_ttl(self.table, key)
            assert removal is not None, "the subjects table has a stream"
            removal["dynamodb"]["ApproximateCreationDateTime"] = now  # TTL ran at the world's time
            records.append(stream_record(removal, stream_arn))
        return records

    def give_up_stream_batch(self, function: str, records: list[dict[str, Any]]) -> None:
        """A stream mapping out of retries: its on-failure destination (a queue) gets the invocation record."""
        _, properties = self.subscription(function, "DynamoDB")
        destination = self.stack.resolve(properties["DestinationConfig"]["OnFailure"]["Destination"])
        queue = next(q for q in self.stack.of_type("AWS::SQS::Queue") if self.stack.attributes[q]["Arn"] == destination)
        stream_arn = self.stack.attributes["SubjectsTable"]["StreamArn"]
        streams = self.harness("dynamodbstreams")
        (shard,) = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
        invokes = int(properties["MaximumRetryAttempts"]) + 1
        body = stream_failure_record(self.stack.attributes[function]["Arn"], shard["ShardId"], records, invokes)
        self.harness("sqs").send_message(QueueUrl=self.id(queue), MessageBody=body)

    def tap(self) -> list[dict[str, Any]]:
        """Every event published on the bus so far (a rule of the test copies them to a queue)."""
        sqs = self.harness("sqs")
        url = sqs.get_queue_url(QueueName="fault-injection-tap")["QueueUrl"]
        events = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                events.append(json.loads(message["Body"]))
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        self.ledger.published += events
        return events

    def secret(self) -> bytes:
        value = self.harness("secretsmanager").get_secret_value(SecretId=self.id("PseudonymKeySecret"))
        return str(value["SecretString"]).encode()


def _tap_the_bus(stack: Stack, session: boto3.session.Session) -> None:
    sqs, events = session.client("sqs"), session.client("events")
    url = sqs.create_queue(QueueName="fault-injection-tap")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.physical_ids["PrivacyEventBus"]
    events.put_rule(Name="fault-injection-tap", EventBusName=bus, EventPattern='{"source": ["privacy.rights"]}')
    events.put_targets(Rule="fault-injection-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])


@contextmanager
def open_world(
    directory: Path, *, rate: float, sustained: float, seed: int, cold_start: bool = True
) -> Iterator[World]:
    """A fresh stack under moto with the injector installed, paused: flows turn it on with `injector.resumed()`."""
    from aws_lambda_powertools.utilities.parameters import constants as parameter_constants
    from aws_lambda_powertools.utilities.parameters.secrets import SecretsProvider

    from adapters.aws import client
    from observability import logger

    saved_env, saved_level, saved_time = dict(os.environ), logger.level, botocore.endpoint.time
    with mock_aws():
        stack = Provisioner(Stack.from_template()).provision()
        for function in stack.of_type("AWS::Serverless::Function"):
            os.environ.update(function_environment(stack, function))
        clock = Clock(directory / "clock")
        os.environ.update(PRIVACY_LOCAL_CLOUD="1", LOCAL_CLOCK_FILE=str(clock.path))
        session = boto3.session.Session(region_name=REGION)
        _tap_the_bus(stack, session)
        injector = FaultInjector(rate=rate, sustained=sustained, seed=seed)
        boto3.setup_default_session(region_name=REGION)
        injector.install(boto3.DEFAULT_SESSION)  # every client the code creates from now on
        # Powertools' secrets client comes from a session of its own, whose models botocore loads anew each time:
        # it is made once (faults installed) and outlives the "containers", as does the idempotency store (on the
        # first container's DynamoDB client); their caches do not.
        clear_container_state()
        secrets = SecretsProvider()  # what parameters.get_secret would create
        injector.install(secrets.client)
        injector.install(wiring.shared.idempotency_store().client)

        def new_container() -> None:
            clear_container_state(keep=(wiring.shared.idempotency_store,), secrets=False)
            secrets.clear_cache()
            parameter_constants.DEFAULT_PROVIDERS["secrets"] = secrets
            for service in SERVICES:  # what adapters.aws.client hands out (the session already has the handler)
                injector.install(client(service))

        sleep = VirtualSleep()
        botocore.endpoint.time = sleep  # type: ignore[attr-defined]
        # Thousands of expected failures: the runtime keeps every error. FAULT_LOG_LEVEL=ERROR shows them.
        logger.setLevel(os.environ.get("FAULT_LOG_LEVEL", "CRITICAL"))
        runtime = Runtime(
            LambdaContext("fault-injection", remaining_ms=300_000),
            random.Random(seed),
            cold_start=new_container if cold_start else None,
        )
        world = World(stack, injector, runtime, clock, sleep, session, wiring=Wiring.from_stack(stack))
        new_container()
        try:
            with injector.paused():
                yield world
        finally:
            injector.uninstall()
            clear_container_state()
            botocore.endpoint.time = saved_time  # type: ignore[attr-defined]
            logger.setLevel(saved_level)
            os.environ.clear()
            os.environ.update(saved_env)
            boto3.DEFAULT_SESSION = None
