import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.figures.assets import figures
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource
from s1mm_assets.lib.stages.contexts import build_contexts


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[figures],
    group_name=groups.EXTRACT,
    kinds={"python", "parquet"},
    owners=OWNERS,
)
def contexts(context: dg.AssetExecutionContext, lake: LakeResource) -> dg.MaterializeResult:
    """The grounding of each figure's caption: paper title, abstract and the sentences that cite the figure."""
    source, month = source_and_month(context)
    opened = lake.open()
    return materialize_result(build_contexts(opened, source, month), opened)
