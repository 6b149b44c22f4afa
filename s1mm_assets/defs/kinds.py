"""Kind tags (the labels on the asset graph and catalog) that say what a step does as the code location is
configured, decided from the settings it loads with, like the cluster tags: the demo's context captioner and
model-less scoring show as plain Python, not as vLLM or PyTorch they never touch."""

from __future__ import annotations

from s1mm_assets.lib.settings import CaptionerSettings, ScoringSettings

TABLE_KIND = "parquet"


def caption_kinds(captioner: CaptionerSettings) -> set[str]:
    runs_vllm = captioner.caption_backend in ("vllm", "vllm_offline")
    return {"vllm" if runs_vllm else "python", TABLE_KIND}


def scoring_kinds(scoring: ScoringSettings) -> set[str]:
    runs_models = bool(scoring.clip_model or scoring.masked_lm)
    return {"pytorch" if runs_models else "python", TABLE_KIND}
