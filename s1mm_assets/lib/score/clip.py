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

import collections
import concurrent.futures
import contextlib
import dataclasses
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import loky
import numpy as np
import open_clip
import torch

from s1mm_assets.lib.context import split_sentences
from s1mm_assets.lib.score.precision import autocast, compute_dtype
from s1mm_assets.lib.score.text import decoded_image
from s1mm_assets.lib.settings import CLIP_PROCESSES_FROM_IMAGES

SCORE_SCALE = 100.0

# Images a decoding process is sent at a time, and batches prepared ahead of the one the model is working on.
_IMAGES_PER_TASK = 4
_BATCHES_AHEAD = 2


def _cpus() -> int:
    """Decoding workers: the CPUs this process may use (a pod's CPU quota included), at most 8. A figure costs
    ~10 ms of CPU outside the model (BENCHMARKS.md, H200 run), so 8 workers prepare ~800 figures/s."""
    return max(1, min(8, loky.cpu_count()))


@dataclasses.dataclass(frozen=True)
class ClipCaptionScore:
    chunked: float
    truncated: float
    chunks: int
    tokens: int


class ClipModel:
    """An open_clip model, its image preprocessing and tokenizer, loaded once and used in batches."""

    def __init__(
        self,
        model: torch.nn.Module,
        preprocess: Callable,
        tokenizer,
        name: str,
        device: str,
        precision: str = "auto",
        decode_workers: int | None = None,
    ):
        self.model = model.eval()
        self.preprocess = preprocess
        self.tokenizer = tokenizer
        self.name = name
        self.device = device
        self.dtype = compute_dtype(precision, device)
        self.decode_workers = decode_workers
        # two positions go to the start and end tokens
        self.chunk_tokens = tokenizer.context_length - 2
        self.embed_dim = int(self.text_embeddings([""]).shape[-1])

    @classmethod
    def load(
        cls,
        model: str,
        weights: str = "",
        device: str = "cpu",
        precision: str = "auto",
        decode_workers: int | None = None,
    ) -> ClipModel:
        """`precision`: see `precision.PRECISIONS`. `decode_workers`: processes that decode and preprocess images;
        0 decodes on threads of this process, None picks one per CPU this process may use (at most 8) on a CUDA
        device for partitions of at least `CLIP_PROCESSES_FROM_IMAGES` images, and threads otherwise (on a CPU device
        the model needs the cores: processes cost ~2.6x the CPU time per figure, BENCHMARKS.md)."""
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
        tokenizer = open_clip.get_tokenizer(identifier)
        return cls(
            built, preprocess, tokenizer, name=name, device=device, precision=precision, decode_workers=decode_workers
        )

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
        """Unit-length embeddings, one row per ref (NaN where the image does not decode), in the order of `refs`.
        Images are read on threads of this process (`read_image` is called here) and decoded and preprocessed
        by worker processes, batches ahead of the model, so a GPU does not wait on one Python process; and a few
        batches at a time, so a large partition never sits in memory decoded."""
        batches = [refs[start : start + batch_size] for start in range(0, len(refs), batch_size)]
        # embeddings stay on the device until the end: no synchronisation per batch, so the next batch is stacked
        # while the card computes
        encoded: list[tuple[torch.Tensor | None, list[bool]]] = []
        for pixels in self._prepared(batches, read_image):
            decoded = [tensor for tensor in pixels if tensor is not None]
            encoded.append(
                (self._encode_pixels(decoded) if decoded else None, [tensor is not None for tensor in pixels])
            )
        missing = torch.full((self.embed_dim,), float("nan"))
        rows: list[torch.Tensor] = []
        for embedded, present in encoded:
            values = iter(embedded.cpu() if embedded is not None else [])
            rows.extend(next(values) if decodes else missing for decodes in present)
        return torch.stack(rows) if rows else torch.empty((0, self.embed_dim))

    def _prepared(
        self, batches: list[Sequence[str]], read_image: Callable[[str], bytes]
    ) -> Iterator[list[torch.Tensor | None]]:
        """Each batch's preprocessed images (None where one does not decode), `_BATCHES_AHEAD` batches ahead."""
        workers = self.decode_workers
        if workers is None:
            on_gpu = torch.device(self.device).type == "cuda"
            workers = _cpus() if on_gpu and sum(map(len, batches)) >= CLIP_PROCESSES_FROM_IMAGES else 0
        with contextlib.ExitStack() as stack:
            if workers:
                # spawned, not forked: the scoring process holds threads (Dagster, fsspec, torch)
                processes = stack.enter_context(
                    concurrent.futures.ProcessPoolExecutor(
                        workers, mp_context=multiprocessing.get_context("spawn"), initializer=_one_torch_thread
                    )
                )
                threads = stack.enter_context(concurrent.futures.ThreadPoolExecutor(2 * workers))

                def prepare(refs: Sequence[str]) -> list[np.ndarray | None]:
                    contents = [read_image(ref) for ref in refs]
                    return processes.submit(_prepare_images, contents, self.preprocess).result()

                per_task = _IMAGES_PER_TASK
            else:
                threads = stack.enter_context(concurrent.futures.ThreadPoolExecutor(_cpus()))

                def prepare(refs: Sequence[str]) -> list[np.ndarray | None]:
                    return _prepare_images([read_image(ref) for ref in refs], self.preprocess)

                per_task = 1

            def submit(batch: Sequence[str]) -> list[concurrent.futures.Future]:
                starts = range(0, len(batch), per_task)
                return [threads.submit(prepare, batch[start : start + per_task]) for start in starts]

            upcoming = collections.deque(submit(batch) for batch in batches[:_BATCHES_AHEAD])
            for index in range(len(batches)):
                tasks = upcoming.popleft()
                if index + _BATCHES_AHEAD < len(batches):
                    upcoming.append(submit(batches[index + _BATCHES_AHEAD]))
                yield [
                    torch.from_numpy(pixels) if pixels is not None else None
                    for task in tasks
                    for pixels in task.result()
                ]

    def _encode_pixels(self, pixels: list[torch.Tensor]) -> torch.Tensor:
        """Unit-length embeddings of preprocessed images, left on the device."""
        if torch.device(self.device).type == "cuda":
            # stacked into page-locked memory, which the card copies from while this process goes on
            batch = torch.empty((len(pixels), *pixels[0].shape), pin_memory=True)
            batch = torch.stack(pixels, out=batch).to(self.device, non_blocking=True)
        else:
            batch = torch.stack(pixels)
        with autocast(self.device, self.dtype):
            features = self.model.encode_image(batch)
        return torch.nn.functional.normalize(features.float(), dim=-1)

    # --- texts --------------------------------------------------------------------------------------------

    @torch.inference_mode()
    def text_embeddings(self, texts: Sequence[str], batch_size: int = 64) -> torch.Tensor:
        """Unit-length embeddings of texts cut at the context length."""
        rows = []
        for start in range(0, len(texts), batch_size):
            tokens = self.tokenizer(list(texts[start : start + batch_size])).to(self.device)
            with autocast(self.device, self.dtype):
                features = self.model.encode_text(tokens)
            rows.append(torch.nn.functional.normalize(features.float(), dim=-1))
        # one copy back at the end, so tokenizing the next batch overlaps the card's work on this one
        return torch.cat(rows).cpu() if rows else torch.empty((0, 0))

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


def _one_torch_thread() -> None:
    """A decoding process runs one image at a time: torch's own thread pool would only oversubscribe the CPUs."""
    torch.set_num_threads(1)


def _prepare_images(contents: list[bytes], preprocess: Callable) -> list[np.ndarray | None]:
    """Each image decoded and preprocessed into the model's input (None where it does not decode)."""
    prepared: list[np.ndarray | None] = []
    for data in contents:
        image = decoded_image(data)
        prepared.append(preprocess(image.convert("RGB")).numpy() if image is not None else None)
    return prepared
