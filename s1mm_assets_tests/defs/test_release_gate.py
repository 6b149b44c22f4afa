"""Each blocking check on quality_scores, failing on a crafted partition, keeps that partition out of
release_shards: in the run where the check fails, and in later runs, where the `release_automation` sensor's
condition (`eager` & `all_deps_blocking_checks_passed`) decides."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pytest

from s1mm_assets.definitions import ASSETS, defs
from s1mm_assets.defs.figure_ownership.assets import figure_ownership
from s1mm_assets.defs.partitions import partition_key
from s1mm_assets.defs.release_shards.assets import release_shards
from s1mm_assets.defs.resources import PaperSourceResource, QualityGateResource, ScoringModelsResource
from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.score import gate
from s1mm_assets_tests import crafted
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets

UPSTREAM = ASSETS[:5]  # paper_listing, raw_papers, figures, contexts, enhanced_captions
# quality_scores (whose step evaluates the checks) and figure_ownership, without the release
SCORING = [*ASSETS[5:6], figure_ownership]
SOURCE, MONTH = "chemrxiv", "2024-01"
SMALL = PaperSourceResource(sample_papers=3)
INVENTED = " Overall the response reached 97.3% at 812 K after 4096 runs, 3.7-fold above the 1.15 mM baseline."


@dataclasses.dataclass(frozen=True)
class Scenario:
    failing_check: str | None
    tamper: Callable[[Lake], None] = lambda lake: None
    # resource overrides, given the pytest request (for model fixtures) and a scratch folder
    resources: Callable[[pytest.FixtureRequest, Path], dict] = lambda request, scratch: {}
    says: str = ""  # words the failing check's description must contain


def _captions(change: Callable[[int, dict], dict]) -> Callable[[Lake], None]:
    return lambda lake: crafted.rewrite_rows(lake, "captions", SOURCE, MONTH, change)


def _failed_every_third(index: int, row: dict) -> dict:
    if index % 3 == 0:
        row.update(status="failed", enhanced_caption=None, error="server returned 500 three times")
    return row


def _corrupt_first_image(lake: Lake) -> None:
    first = lake.read_table("figures", SOURCE, MONTH).to_pylist()[0]
    lake.local_path(first["image_path"]).write_bytes(b"\x89PNG\r\n\x1a\n truncated by a bad disk")


def _remove_first_image(lake: Lake) -> None:
    first = lake.read_table("figures", SOURCE, MONTH).to_pylist()[0]
    lake.local_path(first["image_path"]).unlink()


def _synthetic_heatmaps(request: pytest.FixtureRequest, scratch: Path) -> dict:
    """Figures a trained tiny CLIP knows, with author captions in its own words."""
    from s1mm_assets_tests.models import describe, synthetic_figure_png

    figures = [(describe("heatmap", index), synthetic_figure_png("heatmap", index)) for index in range(4)]
    crafted.add_paper(scratch, SOURCE, MONTH, "heatmaps", crafted.latex_paper("Heatmaps", figures))
    return {
        "paper_source": PaperSourceResource(source_backend="local", local_root=str(scratch)),
        "scoring_models": ScoringModelsResource(clip_model=str(request.getfixturevalue("trained_clip"))),
        "quality_gate": QualityGateResource(min_mean_enhanced_chars=0),
    }


def _describe_as_bar_chart(index: int, row: dict) -> dict:
    from s1mm_assets_tests.models import describe

    return row | {"enhanced_caption": describe("bar_chart", index)}


SCENARIOS = {
    "caption failures above the bound": Scenario(
        gate.CAPTION_FAILURE_RATE_IS_LOW, _captions(_failed_every_third), says="no usable enhanced caption"
    ),
    "an empty caption marked ok": Scenario(
        gate.CAPTIONS_ARE_NOT_EMPTY,
        _captions(lambda index, row: row | {"enhanced_caption": ""} if index == 0 else row),
        says="1 empty enhanced captions marked ok",
    ),
    "a stored image that no longer decodes": Scenario(gate.IMAGES_DECODE, _corrupt_first_image, says="1 of"),
    "a stored image that is gone": Scenario(gate.IMAGES_DECODE, _remove_first_image, says="1 of"),
    "runaway enhanced captions": Scenario(
        gate.ENHANCED_LENGTH_IN_RANGE,
        _captions(lambda index, row: row | {"enhanced_caption": " ".join([row["enhanced_caption"]] * 20)}),
        says="allowed 100-2000",
    ),
    "captions that invent numbers": Scenario(
        gate.CAPTIONS_ARE_GROUNDED,
        _captions(lambda index, row: row | {"enhanced_caption": row["enhanced_caption"] + INVENTED}),
        says="state numbers found in no source",
    ),
    "CLIP required but no model configured": Scenario(
        gate.CLIP_ALIGNMENT_IMPROVES,
        resources=lambda request, scratch: {"quality_gate": QualityGateResource(require_clip=True)},
        says="not measured: no CLIP model configured; require_clip is set",
    ),
    "enhanced captions that describe another kind of figure": Scenario(
        gate.CLIP_ALIGNMENT_IMPROVES,
        _captions(_describe_as_bar_chart),
        resources=_synthetic_heatmaps,
        says="mean CLIP delta (enhanced - raw) -",
    ),
}


class AutomationTicks:
    """Successive ticks of the automation sensor over the definitions, each starting where the last one ended."""

    def __init__(self, instance: dg.DagsterInstance):
        self.instance = instance
        self.cursor = None

    def requested_releases(self) -> set[str]:
        result = dg.evaluate_automation_conditions(defs=defs, instance=self.instance, cursor=self.cursor)
        self.cursor = result.cursor
        return {str(key) for key in result.get_requested_partitions(release_shards.key)}


def _run(selection: list, instance: dg.DagsterInstance, resources: dict) -> dg.ExecuteInProcessResult:
    return materialize_partition(SOURCE, MONTH, instance=instance, selection=selection, **resources)


def _scored(lake: Lake, resources: dict, tamper: Callable[[Lake], None]):
    """Upstream stages in one run, the crafted fault, then quality_scores with its checks (and the ownership
    decision, which a failed blocking check stops too) in a run of their own, no release in it; with a tick of the
    automation sensor before anything ran."""
    instance = dg.DagsterInstance.ephemeral()
    ticks = AutomationTicks(instance)
    assert ticks.requested_releases() == set()
    assert _run(UPSTREAM, instance, resources).success
    tamper(lake)
    return instance, ticks, _run(SCORING, instance, resources)


@pytest.mark.parametrize("scenario", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_a_failing_blocking_check_keeps_the_partition_out_of_the_release(
    scenario: Scenario, lake: Lake, tmp_path: Path, request: pytest.FixtureRequest
):
    resources = {"paper_source": SMALL} | scenario.resources(request, tmp_path / "papers")
    instance, ticks, scored = _scored(lake, resources, scenario.tamper)
    assert failed_checks(scored) == {scenario.failing_check}
    [evaluation] = [e for e in scored.get_asset_check_evaluations() if e.check_name == scenario.failing_check]
    assert scenario.says in evaluation.description
    # the sensor's next tick: quality_scores is newer than the release, but the failed check stands between them
    assert ticks.requested_releases() == set()

    # the same run as the failing check: the release step does not run
    gated = _run([*SCORING, release_shards], instance, resources)
    assert "release_shards" not in materialized_assets(gated)
    assert not lake.local_path(f"releases/{SOURCE}/{MONTH}").exists()
    _, [(shards,)] = query(lake, "select count(*) from releases")
    assert shards == 0


def test_a_partition_whose_checks_pass_is_released_by_automation_and_within_a_run(lake: Lake):
    """The control: without the crafted faults, the same steps do release the partition."""
    instance, ticks, scored = _scored(lake, {"paper_source": SMALL}, tamper=lambda lake: None)
    assert scored.success and failed_checks(scored) == set()
    assert ticks.requested_releases() == {str(partition_key(SOURCE, MONTH))}

    released = _run([*SCORING, release_shards], instance, {"paper_source": SMALL})
    assert "release_shards" in materialized_assets(released)
    assert lake.local_path(f"releases/{SOURCE}/{MONTH}/manifest.json").is_file()


def test_once_a_rescored_partition_passes_the_release_is_requested(lake: Lake):
    """The gate follows the latest check result: fixing the cause (here a tolerant bound) lifts it."""
    instance, ticks, scored = _scored(lake, {"paper_source": SMALL}, _captions(_failed_every_third))
    assert failed_checks(scored) == {gate.CAPTION_FAILURE_RATE_IS_LOW}
    assert ticks.requested_releases() == set()

    tolerant = {"paper_source": SMALL, "quality_gate": QualityGateResource(max_caption_failure_rate=0.5)}
    assert failed_checks(_run(SCORING, instance, tolerant)) == set()
    assert ticks.requested_releases() == {str(partition_key(SOURCE, MONTH))}
