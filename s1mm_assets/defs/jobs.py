"""Jobs: the whole pipeline for one partition, the unit the CLI and `make demo` run; the dataset report after them."""

import dagster as dg

from s1mm_assets.defs.dataset_report.assets import dataset_report

PIPELINE_JOB = "s1mm_pipeline"
DATASET_REPORT_JOB = "s1mm_dataset_report"

pipeline_job = dg.define_asset_job(
    name=PIPELINE_JOB,
    # the dataset report is about every partition, not one: it runs after them (automation, `s1mm materialize`)
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets(dataset_report),
    description="Every stage for one source and month, from raw papers to verified release shards.",
)

dataset_report_job = dg.define_asset_job(
    name=DATASET_REPORT_JOB,
    selection=dg.AssetSelection.assets(dataset_report),
    description="The dataset report over every partition: tables, charts, the dataset card and manifest of manifests.",
)
