"""Which copy of a figure found in several partitions is released: decided by the rule, never by run order."""

from __future__ import annotations

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.ownership import decide_ownership

ZEROS = "0" * 64


def _phash(flipped_bits: int = 0, base: str = "f" * 64) -> str:
    value = int(base, 16) ^ ((1 << flipped_bits) - 1)
    return f"{value:064x}"


def _partition(
    lake: Lake,
    source: str,
    month: str,
    figures: list[dict],
    gate_passed: bool = True,
    identifiers: dict[str, list[str]] | None = None,
) -> None:
    """Quality, checks, figures and papers of a partition, as the stages before ownership would leave them."""
    identifiers = identifiers or {}
    partition = {"source": source, "month": month}
    lake.write_table(
        "quality",
        source,
        month,
        [
            partition
            | {
                "figure_id": f["id"],
                "paper_id": f["paper"],
                "passed": f.get("passed", True),
                "reasons": [] if f.get("passed", True) else ["license_not_allowed"],
                "image_sha256": f.get("sha", f["id"]),
                "image_phash": f.get("phash"),
            }
            for f in figures
        ],
    )
    lake.write_table(
        "checks",
        source,
        month,
        [partition | {"check": "images_decode", "passed": gate_passed, "severity": "ERROR"}],
    )
    lake.write_table(
        "figures",
        source,
        month,
        [partition | {"figure_id": f["id"], "paper_id": f["paper"], "number": f.get("number")} for f in figures],
    )
    papers = sorted({f["paper"] for f in figures})
    lake.write_table(
        "papers",
        source,
        month,
        [partition | {"paper_id": paper, "identifiers": identifiers.get(paper, [])} for paper in papers],
    )


def _decide(lake: Lake, source: str, month: str) -> dict[str, dict]:
    decide_ownership(lake, source, month)
    return {row["figure_id"]: row for row in lake.read_table("ownership", source, month).to_pylist()}


def test_the_earlier_source_of_a_month_owns_a_shared_figure_whichever_is_decided_first(lake: Lake):
    _partition(lake, "arxiv", "2024-01", [{"id": "a1", "paper": "arxiv:1", "sha": "same"}])
    _partition(lake, "biorxiv", "2024-01", [{"id": "b1", "paper": "biorxiv:1", "sha": "same"}])
    late_first = _decide(lake, "biorxiv", "2024-01")
    early = _decide(lake, "arxiv", "2024-01")
    assert early["a1"]["owned"] and early["a1"]["duplicate_of"] is None
    assert (late_first["b1"]["owned"], late_first["b1"]["duplicate_of"]) == (False, "a1")
    assert late_first["b1"]["duplicate_partition"] == "arxiv/2024-01" and late_first["b1"]["duplicate_kind"] == "exact"


def test_a_later_month_loses_to_an_earlier_one_by_perceptual_hash_and_never_the_reverse(lake: Lake):
    _partition(lake, "arxiv", "2024-02", [{"id": "late", "paper": "arxiv:2", "phash": _phash(3)}])
    _partition(lake, "nature_communications", "2024-01", [{"id": "early", "paper": "nc:1", "phash": _phash(0)}])
    # February decided before January exists: it owns the picture, for now
    assert _decide(lake, "arxiv", "2024-02")["late"]["owned"]
    assert _decide(lake, "nature_communications", "2024-01")["early"]["owned"]
    decided_again = _decide(lake, "arxiv", "2024-02")["late"]
    assert (decided_again["owned"], decided_again["duplicate_of"], decided_again["duplicate_kind"]) == (
        False,
        "early",
        "near",
    )
    assert decided_again["duplicate_distance"] == 3
    inputs = {row["consulted"] for row in lake.read_table("ownership_inputs", "arxiv", "2024-02").to_pylist()}
    assert "ownership/nature_communications/2024-01" in inputs and "quality/arxiv/2024-02" in inputs


def test_a_figure_held_back_for_its_own_reasons_or_in_a_failed_partition_owns_nothing(lake: Lake):
    _partition(lake, "arxiv", "2024-01", [{"id": "unlicensed", "paper": "arxiv:1", "sha": "x", "passed": False}])
    _partition(lake, "biorxiv", "2024-01", [{"id": "failed-gate", "paper": "biorxiv:1", "sha": "y"}], gate_passed=False)
    _partition(
        lake,
        "medrxiv",
        "2024-01",
        [{"id": "m-x", "paper": "medrxiv:1", "sha": "x"}, {"id": "m-y", "paper": "medrxiv:1", "sha": "y"}],
    )
    arxiv, biorxiv, medrxiv = (_decide(lake, source, "2024-01") for source in ("arxiv", "biorxiv", "medrxiv"))
    assert not arxiv["unlicensed"]["releasable"] and arxiv["unlicensed"]["duplicate_of"] is None
    assert not biorxiv["failed-gate"]["releasable"] and not biorxiv["failed-gate"]["owned"]
    assert medrxiv["m-x"]["owned"] and medrxiv["m-y"]["owned"]  # the copies nobody may release are no originals


def test_the_same_figure_of_the_same_work_is_a_duplicate_though_the_picture_was_redrawn(lake: Lake):
    preprint = "biorxiv:10.1101/2024.01.02.573522"
    article = "nature_communications:10.1038/s41467-024-1"
    _partition(
        lake,
        "biorxiv",
        "2024-01",
        [{"id": "pre-1", "paper": preprint, "number": "1"}, {"id": "pre-2", "paper": preprint, "number": "2"}],
        identifiers={preprint: ["doi:10.1101/2024.01.02.573522", "doi:10.1038/s41467-024-1"]},
    )
    _partition(
        lake,
        "nature_communications",
        "2024-05",
        [{"id": "art-1", "paper": article, "number": "1"}, {"id": "art-3", "paper": article, "number": "3"}],
        identifiers={article: ["doi:10.1038/s41467-024-1"]},
    )
    _decide(lake, "biorxiv", "2024-01")
    journal = _decide(lake, "nature_communications", "2024-05")
    assert (journal["art-1"]["duplicate_of"], journal["art-1"]["duplicate_kind"]) == ("pre-1", "same_work")
    assert journal["art-3"]["owned"]  # a figure the preprint did not have is new
