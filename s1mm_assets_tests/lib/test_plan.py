"""`s1mm plan`: the arithmetic on fixed rates, every rate traced to the file it came from, overrides, and the plan
for S1-MMAlign's scale from the committed benchmark results."""

import json
import re
from pathlib import Path

import pytest

from s1mm_assets import cli
from s1mm_assets.lib.plan.model import Cluster, make_plan
from s1mm_assets.lib.plan.rates import ASSUMED, MEASURED, OVERRIDE, load_rates, write_result
from s1mm_assets.lib.plan.report import as_text
from s1mm_assets.lib.settings import project_root

MEASURED_RATES = {
    "extract.core_seconds_per_paper.latex": 2.0,
    "extract.core_seconds_per_paper.pdf": 1.0,
    "extract.figures_per_paper.latex": 4.0,
    "extract.figures_per_paper.pdf": 2.0,
    "extract.image_bytes_per_figure.latex": 100_000.0,
    "extract.image_bytes_per_figure.pdf": 200_000.0,
    "extract.input_bytes_per_paper.pdf": 1_000_000.0,
    "score.clip.host_core_seconds_per_figure": 0.01,
}
ASSUMED_RATES = {
    "papers.share.arxiv": 3.0,
    "papers.share.chemrxiv": 1.0,
    "download.bytes_per_paper.arxiv": 2_000_000.0,
    "download.papers_per_second.arxiv": 5.0,
    "download.papers_per_second.chemrxiv": 1.0,
    "download.requester_pays.arxiv": 1.0,
    "download.requester_pays.chemrxiv": 0.0,
    "download.usd_per_gb": 0.1,
    "contexts.core_seconds_per_paper": 0.1,
    "caption.gpu_seconds_per_figure": 0.2,
    "caption.client_core_seconds_per_figure": 0.01,
    "score.clip.gpu_seconds_per_figure": 0.05,
    "score.pppl.gpu_seconds_per_caption": 0.1,
    "score.quality.core_seconds_per_figure": 0.02,
    "score.dedup.core_seconds_per_figure": 0.001,
    "release.core_seconds_per_figure": 0.005,
    "release.metadata_bytes_per_figure": 1000.0,
}
SMALL = Cluster(papers=1000, gpus=2, cpu_cores=10, sources=("arxiv", "chemrxiv"))


@pytest.fixture
def rate_files(tmp_path: Path) -> tuple[Path, Path]:
    """A results folder with one benchmark's file, and an assumptions file, as the committed ones are laid out."""
    results = tmp_path / "results"
    write_result(
        results / "extraction.json",
        "extraction_throughput",
        {name: (value, "unit", f"measured {name}") for name, value in MEASURED_RATES.items()},
        machine_notes={"gpu": None},
    )
    assumptions = {
        name: {"value": value, "unit": "unit", "description": f"assumed {name}", "source": f"source of {name}"}
        for name, value in ASSUMED_RATES.items()
    }
    assumptions["download.bytes_per_paper.chemrxiv"] = {
        "same_as": "extract.input_bytes_per_paper.pdf",
        "description": "a ChemRxiv download",
        "source": "a ChemRxiv bundle is its PDF",
    }
    (tmp_path / "assumptions.json").write_text(json.dumps({"assumptions": assumptions}))
    return results, tmp_path / "assumptions.json"


def test_the_plan_adds_up_every_stage_from_its_rates(rate_files):
    plan = make_plan(SMALL, load_rates(*rate_files))
    # papers split 3:1; arXiv papers are LaTeX (4 figures each), ChemRxiv papers PDFs (2 figures each)
    assert plan.papers_by_source == pytest.approx({"arxiv": 750, "chemrxiv": 250})
    assert plan.figures == pytest.approx(3500)
    stages = {stage.stage: stage for stage in plan.stages}
    assert list(stages) == [
        "raw_papers",
        "figures",
        "contexts",
        "enhanced_captions",
        "quality_scores",
        "release_shards",
    ]

    raw = stages["raw_papers"]
    assert raw.bytes_downloaded == pytest.approx(750 * 2e6 + 250 * 1e6) == raw.bytes_stored
    assert raw.download_usd == pytest.approx(1.5 * 0.1)  # only arXiv's requester-pays GB cost money
    assert raw.wall_hours == pytest.approx(250 / 3600)  # ChemRxiv at 1 paper/s is the slower source
    assert raw.limited_by == "download: chemrxiv's polite rate"

    figures = stages["figures"]
    assert figures.core_hours == pytest.approx((750 * 2 + 250 * 1) / 3600)
    assert figures.wall_hours == pytest.approx(figures.core_hours / 10) and figures.limited_by == "CPU"
    assert figures.bytes_stored == pytest.approx(3000 * 100_000 + 500 * 200_000)
    assert stages["contexts"].core_hours == pytest.approx(1000 * 0.1 / 3600)

    captions = stages["enhanced_captions"]
    assert captions.gpu_hours == pytest.approx(3500 * 0.2 / 3600)
    assert captions.core_hours == pytest.approx(3500 * 0.01 / 3600)
    assert captions.wall_hours == pytest.approx(captions.gpu_hours / 2) and captions.limited_by == "GPU"

    quality = stages["quality_scores"]
    assert quality.gpu_hours == pytest.approx(3500 * (0.05 + 2 * 0.1) / 3600)  # CLIP + both captions' perplexity
    assert quality.core_hours == pytest.approx(3500 * (0.01 + 0.02 + 0.001) / 3600)
    release = stages["release_shards"]
    assert release.bytes_stored == pytest.approx(figures.bytes_stored + 3500 * 1000)  # images again, and metadata

    # 1,575 GPU-seconds on 2 GPUs outlast 2,011 core-seconds on 10 cores and 250 s of downloads
    assert plan.resource_hours()["GPU"] == pytest.approx(1575 / 2 / 3600)
    assert plan.resource_hours()["CPU"] == pytest.approx(2011 / 10 / 3600)
    assert plan.overlapped_hours == pytest.approx(1575 / 2 / 3600)
    assert plan.sequential_hours == pytest.approx(sum(stage.wall_hours for stage in plan.stages))
    assert plan.bottleneck == "GPU (quality_scores: 56% of the GPU-hours)"


def test_a_perplexity_sample_and_the_known_figure_count_change_what_they_should(rate_files):
    rates = load_rates(*rate_files)
    sampled = make_plan(Cluster(**{**SMALL.__dict__, "perplexity_fraction": 0.1}), rates)
    assert {stage.stage: stage for stage in sampled.stages}["quality_scores"].gpu_hours == pytest.approx(
        3500 * (0.05 + 2 * 0.1 * 0.1) / 3600
    )
    known = make_plan(Cluster(**{**SMALL.__dict__, "figures": 7000}), rates)
    assert known.figures == pytest.approx(7000)
    assert known.figures_by_source == pytest.approx({"arxiv": 6000, "chemrxiv": 1000})  # the measured mix, scaled
    with pytest.raises(ValueError, match="unknown sources"):
        Cluster(papers=1, gpus=1, cpu_cores=1, sources=("zenodo",))


RATE_ROW = re.compile(r"^\| ([a-z_]+\.[a-z_.]+) \| ([0-9.e+-]+) \| [^|]* \| ([^|]+) \| ([^|]+) \|", re.MULTILINE)


def traced_rates(text: str, assumptions: Path) -> int:
    """Check each rate row of a printed plan against the file it names: a measured rate is in that result file
    (under its own name, or the name the assumptions file says it stands for) with the value printed; any other is
    labelled ASSUMED and is in the assumptions file. Returns how many rows there were."""
    stands_for = {
        name: entry["same_as"]
        for name, entry in json.loads(assumptions.read_text())["assumptions"].items()
        if "same_as" in entry
    }
    rows = RATE_ROW.findall(text)
    for name, value, origin, file in rows:
        path = Path(file.strip())
        document = json.loads((path if path.is_absolute() else project_root() / path).read_text())
        if origin.strip() == "measured":
            entry = document["rates"].get(name) or document["rates"][stands_for[name]]
        else:
            assert origin.strip() == "ASSUMED", name
            entry = document["assumptions"][name]
        assert float(value) == pytest.approx(entry["value"], rel=1e-5), name
    return len(rows)


def test_every_printed_rate_names_the_file_that_holds_it(rate_files):
    text = as_text(make_plan(SMALL, load_rates(*rate_files)))
    # every rate but the PDF input size, which appears as the ChemRxiv download
    assert traced_rates(text, rate_files[1]) == len(MEASURED_RATES) - 1 + len(ASSUMED_RATES) + 1
    # the ChemRxiv download is the measured PDF size, and says so
    assert re.search(
        r"\| download\.bytes_per_paper\.chemrxiv \| 1e\+06 \| unit \| measured \| .*extraction\.json", text
    )
    assert "a ChemRxiv bundle is its PDF (extract.input_bytes_per_paper.pdf:" in text


def test_a_value_on_the_command_line_replaces_an_assumption_and_a_measurement_replaces_an_assumption(rate_files):
    results, assumptions = rate_files
    base = make_plan(SMALL, load_rates(results, assumptions))
    overridden = load_rates(results, assumptions, {"caption.gpu_seconds_per_figure": 0.4})
    assert overridden["caption.gpu_seconds_per_figure"].origin == OVERRIDE
    plan = make_plan(SMALL, overridden)
    assert plan.stages[3].gpu_hours == pytest.approx(2 * base.stages[3].gpu_hours)
    assert "| caption.gpu_seconds_per_figure | 0.4 | unit | set on the command line | command line |" in as_text(plan)

    write_result(results / "captions.json", "caption_throughput", {"caption.gpu_seconds_per_figure": (0.3, "u", "d")})
    measured = load_rates(results, assumptions)["caption.gpu_seconds_per_figure"]
    assert (measured.origin, measured.value, Path(measured.source).name) == (MEASURED, 0.3, "captions.json")
    assert load_rates(results, assumptions)["contexts.core_seconds_per_paper"].origin == ASSUMED


def test_unknown_and_missing_rates_and_a_rate_measured_twice_are_clear_errors(rate_files, tmp_path):
    results, assumptions = rate_files
    with pytest.raises(ValueError, match="--set caption.gpu_second_per_figure: no such rate"):
        load_rates(results, assumptions, {"caption.gpu_second_per_figure": 1})
    with pytest.raises(KeyError, match="no rate 'papers.share.biorxiv'"):
        make_plan(Cluster(papers=10, gpus=1, cpu_cores=1, sources=("biorxiv",)), load_rates(results, assumptions))
    write_result(results / "again.json", "extraction_throughput", {"extract.figures_per_paper.pdf": (3, "u", "d")})
    with pytest.raises(ValueError, match="measured in both"):
        load_rates(results, assumptions)


def test_the_cli_plans_s1_mmalign_from_the_committed_results(capsys):
    bench = project_root() / "bench"
    committed = sorted(path.name for path in (bench / "results").glob("*.json"))
    assert {"extraction_throughput.json", "score_throughput_cpu.json", "dedup_throughput.json"} <= set(committed)

    arguments = ["plan", "--papers", "2500000", "--figures", "15500000", "--gpus", "8", "--cpu-cores", "256"]
    assert cli.main(arguments) == 0
    text = capsys.readouterr().out
    assert "Capacity plan: 2,500,000 papers, 15,500,000 figures, 8 GPUs, 256 CPU cores" in text
    for stage in ("raw_papers", "figures", "contexts", "enhanced_captions", "quality_scores", "release_shards"):
        assert f"| {stage} |" in text
    assert (
        "Bottleneck: " in text
        and "| measured | bench/results/" in text
        and "| ASSUMED | bench/assumptions.json" in text
    )
    # every rate the plan used is printed, and each is in the committed file it names, or labelled ASSUMED
    assert cli.main([*arguments, "--json"]) == 0
    used = json.loads(capsys.readouterr().out)["rates"]
    assert traced_rates(text, bench / "assumptions.json") == len(used)

    assert cli.main([*arguments, "--json", "--set", "caption.gpu_seconds_per_figure=0.05"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["figures"] == pytest.approx(15_500_000)
    assert plan["rates"]["caption.gpu_seconds_per_figure"]["origin"] == OVERRIDE
    assert {rate["origin"] for rate in plan["rates"].values()} <= {MEASURED, ASSUMED, OVERRIDE}
    assert plan["bottleneck"].split()[0] in {"CPU", "GPU", "download"}


def test_the_cli_says_what_is_wrong_with_a_bad_setting(capsys):
    assert cli.main(["plan", "--papers", "10", "--gpus", "1", "--cpu-cores", "1", "--set", "nonsense"]) == 2
    assert "--set wants NAME=NUMBER" in capsys.readouterr().err
