"""The scoring models of one step: a CLIP model and a masked language model, each optional.

torch, open_clip and transformers are an optional extra (`pip install -e ".[ml]"`): they are imported only
when a model is configured, so scoring without models needs none of them. A metric whose model is not
configured is reported as not measured, with the reason, never filled in.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from s1mm_assets.lib.score.clip import ClipModel
    from s1mm_assets.lib.score.perplexity import MaskedLanguageModel

NO_CLIP = "not measured: no CLIP model configured"
NO_MASKED_LM = "not measured: no masked language model configured"
NOT_IN_PERPLEXITY_SAMPLE = "not measured: not in the perplexity sample"


@dataclasses.dataclass
class ScoringModels:
    clip: ClipModel | None = None
    masked_lm: MaskedLanguageModel | None = None
    batch_size: int = 32
    # figures of a partition whose captions get a pseudo-perplexity; 0: all of them
    perplexity_sample: int = 0


def load_scoring_models(
    clip_model: str = "",
    clip_weights: str = "",
    masked_lm: str = "",
    device: str = "cpu",
    batch_size: int = 32,
    perplexity_window: int = 0,
    precision: str = "auto",
    perplexity_sample: int = 0,
    perplexity_token_budget: int = 0,
    decode_workers: int | None = None,
) -> ScoringModels:
    """Load what is configured; an empty setting means that model is not used.

    `precision`: `auto` (bfloat16 on a CUDA card, float16 where it lacks bfloat16, float32 on a CPU), or
    `float32`, `bfloat16`, `float16` for both models. `perplexity_sample`: figures per partition whose captions
    get a pseudo-perplexity, chosen by a hash of the figure id (0: every figure). `perplexity_token_budget`: padded
    tokens per masked-LM forward pass (0: the device's default). `decode_workers`: processes decoding images for
    CLIP (None: one per CPU, at most 8, for partitions large enough to gain; 0: threads of this process)."""
    if perplexity_sample < 0:
        raise ValueError(f"perplexity_sample must be 0 (every figure) or a number of figures; got {perplexity_sample}")
    models = ScoringModels(batch_size=batch_size, perplexity_sample=perplexity_sample)
    if clip_model or clip_weights:
        from s1mm_assets.lib.score.clip import ClipModel

        models.clip = ClipModel.load(
            clip_model, clip_weights, device=device, precision=precision, decode_workers=decode_workers
        )
    if masked_lm:
        from s1mm_assets.lib.score.perplexity import MaskedLanguageModel

        models.masked_lm = MaskedLanguageModel.load(
            masked_lm,
            device=device,
            window=perplexity_window,
            precision=precision,
            token_budget=perplexity_token_budget,
        )
    return models
