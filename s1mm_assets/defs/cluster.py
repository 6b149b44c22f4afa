"""What the steps ask of a Kubernetes cluster (dagster-k8s), decided from the settings the code location loads
with, like the resources: which executor runs the steps, and which step pods get a GPU.

Under `S1MM_EXECUTOR=k8s` every step runs in its own pod (`k8s_job_executor`); a step pod reads the
`dagster-k8s/config` op tag of its asset. A GPU is requested only by a step that runs a model itself:
- `enhanced_captions` with `S1MM_CAPTION_BACKEND=vllm_offline` (vLLM inside the step). With `vllm` the GPUs belong
  to the vLLM Deployment (`deployment/k8s/vllm.yaml`) and the step pod is a light HTTP client: a GPU reserved for it
  would sit idle beside the server's.
- `quality_scores` with `S1MM_SCORING_DEVICE=cuda...` (CLIP and the masked LM).
The `figures` step extracts with one worker process per CPU it may use; `S1MM_FIGURES_STEP_CPUS` gives its pod that
many CPUs as request and limit (the limit is the CPU quota the worker count follows; without one a pod would see,
and start a worker for, every core of its node) and memory for that many workers.
Tags are fixed when the code location loads: a backend or device changed per run in the launchpad does not move
the step to a GPU node.
"""

from __future__ import annotations

import dagster as dg

from s1mm_assets.lib.settings import CaptionerSettings, ClusterSettings, ScoringSettings

EXECUTORS = ("multiprocess", "k8s")
GPU = "nvidia.com/gpu"

# One GPU, and the taint GPU node pools usually carry tolerated.
GPU_POD_CONFIG = {
    "container_config": {"resources": {"limits": {GPU: 1}, "requests": {GPU: 1}}},
    "pod_spec_config": {"tolerations": [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}]},
}


# Peak resident memory of one extraction worker is ~0.3 GiB on the corpus (BENCHMARKS.md, "Throughput and memory");
# large PDFs and Ghostscript need headroom above that.
_MEMORY_PER_EXTRACTION_CPU_GIB = 2


def figures_step_tags(cluster: ClusterSettings) -> dict[str, object]:
    cpus = cluster.figures_step_cpus
    if cpus <= 0:
        return {}
    size = {"cpu": str(cpus), "memory": f"{cpus * _MEMORY_PER_EXTRACTION_CPU_GIB}Gi"}
    return {"dagster-k8s/config": {"container_config": {"resources": {"requests": size, "limits": size}}}}


def caption_step_tags(captioner: CaptionerSettings) -> dict[str, object]:
    runs_model = captioner.caption_backend == "vllm_offline"
    return {"dagster-k8s/config": GPU_POD_CONFIG} if runs_model else {}


def scoring_step_tags(scoring: ScoringSettings) -> dict[str, object]:
    on_gpu = scoring.scoring_device.startswith("cuda")
    return {"dagster-k8s/config": GPU_POD_CONFIG} if on_gpu else {}


# On one machine every step is a child of a forkserver that has imported, once, what each step's process would
# otherwise import again: the code location (Dagster, PyMuPDF, pyarrow, ...; ~4 s) and the machinery of the
# local SQLite instance a step opens before its first line of our code (SQLAlchemy, Alembic, the daemon's run
# monitoring, rich; ~1.5 s). The instance's modules are Dagster's own: one renamed in a later Dagster is skipped
# by the forkserver and only costs that time again (BENCHMARKS.md, "Runs through Dagster"). Forking from a clean
# server process, not from the run process with its threads.
STEP_PRELOAD_MODULES = (
    "s1mm_assets.definitions",
    "dagster._core.instance.factory",
    "dagster._core.storage.sqlite_storage",
    "dagster._core.storage.local_compute_log_manager",
    "dagster._daemon.controller",
)


@dg.configured(
    dg.multiprocess_executor,
    config_schema={"max_concurrent": dg.Field(int, is_required=False, description="steps at once; default: CPUs")},
)
def local_executor(config: dict) -> dict:
    forkserver = {"start_method": {"forkserver": {"preload_modules": list(STEP_PRELOAD_MODULES)}}}
    return forkserver | ({"max_concurrent": config["max_concurrent"]} if "max_concurrent" in config else {})


def executor_for(cluster: ClusterSettings) -> dg.ExecutorDefinition:
    name = cluster.executor
    if name == "multiprocess":
        return local_executor
    if name == "k8s":
        from dagster_k8s import k8s_job_executor  # only a cluster deployment needs the Kubernetes client loaded

        return k8s_job_executor
    raise ValueError(f"S1MM_EXECUTOR={name!r}: expected one of {', '.join(EXECUTORS)}")
