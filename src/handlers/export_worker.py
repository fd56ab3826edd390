"""Export worker: builds the archive a data-subject access or portability request asks for (GDPR Art. 15, 20).

An EventBridge rule sends DataSubjectRequestReceived events of type access/portability to the ExportQueue; each
message is one request. The archive (adapters/export_archive.py, streamed: memory stays flat) is uploaded to
`exports/<subject>/<request>.zip` with SSE-KMS, then the request records it.

Idempotent: a request that is closed or already has its archive is skipped, and the key is fixed per request, so
a redelivered message never makes a second export. A failure is retried by SQS; on the last receive the request
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

from adapters.export_archive import archive_key, write_archive
from adapters.s3_archive import MultipartUploadWriter, delete_object
from adapters.zip_archive import ZipArchiveWriter
from observability import logger
from wiring.erasure import deletions
from wiring.requests import export_disclosure, export_settings, request_store, requests
from wiring.shared import clock

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


def subject_gone(subject_id: str) -> bool:
    """Purged, or due (the purge may be deleting the partition and the exports now): one BatchGetItem."""
    return deletions().status(subject_id).gone_at(clock().now())


def export(subject_id: str, request_id: str) -> None:
    request = request_store().get(subject_id, request_id)
    if request is not None and request.is_export and request.status == "rejected":
        # Rejected (by the subject's purge, or an operator) while an attempt was uploading: no archive may stand
        # for it. The attempt deletes its own after the rejection; this redelivery finishes that if it failed.
        delete_object(export_settings().exports_bucket, archive_key(request))
        logger.info("export skipped: request rejected", extra={"request_id": request_id})
        return
    if request is None or not request.is_open or not request.is_export or request.export_key is not None:
        logger.info("export skipped: request missing, closed or already exported", extra={"request_id": request_id})
        return
    if subject_gone(subject_id):
        requests().purged_meanwhile(request)
        logger.info("export skipped: subject purged", extra={"request_id": request_id})
        return
    request = requests().start_export(request)
    config, generated_at, key = export_settings(), clock().now(), archive_key(request)
    disclosure = export_disclosure()  # the active policy's Art. 15(1) details: no AWS call
    with (
        MultipartUploadWriter(config.exports_bucket, key, kms_key_id=config.export_kms_key_id) as upload,
        ZipArchiveWriter(upload) as archive,
    ):
        counts = write_archive(archive, request, generated_at, config.subjects_table, disclosure)
    if subject_gone(subject_id):
        # The purge started during the upload, and may have listed the exports before this one landed: the archive
        # would outlive it. The request closes first (audited), then the archive goes (a redelivery retries that).
        requests().purged_meanwhile(request)
        delete_object(config.exports_bucket, key)
        logger.info("export discarded: subject purged during the upload", extra={"request_id": request_id})
        return
    requests().export_ready(request, key=key, sha256=upload.hexdigest(), counts=counts)
    logger.info("export ready", extra={"request_id": request_id, "bytes": upload.bytes_written, "counts": counts})


def mark_failed(subject_id: str, request_id: str, reason: str) -> None:
    """The last attempt failed: say so on the request, and delete the archive an attempt may have uploaded before
    it failed to record it (a copy of the subject's data that no completed request stands for). Best effort, each
    step on its own: never hides the original error."""
    try:
        request = request_store().get(subject_id, request_id)
    except Exception:  # noqa: BLE001 - logged; the caller re-raises the error that matters
        logger.exception("could not read the request to mark it failed", extra={"request_id": request_id})
        return
    if request is None or not request.is_open or request.export_key is not None:
        return  # closed or completed meanwhile: its archive, if any, is the one it stands for
    try:
        delete_object(export_settings().exports_bucket, archive_key(request))
    except Exception:  # noqa: BLE001 - the bucket's lifecycle rule expires a leftover archive
        logger.exception("could not delete the failed export's archive", extra={"request_id": request_id})
    try:
        requests().export_failed(request, reason)
    except Exception:  # noqa: BLE001 - logged; the caller re-raises the error that matters
        logger.exception("could not mark the request failed", extra={"request_id": request_id})


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
        export(message.subject_id, message.request_id)
    except Exception as error:
        receives = int(record.attributes.approximate_receive_count or 1)
        logger.warning(
            "export attempt failed",
            extra={"request_id": message.request_id, "error": type(error).__name__, "receive_count": receives},
        )
        if receives >= MAX_RECEIVES:
            mark_failed(message.subject_id, message.request_id, type(error).__name__)
        raise


@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)
