"""Streaming ZIP exports into S3 (adapters.s3_archive) against moto in-process."""

import hashlib
import io
import math
import os
import tracemalloc
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.compat import HTTPHeaders
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from adapters.s3_archive import (
    MultipartUploadWriter,
    delete_objects,
    list_keys,
    object_exists,
    presigned_download_url,
)
from adapters.zip_archive import MemberDigest, ZipArchiveWriter

REGION = "us-east-1"
BUCKET = "privacy-exports-test"
MIB = 1024 * 1024
CHUNK = 64 * 1024


class RecordingS3:
    """Forwards every call to a real client and counts the calls by operation name."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.calls: Counter[str] = Counter()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._inner, name)
        if not callable(attribute):
            return attribute

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls[name] += 1
            return attribute(*args, **kwargs)

        return recorded


class FailingS3(RecordingS3):
    """A recording client whose n-th upload_part fails as S3 would."""

    def __init__(self, inner: Any, fail_on_part: int) -> None:
        super().__init__(inner)
        self._fail_on_part = fail_on_part

    def upload_part(self, **kwargs: Any) -> Any:
        self.calls["upload_part"] += 1
        if self.calls["upload_part"] == self._fail_on_part:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "boom"}}, "UploadPart")
        return self._inner.upload_part(**kwargs)


class _RawBody:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class DiscardingS3Endpoint:
    """S3's network end for botocore's `before-send` event: every request is built, checksummed and signed as for
    real, its body is drained in 64 KB reads as a socket would, and nothing is kept. (moto keeps every part in
    memory, which would swamp a measurement of the writer's own memory.)"""

    def __init__(self) -> None:
        self.parts = 0

    def __call__(self, request: Any, **_: Any) -> AWSResponse:
        body = request.body
        while hasattr(body, "read") and body.read(CHUNK):
            pass
        query = parse_qs(urlsplit(request.url).query, keep_blank_values=True)
        headers = HTTPHeaders()
        if "uploads" in query:
            xml = b"<InitiateMultipartUploadResult><UploadId>upload-1</UploadId></InitiateMultipartUploadResult>"
            return AWSResponse(request.url, 200, headers, _RawBody(xml))
        if "partNumber" in query:
            self.parts += 1
            headers["ETag"] = f'"etag-{self.parts}"'
            return AWSResponse(request.url, 200, headers, _RawBody(b""))
        xml = b"<CompleteMultipartUploadResult><ETag>&quot;etag&quot;</ETag></CompleteMultipartUploadResult>"
        return AWSResponse(request.url, 200, headers, _RawBody(xml))


@pytest.fixture
def mocked_aws() -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def s3(mocked_aws: None) -> Any:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def kms_key_id(mocked_aws: None) -> str:
    key_id: str = boto3.client("kms", region_name=REGION).create_key()["KeyMetadata"]["KeyId"]
    return key_id


def download(s3: Any, key: str) -> bytes:
    body: bytes = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return body


def random_chunks(total: int) -> Iterator[bytes]:
    for _ in range(total // CHUNK):
        yield os.urandom(CHUNK)


def write_archive(writer: MultipartUploadWriter, members: dict[str, Callable[[], Iterator[bytes]]]) -> ZipArchiveWriter:
    with ZipArchiveWriter(writer) as archive:
        for name, chunks in members.items():
            with archive.open_member(name) as member:
                for chunk in chunks():
                    member.write(chunk)
    return archive


def stream_into_a_member(writer: MultipartUploadWriter, size: int, *, then_raise: Exception | None = None) -> None:
    with writer, ZipArchiveWriter(writer) as archive, archive.open_member("blob.bin") as member:
        for chunk in random_chunks(size):
            member.write(chunk)
        if then_raise is not None:
            raise then_raise


def test_small_archive_round_trips_with_streamed_member_and_archive_checksums(s3: Any) -> None:
    # Given two members' contents
    items = b'{"items": [' + b",".join(b'{"id": %d}' % i for i in range(1000)) + b"]}"
    manifest = '{"format": "export-v1", "subject": "ü-1"}'

    # When they are streamed into an archive in S3
    with MultipartUploadWriter(BUCKET, "exports/s-1/archive.zip", s3=s3) as writer, ZipArchiveWriter(writer) as archive:
        with archive.open_member("items.json") as member:
            member.write(items[:100])
            member.write(items[100:])
        archive.write_text("manifest.json", manifest)

    # Then the stored object is a valid ZIP holding exactly those contents
    stored = download(s3, "exports/s-1/archive.zip")
    with zipfile.ZipFile(io.BytesIO(stored)) as unzipped:
        assert unzipped.testzip() is None
        assert unzipped.namelist() == ["items.json", "manifest.json"]
        assert unzipped.read("items.json") == items
        assert unzipped.read("manifest.json").decode() == manifest
    # And the checksums computed while streaming match the contents and the stored object
    assert archive.members == {
        "items.json": MemberDigest(sha256=hashlib.sha256(items).hexdigest(), size=len(items)),
        "manifest.json": MemberDigest(
            sha256=hashlib.sha256(manifest.encode()).hexdigest(), size=len(manifest.encode())
        ),
    }
    assert writer.hexdigest() == hashlib.sha256(stored).hexdigest()
    assert writer.bytes_written == len(stored)


def test_archive_smaller_than_one_part_is_stored_with_a_single_put_object(s3: Any) -> None:
    # Given a writer over a recording client
    recording = RecordingS3(s3)

    # When less than one part is written
    with MultipartUploadWriter(BUCKET, "exports/s-1/small.zip", s3=recording) as writer:
        writer.write(b"x" * 1000)

    # Then one PutObject stored it and no multipart upload was started
    assert recording.calls["put_object"] == 1
    assert recording.calls["create_multipart_upload"] == 0
    assert download(s3, "exports/s-1/small.zip") == b"x" * 1000


def test_large_archive_is_uploaded_in_parts_and_round_trips(s3: Any) -> None:
    # Given a writer with 5 MiB parts over a recording client, and 20 MiB of incompressible data
    recording = RecordingS3(s3)
    part_size = 5 * MIB
    expected = hashlib.sha256()

    def data() -> Iterator[bytes]:
        for chunk in random_chunks(20 * MIB):
            expected.update(chunk)
            yield chunk

    # When the data is streamed into an archive member in 64 KB chunks
    with MultipartUploadWriter(BUCKET, "exports/s-1/large.zip", part_size=part_size, s3=recording) as writer:
        archive = write_archive(writer, {"blob.bin": data})

    # Then it went up as one multipart upload of ceil(size / part size) parts, never as a single PutObject
    assert recording.calls["create_multipart_upload"] == 1
    assert recording.calls["upload_part"] == math.ceil(writer.bytes_written / part_size) >= 5
    assert recording.calls["complete_multipart_upload"] == 1
    assert recording.calls["put_object"] == 0
    # And the stored archive holds the data, with matching streamed checksums
    stored = download(s3, "exports/s-1/large.zip")
    assert writer.hexdigest() == hashlib.sha256(stored).hexdigest()
    with zipfile.ZipFile(io.BytesIO(stored)) as unzipped:
        assert hashlib.sha256(unzipped.read("blob.bin")).hexdigest() == expected.hexdigest()
    assert archive.members["blob.bin"] == MemberDigest(sha256=expected.hexdigest(), size=20 * MIB)


@pytest.mark.parametrize("size", [1000, 6 * MIB], ids=["single-put", "multipart"])
def test_archive_is_encrypted_with_the_given_kms_key(s3: Any, kms_key_id: str, size: int) -> None:
    # Given a writer with a KMS key id
    writer = MultipartUploadWriter(BUCKET, "exports/s-1/encrypted.zip", kms_key_id=kms_key_id, part_size=5 * MIB, s3=s3)

    # When an object is written through it
    with writer:
        writer.write(b"\0" * size)

    # Then the object is encrypted with SSE-KMS under that key
    head = s3.head_object(Bucket=BUCKET, Key="exports/s-1/encrypted.zip")
    assert head["ServerSideEncryption"] == "aws:kms"
    assert head["SSEKMSKeyId"].endswith(kms_key_id)


def test_exception_inside_the_writer_aborts_the_upload_and_publishes_nothing(s3: Any) -> None:
    # Given a writer with 5 MiB parts
    writer = MultipartUploadWriter(BUCKET, "exports/s-1/failed.zip", part_size=5 * MIB, s3=s3)

    # When the export fails inside a member, after 6 MiB (a multipart upload in flight)
    with pytest.raises(RuntimeError, match="export failed"):
        stream_into_a_member(writer, 6 * MIB, then_raise=RuntimeError("export failed"))

    # Then no object exists and no multipart upload is left behind
    assert writer.aborted
    assert not object_exists(BUCKET, "exports/s-1/failed.zip", s3=s3)
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_s3_failure_while_streaming_surfaces_as_itself_and_aborts_the_upload(s3: Any) -> None:
    # Given a client whose second part upload fails
    failing = FailingS3(s3, fail_on_part=2)
    writer = MultipartUploadWriter(BUCKET, "exports/s-1/failed.zip", part_size=5 * MIB, s3=failing)

    # When an archive member streams past that part
    with pytest.raises(ClientError, match="InternalError"):
        stream_into_a_member(writer, 12 * MIB)

    # Then the multipart upload is aborted and nothing is published
    assert writer.aborted
    assert failing.calls["abort_multipart_upload"] == 1
    assert not object_exists(BUCKET, "exports/s-1/failed.zip", s3=s3)
    assert s3.list_multipart_uploads(Bucket=BUCKET).get("Uploads", []) == []


def test_memory_stays_flat_at_about_one_part_whatever_the_size_written() -> None:
    # Given a real botocore client whose requests end in a sink that keeps nothing (no moto, which keeps every part;
    # the unroutable endpoint only guarantees that nothing could ever leave the machine)
    endpoint = DiscardingS3Endpoint()
    s3: Any = boto3.client("s3", region_name=REGION, endpoint_url="http://127.0.0.1:9")
    s3.meta.events.register("before-send.s3", endpoint)
    part_size = 5 * MIB
    chunk = os.urandom(CHUNK)

    # When 40 MiB are written through the writer in 64 KB chunks, under tracemalloc
    tracemalloc.start()
    try:
        with MultipartUploadWriter(BUCKET, "exports/s-1/big.zip", part_size=part_size, s3=s3) as writer:
            for _ in range(40 * MIB // CHUNK):
                writer.write(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Then all of it was uploaded, while the traced peak stayed below three parts
    assert endpoint.parts == 8
    assert writer.bytes_written == 40 * MIB
    assert peak < 3 * part_size


def test_object_exists_only_once_the_object_is_written(s3: Any) -> None:
    # Given an empty bucket
    key = "exports/s-1/archive.zip"
    assert not object_exists(BUCKET, key, s3=s3)

    # When the object is written
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"zip")

    # Then it exists
    assert object_exists(BUCKET, key, s3=s3)


def test_the_objects_listed_under_a_prefix_are_exactly_those_deleted_in_batches(s3: Any) -> None:
    # Given 30 objects under a subject's prefix, and objects of other subjects (one sharing the prefix's text)
    doomed = [f"exports/s-1/{i:02d}.zip" for i in range(30)]
    kept = ["exports/s-10/archive.zip", "exports/s-2/archive.zip", "exports/s-1.zip"]
    for key in doomed + kept:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"zip")
    recording = RecordingS3(s3)

    # When the subject's prefix is listed, then what was listed is deleted in batches of 7
    listed = list_keys(BUCKET, "exports/s-1/", s3=recording)
    deleted = delete_objects(BUCKET, listed, s3=recording, batch_size=7)

    # Then exactly its 30 objects were listed and are gone, in ceil(30 / 7) DeleteObjects calls, and the others remain
    assert sorted(listed) == doomed
    assert deleted == 30
    assert recording.calls["delete_objects"] == 5
    remaining = [item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]
    assert sorted(remaining) == sorted(kept)


@pytest.mark.parametrize("expires_in", [0, 3601])
def test_presigned_download_url_rejects_expiry_outside_one_second_to_one_hour(s3: Any, expires_in: int) -> None:
    # Given an expiry outside 1..3600 seconds
    # When a download URL is requested
    # Then it is refused
    with pytest.raises(ValueError, match="expires_in"):
        presigned_download_url(BUCKET, "exports/s-1/archive.zip", expires_in, s3=s3)


def test_presigned_download_url_is_sigv4_for_the_key_and_expires_as_requested(mocked_aws: None) -> None:
    # Given an archive's key, and the adapter's own client
    key = "exports/s-1/archive.zip"

    # When a download URL valid for 15 minutes is requested
    url = presigned_download_url(BUCKET, key, 900)

    # Then it is a SigV4 URL (S3 refuses SigV2 for SSE-KMS objects) for that key, expiring after 900 seconds
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path.endswith(key)
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Expires"] == ["900"]


def test_presigned_download_url_works_with_an_injected_sigv4_client(mocked_aws: None) -> None:
    # Given a client configured to presign with SigV4
    s3 = boto3.client("s3", region_name=REGION, config=Config(signature_version="s3v4"))

    # When a download URL is requested through it
    url = presigned_download_url(BUCKET, "exports/s-1/archive.zip", 60, s3=s3)

    # Then the URL is the client's SigV4 URL for the key
    assert "exports/s-1/archive.zip" in url
    assert "X-Amz-Signature=" in url


def test_presigned_download_url_refuses_a_client_that_presigns_with_sigv2(s3: Any) -> None:
    # Given a client created without an explicit signature version (botocore then presigns S3 with SigV2)
    # When a download URL is requested through it
    # Then it is refused rather than handing out a URL that fails on SSE-KMS objects
    with pytest.raises(ValueError, match="SigV2"):
        presigned_download_url(BUCKET, "exports/s-1/archive.zip", 60, s3=s3)


def test_part_size_below_s3_minimum_is_rejected(s3: Any) -> None:
    # Given a part size under S3's 5 MiB minimum
    # When a writer is created with it
    # Then it is refused
    with pytest.raises(ValueError, match="part_size"):
        MultipartUploadWriter(BUCKET, "exports/s-1/archive.zip", part_size=5 * MIB - 1, s3=s3)
