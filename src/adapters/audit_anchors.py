"""Write-once anchors of the audit chains: one empty object per audit record in a bucket under Object Lock
(compliance mode), its key naming the subject's pseudonym, the record's sequence and its hash, so a listing alone
gives every anchored (sequence, hash) of a subject. Nobody can delete an anchor before its retention ends, and
writing its key again changes nothing a listing shows (the hash is in the key; the bucket keeps every version)."""

import re
from datetime import UTC, datetime
from typing import Any

from adapters.aws import client
from domain.audit.model import Anchor

_PREFIX = "anchors"
_HEX64 = re.compile(r"[0-9a-f]{64}")
_KEY = re.compile(
    r"anchors/(?P<subject>[0-9a-f]{64})/(?P<sequence>\d{12})-(?P<hash>[0-9a-f]{64})(?:-until-(?P<until>\d{1,12}))?"
)
# The tag of anchors locked only until their record expires; the bucket's lifecycle rule deletes them after that.
EXPIRING_TAG = "retention=visitor"


class AuditAnchors:
    def __init__(self, bucket: str, s3: Any | None = None) -> None:
        self.bucket = bucket
        self._s3 = s3 if s3 is not None else client("s3")

    def anchor(self, subject: str, sequence: int, record_hash: str, expires_at: int | None = None) -> None:
        """Anchors a record. Idempotent: a stream retry writes the same key (and an identical version).

        A record that expires (`expires_at`, a visitor's) gets an anchor locked until that moment instead of the
        bucket's default retention, named with it (so a verifier knows the record may be gone after it) and tagged
        for the lifecycle rule that deletes it then."""
        if not (_HEX64.fullmatch(subject) and _HEX64.fullmatch(record_hash) and 1 <= sequence < 10**12):
            raise ValueError("not an audit record's pseudonym, sequence and hash")
        if expires_at is not None and not 0 < expires_at < 10**12:
            raise ValueError("not an audit record's expiry")
        # A bucket with Object Lock takes a write only with a checksum of its content.
        put: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": _key(subject, sequence, record_hash, expires_at),
            "Body": b"",
            "ChecksumAlgorithm": "SHA256",
        }
        if expires_at is not None:
            put["ObjectLockMode"] = "COMPLIANCE"
            put["ObjectLockRetainUntilDate"] = datetime.fromtimestamp(expires_at, tz=UTC)
            put["Tagging"] = EXPIRING_TAG
        self._s3.put_object(**put)

    def of(self, subject: str) -> list[Anchor]:
        """Every anchor of the subject, in sequence order (two for one sequence if someone anchored a second)."""
        pages = self._s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{_PREFIX}/{subject}/")
        anchors = []
        for page in pages:
            for item in page.get("Contents", []):
                found = _KEY.fullmatch(item["Key"])
                if found and found["subject"] == subject:
                    until = int(found["until"]) if found["until"] else None
                    anchors.append(Anchor(sequence=int(found["sequence"]), hash=found["hash"], expires_at=until))
        return anchors


def _key(subject: str, sequence: int, record_hash: str, expires_at: int | None = None) -> str:
    until = f"-until-{expires_at}" if expires_at is not None else ""
    return f"{_PREFIX}/{subject}/{sequence:012d}-{record_hash}{until}"
