"""The caption cache: every answer a model gave, kept in the lake so no figure is ever paid for twice.

An answer is keyed by what decides it: the image (sha256), the text the model read (the prompt's context hash,
which covers title, abstract, citing sentences and raw caption), the prompt version, the backend, the model and
its sampling settings. A changed prompt or model therefore misses; a rerun, a resumed partition or a duplicate
figure hits.

Answers are written as they arrive, a batch at a time, each batch one atomic Parquet file under
`caches/captions/source=<s>/month=<m>/`, so a run killed mid-partition loses at most the batch in progress.
When the partition completes, the batches are compacted into one file. Only answers are cached: a figure that
failed because the server could not be reached is asked again next time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import uuid
from collections.abc import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from s1mm_assets.lib.caption.base import CaptionBackend, CaptionRequest, CaptionResult
from s1mm_assets.lib.caption.prompt import build_prompt
from s1mm_assets.lib.lake import Lake

CACHE_ROOT = "caches/captions"
_COMPACTED = "compacted.parquet"

CAPTION_CACHE = pa.schema(
    [
        pa.field("cache_key", pa.string(), nullable=False),
        pa.field("image_sha256", pa.string()),
        pa.field("context_sha256", pa.string()),
        pa.field("prompt_version", pa.string()),
        pa.field("backend", pa.string()),
        pa.field("model", pa.string()),
        pa.field("settings", pa.string()),
        pa.field("figure_id", pa.string()),  # the figure that paid for the answer (others may share it)
        pa.field("enhanced_caption", pa.string()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("prompt_tokens", pa.int32()),
        pa.field("completion_tokens", pa.int32()),
        pa.field("latency_s", pa.float64()),
        pa.field("finish_reason", pa.string()),
        pa.field("attempts", pa.int32()),
    ]
)

# CaptionResult fields stored as they are.
_RESULT_FIELDS = (
    "enhanced_caption",
    "status",
    "error",
    "prompt_tokens",
    "completion_tokens",
    "latency_s",
    "finish_reason",
    "attempts",
)


@dataclasses.dataclass(frozen=True)
class CacheKey:
    image_sha256: str
    context_sha256: str
    prompt_version: str
    backend: str
    model: str
    settings: str

    @property
    def digest(self) -> str:
        return hashlib.sha256(json.dumps(dataclasses.astuple(self)).encode()).hexdigest()


def cache_key(request: CaptionRequest, backend: CaptionBackend) -> CacheKey:
    return CacheKey(
        image_sha256=request.image_sha256 or "",
        context_sha256=build_prompt(request).sha256(),
        prompt_version=backend.prompt_version,
        backend=backend.name,
        model=backend.model or "",
        settings=backend.settings_fingerprint(),
    )


class CaptionCache:
    """The cached answers of one partition."""

    def __init__(self, lake: Lake, source: str, month: str):
        self.lake = lake
        self.folder = f"{CACHE_ROOT}/source={source}/month={month}"

    def load(self) -> dict[str, dict]:
        """Cached rows by key digest, from every batch file and the compacted file."""
        rows: dict[str, dict] = {}
        for path in self._files():
            for row in self.lake.read_parquet(path).to_pylist():
                rows[row["cache_key"]] = row
        return rows

    def append(self, answers: Iterable[tuple[CacheKey, CaptionResult]]) -> str | None:
        """Write one batch of answers as its own file, atomically. Returns its lake-relative path."""
        rows = [_row(key, result) for key, result in answers]
        if not rows:
            return None
        relative = f"{self.folder}/batch-{uuid.uuid4().hex}.parquet"
        self.lake.write_bytes(relative, _parquet(rows))
        return relative

    def compact(self) -> None:
        """Fold every batch file into the one compacted file; a crash halfway leaves duplicates, never gaps."""
        batches = [path for path in self._files() if not path.endswith("/" + _COMPACTED)]
        if not batches:
            return
        rows = list(self.load().values())
        self.lake.write_bytes(f"{self.folder}/{_COMPACTED}", _parquet(rows))
        for path in batches:
            with contextlib.suppress(FileNotFoundError):
                self.lake.fs.rm_file(path)

    def _files(self) -> list[str]:
        folder = self.lake.path(self.folder)
        if not self.lake.fs.exists(folder):
            return []
        # The compacted file first, so batches written after it (a later run) win.
        names = sorted(self.lake.fs.glob(f"{folder}/*.parquet"), key=lambda path: not path.endswith(_COMPACTED))
        return names


def result_from_row(row: dict, figure_id: str) -> CaptionResult:
    """A cached answer, as the result for `figure_id` (which may be another figure with the same inputs)."""
    return CaptionResult(
        figure_id=figure_id,
        backend=row["backend"],
        model=row["model"] or None,
        prompt_version=row["prompt_version"],
        **{name: row[name] for name in _RESULT_FIELDS},
    )


def _row(key: CacheKey, result: CaptionResult) -> dict:
    return {
        "cache_key": key.digest,
        **dataclasses.asdict(key),
        "figure_id": result.figure_id,
        **{name: getattr(result, name) for name in _RESULT_FIELDS},
    }


def _parquet(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pylist(rows, schema=CAPTION_CACHE), buffer, compression="zstd")
    return buffer.getvalue()
