"""Incremental ZIP archives over a non-seekable stream (an S3 multipart upload), with a SHA-256 per member
computed while the data streams through, so a manifest can list the checksums without reading anything back."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import dataclass
from types import TracebackType
from typing import Any, BinaryIO, Self, cast

MEMBER_BLOCK_SIZE = 64 * 1024  # bytes handed to zipfile per write of an archive member


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
