import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.cluster import figures_step_tags
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.raw_papers.assets import raw_papers
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import ExtractionLimitsResource, LakeResource
from s1mm_assets.lib.stages.figures import extract_figures


class FiguresConfig(dg.Config):
    dpi: int = 150  # resolution of figures rendered from PDF pages and vector graphics


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[raw_papers],
    group_name=groups.EXTRACT,
    kinds={"pymupdf", "parquet"},
    owners=OWNERS,
    op_tags=figures_step_tags(LOADED_SETTINGS.cluster),  # on a cluster: the CPUs (and memory) its worker pool may use
)
def figures(
    context: dg.AssetExecutionContext,
    config: FiguresConfig,
    lake: LakeResource,
    extraction_limits: ExtractionLimitsResource,
) -> dg.MaterializeResult:
    """Every figure with its caption, parsed from LaTeX source, JATS XML or the PDF layout.

    Images are validated and stored as PNG/JPEG blobs; rows in `figures` carry label, number, caption,
    sub-figures, the paragraphs citing the figure, image size and, for PDFs, page and bounding box.
    Figures without a usable image (TikZ drawings, missing files) are quarantined with the reason. Each paper is
    extracted in a worker process held to the extraction limits; a paper that reaches one is quarantined
    (`timeout`, `memory_limit`, `output_limit`, ...) and the next proceeds.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    report = extract_figures(opened, source, month, dpi=config.dpi, limits=extraction_limits.settings())
    return materialize_result(report, opened)
