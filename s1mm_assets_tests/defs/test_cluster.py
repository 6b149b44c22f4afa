"""What the steps ask of a Kubernetes cluster: the executor, and a GPU pod only for a step that runs a model."""

import json
import os
import subprocess
import sys

import kubernetes
import pytest
from dagster_k8s import k8s_job_executor
from dagster_k8s.job import UserDefinedDagsterK8sConfig
from dagster_k8s.models import k8s_model_from_dict

from s1mm_assets.defs.cluster import caption_step_tags, executor_for, figures_step_tags, scoring_step_tags
from s1mm_assets.defs.enhanced_captions.assets import enhanced_captions
from s1mm_assets.defs.figures.assets import figures
from s1mm_assets.defs.loaded_settings import LOADED_SETTINGS
from s1mm_assets.defs.quality_scores.assets import quality_scores
from s1mm_assets.lib.settings import CaptionerSettings, ClusterSettings, ScoringSettings


def _pod_config(tags: dict) -> UserDefinedDagsterK8sConfig:
    # Dagster stores op tags as strings; dagster-k8s parses this one back when it builds the step pod.
    return UserDefinedDagsterK8sConfig.from_dict(json.loads(json.dumps(tags["dagster-k8s/config"])))


def test_a_step_that_runs_a_model_asks_for_one_gpu_and_tolerates_the_gpu_taint():
    for tags in (
        caption_step_tags(CaptionerSettings(caption_backend="vllm_offline")),
        scoring_step_tags(ScoringSettings(scoring_device="cuda:0")),
    ):
        config = _pod_config(tags)
        resources = k8s_model_from_dict(kubernetes.client.V1ResourceRequirements, config.container_config["resources"])
        assert resources.limits == {"nvidia.com/gpu": "1"} and resources.requests == {"nvidia.com/gpu": "1"}
        [toleration] = [
            k8s_model_from_dict(kubernetes.client.V1Toleration, item) for item in config.pod_spec_config["tolerations"]
        ]
        assert (toleration.key, toleration.operator, toleration.effect) == ("nvidia.com/gpu", "Exists", "NoSchedule")


def test_a_step_that_only_calls_a_vllm_server_or_scores_on_cpu_gets_no_gpu():
    assert caption_step_tags(CaptionerSettings(caption_backend="vllm")) == {}
    assert caption_step_tags(CaptionerSettings()) == {}  # the embedded `context` captioner
    assert scoring_step_tags(ScoringSettings()) == {}


def test_the_figures_step_pod_gets_the_cpus_asked_for_as_its_limit_and_memory_for_as_many_workers():
    config = _pod_config(figures_step_tags(ClusterSettings(figures_step_cpus=8)))
    resources = k8s_model_from_dict(kubernetes.client.V1ResourceRequirements, config.container_config["resources"])
    assert resources.requests == resources.limits == {"cpu": "8", "memory": "16Gi"}
    assert figures_step_tags(ClusterSettings()) == {}


def test_the_assets_carry_the_tags_of_the_settings_they_loaded_with():
    assert enhanced_captions.op.pool == "gpu"  # caption steps queue for the vLLM servers in every deployment
    for asset, tags in (
        (figures, figures_step_tags(LOADED_SETTINGS.cluster)),
        (enhanced_captions, caption_step_tags(LOADED_SETTINGS.captioner)),
        (quality_scores, scoring_step_tags(LOADED_SETTINGS.scoring)),
    ):
        assert ("dagster-k8s/config" in asset.op.tags) == bool(tags)


def test_the_executor_is_chosen_by_s1mm_executor():
    assert executor_for(ClusterSettings()).name == "local_executor"
    assert executor_for(ClusterSettings(executor="k8s")) is k8s_job_executor
    with pytest.raises(ValueError, match="S1MM_EXECUTOR='celery': expected one of multiprocess, k8s"):
        executor_for(ClusterSettings(executor="celery"))


def test_a_code_location_loaded_for_a_cluster_runs_steps_in_pods_and_gives_the_model_steps_gpus():
    environment = os.environ | {
        "S1MM_EXECUTOR": "k8s",
        "S1MM_CAPTION_BACKEND": "vllm_offline",
        "S1MM_SCORING_DEVICE": "cuda",
        "S1MM_FIGURES_STEP_CPUS": "4",
    }
    probe = (
        "from s1mm_assets.definitions import defs\n"
        "job = defs.get_job_def('s1mm_pipeline')\n"
        "tags = {node.name: 'dagster-k8s/config' in node.definition.tags for node in job.graph.nodes}\n"
        "print(job.executor_def.name, sorted(name for name, has in tags.items() if has))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], env=environment, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == "k8s ['enhanced_captions', 'figures', 'quality_scores']"
