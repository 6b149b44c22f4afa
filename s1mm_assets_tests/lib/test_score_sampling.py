"""Pseudo-perplexity on a deterministic sample of a partition's figures: the sample is chosen by the figure ids
alone, the statistic reports its sample size and standard error, and no per-figure decision depends on it."""

import random
import statistics

import pytest

from s1mm_assets.lib.score.models import NOT_IN_PERPLEXITY_SAMPLE, ScoringModels
from s1mm_assets.lib.score.sampling import hashed_sample

IDS = [f"figure-{index:04d}" for index in range(200)]


def test_the_sample_depends_on_the_ids_only_and_a_larger_one_contains_a_smaller_one():
    shuffled = random.Random(1).sample(IDS, len(IDS))
    assert hashed_sample(IDS, 20) == hashed_sample(shuffled, 20) and len(hashed_sample(IDS, 20)) == 20
    assert hashed_sample(IDS, 10) < hashed_sample(IDS, 20)
    # a partition that gains figures keeps the old figures' membership unless a new one hashes lower
    assert hashed_sample(IDS[:100], 100) == set(IDS[:100])
    assert hashed_sample(IDS, 0) == set(IDS) and hashed_sample(IDS, 500) == set(IDS)
    # not simply the first or the last rows
    assert hashed_sample(IDS, 20) not in ({*IDS[:20]}, {*IDS[-20:]})


@pytest.fixture(scope="module")
def sample_partition(tmp_path_factory):
    """A sample partition up to its captions, the quality stage's input."""
    from s1mm_assets.lib.caption import ContextFusionBackend
    from s1mm_assets.lib.lake import Lake
    from s1mm_assets.lib.sources.sample import SampleSource
    from s1mm_assets.lib.stages.captions import enhance_captions
    from s1mm_assets.lib.stages.contexts import build_contexts
    from s1mm_assets.lib.stages.figures import extract_figures
    from s1mm_assets.lib.stages.raw_papers import collect_papers

    lake = Lake(str(tmp_path_factory.mktemp("lake")))
    collect_papers(lake, SampleSource(papers_per_partition=4), "arxiv", "2024-01")
    extract_figures(lake, "arxiv", "2024-01")
    build_contexts(lake, "arxiv", "2024-01")
    enhance_captions(lake, "arxiv", "2024-01", ContextFusionBackend())
    return lake


def test_figures_outside_the_sample_get_no_perplexity_and_every_decision_stays_the_same(
    sample_partition, tiny_masked_lm
):
    pytest.importorskip("transformers", reason="scoring models need the ml extra: pip install -e '.[ml]'")
    from s1mm_assets.lib.score.perplexity import MaskedLanguageModel
    from s1mm_assets.lib.stages.quality import score_quality

    lm = MaskedLanguageModel.load(str(tiny_masked_lm))
    lake = sample_partition
    everything = score_quality(lake, "arxiv", "2024-01", models=ScoringModels(masked_lm=lm))
    full = {row["figure_id"]: row for row in lake.read_table("quality", "arxiv", "2024-01").to_pylist()}
    sampled_report = score_quality(lake, "arxiv", "2024-01", models=ScoringModels(masked_lm=lm, perplexity_sample=4))
    rows = lake.read_table("quality", "arxiv", "2024-01").to_pylist()
    assert len(rows) == len(full) >= 8

    sample = hashed_sample(full, 4)
    for row in rows:
        before = full[row["figure_id"]]
        # every per-figure decision and every other measurement is what it was without a sample
        assert (row["passed"], row["reasons"], row["raw_tokens"], row["enhanced_tokens"]) == (
            before["passed"],
            before["reasons"],
            before["raw_tokens"],
            before["enhanced_tokens"],
        )
        if row["figure_id"] in sample:
            assert row["pppl_enhanced"] == pytest.approx(before["pppl_enhanced"], rel=1e-5)
            assert row["perplexity_not_measured"] == before["perplexity_not_measured"]
        else:
            assert row["pppl_raw"] is None and row["pppl_enhanced"] is None
            assert row["perplexity_not_measured"] == NOT_IN_PERPLEXITY_SAMPLE
    assert sampled_report.failed == everything.failed

    metrics, everything_metrics = sampled_report.metrics, everything.metrics
    assert metrics["pppl_sample_size"] == 4 and everything_metrics["pppl_sample_size"] == len(rows)
    values = [row["pppl_enhanced"] for row in rows if row["pppl_enhanced"] is not None]
    assert metrics["pppl_enhanced_mean"] == pytest.approx(statistics.fmean(values))
    assert metrics["pppl_enhanced_stderr"] == pytest.approx(statistics.stdev(values) / len(values) ** 0.5)
    # a smaller sample estimates the same mean less precisely
    assert metrics["pppl_enhanced_stderr"] > everything_metrics["pppl_enhanced_stderr"]
