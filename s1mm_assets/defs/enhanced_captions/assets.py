import dagster as dg

from s1mm_assets.defs.contexts.assets import contexts
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import CaptionerResource, LakeResource
from s1mm_assets.lib.stages.captions import enhance_captions

# A step pod of the k8s_job_executor reads these op tags: the caption step gets a GPU node.
GPU_POD_TAGS = {
    "dagster-k8s/config": {
        "container_config": {"resources": {"limits": {"nvidia.com/gpu": 1}, "requests": {"nvidia.com/gpu": 1}}},
        "pod_spec_config": {"tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]},
    }
}


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[contexts],
    group_name="caption",
    kinds={"vllm", "parquet"},
    owners=OWNERS,
    pool="gpu",
    op_tags=GPU_POD_TAGS,
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
        report = enhance_captions(opened, source, month, backend, checkpoint_every=captioner.checkpoint_every)
    finally:
        backend.close()
    return materialize_result(report, opened)
