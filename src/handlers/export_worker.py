"""Export worker: builds the archive a data-subject access or portability request asks for (GDPR Art. 15, 20).

An EventBridge rule sends DataSubjectRequestReceived events of type access/portability to the ExportQueue; each
message is one request, answered by domain.requests.export_job (the archive streamed into the exports bucket with
SSE-KMS, then recorded on the request; safe to repeat). A failure is retried by SQS; on the last receive the request
is marked failed (reason: the exception's class name only) and any archive it uploaded is deleted, before the
message goes to the dead-letter queue.
"""

import json
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import adapters.export_archive  # noqa: F401 - at init, with boto3: every message needs it (Lambda's init runs at full CPU)
from observability import logger
from wiring.requests import export_job

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
DETAIL_TYPE = "DataSubjectRequestReceived"
EXPORT_TYPES = frozenset({"access", "portability"})
MAX_RECEIVES = 5  # the ExportQueue's RedrivePolicy maxReceiveCount in template.yaml


@dataclass(frozen=True)
class RequestReceived:
    """The detail of a DataSubjectRequestReceived event: ids only."""

    request_id: str
    subject_id: str
    type: str

    @classmethod
    def of(cls, detail: dict[str, Any]) -> "RequestReceived":
        for name in ("request_id", "subject_id"):
            value = detail.get(name)
            if not isinstance(value, str) or not 1 <= len(value) <= 128:
                raise ValueError(f"{name} must be a string of 1 to 128 characters")  # redelivered, then dead-lettered
        return cls(request_id=detail["request_id"], subject_id=detail["subject_id"], type=str(detail.get("type")))


# ---------------------------------------------------------------------------------------------------- SQS


def parse(body: str) -> RequestReceived | None:
    """The request an export message is about; None for any other event (acknowledged, not retried)."""
    envelope = json.loads(body)
    if not isinstance(envelope, dict) or envelope.get("detail-type") != DETAIL_TYPE:
        return None
    detail = envelope.get("detail")
    if not isinstance(detail, dict):
        return None
    if detail.get("type") not in EXPORT_TYPES:
        return None
    return RequestReceived.of(detail)


def handle_record(record: SQSRecord) -> None:
    message = parse(record.body)
    if message is None:
        return
    try:
        done = export_job().run(message.subject_id, message.request_id)
    except Exception as error:
        receives = int(record.attributes.approximate_receive_count or 1)
        logger.warning(
            "export attempt failed",
            extra={"request_id": message.request_id, "error": type(error).__name__, "receive_count": receives},
        )
        if receives >= MAX_RECEIVES:
            for step, failure in export_job().give_up(message.subject_id, message.request_id, type(error).__name__):
                logger.error(
                    f"could not {step} after the last attempt",
                    extra={"request_id": message.request_id, "error": type(failure).__name__},
                    exc_info=failure,
                )
        raise
    extra: dict[str, Any] = {"request_id": message.request_id, "outcome": done.outcome}
    if done.outcome == "ready":
        extra |= {"bytes": done.size, "counts": done.counts}
    logger.info("export handled", extra=extra)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
