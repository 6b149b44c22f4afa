"""A partition of the `local` source holding every class of hostile paper (`s1mm_assets_tests/hostile.py`) beside a
good one: the partition materializes end to end, each hostile paper is in `quarantine` with its reason, and the
good paper's figure is released."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from s1mm_assets.defs.resources import ExtractionLimitsResource, PaperSourceResource, QualityGateResource
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.text import valid_text
from s1mm_assets_tests import hostile
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets

SOURCE, MONTH = "arxiv", "2024-02"


def test_hostile_papers_are_quarantined_and_the_rest_of_the_partition_is_released(lake: Lake, tmp_path: Path):
    incoming = tmp_path / "incoming" / SOURCE / MONTH
    incoming.mkdir(parents=True)
    built = tmp_path / "built"
    built.mkdir()
    cases = [builder(built) for builder in hostile.BUILDERS.values()]
    expected = {}
    try:
        for case in cases:
            target = incoming / case.paper.name
            shutil.move(case.paper, target)
            stem = valid_text(target.name.split(".")[0])
            expected[f"{SOURCE}:{stem}"] = case
        good = hostile.good_paper(incoming)
        (incoming / "zz-good.json").write_text(json.dumps({"title": "Catalysts That Last", "license": "CC BY 4.0"}))
        result = materialize_partition(
            SOURCE,
            MONTH,
            paper_source=PaperSourceResource(source_backend="local", local_root=str(tmp_path / "incoming")),
            extraction_limits=ExtractionLimitsResource(paper_timeout_s=20),
            quality_gate=QualityGateResource(min_mean_enhanced_chars=0),
        )
    finally:
        for case in cases:
            for path in case.planted:
                path.unlink()

    assert result.success
    assert "release_shards" in materialized_assets(result)
    assert failed_checks(result) == set()
    # raw_papers already refuses bundles it cannot open (the bombs); the figures stage quarantines the rest.
    quarantine = [
        row
        for stage in ("raw_papers", "figures")
        for row in lake.read_table("quarantine", SOURCE, MONTH, stage=stage).to_pylist()
    ]
    for paper_id, case in expected.items():
        reasons = {row["reason"] for row in quarantine if row["paper_id"] == paper_id}
        if case.reasons:
            assert reasons & case.reasons, (paper_id, reasons)
    figures = lake.read_table("figures", SOURCE, MONTH).to_pylist()
    for paper_id, case in expected.items():
        problems = [(row["reason"], row["detail"][:200]) for row in quarantine if row["paper_id"] == paper_id]
        assert len([row for row in figures if row["paper_id"] == paper_id]) == case.figures, (paper_id, problems)

    release = lake.local_path(f"releases/{SOURCE}/{MONTH}")
    released = [json.loads(line) for line in (release / "metadata.jsonl").read_text().splitlines()]
    assert [(row["paper_id"], row["caption"]) for row in released] == [(f"{SOURCE}:zz-good", hostile.GOOD_CAPTION)]
    assert good.exists()
    everything = b"".join(path.read_bytes() for path in release.rglob("*") if path.is_file())
    for case in cases:
        for secret in case.secrets:
            assert secret.encode() not in everything
