"""Streaming ZIP archives into S3 with flat memory, for data-subject exports (GDPR access and portability).

`MultipartUploadWriter` is a write-only file object that turns every `part_size` bytes written into one S3
multipart-upload part, so memory stays around one part whatever the archive's size. `ZipArchiveWriter` writes
members into it one at a time and computes each member's SHA-256 while the data streams through, so a manifest can
list the checksums without anything being read back.

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
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, BinaryIO, Self, cast
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
MEMBER_BLOCK_SIZE = 64 * 1024  # bytes handed to zipfile per write of an archive member
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


@dataclass(frozen=True)
class MemberDigest:
    sha256: str
    size: int  # uncompressed bytes


class _MemberStream(io.RawIOBase):
    """Write side of one archive member: hashes and counts the uncompressed bytes on their way into the ZIP.

    The bytes reach zipfile in blocks of MEMBER_BLOCK_SIZE: an export writes an item's few hundred bytes at a time,
    and every write into a ZIP member costs a CRC update, a compressor call and a write underneath (a quarter of an
    export's own time before; docs/performance.md). The archive is the same byte for byte.
    """

    def __init__(self, target: BinaryIO | Any) -> None:
        super().__init__()
        self._target = target
        self._sha256 = hashlib.sha256()
        self._pending = bytearray()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any, /) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed archive member")
        view = memoryview(b).cast("B")
        self._sha256.update(view)
        self.size += view.nbytes
        self._pending += view
        if len(self._pending) >= MEMBER_BLOCK_SIZE:
            self._target.write(self._pending)
            self._pending = bytearray()
        return view.nbytes

    def finish(self) -> None:
        """Hand what is still buffered to zipfile; the member is complete."""
        if self._pending:
            self._target.write(self._pending)
            self._pending = bytearray()

    def close(self) -> None:
        self._pending = bytearray()  # after finish() nothing is left; on failure the rest is dropped with the member
        super().close()

    def digest(self) -> MemberDigest:
        return MemberDigest(sha256=self._sha256.hexdigest(), size=self.size)


class ZipArchiveWriter:
    """Incremental, deflated ZIP over a (non-seekable) binary stream, with a streamed SHA-256 per member.

    `close()` writes the central directory but leaves the underlying stream open: the caller completes or aborts it.
    """

    def __init__(self, stream: Any, *, compresslevel: int | None = None) -> None:
        self._zip = zipfile.ZipFile(stream, mode="w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.members: dict[str, MemberDigest] = {}
        self._closed = False

    def open_member(self, name: str) -> AbstractContextManager[BinaryIO]:
        """Write one member; its `MemberDigest` lands in `members` when the block exits without an exception."""
        return self._open_member(name)

    @contextmanager
    def _open_member(self, name: str) -> Iterator[BinaryIO]:
        if self._closed:
            raise ValueError("archive is closed")
        if name in self.members or name in self._zip.NameToInfo:
            raise ValueError(f"duplicate archive member: {name}")
        target = self._zip.open(name, mode="w", force_zip64=True)
        member = _MemberStream(target)
        try:
            yield cast(BinaryIO, member)  # a write-only binary stream; typeshed keeps io.RawIOBase apart
            member.finish()
        except BaseException:
            member.close()
            # The archive is abandoned and the stream underneath may be aborted already: release the member
            # (zipfile refuses to go on while one is open) without letting a follow-on error hide the first one.
            with suppress(Exception):
                target.close()
            raise
        member.close()
        target.close()  # compresses the tail, writes the data descriptor
        self.members[name] = member.digest()

    def write_text(self, name: str, text: str, encoding: str = "utf-8") -> MemberDigest:
        with self.open_member(name) as member:
            member.write(text.encode(encoding))
        return self.members[name]

    def close(self) -> None:
        """Write the central directory. Idempotent."""
        if not self._closed:
            self._closed = True
            self._zip.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
            return
        # Failing: the stream underneath is to be aborted, so write no central directory into it - and never let
        # an error writing one hide the original. Detached, the ZipFile closes (also when collected) as a no-op.
        self._closed = True
        self._zip.fp = None


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


def delete_prefix(bucket: str, prefix: str, s3: Any = None, *, batch_size: int = DELETE_BATCH_SIZE) -> int:
    """Delete every object under `prefix`; returns how many. Current versions only on a versioned bucket."""
    if not prefix:
        raise ValueError("refusing to delete a whole bucket: prefix must not be empty")
    if not 1 <= batch_size <= DELETE_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {DELETE_BATCH_SIZE}")
    s3 = s3 if s3 is not None else client("s3")
    deleted = 0
    batch: list[dict[str, str]] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for item in page.get("Contents", []):
            batch.append({"Key": item["Key"]})
            if len(batch) == batch_size:
                deleted += _delete_batch(s3, bucket, batch)
                batch = []
    if batch:
        deleted += _delete_batch(s3, bucket, batch)
    return deleted


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
