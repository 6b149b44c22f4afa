"""A capacity plan as Markdown tables for people, or as JSON for programs."""

from __future__ import annotations

import dataclasses
import math

from s1mm_assets.lib.plan.model import Plan
from s1mm_assets.lib.plan.rates import ASSUMED, MEASURED, OVERRIDE

_ORIGIN_MARK = {MEASURED: "measured", ASSUMED: "ASSUMED", OVERRIDE: "set on the command line"}


def as_text(plan: Plan) -> str:
    cluster = plan.cluster
    lines = [
        f"Capacity plan: {cluster.papers:,} papers, {plan.figures:,.0f} figures, {cluster.gpus} GPUs, "
        f"{cluster.cpu_cores} CPU cores",
        "Papers by source: "
        + ", ".join(
            f"{source} {count:,.0f} ({plan.figures_by_source[source]:,.0f} figures)"
            for source, count in plan.papers_by_source.items()
        ),
        "",
        "| stage | core-hours | GPU-hours | stored | downloaded | requester-pays cost | wall-clock | limited by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for stage in plan.stages:
        lines.append(
            f"| {stage.stage} | {_amount(stage.core_hours)} | {_amount(stage.gpu_hours)} | "
            f"{_bytes(stage.bytes_stored)} | {_bytes(stage.bytes_downloaded)} | {_usd(stage.download_usd)} | "
            f"{_duration(stage.wall_hours)} | {stage.limited_by} |"
        )
    lines.append(
        f"| **total** | {_amount(plan.total('core_hours'))} | {_amount(plan.total('gpu_hours'))} | "
        f"{_bytes(plan.total('bytes_stored'))} | {_bytes(plan.total('bytes_downloaded'))} | "
        f"{_usd(plan.total('download_usd'))} | {_duration(plan.sequential_hours)} | one stage after another |"
    )
    busy = ", ".join(f"{resource} {_duration(hours)}" for resource, hours in plan.resource_hours().items())
    lines += [
        "",
        f"Wall-clock on this cluster: {_duration(plan.sequential_hours)} with the stages one after another; "
        f"{_duration(plan.overlapped_hours)} with partitions in different stages at once (busy: {busy}).",
        f"Bottleneck: {plan.bottleneck}.",
        "",
        "Rates (measured: read from the benchmark result file named; ASSUMED: nobody has measured it yet, override "
        "with --set NAME=VALUE):",
        "",
        "| rate | value | unit | origin | file | stages |",
        "|---|---|---|---|---|---|",
    ]
    users = {name: [stage.stage for stage in plan.stages if name in stage.rates] for name in plan.rates}
    for name, rate in sorted(plan.rates.items()):
        lines.append(
            f"| {name} | {rate.value:.6g} | {rate.unit} | {_ORIGIN_MARK[rate.origin]} | {rate.source} | "
            f"{', '.join(users[name])} |"
        )
    lines += ["", "Where each value comes from:", ""]
    lines += [f"- {name}: {rate.note}" for name, rate in sorted(plan.rates.items())]
    return "\n".join(lines)


def as_json(plan: Plan) -> dict:
    return {
        "cluster": dataclasses.asdict(plan.cluster),
        "figures": plan.figures,
        "papers_by_source": plan.papers_by_source,
        "figures_by_source": plan.figures_by_source,
        "stages": [dataclasses.asdict(stage) for stage in plan.stages],
        "totals": {
            field: plan.total(field)
            for field in ("core_hours", "gpu_hours", "bytes_stored", "bytes_downloaded", "download_usd")
        },
        "wall_hours": {
            "stages_one_after_another": plan.sequential_hours,
            "overlapped": plan.overlapped_hours,
            "resource_busy": plan.resource_hours(),
        },
        "bottleneck": plan.bottleneck,
        "rates": {name: dataclasses.asdict(rate) for name, rate in sorted(plan.rates.items())},
    }


def _amount(hours: float) -> str:
    return f"{hours:,.0f}" if hours >= 10 else (f"{hours:.1f}" if hours else "-")


def _bytes(count: float) -> str:
    if not count:
        return "-"
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if count >= size:
            return f"{count / size:,.1f} {unit}"
    return f"{count:,.0f} B"


def _usd(amount: float) -> str:
    return (f"${amount:,.0f}" if amount >= 10 else f"${amount:.2f}") if amount else "-"


def _duration(hours: float) -> str:
    if math.isinf(hours):
        return "never (no GPU)"
    return f"{hours / 24:,.1f} days" if hours >= 48 else f"{hours:,.1f} h"
