import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, PaperSourceResource
from s1mm_assets.lib.stages.raw_papers import collect_papers


@dg.asset(
    partitions_def=source_month_partitions,
    group_name=groups.INGEST,
    kinds={"python", "parquet"},
    owners=OWNERS,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL),
)
def raw_papers(
    context: dg.AssetExecutionContext, lake: LakeResource, paper_source: PaperSourceResource
) -> dg.MaterializeResult:
    """Every paper of the source and month as its source ships it (LaTeX bundle, JATS package or PDF).

    Bundles are stored content-addressed in the lake's blob store; one row per paper in `papers` with its
    bibliographic metadata, licence and discipline. Bundles that cannot be opened go to quarantine.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    return materialize_result(collect_papers(opened, paper_source.open(), source, month), opened)
