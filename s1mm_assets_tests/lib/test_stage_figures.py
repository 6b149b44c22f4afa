"""The figures stage gives the same tables whether papers are extracted in this process or by a worker pool."""

from s1mm_assets.lib.sources.sample import SampleSource
from s1mm_assets.lib.stages.figures import extract_figures
from s1mm_assets.lib.stages.raw_papers import collect_papers


def test_worker_pool_gives_the_same_figures_and_quarantine_as_one_process(lake):
    # Six arXiv papers: the fifth has a figure drawn in TikZ or missing from the bundle, quarantined.
    collect_papers(lake, SampleSource(papers_per_partition=6), "arxiv", "2024-03")
    serial = extract_figures(lake, "arxiv", "2024-03", workers=1)
    figures = lake.read_table("figures", "arxiv", "2024-03").to_pylist()
    quarantine = lake.read_table("quarantine", "arxiv", "2024-03", stage="figures").to_pylist()
    pooled = extract_figures(lake, "arxiv", "2024-03", workers=2)
    assert lake.read_table("figures", "arxiv", "2024-03").to_pylist() == figures
    assert lake.read_table("quarantine", "arxiv", "2024-03", stage="figures").to_pylist() == quarantine
    assert (pooled.rows, pooled.quarantined) == (serial.rows, serial.quarantined)
    assert serial.rows >= 12 and serial.quarantined >= 1
