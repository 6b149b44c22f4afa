import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.cluster import caption_step_tags
from s1mm_assets.defs.contexts.assets import contexts
from s1mm_assets.defs.kinds import caption_kinds
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import CaptionerResource, LakeResource
from s1mm_assets.lib.stages.captions import enhance_captions


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[contexts],
    group_name=groups.CAPTION,
    kinds=caption_kinds(LOADED_SETTINGS.captioner),  # vllm only where the configured backend is vLLM
    owners=OWNERS,
    pool="gpu",
    op_tags=caption_step_tags(LOADED_SETTINGS.captioner),  # a GPU pod where the step runs the model itself
)
def enhanced_captions(
    context: dg.AssetExecutionContext, lake: LakeResource, captioner: CaptionerResource
) -> dg.MaterializeResult:
    """A long, grounded caption for every figure, written by the configured captioning backend.

    In production a Qwen3-VL model served by vLLM rewrites each caption from the image, the paper's title and
    abstract and the citing sentences. The embedded default (`context`) fuses the author caption with the
    citing sentences and is labelled as such in every record. Model answers are cached in the lake: a rerun
    asks the model nothing twice. Runs in pool `gpu`.
    """
    source, month = source_and_month(context)
    opened = lake.open()
    backend = captioner.open()
    try:
        report = enhance_captions(opened, source, month, backend, checkpoint_every=captioner.caption_checkpoint_every)
    finally:
        backend.close()
    return materialize_result(report, opened)
