"""quality_scores on sample partitions: every score recorded for every figure when models are configured, and
"not measured" with the reason (never a made-up number) when they are not."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from s1mm_assets.defs.resources import PaperSourceResource, QualityGateResource, ScoringModelsResource
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score import gate
from s1mm_assets.lib.score.models import NO_CLIP, NO_MASKED_LM
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets

SMALL = PaperSourceResource(sample_papers=3)


def _quality(lake: Lake, source: str, month: str = "2024-01") -> list[dict]:
    return lake.read_table("quality", source, month).to_pylist()


def test_with_tiny_models_every_figure_gets_every_score(lake: Lake, tiny_clip: Path, tiny_masked_lm: Path, monkeypatch):
    from s1mm_assets.lib.score.clip import ClipModel
    from s1mm_assets.lib.score.figure_type import FIGURE_TYPES
    from s1mm_assets.lib.score.perplexity import MaskedLanguageModel

    loads = []
    for model_class in (ClipModel, MaskedLanguageModel):
        original = model_class.load.__func__
        monkeypatch.setattr(
            model_class,
            "load",
            classmethod(
                lambda cls, *args, _original=original, **kwargs: loads.append(cls) or _original(cls, *args, **kwargs)
            ),
        )
    models = ScoringModelsResource(clip_model=str(tiny_clip), masked_lm=str(tiny_masked_lm), scoring_batch_size=8)
    # random weights cannot be expected to prefer the enhanced captions: this test is about what is recorded
    tolerant = QualityGateResource(min_clip_delta=-1000)
    result = materialize_partition(
        "biorxiv", "2024-01", paper_source=SMALL, scoring_models=models, quality_gate=tolerant
    )
    assert result.success, failed_checks(result)
    assert sorted(cls.__name__ for cls in loads) == ["ClipModel", "MaskedLanguageModel"]  # once each, for the step

    rows = _quality(lake, "biorxiv")
    assert len(rows) >= 5
    for row in rows:
        for column in ("clip_raw", "clip_enhanced", "clip_raw_truncated", "clip_enhanced_truncated"):
            assert -100 <= row[column] <= 100, column
        assert row["clip_delta"] == pytest.approx(row["clip_enhanced"] - row["clip_raw"])
        assert row["clip_enhanced_chunks"] >= 1 and row["clip_not_measured"] is None
        assert row["clip_model"] == str(tiny_clip.resolve()) and "chunk" in row["clip_method"]
        assert row["figure_type"] in FIGURE_TYPES and 0 < row["figure_type_score"] <= 1
        assert row["pppl_raw"] > 1 and row["pppl_enhanced"] > 1 and math.isfinite(row["pppl_enhanced"])
        assert row["enhanced_tokens"] > row["raw_tokens"] > 0 and row["perplexity_not_measured"] is None
        assert 0 <= row["grounding"] <= 1 and row["grounding_items"] > 0
        assert re.fullmatch(r"[0-9a-f]{64}", row["image_phash"]) and row["image_sha256"]
        assert row["raw_chars"] > 0 and row["enhanced_chars"] > row["raw_chars"]
        assert row["license_id"] and row["license_policy"] == "cc-by-compatible"
    # long enhanced captions are scored in chunks, and then the truncated score differs
    long = [row for row in rows if row["clip_enhanced_chunks"] > 1]
    assert all(row["clip_enhanced"] != pytest.approx(row["clip_enhanced_truncated"]) for row in long)

    released = lake.local_path("releases/biorxiv/2024-01/metadata.jsonl").read_text().splitlines()
    for record in map(json.loads, released):
        assert record["clip_enhanced"] is not None and record["pppl_enhanced"] is not None


def test_without_models_the_scores_are_not_measured_and_the_release_still_happens(lake: Lake):
    result = materialize_partition("nature_communications", "2024-01", paper_source=SMALL)
    assert result.success and "release_shards" in materialized_assets(result)
    # not measured is never shown as a pass: the check has no result, the metadata says why
    evaluated = {evaluation.check_name for evaluation in result.get_asset_check_evaluations()}
    assert gate.CLIP_ALIGNMENT_IMPROVES not in evaluated and gate.CAPTIONS_ARE_GROUNDED in evaluated
    [scored] = [e for e in result.get_asset_materialization_events() if e.asset_key.path == ["quality_scores"]]
    metadata = scored.materialization.metadata
    assert metadata["clip_measured"].value == NO_CLIP and metadata["perplexity_measured"].value == NO_MASKED_LM
    # held back figures are called so, each reason counted beside them
    held_back = [row for row in _quality(lake, "nature_communications") if not row["passed"]]
    assert metadata["held back"].value == len(held_back) and "failed" not in metadata
    for reason in {reason for row in held_back for reason in row["reasons"]}:
        assert metadata[f"held back: {reason}"].value == sum(reason in row["reasons"] for row in held_back)
    [verdict] = [
        row
        for row in lake.read_table("checks", "nature_communications", "2024-01").to_pylist()
        if row["check"] == gate.CLIP_ALIGNMENT_IMPROVES
    ]
    assert (verdict["passed"], verdict["measured"], verdict["severity"]) == (False, False, "WARN")
    assert NO_CLIP in verdict["summary"] and "not required" in verdict["summary"]

    rows = _quality(lake, "nature_communications")
    for row in rows:
        assert row["clip_raw"] is None and row["clip_enhanced"] is None and row["clip_delta"] is None
        assert row["clip_not_measured"] == NO_CLIP and row["figure_type"] == "unknown"
        assert row["pppl_raw"] is None and row["pppl_enhanced"] is None
        assert row["perplexity_not_measured"] == NO_MASKED_LM
        # the measurements that need no model are there all the same
        assert row["grounding_items"] is not None and row["image_phash"] is not None and row["enhanced_chars"] > 0
    assert any(row["grounding"] is not None for row in rows)
    records = [
        json.loads(line) for line in lake.local_path("releases/nature_communications/2024-01/metadata.jsonl").open()
    ]
    assert records and all(
        record["clip_enhanced"] is None and record["clip_not_measured"] == NO_CLIP for record in records
    )


def test_require_clip_without_a_model_fails_the_check_instead_of_passing_silently(lake: Lake):
    result = materialize_partition(
        "nature_communications", "2024-01", paper_source=SMALL, quality_gate=QualityGateResource(require_clip=True)
    )
    assert failed_checks(result) == {gate.CLIP_ALIGNMENT_IMPROVES}
    assert "release_shards" not in materialized_assets(result)


def test_a_misconfigured_model_path_stops_the_run_with_a_clear_error(lake: Lake, tmp_path: Path):
    models = ScoringModelsResource(masked_lm=str(tmp_path / "scibert-that-is-not-there"))
    result = materialize_partition("arxiv", "2024-01", paper_source=SMALL, scoring_models=models)
    assert not result.success and "quality_scores" not in materialized_assets(result)
    errors = " ".join(str(getattr(event.event_specific_data, "error", "")) for event in result.all_events)
    assert "scibert-that-is-not-there' is not a folder" in errors
