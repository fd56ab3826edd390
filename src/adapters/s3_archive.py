"""S3 for data-subject exports: a multipart upload written as a file, object checks and deletes, download links.

`MultipartUploadWriter` is a write-only file object that turns every `part_size` bytes written into one S3
multipart-upload part, so memory stays around one part whatever the archive's size. `adapters.zip_archive` writes
the ZIP into it, member by member:

    with MultipartUploadWriter(bucket, key, kms_key_id=key_id) as upload:
        with ZipArchiveWriter(upload) as archive:
            with archive.open_member("items.jsonl") as member:
                for item in items:
                    member.write(encode(item))
            archive.write_text("manifest.json", manifest(archive.members))
    record(key, upload.bytes_written, upload.hexdigest())

Nothing partial is ever published: an exception inside the `with` aborts the multipart upload, and a writer that is
garbage-collected unclosed is never completed (the bucket's AbortIncompleteMultipartUpload lifecycle rule reclaims
the parts in that case).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from adapters.aws import client

MIN_PART_SIZE = 5 * 1024 * 1024  # S3's minimum for every part but the last
DEFAULT_PART_SIZE = 8 * 1024 * 1024
MAX_PARTS = 10_000  # S3's maximum number of parts in one upload
DELETE_BATCH_SIZE = 1000  # S3's maximum number of keys in one DeleteObjects request
MAX_PRESIGNED_EXPIRY_SECONDS = 3600
_NOT_FOUND_CODES = frozenset({"404", "NoSuchKey", "NotFound"})
_PRESIGN_CONFIG = Config(signature_version="s3v4")


class MultipartUploadWriter(io.RawIOBase):
    """Write-only, non-seekable binary stream into one S3 object, uploaded part by part.

    The multipart upload is created lazily with the first full part; an object that never grows past one part is
    stored with a single PutObject on `close()`. Objects are always encrypted with SSE-KMS (with `kms_key_id` when
    given, otherwise the account's aws/s3 key).
    """

    def __init__(
        self,
        bucket: str,
        key: str,
        *,
        kms_key_id: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
        s3: Any = None,
        content_type: str = "application/zip",
    ) -> None:
        super().__init__()
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum part size)")
        self.bucket = bucket
        self.key = key
        self.part_size = part_size
        self.bytes_written = 0
        self._s3 = s3 if s3 is not None else client("s3")
        self._content_type = content_type
        self._encryption: dict[str, str] = {"ServerSideEncryption": "aws:kms"}
        if kms_key_id is not None:
            self._encryption["SSEKMSKeyId"] = kms_key_id
        self._sha256 = hashlib.sha256()
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self._aborted = False

    # -- io.RawIOBase -------------------------------------------------------------------------------------------

    def writable(self) -> bool:
        return True

    def readable(self) -> bool:
        return False

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        """Bytes written so far; zipfile needs it for header offsets on a non-seekable stream."""
        self._check_open()
        return self.bytes_written

    def write(self, b: Any, /) -> int:
        self._check_open()
        view = memoryview(b).cast("B")
        size = view.nbytes
        self._sha256.update(view)
        self.bytes_written += size
        try:
            while view:
                room = self.part_size - len(self._buffer)
                self._buffer += view[:room]
                view = view[room:]
                if len(self._buffer) >= self.part_size:
                    self._upload_buffered_part()
        except BaseException:
            self.abort()
            raise
        return size

    def close(self) -> None:
        """Upload what is buffered and publish the object; a no-op when already closed or aborted."""
        if self.closed:
            return
        try:
            if self._upload_id is None:
                self._s3.put_object(
                    Bucket=self.bucket,
                    Key=self.key,
                    Body=bytes(self._buffer),
                    ContentType=self._content_type,
                    **self._encryption,
                )
            else:
                if self._buffer:
                    self._upload_buffered_part()
                self._s3.complete_multipart_upload(
                    Bucket=self.bucket,
                    Key=self.key,
                    UploadId=self._upload_id,
                    MultipartUpload={"Parts": self._parts},
                )
                self._upload_id = None
        except BaseException:
            self.abort()
            raise
        self._buffer = bytearray()
        super().close()

    def __del__(self) -> None:
        # io.IOBase would close() - and so publish - a writer dropped unclosed. Never publish a partial object;
        # no S3 call from a finalizer either: the bucket's lifecycle rule reclaims an abandoned upload's parts.
        if self.closed or not hasattr(self, "_aborted"):  # closed, or __init__ refused its arguments
            return
        warnings.warn(
            f"unclosed MultipartUploadWriter for s3://{self.bucket}/{self.key}: not published", ResourceWarning, 2
        )
        self._buffer = bytearray()
        self._aborted = True
        super().close()

    # -- lifecycle ----------------------------------------------------------------------------------------------

    def abort(self) -> None:
        """Discard everything: abort the in-flight multipart upload, if any, and close. Idempotent."""
        if self._aborted:
            return
        self._aborted = True
        self._buffer = bytearray()
        upload_id, self._upload_id = self._upload_id, None
        try:
            if upload_id is not None:
                self._s3.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=upload_id)
        finally:
            super().close()

    def __enter__(self) -> Self:
        self._check_open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    @property
    def aborted(self) -> bool:
        return self._aborted

    def hexdigest(self) -> str:
        """SHA-256 of every byte written so far, i.e. of the whole object once closed."""
        return self._sha256.hexdigest()

    # -- internals ----------------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self.closed:
            raise ValueError("I/O operation on closed MultipartUploadWriter")

    def _upload_buffered_part(self) -> None:
        if self._upload_id is None:
            created = self._s3.create_multipart_upload(
                Bucket=self.bucket, Key=self.key, ContentType=self._content_type, **self._encryption
            )
            self._upload_id = created["UploadId"]
        part_number = len(self._parts) + 1
        if part_number > MAX_PARTS:
            raise ValueError(f"archive exceeds {MAX_PARTS} parts of {self.part_size} bytes; raise part_size")
        # bytes, not the bytearray: botocore wraps a bytearray body in a BytesIO copy but shares a bytes one. The
        # buffer is dropped before the upload, so two parts' worth of memory exist only during this copy.
        body, self._buffer = bytes(self._buffer), bytearray()
        uploaded = self._s3.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=part_number, Body=body
        )
        self._parts.append({"PartNumber": part_number, "ETag": uploaded["ETag"]})


def object_exists(bucket: str, key: str, s3: Any = None) -> bool:
    s3 = s3 if s3 is not None else client("s3")
    try:
        s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in _NOT_FOUND_CODES:
            return False
        raise
    return True


def delete_object(bucket: str, key: str, s3: Any = None) -> None:
    """Idempotent: S3 answers a key that is not there like one it deleted."""
    s3 = s3 if s3 is not None else client("s3")
    s3.delete_object(Bucket=bucket, Key=key)


def list_keys(bucket: str, prefix: str, s3: Any = None) -> list[str]:
    """The key of every object under `prefix` (one ListObjectsV2 per 1,000), e.g. to say what `delete_objects`
    will delete before deleting it."""
    if not prefix:
        raise ValueError("refusing to list a whole bucket: prefix must not be empty")
    s3 = s3 if s3 is not None else client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def delete_objects(bucket: str, keys: list[str], s3: Any = None, *, batch_size: int = DELETE_BATCH_SIZE) -> int:
    """Delete exactly these objects (one DeleteObjects per `batch_size`, none for no keys); returns how many."""
    if not 1 <= batch_size <= DELETE_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {DELETE_BATCH_SIZE}")
    if not keys:
        return 0
    s3 = s3 if s3 is not None else client("s3")
    return sum(
        _delete_batch(s3, bucket, [{"Key": key} for key in keys[start : start + batch_size]])
        for start in range(0, len(keys), batch_size)
    )


def _delete_batch(s3: Any, bucket: str, batch: list[dict[str, str]]) -> int:
    response = s3.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
    errors = response.get("Errors", [])
    if errors:
        first = errors[0]
        raise RuntimeError(
            f"failed to delete {len(errors)} of {len(batch)} objects in s3://{bucket}, "
            f"first {first.get('Key')}: {first.get('Code')} {first.get('Message')}"
        )
    return len(batch)


def presigned_download_url(bucket: str, key: str, expires_in: int, s3: Any = None) -> str:
    """A SigV4 GET URL valid for `expires_in` seconds (1 to 3600).

    SigV4 because S3 refuses SigV2 URLs for SSE-KMS objects, and botocore presigns S3 URLs with SigV2 unless the
    client was created with an explicit `signature_version`: hence a dedicated client here, and an injected client
    that still presigns with SigV2 is refused rather than handing out a URL that can only fail.
    """
    if not 1 <= expires_in <= MAX_PRESIGNED_EXPIRY_SECONDS:
        raise ValueError(f"expires_in must be between 1 and {MAX_PRESIGNED_EXPIRY_SECONDS} seconds")
    presigner = s3 if s3 is not None else boto3.client("s3", config=_PRESIGN_CONFIG)
    url: str = presigner.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=expires_in
    )
    if "X-Amz-Signature" not in parse_qs(urlsplit(url).query):
        raise ValueError("the S3 client presigns with SigV2; create it with Config(signature_version='s3v4')")
    return url
