"""Object storage reads for the bulk sources: arXiv's and bioRxiv/medRxiv's requester-pays buckets, PMC's open one.

boto3 rather than s3fs: every call takes `RequestPayer` explicitly (so a requester-pays bucket is never read by
accident from a code path that forgot it), ranged GETs are plain parameters (resuming a dropped download,
reading a zip's central directory without downloading the zip), and botocore's standard retry mode retries
throttling and 5xx answers. Credentials and endpoint come from `S3Settings`, never from the environment
directly, so tests point the store at a local S3-compatible server.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from pathlib import Path

import boto3
import botocore
import botocore.config
import botocore.exceptions

from s1mm_assets.lib.settings import S3Settings
from s1mm_assets.lib.sources.integrity import DownloadedFile, Expected, HashingSink

_CHUNK = 1 << 20
_READ_AHEAD = 1 << 16
# A body stream that breaks off mid-transfer: resumed with a ranged GET from the last byte written.
_STREAM_ERRORS = (
    botocore.exceptions.ResponseStreamingError,
    botocore.exceptions.IncompleteReadError,
    botocore.exceptions.ReadTimeoutError,
    botocore.exceptions.ConnectionClosedError,
    botocore.exceptions.EndpointConnectionError,
    ConnectionError,
)


class S3Failure(RuntimeError):
    """An S3 request that failed for good; `not_found` when the object or bucket does not exist."""

    def __init__(self, uri: str, detail: str, *, not_found: bool = False):
        super().__init__(f"{uri}: {detail}")
        self.uri = uri
        self.detail = detail
        self.not_found = not_found


@dataclasses.dataclass(frozen=True)
class S3Object:
    key: str
    size: int
    etag: str  # without quotes; the md5 of the content unless the object was uploaded in parts ("-" inside)


@dataclasses.dataclass
class S3Stats:
    requests: int = 0
    bytes_received: int = 0
    by_operation: dict[str, int] = dataclasses.field(default_factory=dict)


class S3Store:
    """Reads from one bucket, paying for requests when the bucket is requester-pays."""

    def __init__(self, settings: S3Settings, bucket: str, *, requester_pays: bool, anonymous: bool = False):
        self.bucket = bucket
        self.requester_pays = requester_pays
        self.settings = settings
        self.stats = S3Stats()
        config = botocore.config.Config(
            retries={"max_attempts": settings.s3_max_attempts, "mode": "standard"},
            s3={"addressing_style": "path"} if settings.s3_endpoint_url else {},
            signature_version=botocore.UNSIGNED if anonymous else None,
        )
        credentials = {}
        if settings.s3_access_key_id and not anonymous:
            credentials = {
                "aws_access_key_id": settings.s3_access_key_id,
                "aws_secret_access_key": settings.s3_secret_access_key,
            }
        self._client = boto3.session.Session().client(
            "s3",
            endpoint_url=settings.s3_endpoint_url or None,
            region_name=settings.s3_region,
            config=config,
            **credentials,
        )

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def list_objects(self, prefix: str) -> Iterator[S3Object]:
        """Every object under `prefix`, in key order."""
        for page in self._pages(Prefix=prefix):
            for item in page.get("Contents", ()):
                yield S3Object(item["Key"], int(item["Size"]), item.get("ETag", "").strip('"'))

    def list_folders(self, prefix: str) -> list[str]:
        """The "folders" directly under `prefix` (common prefixes with delimiter `/`)."""
        folders = []
        for page in self._pages(Prefix=prefix, Delimiter="/"):
            folders.extend(entry["Prefix"] for entry in page.get("CommonPrefixes", ()))
        return folders

    def head(self, key: str) -> S3Object:
        response = self._call("head_object", key, Key=key)
        return S3Object(key, int(response["ContentLength"]), response.get("ETag", "").strip('"'))

    def read(self, key: str, *, byte_range: tuple[int, int] | None = None) -> bytes:
        """The object's bytes (or bytes start..end inclusive); small objects only."""
        extra = {"Range": f"bytes={byte_range[0]}-{byte_range[1]}"} if byte_range else {}
        response = self._call("get_object", key, Key=key, **extra)
        try:
            content = response["Body"].read()
        except _STREAM_ERRORS as error:
            raise S3Failure(self.uri(key), f"{type(error).__name__}: {error}") from error
        self.stats.bytes_received += len(content)
        return content

    def download(self, key: str, destination: Path, *, expected: Expected | None = None) -> DownloadedFile:
        """Stream the object into `destination`; a stream broken off mid-way is resumed with a ranged GET."""
        sink = HashingSink(destination)
        try:
            for attempt in range(self.settings.s3_resume_attempts + 1):
                extra = {"Range": f"bytes={sink.size}-"} if sink.size else {}
                response = self._call("get_object", key, Key=key, **extra)
                try:
                    for chunk in response["Body"].iter_chunks(_CHUNK):
                        sink.write(chunk)
                        self.stats.bytes_received += len(chunk)
                    break
                except _STREAM_ERRORS as error:
                    if attempt == self.settings.s3_resume_attempts:
                        raise S3Failure(self.uri(key), f"stream broken {attempt + 1} times: {error}") from error
        except BaseException:
            sink.abandon()
            raise
        return sink.finish(expected)

    def open_ranged(self, key: str, size: int | None = None) -> RangedObject:
        """A seekable read-only file over the object that fetches only the ranges read (zip directories)."""
        return RangedObject(self, key, self.head(key).size if size is None else size)

    def _pages(self, **kwargs: str) -> Iterator[dict]:
        paginator = self._client.get_paginator("list_objects_v2")
        if self.requester_pays:
            kwargs["RequestPayer"] = "requester"
        try:
            for page in paginator.paginate(Bucket=self.bucket, **kwargs):
                self._count("list_objects_v2")
                yield page
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise _failure(self.uri(kwargs.get("Prefix", "")), error) from error

    def _call(self, operation: str, key: str, **kwargs: str) -> dict:
        if self.requester_pays:
            kwargs["RequestPayer"] = "requester"
        self._count(operation)
        try:
            return getattr(self._client, operation)(Bucket=self.bucket, **kwargs)
        except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as error:
            raise _failure(self.uri(key), error) from error

    def _count(self, operation: str) -> None:
        self.stats.requests += 1
        self.stats.by_operation[operation] = self.stats.by_operation.get(operation, 0) + 1


class RangedObject(io.RawIOBase):
    """Read-only, seekable view of an S3 object, fetching what is read in ranges of at least 64 KiB."""

    def __init__(self, store: S3Store, key: str, size: int):
        super().__init__()
        self._store, self._key, self._size = store, key, size
        self._position = 0
        self._buffer_start, self._buffer = 0, b""

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, target: bytearray | memoryview) -> int:
        wanted = min(len(target), self._size - self._position)
        if wanted <= 0:
            return 0
        buffer_end = self._buffer_start + len(self._buffer)
        if not (self._buffer_start <= self._position and self._position + wanted <= buffer_end):
            end = min(self._size, self._position + max(wanted, _READ_AHEAD)) - 1
            self._buffer_start, self._buffer = (
                self._position,
                self._store.read(self._key, byte_range=(self._position, end)),
            )
        offset = self._position - self._buffer_start
        chunk = self._buffer[offset : offset + wanted]
        target[: len(chunk)] = chunk
        self._position += len(chunk)
        return len(chunk)


def _failure(uri: str, error: Exception) -> S3Failure:
    code = ""
    if isinstance(error, botocore.exceptions.ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
    return S3Failure(uri, f"{type(error).__name__}: {error}", not_found=code in ("NoSuchKey", "NoSuchBucket", "404"))
