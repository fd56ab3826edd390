"""Helpers shared by the test suites."""

import json
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
POLICY_DOCUMENTS = ROOT / "src" / "policy" / "documents"


def load_event(relative: str) -> dict[str, Any]:
    """A sample event from events/ (the files `sam local invoke -e` takes)."""
    return json.loads((EVENTS / relative).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def publish_policy_version(directory: Path, name: str, version: str, *, reword: str) -> None:
    """Writes policy `name` into `directory` (what POLICY_DOCUMENTS names) as a new version, with purpose `reword`'s
    description changed in the policy's default language (the wording every decision's hash is taken from): what a
    deployment of a new policy version does to the catalog."""
    document = json.loads((POLICY_DOCUMENTS / f"{name}.json").read_text(encoding="utf-8"))
    document["version"] = version
    language = document.get("default_language", "en")
    purpose = next(purpose for purpose in document["purposes"] if purpose["id"] == reword)
    purpose["description"][language] += " We now also measure page load times."
    (directory / f"{name}.json").write_text(json.dumps(document), encoding="utf-8")


class LambdaContext:
    """The context Lambda passes a handler: a function's name and how long the invocation may still run."""

    function_version = "$LATEST"

    def __init__(self, function_name: str = "test", remaining_ms: int = 30_000) -> None:
        self.function_name = self.aws_request_id = self.log_stream_name = function_name
        self.invoked_function_arn = f"arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.memory_limit_in_mb = 512
        self._remaining_ms = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining_ms


# API Gateway HTTP API (payload 2.0) events, built from a sample and retargeted. Each returns the event it changed.


def as_subject(event: dict[str, Any], subject_id: str) -> dict[str, Any]:
    """Sent with a token for `subject_id` (the authorizer's verified claims)."""
    claims = event["requestContext"]["authorizer"]["jwt"]["claims"]
    claims["sub"] = claims["username"] = subject_id
    return event


def routed(event: dict[str, Any], route: str, path: str | None = None) -> dict[str, Any]:
    """Sent to `route` ("METHOD /template"), at `path` (the template itself when it has no parameters)."""
    method, template = route.split(" ", 1)
    event["routeKey"] = event["requestContext"]["routeKey"] = route
    event["rawPath"] = event["requestContext"]["http"]["path"] = path or template
    event["requestContext"]["http"]["method"] = method
    return event


def at_path(event: dict[str, Any], path: str, **path_parameters: str) -> dict[str, Any]:
    """The sample's route at a concrete path, with the parameters the route template takes from it."""
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = path_parameters
    return event


def with_body(event: dict[str, Any], body: Any) -> dict[str, Any]:
    """A string body as given (the sample's content type stays); anything else as JSON."""
    if isinstance(body, str):
        event["body"] = body
    else:
        event["body"] = json.dumps(body)
        event["headers"]["content-type"] = "application/json"
    event["isBase64Encoded"] = False
    event["headers"]["content-length"] = str(len(event["body"].encode()))
    return event


# Stream batches a mapping gave up on (adapters/stream_batches.py), against moto's stream of a table (the subjects
# table unless said).


def _streams() -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("dynamodbstreams", config=Config(account_id_endpoint_mode="disabled"))


def stream_records(aws: Any, table: str = "SubjectsTable") -> list[dict[str, Any]]:
    """Every record of the table's stream so far, as GetRecords gives them."""
    streams, stream_arn = _streams(), aws.attributes[table]["StreamArn"]
    (shard,) = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )
    return streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]  # type: ignore[no-any-return]


GIVEN_UP_SAMPLES = {  # each stream function's retry queue and the sample event it receives from it
    "PurgeQueue": "purge_worker/stream_batch_given_up.json",
    "OutboxRetryQueue": "event_publisher/stream_batch_given_up.json",
    "ParentalExpiryRetryQueue": "parental_expiry/stream_batch_given_up.json",
    "AuditAnchorRetryQueue": "audit_anchor/stream_batch_given_up.json",
}


def given_up_batch(
    aws: Any, first: dict[str, Any], last: dict[str, Any], queue: str, table: str = "SubjectsTable"
) -> dict[str, Any]:
    """The SQS event of `queue` (a logical id) when a stream mapping gives up on the batch from `first` to `last`:
    Lambda's invocation record, which says where the batch is in the stream, not what it holds."""
    stream_arn = aws.attributes[table]["StreamArn"]
    (shard,) = _streams().describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    event = load_event(GIVEN_UP_SAMPLES[queue])
    record = json.loads(event["Records"][0]["body"])
    record["DDBStreamBatchInfo"].update(
        shardId=shard["ShardId"],
        startSequenceNumber=first["dynamodb"]["SequenceNumber"],
        endSequenceNumber=last["dynamodb"]["SequenceNumber"],
        streamArn=stream_arn,
    )
    event["Records"][0]["body"] = json.dumps(record)
    event["Records"][0]["eventSourceARN"] = aws.attributes[queue]["Arn"]
    return event


def sign_up(subject_id: str | None = None, **attributes: str) -> str:
    """A subject's profile and first audit record as the sign-up trigger creates them, with an e-mail address made of
    the id unless `attributes` give one: the subject's id (a new one unless given)."""
    import wiring.shared
    from domain.audit.model import AuditEntry
    from domain.profile import new_profile

    subject_id = subject_id or str(uuid.uuid4())
    now = wiring.shared.clock().now()
    profile = new_profile(subject_id, {"email": f"{subject_id[:8]}@example.org", **attributes}, now)
    audit = AuditEntry(action="profile.created", actor="system", at=now)
    assert wiring.shared.store().create_profile(profile, audit=audit)
    return subject_id


def purge_queue_event(aws: Any, subject_id: str) -> dict[str, Any]:
    """The purge worker's event for one message of the purge queue about `subject_id` (an SQS record; the sample is
    the inactivity worker's, whose body is the purge queue's)."""
    event = load_event("inactivity_worker/subject_inactive.json")
    event["Records"][0]["body"] = json.dumps({"subject_id": subject_id})
    event["Records"][0]["eventSourceARN"] = aws.attributes["PurgeQueue"]["Arn"]
    return event


def purge_now(aws: Any, context: Any, subject_id: str) -> None:
    """The subject deletes their account and the purge worker purges it from the queue at once (no restore window);
    asserts that it did."""
    from datetime import timedelta

    import wiring.erasure
    from handlers import purge_worker

    wiring.erasure.erasure().schedule_deletion(subject_id, "user_request", actor="subject", grace=timedelta(0))
    assert purge_worker.lambda_handler(purge_queue_event(aws, subject_id), context) == {"batchItemFailures": []}


def stream_event(aws: Any, table: str, records: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The event a stream mapping hands its function: the table's stream records so far (or `records`), in the
    form Lambda delivers them."""
    stream_arn = aws.attributes[table]["StreamArn"]
    delivered = []
    for record in stream_records(aws, table) if records is None else records:
        data = dict(record["dynamodb"])
        if "ApproximateCreationDateTime" in data and not isinstance(data["ApproximateCreationDateTime"], int | float):
            data["ApproximateCreationDateTime"] = int(data["ApproximateCreationDateTime"].timestamp())
        delivered.append(
            {
                "eventID": record.get("eventID"),
                "eventName": record["eventName"],
                "eventVersion": record.get("eventVersion", "1.1"),
                "eventSource": "aws:dynamodb",
                "awsRegion": "us-east-1",
                "dynamodb": data,
                "eventSourceARN": stream_arn,
            }
        )
    return {"Records": delivered}


def drain(queue_url: str) -> list[dict[str, Any]]:
    """Every message waiting on an SQS queue, taken off it, as the JSON of its body."""
    import boto3

    sqs, bodies = boto3.client("sqs"), []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies
