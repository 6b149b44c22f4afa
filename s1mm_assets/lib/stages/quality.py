"""Stage 5: per-figure quality measurements, the per-figure verdict, and the partition's release gate.

Always measured: caption lengths, whether the image decodes, grounding of the enhanced caption, licence, the
image's hashes (exact and perceptual, for duplicate detection in `ownership`). Measured when a model is
configured: CLIP scores of raw and enhanced captions, the figure type, masked-LM pseudo-perplexity and token
counts; otherwise null with the reason. The gate's rules (lib/score/gate.py) are evaluated on the rows and
written to the `checks` table; the Dagster asset reports them as its checks.

Everything here depends on this partition alone, so scoring gives the same rows whatever else the lake holds.
Which copy of a figure seen in several partitions is released is decided next (`ownership`).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from collections.abc import Sequence

from s1mm_assets.lib import licenses
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score import gate, grounding
from s1mm_assets.lib.score.dedup import perceptual_hash
from s1mm_assets.lib.score.models import NO_CLIP, NO_MASKED_LM, NOT_IN_PERPLEXITY_SAMPLE, ScoringModels
from s1mm_assets.lib.score.row_filter import rejection_reasons
from s1mm_assets.lib.score.sampling import hashed_sample
from s1mm_assets.lib.score.text import decoded_image, length_summary, word_count
from s1mm_assets.lib.settings import GateSettings
from s1mm_assets.lib.stages.report import StageReport


def score_quality(
    lake: Lake, source: str, month: str, policy: GateSettings | None = None, models: ScoringModels | None = None
) -> StageReport:
    """Figures stream through a batch at a time (with their captions and contexts, which the earlier stages wrote
    in the same order); what is held for the whole partition is each paper's stated licence and the numbers of each
    figure that the gate and the metrics are computed from."""
    policy = policy or GateSettings()
    models = models or ScoringModels()
    licenses.check_policy(policy.license_policy)
    stated_licenses = _stated_licenses(lake, source, month)
    perplexity_sample = _perplexity_sample(lake, source, month, models)
    captions = _Aligned(lake.iter_rows("captions", source, month, _CAPTION_COLUMNS), "figure_id")
    contexts = _Aligned(lake.iter_rows("contexts", source, month, _CONTEXT_COLUMNS), "figure_id")

    measured: list[dict] = []  # every figure's row without its lists of terms: what the gate and metrics read
    preview: list[dict] = []
    with lake.table_writer("quality", source, month) as quality_table:
        for figures in lake.iter_rows("figures", source, month, _FIGURE_COLUMNS):
            rows = []
            batch_captions = [captions.pop(figure["figure_id"]) for figure in figures]
            for figure, caption in zip(figures, batch_captions, strict=True):
                context = contexts.pop(figure["figure_id"])
                stated_license = stated_licenses.get(figure["paper_id"])
                rows.append(
                    _measure(lake, figure, caption, context, stated_license, policy)
                    | {"source": source, "month": month}
                )
            raw = [figure["raw_caption"] or "" for figure in figures]
            enhanced = [caption.get("enhanced_caption") or "" for caption in batch_captions]
            _add_clip_scores(rows, figures, raw, enhanced, models, lake)
            _add_perplexities(rows, raw, enhanced, models, perplexity_sample)
            for row in rows:
                row["passed"] = not row["reasons"]
            quality_table.write(rows)
            measured += [{name: value for name, value in row.items() if name not in _NOT_MEASURED} for row in rows]
            preview += rows[: _PREVIEW_ROWS - len(preview)]
    verdicts = gate.evaluate(measured, policy)

    report = StageReport(
        rows=len(measured), failed=sum(not row["passed"] for row in measured), failed_label="held back"
    )
    report.outputs = [
        quality_table.relative,
        lake.write_table("checks", source, month, _check_rows(verdicts, source, month)),
    ]
    report.verdicts = verdicts
    report.metrics = _partition_metrics(measured) | _not_measured(measured, models)
    report.preview = [
        (
            f"{row['figure_id']} {'passed' if row['passed'] else 'held back'}",
            ", ".join(row["reasons"]) or _preview_scores(row),
        )
        for row in preview
    ]
    return report


# What each stage's table contributes to a figure's measurements.
_FIGURE_COLUMNS = ["figure_id", "paper_id", "raw_caption", "image_path", "image_sha256"]
_CAPTION_COLUMNS = ["figure_id", "enhanced_caption", "status"]
_CONTEXT_COLUMNS = ["figure_id", "title", "abstract", "citing_sentences"]
# Columns of a quality row that neither the gate nor the partition's metrics read: not held for the partition.
_NOT_MEASURED = {"ungrounded", "image_sha256", "image_phash", "paper_id", "license_id", "license_policy"}
_PREVIEW_ROWS = 5


class _Aligned:
    """Rows of a table looked up by `key` while reading it a batch at a time. A table in the same order as the
    figures is held a batch at a time; rows out of that order are kept until asked for, so any order is right."""

    def __init__(self, batches, key: str):
        self._batches = iter(batches)
        self._key = key
        self._ahead: dict[str, dict] = {}

    def pop(self, value: str) -> dict:
        """The row whose key is `value` ({} when the table has none), forgotten once returned."""
        while value not in self._ahead:
            batch = next(self._batches, None)
            if batch is None:
                return {}
            self._ahead.update((row[self._key], row) for row in batch)
        return self._ahead.pop(value)


def _stated_licenses(lake: Lake, source: str, month: str) -> dict[str, str | None]:
    """Each paper's licence as its listing states it, else as its document does."""
    stated = {
        row["paper_id"]: row["license"]
        for batch in lake.iter_rows("documents", source, month, ["paper_id", "license"])
        for row in batch
    }
    for batch in lake.iter_rows("papers", source, month, ["paper_id", "license"]):
        for paper in batch:
            stated[paper["paper_id"]] = paper["license"] or stated.get(paper["paper_id"])
    return stated


def _image_bytes(lake: Lake, path: str) -> bytes:
    """The stored image; empty (so: not decodable, which a blocking check reports) when the blob is gone."""
    try:
        return lake.read_bytes(path)
    except FileNotFoundError:
        return b""


def _measure(
    lake: Lake, figure: dict, caption: dict, context: dict, stated_license: str | None, policy: GateSettings
) -> dict:
    """Everything that needs no model: lengths, decoding, perceptual hash, grounding, licence, and the reasons
    (all but duplication) to hold the figure back."""
    raw = figure["raw_caption"] or ""
    enhanced = caption.get("enhanced_caption") or ""
    image = decoded_image(_image_bytes(lake, figure["image_path"]))
    checked = (
        grounding.ground(
            enhanced,
            grounding.sources_of(raw, context.get("citing_sentences"), context.get("title"), context.get("abstract")),
        )
        if enhanced
        else None
    )
    license_id = licenses.license_id(stated_license)
    reasons = rejection_reasons(
        caption_status=caption.get("status"),
        enhanced_caption=enhanced,
        raw_caption=raw,
        image_decodable=image is not None,
        policy=policy,
        grounding=checked,
        license_allowed=licenses.allowed(license_id, policy.license_policy),
    )
    return {
        "figure_id": figure["figure_id"],
        "paper_id": figure["paper_id"],
        "reasons": reasons,
        "license_id": license_id,
        "license_policy": policy.license_policy,
        "raw_chars": len(raw),
        "enhanced_chars": len(enhanced),
        "raw_words": word_count(raw),
        "enhanced_words": word_count(enhanced),
        "image_decodable": image is not None,
        "caption_status": caption.get("status"),
        "image_sha256": figure["image_sha256"],
        "image_phash": perceptual_hash(image) if image is not None else None,
        "grounding": checked.score if checked else None,
        "grounding_items": checked.checked if checked else None,
        "ungrounded": list(checked.ungrounded) if checked else [],
        "invented_numbers": list(checked.invented_numbers) if checked else [],
    }


def _add_clip_scores(
    rows: list[dict], figures: list[dict], raw: list[str], enhanced: list[str], models: ScoringModels, lake: Lake
) -> None:
    if models.clip is None:
        for row in rows:
            row.update(clip_not_measured=NO_CLIP, figure_type="unknown")
        return
    from s1mm_assets.lib.score.figure_type import classify

    clip = models.clip
    # read again a batch at a time rather than kept from the first pass: a partition's images need not fit in memory
    images = clip.image_embeddings(
        [figure["image_path"] for figure in figures], lambda path: _image_bytes(lake, path), models.batch_size
    )
    raw_scores = clip.caption_scores(images, raw, models.batch_size)
    enhanced_scores = clip.caption_scores(images, enhanced, models.batch_size)
    for row, raw_score, enhanced_score, (kind, confidence) in zip(
        rows, raw_scores, enhanced_scores, classify(clip, images), strict=True
    ):
        row.update(
            clip_raw=raw_score.chunked if raw_score else None,
            clip_raw_truncated=raw_score.truncated if raw_score else None,
            clip_enhanced=enhanced_score.chunked if enhanced_score else None,
            clip_enhanced_truncated=enhanced_score.truncated if enhanced_score else None,
            clip_enhanced_chunks=enhanced_score.chunks if enhanced_score else None,
            clip_delta=enhanced_score.chunked - raw_score.chunked if raw_score and enhanced_score else None,
            clip_model=clip.name,
            clip_method=clip.method,
            clip_not_measured=_why_unscored(row, raw_score, enhanced_score),
            figure_type=kind,
            figure_type_score=confidence,
        )


def _perplexity_sample(lake: Lake, source: str, month: str, models: ScoringModels) -> set[str]:
    """The partition's figures whose pseudo-perplexity is measured (all of them unless `models.perplexity_sample`
    limits it): drawn from the whole partition, though its figures are scored a batch at a time."""
    if models.masked_lm is None:
        return set()
    batches = lake.iter_rows("figures", source, month, ["figure_id"])
    return hashed_sample((row["figure_id"] for batch in batches for row in batch), models.perplexity_sample)


def _add_perplexities(
    rows: list[dict], raw: list[str], enhanced: list[str], models: ScoringModels, sample: set[str]
) -> None:
    """Pseudo-perplexity of both captions of the figures in the partition's perplexity `sample`; token counts for
    every figure. No per-figure decision uses it."""
    if models.masked_lm is None:
        for row in rows:
            row["perplexity_not_measured"] = NO_MASKED_LM
        return
    lm = models.masked_lm
    sampled = [index for index, row in enumerate(rows) if row["figure_id"] in sample]
    scores = lm.pseudo_perplexities([raw[index] for index in sampled] + [enhanced[index] for index in sampled])
    scored = {index: (scores[k], scores[len(sampled) + k]) for k, index in enumerate(sampled)}
    tokens = lm.token_counts([*raw, *enhanced])
    for index, row in enumerate(rows):
        raw_score, enhanced_score = scored.get(index, (None, None))
        row.update(
            pppl_raw=raw_score.value if raw_score else None,
            pppl_enhanced=enhanced_score.value if enhanced_score else None,
            raw_tokens=tokens[index],
            enhanced_tokens=tokens[len(rows) + index],
            perplexity_model=lm.name,
            perplexity_not_measured=(
                _why_unscored(row, raw_score, enhanced_score, needs_image=False)
                if index in scored
                else NOT_IN_PERPLEXITY_SAMPLE
            ),
        )


def _why_unscored(row: dict, raw_score, enhanced_score, needs_image: bool = True) -> str | None:
    if raw_score and enhanced_score:
        return None
    if needs_image and not row["image_decodable"]:
        return "not measured: the image does not decode"
    return "not measured: empty raw caption" if not raw_score else "not measured: no enhanced caption"


def _check_rows(verdicts: dict[str, gate.GateVerdict], source: str, month: str) -> list[dict]:
    return [
        {
            "source": source,
            "month": month,
            "check": name,
            "passed": verdict.passed,
            "severity": "ERROR" if verdict.blocks else "WARN",
            "measured": verdict.measured,
            "summary": verdict.summary,
            "facts": json.dumps(verdict.facts, sort_keys=True),
        }
        for name, verdict in verdicts.items()
    ]


def _not_measured(rows: Sequence[dict], models: ScoringModels) -> dict[str, str]:
    """What a reader of the partition's metadata must not take for measured."""
    said = {}
    for metric, model, column in (
        ("clip", models.clip, "clip_not_measured"),
        ("perplexity", models.masked_lm, "perplexity_not_measured"),
    ):
        if model is None:
            said[f"{metric}_measured"] = NO_CLIP if metric == "clip" else NO_MASKED_LM
        else:
            unscored = sum(row.get(column) is not None for row in rows)
            said[f"{metric}_measured"] = f"{len(rows) - unscored} of {len(rows)} figures"
    return said


def _partition_metrics(rows: Sequence[dict]) -> dict[str, float | int | None]:
    ok = [row for row in rows if row["caption_status"] == "ok"]
    metrics: dict[str, float | int | None] = {
        "passed": sum(row["passed"] for row in rows),
        "pass_rate": sum(row["passed"] for row in rows) / len(rows) if rows else None,
        "captions_with_invented_numbers": sum(bool(row["invented_numbers"]) for row in rows),
    }
    for column, measured in (
        ("raw_chars", rows),
        ("enhanced_chars", ok),
        ("raw_tokens", [row for row in rows if row.get("raw_tokens")]),
        ("enhanced_tokens", [row for row in ok if row.get("enhanced_tokens")]),
    ):
        summary = length_summary([row[column] for row in measured])
        metrics |= {f"{column}_{statistic}": value for statistic, value in summary.items()}
    for name in ("clip_raw", "clip_enhanced", "clip_delta", "grounding"):
        summary = length_summary(_present(rows, name))
        metrics |= {f"{name}_mean": summary["mean"], f"{name}_std": summary["std"]}
    if metrics["clip_raw_std"] and metrics["clip_enhanced_std"] is not None:
        # S1-MMAlign reports the change of CLIP score variance from raw to enhanced captions
        metrics["clip_variance_change"] = (metrics["clip_enhanced_std"] / metrics["clip_raw_std"]) ** 2 - 1
    # pseudo-perplexity may be measured on a sample of the figures: its size, and each mean's standard error
    metrics["pppl_sample_size"] = sum(
        row.get("perplexity_model") is not None and row["perplexity_not_measured"] != NOT_IN_PERPLEXITY_SAMPLE
        for row in rows
    )
    for name in ("pppl_raw", "pppl_enhanced"):
        values = _present(rows, name)
        metrics[f"{name}_median"] = statistics.median(values) if values else None
        metrics[f"{name}_mean"] = statistics.fmean(values) if values else None
        metrics[f"{name}_stderr"] = statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else None
    for reason, count in sorted(Counter(reason for row in rows for reason in row["reasons"]).items()):
        metrics[f"held_back_{reason}"] = count
    return metrics


def _present(rows: Sequence[dict], column: str) -> list[float]:
    return [row[column] for row in rows if row.get(column) is not None]


def _preview_scores(row: dict) -> str:
    parts = [f"{row['raw_chars']} -> {row['enhanced_chars']} characters"]
    if row.get("clip_delta") is not None:
        parts.append(f"CLIP {row['clip_raw']:.1f} -> {row['clip_enhanced']:.1f}")
    if row["grounding"] is not None:
        parts.append(f"grounding {row['grounding']:.2f}")
    return ", ".join(parts)
