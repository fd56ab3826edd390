"""The archive of an export (domain.export has its layout): the subject's partition read page by page and streamed
into the ZIP, CSV tables spooled through a compressed temporary file, so data.json and the CSVs come from the same
read of the partition and memory stays flat."""

import gzip
import itertools
import json
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from typing import IO, Any

from adapters.dynamo_json import from_item
from adapters.partition import subject_item_pages
from adapters.s3_archive import MultipartUploadWriter, delete_object
from adapters.zip_archive import ZipArchiveWriter
from domain.clock import epoch_seconds
from domain.export import (
    DATA_FILE,
    MANIFEST_FILE,
    POLICY_FILE,
    README_FILE,
    DataJsonWriter,
    FileDigest,
    Manifest,
    category_of,
    csv_file_name,
    csv_rows,
    is_expired,
    public_view,
    should_export,
    to_json,
    write_csv,
)
from domain.export_disclosure import PolicyDisclosure, policy_json, readme_text
from domain.requests.export_job import WrittenArchive
from domain.requests.model import DataRequest

# ---------------------------------------------------------------------------------------------------- reading


def archive_key(request: DataRequest) -> str:
    """Fixed per request: a redelivered message never makes a second archive."""
    return f"exports/{request.subject_id}/{request.request_id}.zip"


def subject_items(table: str, subject_id: str, now_epoch: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(category, public view) of every live, exportable item, in sort-key order (so grouped by category)."""
    for page in subject_item_pages(table, subject_id):
        for raw in page:
            item = from_item(raw)
            if not is_expired(item, now_epoch) and should_export(item):
                yield category_of(item), public_view(item)


class CsvSpool:
    """The exported items as gzipped JSON lines in a temporary file, plus each category's columns (CSV needs its
    header first, and only one archive member can be open at a time)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._lines = gzip.GzipFile(fileobj=self._file, mode="wb")
        self.headers: dict[str, dict[str, None]] = {}

    def add(self, category: str, view: dict[str, Any]) -> None:
        self.headers.setdefault(category, {}).update(dict.fromkeys(view))
        self._lines.write(to_json([category, view]).encode("utf-8") + b"\n")

    def categories(self) -> Iterator[tuple[str, Iterator[dict[str, Any]]]]:
        """Each category with its items, in the order added; consume one before asking for the next."""
        self._lines.close()
        self._file.seek(0)
        with gzip.GzipFile(fileobj=self._file, mode="rb") as lines:
            rows = (json.loads(line) for line in lines)
            for category, group in itertools.groupby(rows, key=lambda row: str(row[0])):
                yield category, (row[1] for row in group)

    def close(self) -> None:
        self._lines.close()
        self._file.close()

    def __enter__(self) -> "CsvSpool":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# ---------------------------------------------------------------------------------------------------- writing


def write_archive(
    archive: ZipArchiveWriter,
    request: DataRequest,
    generated_at: datetime,
    table: str,
    disclosure: PolicyDisclosure,
) -> dict[str, int]:
    """Every member of the export, README.txt and policy.json from `disclosure` (the active policy's); returns the
    item count per category."""
    with ExitStack() as stack:
        spool = stack.enter_context(CsvSpool()) if request.format == "csv" else None
        with archive.open_member(DATA_FILE) as member:
            data = DataJsonWriter(member, subject_id=request.subject_id, generated_at=generated_at)
            for category, view in subject_items(table, request.subject_id, epoch_seconds(generated_at)):
                data.add(category, view)
                if spool is not None:
                    spool.add(category, view)
            data.close()
        if spool is not None:
            for category, views in spool.categories():
                with archive.open_member(csv_file_name(category)) as member:
                    write_csv(member, csv_rows(views, list(spool.headers[category])))
    archive.write_text(README_FILE, readme_text(disclosure))
    archive.write_text(POLICY_FILE, policy_json(disclosure))
    manifest = Manifest(
        generated_at=generated_at,
        request_id=request.request_id,
        format=request.format,
        counts=data.counts,
        files={name: FileDigest(sha256=digest.sha256, bytes=digest.size) for name, digest in archive.members.items()},
    )
    archive.write_text(MANIFEST_FILE, manifest.to_json())
    return data.counts


class S3ExportArchives:
    """The archives of exports in the exports bucket (domain.requests.export_job.ArchiveStore): one ZIP per request,
    streamed from the subject's partition through a multipart upload, encrypted with the exports' KMS key."""

    def __init__(self, *, bucket: str, kms_key_id: str, table: str, disclosure: PolicyDisclosure) -> None:
        self.bucket = bucket
        self.kms_key_id = kms_key_id
        self.table = table
        self.disclosure = disclosure

    def key(self, request: DataRequest) -> str:
        return archive_key(request)

    def write(self, request: DataRequest, generated_at: datetime) -> WrittenArchive:
        key = archive_key(request)
        with (
            MultipartUploadWriter(self.bucket, key, kms_key_id=self.kms_key_id) as upload,
            ZipArchiveWriter(upload) as archive,
        ):
            counts = write_archive(archive, request, generated_at, self.table, self.disclosure)
        return WrittenArchive(key=key, sha256=upload.hexdigest(), size=upload.bytes_written, counts=counts)

    def delete(self, key: str) -> None:
        delete_object(self.bucket, key)
