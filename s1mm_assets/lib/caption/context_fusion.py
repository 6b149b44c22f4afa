"""The `context` captioner: the CPU default when no vision-language model is configured.

It does not look at the image and does not pretend to: it joins the author's caption with the paper's own
sentences about the figure, so the release has a grounded long-form caption. Every record says
`backend="context"` and `model=None`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from s1mm_assets.lib.caption.base import CaptionBackend, CaptionRequest, CaptionResult, ImageReader

PROMPT_VERSION = "context-fusion-v1"
MAX_FUSED_SENTENCES = 3


class ContextFusionBackend(CaptionBackend):
    name = "context"
    model = None
    prompt_version = PROMPT_VERSION

    def caption_stream(self, requests: Sequence[CaptionRequest], read_image: ImageReader) -> Iterator[CaptionResult]:
        return (self._fuse(request) for request in requests)

    def _fuse(self, request: CaptionRequest) -> CaptionResult:
        caption = " ".join(request.raw_caption.split())
        additions = [sentence for sentence in request.context.citing_sentences if sentence not in caption]
        parts = [caption] if caption else []
        if additions:
            parts.append("In the paper: " + " ".join(additions[:MAX_FUSED_SENTENCES]))
        fused = " ".join(parts).strip()
        return CaptionResult(
            figure_id=request.figure_id,
            enhanced_caption=fused,
            status="ok" if fused else "failed",
            backend=self.name,
            model=None,
            prompt_version=PROMPT_VERSION,
            error=None if fused else "neither a caption nor citing sentences to fuse",
        )
