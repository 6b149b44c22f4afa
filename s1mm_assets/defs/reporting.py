"""A stage report becomes the metadata the Dagster UI shows (and charts) for a materialization."""

from __future__ import annotations

import dagster as dg

from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.report import StageReport

OWNERS = ["team:s1mm"]


def materialize_result(
    report: StageReport, lake: Lake, check_results: list[dg.AssetCheckResult] | None = None
) -> dg.MaterializeResult:
    metadata: dict[str, object] = {
        "dagster/row_count": report.rows,
        "quarantined": report.quarantined,
        "failed": report.failed,
        "preview": dg.MetadataValue.md(report.preview_markdown()),
    }
    for name, value in report.metrics.items():
        if value is not None:
            metadata[name] = dg.MetadataValue.float(float(value)) if isinstance(value, float) else value
    for index, output in enumerate(report.outputs):
        metadata[f"output_{index}" if index else "output"] = dg.MetadataValue.path(lake.path(output))
    return dg.MaterializeResult(
        metadata=metadata,
        check_results=check_results,
        data_version=dg.DataVersion(report.data_version) if report.data_version else None,
    )
