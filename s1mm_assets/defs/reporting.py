"""A stage report becomes the metadata the Dagster UI shows (and charts) for a materialization.

Entries are named for what they are: the count a stage holds back under the stage's own word for it ("held back",
"captions not usable") with the reasons right after it, and each file or table written under its role ("release
folder", "releases table", "dataset card") rather than as numbered outputs.
"""

from __future__ import annotations

import re

import dagster as dg

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.report import StageReport

OWNERS = ["team:s1mm"]

_REASON_PREFIX = "held_back_"


def materialize_result(
    report: StageReport, lake: Lake, check_results: list[dg.AssetCheckResult] | None = None
) -> dg.MaterializeResult:
    metadata: dict[str, object] = {"dagster/row_count": report.rows}
    if report.failed or report.failed_label != "failed":
        metadata[report.failed_label] = report.failed
    # the reasons beside the count they explain (numbers, so the UI charts each over time)
    for name, value in report.metrics.items():
        if name.startswith(_REASON_PREFIX) and value is not None:
            metadata[f"held back: {name.removeprefix(_REASON_PREFIX)}"] = value
    metadata["quarantined"] = report.quarantined
    for name, value in report.metrics.items():
        if value is not None and not name.startswith(_REASON_PREFIX):
            metadata[name] = dg.MetadataValue.float(float(value)) if isinstance(value, float) else value
    for title, markdown in report.tables.items():
        metadata[title] = dg.MetadataValue.md(markdown)
    for output in report.outputs:
        metadata[output_name(output)] = dg.MetadataValue.path(lake.path(output))
    if report.preview or not report.tables:
        metadata["preview"] = dg.MetadataValue.md(report.preview_markdown())
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=check_results,
        data_version=dg.DataVersion(report.data_version) if report.data_version else None,
    )


def output_name(relative: str) -> str:
    """What a lake path written by a stage is, in a reader's words."""
    if match := re.fullmatch(r"tables/([^/]+)/.*", relative):
        return f"{match[1]} table"
    if match := re.fullmatch(r"report/([^/]+)\.parquet", relative):
        return f"{match[1]} table"
    if match := re.fullmatch(r"releases/charts/([^/]+)\.png", relative):
        return f"chart: {match[1].replace('_', ' ')}"
    if relative == "releases/README.md":
        return "dataset card"
    if relative == "releases/manifest.json":
        return "manifest of manifests"
    if re.fullmatch(r"releases/[^/]+/[^/]+", relative):
        return "release folder"
    return relative
