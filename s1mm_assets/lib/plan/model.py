"""The arithmetic of a capacity plan: per stage, the work a run at a given scale needs and how long it takes on a
given cluster, from named rates (`rates.Rate`). No rate is written here: each comes from a benchmark's result file,
the assumptions file or the command line, and the plan lists the ones it used.

How the cluster's time is counted:
- a CPU stage's work spreads over every core, a GPU stage's over every GPU (partitions are independent);
- downloads are bound by each source's polite request rate, sources fetched side by side;
- "one stage after another" adds the stages' times; "overlapped" lets the partitions of different months be in
  different stages at once, so the run takes as long as its busiest resource (CPU, GPU or a source's rate):
  that resource is the bottleneck.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from s1mm_assets.lib.plan.rates import Rate
from s1mm_assets.lib.sources import NATIVE_BUNDLE_KIND, SOURCES

CPU, GPU, DOWNLOAD = "CPU", "GPU", "download"


@dataclasses.dataclass(frozen=True)
class Cluster:
    papers: int
    gpus: int
    cpu_cores: int
    sources: tuple[str, ...] = SOURCES
    # the figures the papers yield, when known (S1-MMAlign: 15.5 M); otherwise papers x measured figures per paper
    figures: int | None = None
    # share of figures whose captions get a pseudo-perplexity (`perplexity_sample` in the scoring settings)
    perplexity_fraction: float = 1.0

    def __post_init__(self):
        unknown = sorted(set(self.sources) - set(SOURCES))
        if unknown:
            raise ValueError(f"unknown sources {', '.join(unknown)}; known: {', '.join(SOURCES)}")
        if self.papers <= 0 or self.cpu_cores <= 0 or self.gpus < 0:
            raise ValueError("papers and CPU cores must be positive and GPUs not negative")
        if not 0 <= self.perplexity_fraction <= 1:
            raise ValueError("the perplexity fraction lies between 0 and 1")


@dataclasses.dataclass(frozen=True)
class StageWork:
    stage: str
    core_hours: float
    gpu_hours: float
    bytes_stored: float
    bytes_downloaded: float
    download_usd: float
    wall_hours: float  # on the whole cluster, this stage alone
    limited_by: str
    rates: tuple[str, ...]  # names of the rates this stage's figures come from


@dataclasses.dataclass(frozen=True)
class Plan:
    cluster: Cluster
    papers_by_source: dict[str, float]
    figures_by_source: dict[str, float]
    stages: list[StageWork]
    download_hours: float  # the slowest source's polite fetch time
    rates: dict[str, Rate]  # every rate a figure of the plan comes from

    @property
    def figures(self) -> float:
        return sum(self.figures_by_source.values())

    def total(self, field: str) -> float:
        return sum(getattr(stage, field) for stage in self.stages)

    @property
    def sequential_hours(self) -> float:
        return self.total("wall_hours")

    def resource_hours(self) -> dict[str, float]:
        """How long each resource is busy over the whole run."""
        return {
            CPU: self.total("core_hours") / self.cluster.cpu_cores,
            GPU: self.total("gpu_hours") / self.cluster.gpus if self.cluster.gpus else _never(self.total("gpu_hours")),
            DOWNLOAD: self.download_hours,
        }

    @property
    def overlapped_hours(self) -> float:
        return max(self.resource_hours().values())

    @property
    def bottleneck(self) -> str:
        """The busiest resource and the stage that loads it most."""
        hours = self.resource_hours()
        resource = max(hours, key=hours.get)
        if resource == DOWNLOAD:
            return f"{DOWNLOAD} ({self.stages[0].limited_by})"
        field = "core_hours" if resource == CPU else "gpu_hours"
        stage = max(self.stages, key=lambda work: getattr(work, field))
        share = getattr(stage, field) / self.total(field) if self.total(field) else 0.0
        return f"{resource} ({stage.stage}: {share:.0%} of the {resource}-hours)"


def _never(work: float) -> float:
    return float("inf") if work else 0.0


class _Rates:
    """Rates by name, remembering which each stage used."""

    def __init__(self, rates: Mapping[str, Rate]):
        self._rates = rates
        self.used: dict[str, Rate] = {}
        self._stage: list[str] = []

    def __call__(self, name: str) -> float:
        if name not in self._rates:
            raise KeyError(
                f"no rate {name!r}: run the benchmark that measures it (bench/results/) or add it to the "
                "assumptions file with its source"
            )
        self.used[name] = self._rates[name]
        self._stage.append(name)
        return self._rates[name].value

    def stage_names(self) -> tuple[str, ...]:
        """The rates used since the last call."""
        names, self._stage = tuple(dict.fromkeys(self._stage)), []
        return names


def make_plan(cluster: Cluster, rates: Mapping[str, Rate]) -> Plan:
    """The work and time of every stage for `cluster.papers` papers from `cluster.sources`."""
    rate = _Rates(rates)
    shares = {source: rate(f"papers.share.{source}") for source in cluster.sources}
    papers = {source: cluster.papers * share / sum(shares.values()) for source, share in shares.items()}
    downloaded = {source: papers[source] * rate(f"download.bytes_per_paper.{source}") for source in papers}
    usd_per_gb = rate("download.usd_per_gb")
    usd = sum(downloaded[source] / 1e9 * usd_per_gb * rate(f"download.requester_pays.{source}") for source in papers)
    fetch_hours = {source: papers[source] / rate(f"download.papers_per_second.{source}") / 3600 for source in papers}
    slowest = max(fetch_hours, key=fetch_hours.get)
    stages = [
        # the lake keeps every bundle it downloads
        StageWork(
            stage="raw_papers",
            core_hours=0.0,
            gpu_hours=0.0,
            bytes_stored=sum(downloaded.values()),
            bytes_downloaded=sum(downloaded.values()),
            download_usd=usd,
            wall_hours=fetch_hours[slowest],
            limited_by=f"{DOWNLOAD}: {slowest}'s polite rate",
            rates=rate.stage_names(),
        )
    ]

    kinds = {source: NATIVE_BUNDLE_KIND[source] for source in cluster.sources}
    figures = {source: papers[source] * rate(f"extract.figures_per_paper.{kinds[source]}") for source in papers}
    if cluster.figures is not None:
        figures = {source: count * cluster.figures / sum(figures.values()) for source, count in figures.items()}
    all_figures = sum(figures.values())
    image_bytes = sum(figures[source] * rate(f"extract.image_bytes_per_figure.{kinds[source]}") for source in papers)
    stages.append(
        _stage(
            "figures",
            cluster,
            rate,
            core_seconds=sum(
                papers[source] * rate(f"extract.core_seconds_per_paper.{kinds[source]}") for source in papers
            ),
            stored=image_bytes,
        )
    )
    stages.append(
        _stage("contexts", cluster, rate, core_seconds=cluster.papers * rate("contexts.core_seconds_per_paper"))
    )
    stages.append(
        _stage(
            "enhanced_captions",
            cluster,
            rate,
            core_seconds=all_figures * rate("caption.client_core_seconds_per_figure"),
            gpu_seconds=all_figures * rate("caption.gpu_seconds_per_figure"),
        )
    )
    host = (
        rate("score.clip.host_core_seconds_per_figure")
        + rate("score.quality.core_seconds_per_figure")
        + rate("score.dedup.core_seconds_per_figure")
    )
    device = rate("score.clip.gpu_seconds_per_figure") + 2 * cluster.perplexity_fraction * rate(
        "score.pppl.gpu_seconds_per_caption"
    )
    stages.append(
        _stage("quality_scores", cluster, rate, core_seconds=all_figures * host, gpu_seconds=all_figures * device)
    )
    stages.append(
        _stage(
            "release_shards",
            cluster,
            rate,
            core_seconds=all_figures * rate("release.core_seconds_per_figure"),
            # the shards hold every released image again, beside its metadata record
            stored=image_bytes + all_figures * rate("release.metadata_bytes_per_figure"),
            also_from=tuple(f"extract.image_bytes_per_figure.{kinds[source]}" for source in papers),
        )
    )
    return Plan(
        cluster=cluster,
        papers_by_source=papers,
        figures_by_source=figures,
        stages=stages,
        download_hours=fetch_hours[slowest],
        rates=dict(rate.used),
    )


def _stage(
    stage: str,
    cluster: Cluster,
    rate: _Rates,
    core_seconds: float = 0.0,
    gpu_seconds: float = 0.0,
    stored: float = 0.0,
    also_from: tuple[str, ...] = (),
) -> StageWork:
    core_hours, gpu_hours = core_seconds / 3600, gpu_seconds / 3600
    times = {CPU: core_hours / cluster.cpu_cores, GPU: gpu_hours / cluster.gpus if cluster.gpus else _never(gpu_hours)}
    limited_by = max(times, key=times.get)
    return StageWork(
        stage=stage,
        core_hours=core_hours,
        gpu_hours=gpu_hours,
        bytes_stored=stored,
        bytes_downloaded=0.0,
        download_usd=0.0,
        wall_hours=times[limited_by],
        limited_by=limited_by,
        rates=tuple(dict.fromkeys(rate.stage_names() + also_from)),
    )
