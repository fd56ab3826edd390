"""Inactivity worker: a subject the sweep found inactive gets an export of their data (an access request made by
the system, built by the export worker), then is scheduled for deletion with reason "inactivity" and a grace of
INACTIVITY_GRACE_DAYS, and SubjectInactive is published (through the outbox) so the host application can tell them.

Each message is checked again first: a subject active since the sweep read the index, or no longer active
(pending deletion for another reason, purged, gone), is left alone. Idempotent under redelivery: the deletion
keeps its first date, an export made for this inactivity is not made twice, and the notice has one key per
scheduling. Failed records are reported individually, so a retry repeats only them.
"""

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

import adapters.inactivity_store  # noqa: F401 - at init, with boto3: every message needs it (Lambda's init runs at full CPU)
from domain.erasure.model import SubjectStatus, SubjectUnavailable
from domain.errors import NotFound
from observability import logger
from wiring.erasure import erasure, inactivity, inactivity_settings
from wiring.requests import requests

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


def export_made_since(subject_id: str, last_active: date) -> bool:
    """A system export was already requested in this stretch of inactivity (an earlier attempt at this message)."""
    return any(
        r.type == "access" and r.origin == "system" and r.received_at.date() > last_active
        for r in requests().list_for(subject_id)
    )


def schedule_removal(subject_id: str, last_active: date) -> SubjectStatus:
    if not export_made_since(subject_id, last_active):
        requests().submit(subject_id, "access", origin="system")
    grace = timedelta(days=inactivity_settings().inactivity_grace_days)
    return erasure().schedule_deletion(subject_id, "inactivity", actor="system", grace=grace)


def handle_record(record: SQSRecord) -> None:
    message = InactiveSubject.from_body(record.body)
    subject_id = message.subject_id
    last_active = inactivity().last_active_day(subject_id)
    if last_active is None or last_active > message.inactive_since:
        logger.info("skipped: no profile, or active again since the sweep", extra={"message_id": record.message_id})
        return
    status = erasure().status(subject_id)
    if status.state == "active":
        try:
            status = schedule_removal(subject_id, last_active)
        except (NotFound, SubjectUnavailable):
            logger.info("skipped: the subject went away meanwhile", extra={"message_id": record.message_id})
            return
    pending_for_inactivity = status.state == "pending_deletion" and status.reason == "inactivity"
    if not pending_for_inactivity or status.purge_at is None or status.requested_at is None:
        # Pending deletion for another reason (that deletion stands as it is), or already purged.
        logger.info("skipped: not active", extra={"message_id": record.message_id, "state": status.state})
        return
    # Scheduled now, or by an earlier delivery of this message that may have stopped before the notice.
    noticed = inactivity().notify_inactive(
        subject_id, inactive_since=message.inactive_since, purge_at=status.purge_at, scheduled_at=status.requested_at
    )
    logger.info(
        "scheduled for removal after inactivity" if noticed else "already scheduled for removal after inactivity",
        extra={"message_id": record.message_id, "purge_at": status.purge_at.isoformat()},
    )


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
