"""A small Lambda runtime: invokes handlers as Lambda, its event source mappings and API clients would.

- `api`: an HTTP client calling an API function, retrying a 5xx answer (or a failed invocation, which API Gateway
  answers with 500) a few times, as the privacy center's client does.
- `queue_job`: an SQS event source mapping with ReportBatchItemFailures: batches of `batch_size`, failed
  messages come back later (after their visibility timeout: behind the others) with ApproximateReceiveCount
  raised, and go to the dead-letter queue when a receive that reaches maxReceiveCount fails.
- `stream_job`: a DynamoDB stream mapping with ReportBatchItemFailures: a failed batch is retried from its first
  failed record (the records after it are delivered again) until MaximumRetryAttempts, then given up: its failed
  records count as dead-lettered, and `on_failure` gets the records given up on (the mapping's on-failure
  destination then gets an invocation record: where they were, not them). BisectBatchOnFunctionError is not
  played: a batch that fails whole is retried whole.
- `scheduled`: an EventBridge schedule invoking a function asynchronously: two retries on error.

Jobs are generators that yield after every invocation; `run` steps several of them in a seeded random order, so
deliveries from different sources interleave (the queue and the stream purging the same subjects, say).

Every invocation may run in a new container (`cold_start`): fresh boto3 clients, so a fresh retry quota, and
fresh handler wiring, as Lambda scales out under errors.
"""

import json
import random
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from typing import Any

Handler = Callable[[dict[str, Any], Any], Any]
Job = Generator[None]
REGION = "us-east-1"


@dataclass
class Delivery:
    """One message or stream record through its whole life: attempts, outcome, and the last error."""

    source: str
    id: str
    record: dict[str, Any]
    attempts: int = 0
    outcome: str = "pending"  # "succeeded" | "dead-lettered"
    reason: str | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def body(self) -> dict[str, Any]:
        """An SQS message's body, parsed (EventBridge envelopes included)."""
        return json.loads(self.record.get("body") or "{}")  # type: ignore[no-any-return]


@dataclass
class ApiCall:
    route: str
    subject_id: str
    status: int
    body: Any
    attempts: int


class Runtime:
    def __init__(self, context: Any, rng: random.Random, cold_start: Callable[[], None] | None = None) -> None:
        self.context = context
        self.rng = rng
        self.cold_start = cold_start
        self.deliveries: list[Delivery] = []
        self.api_calls: list[ApiCall] = []
        self.invocations = 0

    # ------------------------------------------------------------------ invocations
    def invoke(self, handler: Handler, event: dict[str, Any]) -> Any:
        if self.cold_start is not None:
            self.cold_start()
        self.invocations += 1
        return handler(event, self.context)

    def api(self, handler: Handler, event: dict[str, Any], *, attempts: int = 5) -> ApiCall:
        """Call an API function like a client: a 5xx answer (or a crashed invocation) is retried, up to `attempts`."""
        claims = event.get("requestContext", {}).get("authorizer", {}).get("jwt", {}).get("claims", {})
        status, body, made = 0, None, 0
        while made < attempts:
            made += 1
            try:
                answer = self.invoke(handler, json.loads(json.dumps(event)))
            except Exception as error:  # noqa: BLE001 - API Gateway answers a failed invocation with 500
                status, body = 500, {"error": "invocation_failed", "message": type(error).__name__}
            else:
                status, body = int(answer["statusCode"]), json.loads(answer.get("body") or "null")
            if status < 500:
                break
        call = ApiCall(str(event.get("routeKey")), str(claims.get("sub")), status, body, made)
        self.api_calls.append(call)
        return call

    def scheduled(self, handler: Handler, event: dict[str, Any], *, attempts: int = 3) -> tuple[Any, list[str]]:
        """An asynchronous invocation by a schedule: Lambda retries a failed one twice. (result or None, errors)"""
        errors = []
        for _ in range(attempts):
            try:
                return self.invoke(handler, json.loads(json.dumps(event))), errors
            except Exception as error:  # noqa: BLE001 - Lambda records the error and retries
                errors.append(_describe(error))
        return None, errors

    # ------------------------------------------------------------------ batches
    def _invoke_batch(
        self, handler: Handler, processor: Any, records: list[dict[str, Any]], id_of: Callable[[dict[str, Any]], str]
    ) -> tuple[set[str], dict[str, str]]:
        """(ids of the failed records, the error of each one, where the batch processor says which)."""
        try:
            result = self.invoke(handler, {"Records": [json.loads(json.dumps(r)) for r in records]})
        except Exception as error:  # noqa: BLE001 - the whole batch failed: Lambda retries all of it
            failed = {id_of(r) for r in records}
            reasons = dict.fromkeys(failed, _describe(error))
        else:
            failed = {str(item["itemIdentifier"]) for item in (result or {}).get("batchItemFailures", [])}
            reasons = {}
        for record, info in zip(processor.fail_messages, processor.exceptions, strict=False):
            record_id = str(getattr(record, "message_id", None) or record.dynamodb.sequence_number)
            if record_id in failed:
                reasons[record_id] = _describe(info[1])
        return failed, reasons

    def queue_job(
        self,
        source: str,
        handler: Handler,
        processor: Any,
        records: Iterable[dict[str, Any]],
        *,
        batch_size: int,
        max_receives: int,
    ) -> Job:
        deliveries = [Delivery(source, str(r["messageId"]), r) for r in records]
        self.deliveries.extend(deliveries)
        pending = deque(deliveries)
        while pending:
            batch = [pending.popleft() for _ in range(min(batch_size, len(pending)))]
            for delivery in batch:
                delivery.attempts += 1
                delivery.record["attributes"]["ApproximateReceiveCount"] = str(delivery.attempts)
            failed, reasons = self._invoke_batch(
                handler, processor, [d.record for d in batch], lambda r: r["messageId"]
            )
            for delivery in batch:
                if delivery.id not in failed:
                    delivery.outcome = "succeeded"
                    continue
                delivery.reason = reasons.get(delivery.id, "reported as a batch item failure")
                delivery.errors.append(delivery.reason)
                if delivery.attempts >= max_receives:
                    delivery.outcome = "dead-lettered"  # the redrive policy moves it to the DLQ
                else:
                    pending.append(delivery)  # visible again after its visibility timeout
            yield

    def stream_job(
        self,
        source: str,
        handler: Handler,
        processor: Any,
        records: Iterable[dict[str, Any]],
        *,
        batch_size: int,
        max_retries: int,
        on_failure: Callable[[list[dict[str, Any]]], None] | None = None,
    ) -> Job:
        deliveries = [Delivery(source, str(r["dynamodb"]["SequenceNumber"]), r) for r in records]
        self.deliveries.extend(deliveries)
        start = 0
        while start < len(deliveries):
            batch = deliveries[start : start + batch_size]
            start += len(batch)
            for attempt in range(max_retries + 1):
                for delivery in batch:
                    delivery.attempts += 1
                failed, reasons = self._invoke_batch(
                    handler, processor, [d.record for d in batch], lambda r: str(r["dynamodb"]["SequenceNumber"])
                )
                first = next((i for i, d in enumerate(batch) if d.id in failed), None)
                for delivery in batch if first is None else batch[:first]:
                    delivery.outcome = "succeeded"  # checkpointed
                if first is None:
                    break
                batch = batch[first:]
                for delivery in batch:
                    if delivery.id in failed:
                        delivery.reason = reasons.get(delivery.id, "reported as a batch item failure")
                        delivery.errors.append(delivery.reason)
                if attempt == max_retries:
                    for delivery in batch:  # retries exhausted: Lambda skips the batch
                        delivery.outcome = "dead-lettered" if delivery.id in failed else "succeeded"
                    if on_failure is not None:
                        on_failure([d.record for d in batch])
                yield
            yield

    def run(self, *jobs: Job) -> None:
        """Step the jobs in a random interleaving until all are done."""
        active = list(jobs)
        while active:
            job = self.rng.choice(active)
            try:
                next(job)
            except StopIteration:
                active.remove(job)


def _describe(error: BaseException) -> str:
    code = getattr(error, "response", None)
    if isinstance(code, dict) and code.get("Error", {}).get("Code"):
        return f"{type(error).__name__} ({code['Error']['Code']})"
    child = getattr(error, "child_exceptions", None)
    if child:  # powertools' BatchProcessingError: name the first record's error
        return f"{type(error).__name__}: {_describe(child[0][1])}"
    return f"{type(error).__name__}: {str(error)[:160]}"


# ---------------------------------------------------------------------------------------------- event shapes


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """A received SQS message as the event source mapping hands it to the function."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message.get("ReceiptHandle", uuid.uuid4().hex),
        "body": message["Body"],
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": str(message.get("Attributes", {}).get("SentTimestamp", "0")),
            "SenderId": "AIDAFAULTINJECTION",
            "ApproximateFirstReceiveTimestamp": str(message.get("Attributes", {}).get("SentTimestamp", "0")),
        },
        "messageAttributes": {},
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
