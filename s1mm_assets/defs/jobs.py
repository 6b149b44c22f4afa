"""Jobs: the whole pipeline for one partition, the unit the CLI and `make demo` run."""

import dagster as dg

pipeline_job = dg.define_asset_job(
    name="s1mm_pipeline",
    selection=dg.AssetSelection.all(),
    description="Every stage for one source and month, from raw papers to verified release shards.",
)
