"""Stage 6: publish the partition's passing figures as a verifiable WebDataset release.

releases/<source>/<YYYY-MM>/
    shards/*.tar        WebDataset shards
    metadata.jsonl      one row per sample (also metadata.parquet)
    held_back.jsonl     every figure left out, with its reasons
    README.md           the dataset card, with the release's statistics
    manifest.json       sha256 of all of the above, code, prompt and model versions, and the ownership inputs

A figure is released when it passed every per-figure filter (`quality`) and this partition owns it (`ownership`:
no earlier partition holds the same figure). A partition whose release gate failed is never released.
"""

from __future__ import annotations

import functools
import subprocess
from collections import Counter

from s1mm_assets import __version__
from s1mm_assets.lib import settings
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release import ReleaseSample, write_manifest, write_release
from s1mm_assets.lib.release.card import dataset_card
from s1mm_assets.lib.release.metadata import SCHEMA, sample_metadata
from s1mm_assets.lib.release.shards import write_jsonl
from s1mm_assets.lib.score import grounding
from s1mm_assets.lib.score.dedup import HASH_SIZE
from s1mm_assets.lib.score.row_filter import DUPLICATE
from s1mm_assets.lib.stages.ownership import ownership_version
from s1mm_assets.lib.stages.report import StageReport

HELD_BACK = "held_back.jsonl"
CARD = "README.md"


class ReleaseRefused(RuntimeError):
    """The partition may not be released as the lake stands; the message says why and what to run."""


def release_folder(source: str, month: str) -> str:
    return f"releases/{source}/{month}"


def publish_release(lake: Lake, source: str, month: str) -> StageReport:
    papers = _rows_by(lake, "papers", source, month, "paper_id", _PAPER_COLUMNS)
    quality = _with_ownership(lake, source, month, lake.read_table("quality", source, month).to_pylist())
    released = [row for row in quality if row["passed"]]
    released_ids = {row["figure_id"] for row in released}
    figures = _rows_by(lake, "figures", source, month, "figure_id", _FIGURE_COLUMNS, released_ids)
    captions = _rows_by(lake, "captions", source, month, "figure_id", _CAPTION_COLUMNS, released_ids)
    samples = [
        ReleaseSample(
            key=row["figure_id"],
            image_ref=figures[row["figure_id"]]["image_path"],
            image_format=figures[row["figure_id"]]["image_format"],
            metadata=sample_metadata(
                papers[row["paper_id"]], figures[row["figure_id"]], captions[row["figure_id"]], row
            ),
        )
        for row in released
    ]
    held_back = sorted(
        (
            {
                "figure_id": row["figure_id"],
                "paper_id": row["paper_id"],
                "reasons": row["reasons"],
                "duplicate_of": row["duplicate_of"],
                "duplicate_partition": row["duplicate_partition"],
                "duplicate_kind": row["duplicate_kind"],
                "license_id": row["license_id"],
            }
            for row in quality
            if not row["passed"]
        ),
        key=lambda row: (row["paper_id"], row["figure_id"]),
    )
    header = _manifest_header(source, month, quality, held_back, [captions[row["figure_id"]] for row in released])
    header["ownership"] = _ownership_record(lake, source, month)
    folder = release_folder(source, month)
    with lake.staged_folder(folder) as staging:
        shards = write_release(staging, source, month, samples, read_image=lake.read_bytes, metadata_schema=SCHEMA)
        write_jsonl(staging / HELD_BACK, held_back)
        (staging / CARD).write_text(
            dataset_card(header, [sample.metadata for sample in samples], held_back), encoding="utf-8"
        )
        manifest_sha256, files = write_manifest(staging, header, {shard.name: shard.n_samples for shard in shards})
    published = lake.published_relative(folder)  # on object storage, the version its pointer names
    rows = [
        {
            "source": source,
            "month": month,
            "shard": shard.name,
            "path": f"{published}/{shard.name}",
            "sha256": files[shard.name]["sha256"],
            "n_samples": shard.n_samples,
            "bytes": files[shard.name]["bytes"],
            "release_dir": published,
            "manifest_sha256": manifest_sha256,
        }
        for shard in shards
    ]
    report = StageReport(rows=len(samples), failed=len(held_back), failed_label="held back")
    report.outputs = [folder, lake.write_table("releases", source, month, rows)]
    release_bytes = sum(row["bytes"] for row in rows)
    report.metrics = {
        **{f"held_back_{reason}": count for reason, count in sorted(header["held_back_by_reason"].items())},
        "shards": len(shards),
        "release_bytes": release_bytes,
        "release size": human_bytes(release_bytes),
        "manifest sha256": manifest_sha256,
    }
    report.preview = [(sample.metadata["paper_id"], sample.metadata["recaption"]) for sample in samples[:3]]
    return report


# What the release reads of each earlier stage's table (sample_metadata, the samples and the manifest): a figure's
# citing paragraphs and a paper's abstract, the largest columns, are not held.
_PAPER_COLUMNS = ["paper_id", "title", "categories", "source", "month", "doi", "url", "discipline", "license"]
_FIGURE_COLUMNS = [
    "figure_id",
    "raw_caption",
    "label",
    "number",
    "width",
    "height",
    "image_sha256",
    "image_path",
    "image_format",
]
_CAPTION_COLUMNS = ["figure_id", "enhanced_caption", "backend", "model", "prompt_version"]


def _rows_by(
    lake: Lake, table: str, source: str, month: str, key: str, columns: list[str], only: set[str] | None = None
) -> dict[str, dict]:
    """The table's rows by `key`; those whose key is in `only`, when given."""
    return {
        row[key]: row
        for batch in lake.iter_rows(table, source, month, columns)
        for row in batch
        if only is None or row[key] in only
    }


def human_bytes(count: int) -> str:
    """A size as a person reads it: 1.4 MB (decimal units, as file managers show them)."""
    if count < 1000:
        return f"{count} bytes"
    size = count / 1000
    for unit in ("kB", "MB", "GB"):
        if size < 1000:
            return f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def _with_ownership(lake: Lake, source: str, month: str, quality: list[dict]) -> list[dict]:
    """Quality rows with the ownership decision folded in: a releasable figure another partition owns is held back
    as a duplicate. Refuses when the gate failed, or when ownership was decided on other quality rows."""
    failed = [row for row in lake.read_table("checks", source, month).to_pylist() if _blocks(row)]
    if failed:
        reasons = "; ".join(f"{row['check']}: {row['summary']}" for row in failed)
        raise ReleaseRefused(f"{source}/{month} may not be released: its release gate failed ({reasons})")
    ownership = {row["figure_id"]: row for row in lake.read_table("ownership", source, month).to_pylist()}
    if set(ownership) != {row["figure_id"] for row in quality} or any(
        ownership[row["figure_id"]]["releasable"] != row["passed"] for row in quality
    ):
        raise ReleaseRefused(
            f"{source}/{month}: ownership was decided on other quality rows than the current ones; materialize "
            "figure_ownership for this partition first"
        )
    merged = []
    for row in quality:
        decision = ownership[row["figure_id"]]
        duplicate = row["passed"] and not decision["owned"]
        merged.append(
            row
            | {name: decision[name] for name in ("duplicate_of", "duplicate_partition", "duplicate_kind")}
            | {
                "passed": row["passed"] and not duplicate,
                "reasons": [*row["reasons"], *([DUPLICATE] if duplicate else [])],
            }
        )
    return merged


def _blocks(check: dict) -> bool:
    return check["severity"] == "ERROR" and not check["passed"]


def _ownership_record(lake: Lake, source: str, month: str) -> dict:
    """What the decisions on duplicates were made against: every lake file consulted, by sha256."""
    rows = lake.read_table("ownership", source, month).to_pylist()
    inputs = lake.read_table("ownership_inputs", source, month).to_pylist()
    return {
        "version": ownership_version(rows, inputs),
        "consulted": {row["consulted"]: row["sha256"] for row in inputs},
    }


def _manifest_header(source: str, month: str, quality: list[dict], held_back: list[dict], captions: list[dict]):
    """What the manifest says about the release besides its files: counts, and every version that shaped it
    (`captions` are those of the released samples)."""

    def distinct(rows: list[dict], column: str) -> list[str]:
        return sorted({row[column] for row in rows if row.get(column)})

    return {
        "source": source,
        "month": month,
        "n_samples": len(quality) - len(held_back),
        "n_held_back": len(held_back),
        "held_back_by_reason": dict(sorted(Counter(r for row in held_back for r in row["reasons"]).items())),
        "code_version": __version__,
        "code_revision": code_revision(),
        "prompt_versions": distinct(captions, "prompt_version"),
        "caption_backends": distinct(captions, "backend"),
        "caption_models": distinct(captions, "model"),
        "license_policies": distinct(quality, "license_policy"),
        "scoring": {
            "clip_models": distinct(quality, "clip_model"),
            "clip_methods": distinct(quality, "clip_method"),
            "perplexity_models": distinct(quality, "perplexity_model"),
            "grounding_method": grounding.METHOD,
            "perceptual_hash": f"phash {HASH_SIZE * HASH_SIZE} bits",
        },
    }


@functools.cache
def code_revision() -> str | None:
    """The git commit the code runs from, when it runs from a checkout."""
    root = settings.project_root()
    if not (root / ".git").exists():
        return None
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return completed.stdout.strip() or None
