"""The parts of AWS moto does not play: event source mappings (SQS, DynamoDB streams, with a stream's on-failure
destination), TTL deletions, schedules. Each runs synchronously when asked (drain, tick) or from the background
loop of `make run`."""

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from localcloud.functions import FunctionError, FunctionPool
from localcloud.moto_dynamodb import sign_as_ttl
from localcloud.patterns import matches
from localcloud.routes import Schedule, Subscription, Wiring
from localcloud.template import ACCOUNT_ID, REGION, Stack

MAX_ROUNDS = 200
STREAM_ATTEMPTS = 3  # fewer than a mapping's MaximumRetryAttempts allow: the emulator gives up sooner


@dataclass
class Report:
    """What a drain or tick did, returned to the caller of /_local/drain and /_local/tick."""

    ttl_deleted: dict[str, int] = field(default_factory=dict)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"ttl_deleted": self.ttl_deleted, "schedules": self.schedules, "deliveries": self.deliveries}


class LocalClock:
    """The offset the local cloud applies to "now"; shared with functions through a file."""

    def __init__(self, path: Any) -> None:
        self.path = path
        self.path.write_text("0")

    @property
    def offset_seconds(self) -> float:
        return float(self.path.read_text() or 0)

    def advance(self, seconds: float) -> None:
        self.path.write_text(str(self.offset_seconds + seconds))

    def reset(self) -> None:
        self.path.write_text("0")

    def now(self) -> float:
        return time.time() + self.offset_seconds


class Deliveries:
    def __init__(self, stack: Stack, wiring: Wiring, pool: FunctionPool, clients: Any, clock: LocalClock) -> None:
        self.stack = stack
        self.wiring = wiring
        self.pool = pool
        self.clients = clients
        self.clock = clock
        self.lock = threading.RLock()
        self._positions: dict[tuple[str, str], str] = {}
        self._queue_urls = {
            stack.attributes[name]["Arn"]: stack.physical_ids[name] for name in stack.of_type("AWS::SQS::Queue")
        }

    # ------------------------------------------------------------------ queues
    def _deliver_queue(self, subscription: Subscription, report: Report) -> int:
        sqs = self.clients("sqs")
        url = self._queue_urls[subscription.source_arn]
        answer = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, subscription.batch_size),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        messages = answer.get("Messages", [])
        if not messages:
            return 0
        records = [_sqs_record(message, subscription.source_arn) for message in messages]
        failed: set[str] = set()
        try:
            result = self.pool.invoke(subscription.function, {"Records": records})
            if subscription.partial_failures and isinstance(result, dict):
                failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
            outcome = "ok" if not failed else f"{len(failed)} failed"
        except FunctionError as error:
            failed = {message["MessageId"] for message in messages}
            outcome = f"error: {error}"
        for message in messages:
            if message["MessageId"] in failed:
                # Visible again at once: the next round redelivers it, and the redrive policy moves it to
                # the DLQ after maxReceiveCount receives, as in AWS (only faster).
                sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
            else:
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        report.deliveries.append(
            {"function": subscription.function, "source": "sqs", "records": len(records), "outcome": outcome}
        )
        return len(records)

    # ------------------------------------------------------------------ streams
    def _fresh_iterator(self, stream_arn: str, shard_id: str) -> str:
        # A new iterator from our own position every round: moto replaces a table's shard object when it rolls
        # back a cancelled transaction, which strands any iterator held across calls.
        streams = self.clients("dynamodbstreams")
        position = self._positions.get((stream_arn, shard_id))
        kwargs: dict[str, Any] = {"StreamArn": stream_arn, "ShardId": shard_id}
        if position is None:
            kwargs["ShardIteratorType"] = "TRIM_HORIZON"
        else:
            kwargs |= {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": position}
        return str(streams.get_shard_iterator(**kwargs)["ShardIterator"])

    def _deliver_stream(self, stream_arn: str, subscriptions: list[Subscription], report: Report) -> int:
        streams = self.clients("dynamodbstreams")
        delivered = 0
        shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"].get("Shards", [])
        for shard in shards:
            shard_id = shard["ShardId"]
            answer = streams.get_records(ShardIterator=self._fresh_iterator(stream_arn, shard_id), Limit=1000)
            if answer.get("Records"):
                self._positions[(stream_arn, shard_id)] = answer["Records"][-1]["dynamodb"]["SequenceNumber"]
            records = [stream_record(record, stream_arn) for record in answer.get("Records", [])]
            delivered += len(records)
            for subscription in subscriptions:
                wanted = [
                    r for r in records if not subscription.filters or any(matches(f, r) for f in subscription.filters)
                ]
                for start in range(0, len(wanted), subscription.batch_size):
                    batch = wanted[start : start + subscription.batch_size]
                    self._invoke_stream(subscription, batch, report, shard_id)
        return delivered

    def _invoke_stream(
        self, subscription: Subscription, batch: list[dict[str, Any]], report: Report, shard_id: str
    ) -> None:
        # Lambda retries a failed stream batch (from the first failed record), then gives it up: to the mapping's
        # on-failure destination, if it has one.
        for attempt in range(1, STREAM_ATTEMPTS + 1):
            try:
                result = self.pool.invoke(subscription.function, {"Records": batch})
            except FunctionError as error:
                outcome = f"error: {error}"
            else:
                failures = result.get("batchItemFailures", []) if isinstance(result, dict) else []
                if not failures:
                    report.deliveries.append(
                        {"function": subscription.function, "source": "stream", "records": len(batch), "outcome": "ok"}
                    )
                    return
                first = failures[0]["itemIdentifier"]
                batch = batch[next(i for i, r in enumerate(batch) if r["dynamodb"]["SequenceNumber"] == first) :]
                outcome = f"{len(failures)} failed"
            report.deliveries.append(
                {
                    "function": subscription.function,
                    "source": "stream",
                    "records": len(batch),
                    "outcome": outcome,
                    "attempt": attempt,
                }
            )
        if subscription.on_failure:
            function_arn = self.stack.attributes[subscription.function]["Arn"]
            body = stream_failure_record(function_arn, shard_id, batch, STREAM_ATTEMPTS)
            self.clients("sqs").send_message(QueueUrl=self._queue_urls[subscription.on_failure], MessageBody=body)

    # ------------------------------------------------------------------ TTL
    def expire_items(self, report: Report) -> None:
        ddb = self.clients("dynamodb")
        now = int(self.clock.now())
        for logical_id in self.stack.of_type("AWS::DynamoDB::Table"):
            spec = self.stack.properties(logical_id).get("TimeToLiveSpecification") or {}
            if not spec.get("Enabled"):
                continue
            table, attribute = self.stack.physical_ids[logical_id], spec["AttributeName"]
            key_names = [k["AttributeName"] for k in self.stack.properties(logical_id)["KeySchema"]]
            deleted = 0
            # The emulator plays DynamoDB's own background process here, which does read the whole table.
            for page in ddb.get_paginator("scan").paginate(
                TableName=table,
                FilterExpression="#ttl <= :now",
                ExpressionAttributeNames={"#ttl": attribute},
                ExpressionAttributeValues={":now": {"N": str(now)}},
            ):
                for item in page.get("Items", []):
                    key = {name: item[name] for name in key_names}
                    try:
                        ddb.delete_item(
                            TableName=table,
                            Key=key,
                            ConditionExpression="#ttl <= :now",
                            ExpressionAttributeNames={"#ttl": attribute},
                            ExpressionAttributeValues={":now": {"N": str(now)}},
                        )
                    except ddb.exceptions.ConditionalCheckFailedException:
                        continue  # renewed meanwhile: TTL would not delete it either
                    sign_as_ttl(table, key)  # its REMOVE record becomes TTL's, for the stream subscriptions
                    deleted += 1
            report.ttl_deleted[logical_id] = deleted

    # ------------------------------------------------------------------ schedules
    def run_schedule(self, schedule: Schedule, report: Report) -> None:
        event = schedule.payload if isinstance(schedule.payload, dict) else _scheduled_event(schedule, self.clock.now())
        try:
            result = self.pool.invoke(schedule.function, event)
            outcome: Any = "ok"
        except FunctionError as error:
            result, outcome = None, f"error: {error}"
        report.schedules.append(
            {"schedule": schedule.logical_id, "function": schedule.function, "outcome": outcome, "result": result}
        )

    # ------------------------------------------------------------------ together
    def drain(self, report: Report | None = None) -> Report:
        report = report or Report()
        with self.lock:
            for _ in range(MAX_ROUNDS):
                moved = 0
                by_stream: dict[str, list[Subscription]] = {}
                for subscription in self.wiring.streams:
                    by_stream.setdefault(subscription.source_arn, []).append(subscription)
                for stream_arn, subscriptions in by_stream.items():
                    moved += self._deliver_stream(stream_arn, subscriptions, report)
                for subscription in self.wiring.queues:
                    moved += self._deliver_queue(subscription, report)
                if not moved:
                    break
        return report

    def tick(self) -> Report:
        report = Report()
        with self.lock:
            self.drain(report)
            self.expire_items(report)
            self.drain(report)
            for schedule in self.wiring.schedules:
                self.run_schedule(schedule, report)
            self.drain(report)
        return report


def _sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    attributes = {
        key: {
            "stringValue": value.get("StringValue"),
            "dataType": value["DataType"],
            "stringListValues": [],
            "binaryListValues": [],
        }
        for key, value in message.get("MessageAttributes", {}).items()
    }
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message.get("Attributes", {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }


def stream_record(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A record as GetRecords gives it, as the stream mapping hands it to a function."""
    data = dict(record["dynamodb"])
    if "ApproximateCreationDateTime" in data and not isinstance(data["ApproximateCreationDateTime"], int | float):
        data["ApproximateCreationDateTime"] = int(data["ApproximateCreationDateTime"].timestamp())
    converted = {
        "eventID": record.get("eventID", uuid.uuid4().hex),
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": REGION,
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }
    if identity := record.get("userIdentity"):  # TTL's deletions: GetRecords' names, the event's names
        converted["userIdentity"] = {"type": identity["Type"], "principalId": identity["PrincipalId"]}
    return converted


def stream_failure_record(function_arn: str, shard_id: str, batch: list[dict[str, Any]], invokes: int) -> str:
    """What a stream mapping sends its on-failure destination for a batch it gives up on: where the batch was in
    the stream, never its records (AWS's invocation record for DynamoDB streams)."""
    first, last = batch[0]["dynamodb"], batch[-1]["dynamodb"]

    def arrival(data: dict[str, Any]) -> str:
        return datetime.fromtimestamp(float(data.get("ApproximateCreationDateTime", 0)), UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )

    return json.dumps(
        {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": function_arn,
                "condition": "RetryAttemptsExhausted",
                "approximateInvokeCount": invokes,
            },
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "version": "1.0",
            "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "DDBStreamBatchInfo": {
                "shardId": shard_id,
                "startSequenceNumber": first["SequenceNumber"],
                "endSequenceNumber": last["SequenceNumber"],
                "approximateArrivalOfFirstRecord": arrival(first),
                "approximateArrivalOfLastRecord": arrival(last),
                "batchSize": len(batch),
                "streamArn": batch[0]["eventSourceARN"],
            },
        }
    )


def _scheduled_event(schedule: Schedule, now: float) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)),
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{schedule.logical_id}"],
        "detail": {},
    }
