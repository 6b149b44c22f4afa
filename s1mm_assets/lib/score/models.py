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


@dataclasses.dataclass
class ScoringModels:
    clip: ClipModel | None = None
    masked_lm: MaskedLanguageModel | None = None
    batch_size: int = 32


def load_scoring_models(
    clip_model: str = "",
    clip_weights: str = "",
    masked_lm: str = "",
    device: str = "cpu",
    batch_size: int = 32,
    perplexity_window: int = 0,
) -> ScoringModels:
    """Load what is configured; an empty setting means that model is not used."""
    models = ScoringModels(batch_size=batch_size)
    if clip_model or clip_weights:
        from s1mm_assets.lib.score.clip import ClipModel

        models.clip = ClipModel.load(clip_model, clip_weights, device=device)
    if masked_lm:
        from s1mm_assets.lib.score.perplexity import MaskedLanguageModel

        models.masked_lm = MaskedLanguageModel.load(masked_lm, device=device, window=perplexity_window)
    return models
