"""Inactivity worker: each subject the sweep found inactive goes through the policy's inactivity rule
(domain.erasure.inactivity: an export first where the policy promises one, removal after the grace, the SubjectInactive
notice through the outbox so the host application can tell them). Failed records are reported individually, so a
retry repeats only them; the use case is safe to repeat for the same message.
"""

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import adapters.inactivity_store  # noqa: F401 - at init, with boto3: every message needs it (Lambda's init runs at full CPU)
from observability import logger
from wiring.erasure import inactive_accounts

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@dataclass(frozen=True)
class InactiveSubject:
    """A message of the inactivity sweep: ids and a day, nothing personal."""

    subject_id: str
    inactive_since: date

    @classmethod
    def from_body(cls, body: str) -> "InactiveSubject":
        """A malformed message raises: redelivered, then dead-lettered for someone to look at."""
        message = json.loads(body)
        subject_id = message.get("subject_id") if isinstance(message, dict) else None
        if not isinstance(subject_id, str) or not 1 <= len(subject_id) <= 128:
            raise ValueError("subject_id must be a string of 1 to 128 characters")
        return cls(subject_id=subject_id, inactive_since=date.fromisoformat(str(message.get("inactive_since"))))


def handle_record(record: SQSRecord) -> None:
    message = InactiveSubject.from_body(record.body)
    removal = inactive_accounts().remove(message.subject_id, message.inactive_since)
    extra: dict[str, Any] = {"message_id": record.message_id, "outcome": removal.outcome}
    if removal.purge_at is not None:
        extra["purge_at"] = removal.purge_at.isoformat()
    if removal.state is not None:
        extra["state"] = removal.state
    logger.info("inactive account handled", extra=extra)


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    # Built before the batch: a configuration the policy refuses fails the invocation, not message after message.
    inactive_accounts()
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
