"""The figures stage gives the same tables whether papers are extracted by one sandbox worker or by a pool."""

import os

import pytest

from s1mm_assets.lib.extract.sandbox import Sandbox
from s1mm_assets.lib.sources.sample import SampleSource
from s1mm_assets.lib.stages import figures as figures_stage
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


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity") or os.cpu_count() < 2, reason="needs CPU affinity, 2+ cores")
def test_the_pool_has_no_more_workers_than_cpus_the_process_may_use(lake, monkeypatch):
    # A container or pod limited to fewer CPUs than its node has (here: pinned to one) must not start a worker per
    # node core: each worker is a process holding PyMuPDF and a paper in memory.
    collect_papers(lake, SampleSource(papers_per_partition=2), "arxiv", "2024-03")
    monkeypatch.setattr(figures_stage, "POOL_FROM_PAPERS", 1)
    pool_sizes = []

    class RecordingSandbox(Sandbox):
        def __init__(self, limits, workers=1, dpi=150):
            pool_sizes.append(workers)
            super().__init__(limits, workers=workers, dpi=dpi)

    monkeypatch.setattr(figures_stage, "Sandbox", RecordingSandbox)
    allowed = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(allowed)})
    try:
        extract_figures(lake, "arxiv", "2024-03")
    finally:
        os.sched_setaffinity(0, allowed)
    assert pool_sizes == [1]
