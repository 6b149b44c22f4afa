"""CLIP scores of (figure image, caption) pairs with open_clip, long captions included.

The model comes from local files only, in either of open_clip's two forms:
- a folder holding `open_clip_config.json` and the weights (`open_clip_model.safetensors` or
  `open_clip_pytorch_model.bin`): a Hugging Face snapshot of an open_clip model, or one you saved yourself;
- an open_clip architecture name (`ViT-B-32`) plus a weights file.
Nothing is downloaded and weights are never left random: a configuration that loads no weights is an error.

The score is 100 x the cosine similarity of the image and text embeddings (CLIPScore without its clamp at
zero, so deltas between captions stay informative). The text encoder reads at most `context_length` tokens
(77 for CLIP), while enhanced captions run to several hundred. Two scores are therefore recorded:
- `truncated`: the caption cut at the context length, as every standard CLIP score does (comparable with
  published numbers, blind to everything after the cut);
- `chunked`: the caption split into sentences packed greedily into chunks that fit the context (a sentence
  longer than the context is split between words), each chunk scored against the image, and the scores
  averaged weighted by chunk length in tokens. Captions that fit the context get the same score both ways.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import loky
import open_clip
import torch

from s1mm_assets.lib.context import split_sentences
from s1mm_assets.lib.score.text import decoded_image

SCORE_SCALE = 100.0


def _loader_threads() -> int:
    """Threads that read and preprocess images: the CPUs this process may use (a pod's CPU quota included), at
    most 8. A figure costs ~10 ms of CPU outside the model (BENCHMARKS.md, H200 run), so 8 threads keep well
    ahead of ViT-L-14's ~20 ms there."""
    return max(1, min(8, loky.cpu_count()))


@dataclasses.dataclass(frozen=True)
class ClipCaptionScore:
    chunked: float
    truncated: float
    chunks: int
    tokens: int


class ClipModel:
    """An open_clip model, its image preprocessing and tokenizer, loaded once and used in batches."""

    def __init__(self, model: torch.nn.Module, preprocess: Callable, tokenizer, name: str, device: str):
        self.model = model.eval()
        self.preprocess = preprocess
        self.tokenizer = tokenizer
        self.name = name
        self.device = device
        # two positions go to the start and end tokens
        self.chunk_tokens = tokenizer.context_length - 2
        self.embed_dim = int(self.text_embeddings([""]).shape[-1])

    @classmethod
    def load(cls, model: str, weights: str = "", device: str = "cpu") -> ClipModel:
        if os.path.isdir(model):
            if weights:
                raise ValueError(f"CLIP model {model} is a folder with its own weights; leave clip_weights empty")
            identifier = f"local-dir:{Path(model).resolve()}"
            name = str(Path(model).resolve())
        else:
            if not weights or not os.path.isfile(weights):
                raise ValueError(
                    f"CLIP model {model!r} needs clip_weights, a local weights file (got {weights!r}); "
                    "nothing is downloaded and random weights would make the scores meaningless"
                )
            identifier = model
            name = f"{model}:{Path(weights).resolve()}"
        built, _, preprocess = open_clip.create_model_and_transforms(
            identifier,
            pretrained=weights or None,
            device=device,
            require_pretrained=True,
            pretrained_text=False,
        )
        return cls(built, preprocess, open_clip.get_tokenizer(identifier), name=name, device=device)

    @property
    def method(self) -> str:
        return (
            f"open_clip; 100 x cosine; chunked = token-weighted mean over sentence chunks of <= "
            f"{self.chunk_tokens} tokens; truncated = first {self.tokenizer.context_length} tokens"
        )

    # --- images -------------------------------------------------------------------------------------------

    @torch.inference_mode()
    def image_embeddings(
        self, refs: Sequence[str], read_image: Callable[[str], bytes], batch_size: int = 32
    ) -> torch.Tensor:
        """Unit-length embeddings, one row per ref (NaN where the image does not decode). Images are read,
        decoded and preprocessed by a pool of threads (Pillow and torch release the GIL), one batch ahead of the
        model, so a GPU does not wait on one Python thread; and a batch at a time, so a large partition never
        sits in memory decoded."""
        batches = [refs[start : start + batch_size] for start in range(0, len(refs), batch_size)]
        rows: list[torch.Tensor] = []
        with concurrent.futures.ThreadPoolExecutor(_loader_threads()) as pool:

            def prepare(batch: Sequence[str]) -> list[concurrent.futures.Future]:
                return [pool.submit(self._pixels, read_image, ref) for ref in batch]

            upcoming = prepare(batches[0]) if batches else []
            for index in range(len(batches)):
                pixels = [future.result() for future in upcoming]
                upcoming = prepare(batches[index + 1]) if index + 1 < len(batches) else []
                decoded = [tensor for tensor in pixels if tensor is not None]
                embedded = iter(self._encode_pixels(decoded) if decoded else [])
                for tensor in pixels:
                    rows.append(next(embedded) if tensor is not None else torch.full((self.embed_dim,), float("nan")))
        return torch.stack(rows) if rows else torch.empty((0, self.embed_dim))

    def _pixels(self, read_image: Callable[[str], bytes], ref: str) -> torch.Tensor | None:
        image = decoded_image(read_image(ref))
        return self.preprocess(image.convert("RGB")) if image is not None else None

    def _encode_pixels(self, pixels: list[torch.Tensor]) -> torch.Tensor:
        batch = torch.stack(pixels).to(self.device)
        return torch.nn.functional.normalize(self.model.encode_image(batch).float(), dim=-1).cpu()

    # --- texts --------------------------------------------------------------------------------------------

    @torch.inference_mode()
    def text_embeddings(self, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
        """Unit-length embeddings of texts cut at the context length."""
        rows = []
        for start in range(0, len(texts), batch_size):
            tokens = self.tokenizer(list(texts[start : start + batch_size])).to(self.device)
            rows.append(torch.nn.functional.normalize(self.model.encode_text(tokens).float(), dim=-1).cpu())
        return torch.cat(rows) if rows else torch.empty((0, 0))

    def count_tokens(self, text: str) -> int:
        encode = getattr(self.tokenizer, "encode", None)
        if encode is not None:
            return len(encode(text))
        return len(self.tokenizer.tokenizer(text, add_special_tokens=False)["input_ids"])

    def chunks(self, caption: str) -> list[tuple[str, int]]:
        """The caption as (text, tokens) chunks that each fit the context, sentences kept whole where they fit."""
        caption = " ".join(caption.split())
        total = self.count_tokens(caption)
        if total <= self.chunk_tokens:
            return [(caption, total)] if caption else []
        pieces: list[tuple[str, int]] = []
        for sentence in split_sentences(caption):
            tokens = self.count_tokens(sentence)
            pieces += [(sentence, tokens)] if tokens <= self.chunk_tokens else self._split_words(sentence)
        chunks: list[tuple[str, int]] = []
        for text, tokens in pieces:
            if chunks and chunks[-1][1] + tokens <= self.chunk_tokens:
                chunks[-1] = (f"{chunks[-1][0]} {text}", chunks[-1][1] + tokens)
            else:
                chunks.append((text, tokens))
        return chunks

    def _split_words(self, sentence: str) -> list[tuple[str, int]]:
        pieces: list[tuple[str, int]] = []
        for word in sentence.split():
            tokens = min(self.count_tokens(word), self.chunk_tokens)
            if pieces and pieces[-1][1] + tokens <= self.chunk_tokens:
                pieces[-1] = (f"{pieces[-1][0]} {word}", pieces[-1][1] + tokens)
            else:
                pieces.append((word, tokens))
        return pieces

    # --- scores -------------------------------------------------------------------------------------------

    def caption_scores(
        self, image_embeddings: torch.Tensor, captions: Sequence[str | None], batch_size: int = 64
    ) -> list[ClipCaptionScore | None]:
        """Scores of caption i against image i; None where the caption is empty or the image did not decode."""
        normalized = [" ".join((caption or "").split()) for caption in captions]
        chunked = [self.chunks(text) for text in normalized]
        texts = list(dict.fromkeys([*normalized, *(text for chunks in chunked for text, _ in chunks)]))
        row = {text: index for index, text in enumerate(texts)}
        embedded = self.text_embeddings(texts, batch_size)
        scores: list[ClipCaptionScore | None] = []
        for image, text, chunks in zip(image_embeddings, normalized, chunked, strict=True):
            if not chunks or torch.isnan(image).any():
                scores.append(None)
                continue
            similarities = [float(embedded[row[chunk]] @ image) * SCORE_SCALE for chunk, _ in chunks]
            weights = [tokens for _, tokens in chunks]
            scores.append(
                ClipCaptionScore(
                    chunked=sum(s * w for s, w in zip(similarities, weights, strict=True)) / max(sum(weights), 1),
                    truncated=float(embedded[row[text]] @ image) * SCORE_SCALE,
                    chunks=len(chunks),
                    tokens=sum(weights),
                )
            )
        return scores
