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


@dataclasses.dataclass
class ScoringModels:
    clip: ClipModel | None = None
    masked_lm: MaskedLanguageModel | None = None
    batch_size: int = ScoringSettings().scoring_batch_size


def load_scoring_models(settings: ScoringSettings) -> ScoringModels:
    """Load what is configured; an empty setting means that model is not used."""
    models = ScoringModels(batch_size=settings.scoring_batch_size)
    if settings.clip_model or settings.clip_weights:
        from s1mm_assets.lib.score.clip import ClipModel

        models.clip = ClipModel.load(settings.clip_model, settings.clip_weights, device=settings.scoring_device)
    if settings.masked_lm:
        from s1mm_assets.lib.score.perplexity import MaskedLanguageModel

        models.masked_lm = MaskedLanguageModel.load(
            settings.masked_lm, device=settings.scoring_device, window=settings.perplexity_window
        )
    return models
