"""Downloads written to a file while their size and checksums are computed, then checked against what was announced.

Both the HTTP client and the S3 store stream into a `HashingSink`, so a resumed download (bytes appended after
a dropped connection) is hashed exactly once and the sha256 returned is that of the bytes on disk.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path


class IntegrityError(ValueError):
    """The bytes received are not what the service announced; `reason` is size_mismatch or checksum_mismatch."""

    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class Expected:
    """What the service says the file should be; None where it says nothing."""

    size: int | None = None
    md5: str | None = None
    sha256: str | None = None


@dataclasses.dataclass(frozen=True)
class DownloadedFile:
    path: Path
    size: int
    sha256: str
    md5: str


class HashingSink:
    """Writes chunks to `path`, keeping length, sha256 and md5 of everything written so far."""

    def __init__(self, path: Path):
        self.path = path
        self._handle = open(path, "wb")  # noqa: SIM115 - kept open across resumed attempts, closed in finish()
        self.reset()

    def reset(self) -> None:
        """Start over (the server ignored a range request and sent the whole file again)."""
        self._handle.seek(0)
        self._handle.truncate()
        self.size = 0
        self._sha256 = hashlib.sha256()
        self._md5 = hashlib.md5(usedforsecurity=False)

    def write(self, chunk: bytes) -> None:
        self._handle.write(chunk)
        self._sha256.update(chunk)
        self._md5.update(chunk)
        self.size += len(chunk)

    def finish(self, expected: Expected | None) -> DownloadedFile:
        """Close the file and check it; IntegrityError (and the file removed) when it is not what was announced."""
        self._handle.close()
        result = DownloadedFile(self.path, self.size, self._sha256.hexdigest(), self._md5.hexdigest())
        try:
            check(result, expected)
        except IntegrityError:
            self.path.unlink(missing_ok=True)
            raise
        return result

    def abandon(self) -> None:
        self._handle.close()
        self.path.unlink(missing_ok=True)


def check(result: DownloadedFile, expected: Expected | None) -> None:
    if expected is None:
        return
    if expected.size is not None and result.size != expected.size:
        raise IntegrityError("size_mismatch", f"{result.size} bytes received, {expected.size} announced")
    if expected.md5 and result.md5 != expected.md5.lower():
        raise IntegrityError("checksum_mismatch", f"md5 {result.md5}, announced {expected.md5}")
    if expected.sha256 and result.sha256 != expected.sha256.lower():
        raise IntegrityError("checksum_mismatch", f"sha256 {result.sha256}, announced {expected.sha256}")


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
