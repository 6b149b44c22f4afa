"""A failing blocking check on quality keeps the partition out of release_shards."""

from pathlib import Path

import pytest

from s1mm_assets.defs.quality_scores.checks import CAPTION_FAILURE_RATE_IS_LOW, CAPTIONS_ARE_NOT_EMPTY
from s1mm_assets.defs.resources import PaperSourceResource, QualityGateResource
from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets_tests import bundles
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets

# fig:a has an empty caption but a citing sentence (its enhanced caption is "ok", its raw caption empty);
# fig:c has neither, so the captioner fails on it: 1 failure in 3 figures.
CRAFTED_PAPER = r"""\documentclass{article}
\begin{document}
\title{A paper with captionless figures}
Figure~\ref{fig:a} shows nothing in particular.

\begin{figure}\includegraphics{a.png}\caption{}\label{fig:a}\end{figure}
\begin{figure}\includegraphics{b.png}\caption{A proper caption.}\label{fig:b}\end{figure}
\begin{figure}\includegraphics{c.png}\caption{}\label{fig:c}\end{figure}
\end{document}
"""


@pytest.fixture
def crafted_source(tmp_path: Path) -> PaperSourceResource:
    month_folder = tmp_path / "papers" / "arxiv" / "2024-01"
    month_folder.mkdir(parents=True)
    (month_folder / "2401.00001.tar.gz").write_bytes(
        bundles.tar_gz(
            {
                "main.tex": CRAFTED_PAPER,
                **{f"{name}.png": bundles.png_bytes(seed=seed) for seed, name in enumerate("abc")},
            }
        )
    )
    return PaperSourceResource(backend="local", local_root=str(tmp_path / "papers"))


def test_failing_checks_stop_release_in_the_same_run(lake: Lake, crafted_source):
    result = materialize_partition("arxiv", "2024-01", paper_source=crafted_source)
    assert not result.success
    assert failed_checks(result) == {CAPTIONS_ARE_NOT_EMPTY, CAPTION_FAILURE_RATE_IS_LOW}
    assert "quality_scores" in materialized_assets(result)
    assert "release_shards" not in materialized_assets(result)
    assert not lake.local_path("releases/arxiv/2024-01").exists()
    _, [(shards,)] = query(lake, "select count(*) from releases")
    assert shards == 0


def test_the_failure_bound_comes_from_configuration(lake: Lake, crafted_source):
    tolerant = QualityGateResource(max_caption_failure_rate=0.5)
    result = materialize_partition("arxiv", "2024-01", paper_source=crafted_source, quality_gate=tolerant)
    assert CAPTION_FAILURE_RATE_IS_LOW not in failed_checks(result)
    assert CAPTIONS_ARE_NOT_EMPTY in failed_checks(result)  # still blocked by the other check
    assert "release_shards" not in materialized_assets(result)
