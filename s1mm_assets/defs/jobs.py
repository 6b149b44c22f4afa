"""Jobs: the whole pipeline for one partition, the unit the CLI and `make demo` run."""

import dagster as dg

from s1mm_assets.defs.partitions import source_month_partitions

pipeline_job = dg.define_asset_job(
    name="s1mm_pipeline",
    selection=dg.AssetSelection.all(),
    partitions_def=source_month_partitions,
    description="Every stage for one source and month, from raw papers to verified release shards.",
)
