"""The scoring models of one step: a CLIP model and a masked language model, each optional.

torch, open_clip and transformers are an optional extra (`pip install -e ".[ml]"`): they are imported only
when a model is configured, so scoring without models needs none of them. A metric whose model is not
configured is reported as not measured, with the reason, never filled in.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from s1mm_assets.lib.settings import ScoringSettings

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
    batch_size: int = ScoringSettings().scoring_batch_size
    # figures of a partition whose captions get a pseudo-perplexity; 0: all of them
    perplexity_sample: int = ScoringSettings().perplexity_sample


def load_scoring_models(settings: ScoringSettings) -> ScoringModels:
    """Load what is configured; an empty setting means that model is not used. Both models compute in
    `scoring_precision` on `scoring_device`."""
    models = ScoringModels(batch_size=settings.scoring_batch_size, perplexity_sample=settings.perplexity_sample)
    if settings.clip_model or settings.clip_weights:
        from s1mm_assets.lib.score.clip import ClipModel

        models.clip = ClipModel.load(
            settings.clip_model,
            settings.clip_weights,
            device=settings.scoring_device,
            precision=settings.scoring_precision,
            decode_workers=settings.decode_workers(),
        )
    if settings.masked_lm:
        from s1mm_assets.lib.score.perplexity import MaskedLanguageModel

        models.masked_lm = MaskedLanguageModel.load(
            settings.masked_lm,
            device=settings.scoring_device,
            window=settings.perplexity_window,
            precision=settings.scoring_precision,
            token_budget=settings.token_budget(),
        )
    return models
