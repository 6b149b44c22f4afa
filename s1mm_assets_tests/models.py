"""Tiny scoring models the tests build and save the way real ones are shipped, so they load through the same
code a user's real weights do. Nothing is downloaded.

- CLIP: a ~3 M-parameter open_clip config saved as a local open_clip folder (`open_clip_config.json` +
  `open_clip_pytorch_model.bin`), random or briefly trained on synthetic figures of four kinds.
- Masked LM: a small `BertForMaskedLM` with a WordPiece tokenizer trained here with `tokenizers`, saved with
  `save_pretrained`, random or briefly trained on templated sentences.

open_clip and matplotlib are imported where they are used, so the masked LM can be built (bench/gpu) on a machine
that has only torch and transformers.
"""

from __future__ import annotations

import io
import json
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

IMAGE_SIZE = 64
CLIP_CONFIG = {
    "embed_dim": 32,
    "vision_cfg": {"image_size": IMAGE_SIZE, "layers": 2, "width": 64, "patch_size": 8, "head_width": 32},
    "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 64, "heads": 2, "layers": 2},
}
_CLIP_PREPROCESS = {"mean": [0.48145466, 0.4578275, 0.40821073], "std": [0.26862954, 0.26130258, 0.27577711]}


# --- synthetic figures ------------------------------------------------------------------------------------


def _colour(rng: np.random.Generator, high: int = 200) -> tuple[int, int, int]:
    return tuple(int(value) for value in rng.integers(0, high, 3))


def _line_plot(rng: np.random.Generator) -> Image.Image:
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), "white")
    draw = ImageDraw.Draw(image)
    draw.line([(6, 4), (6, 58), (60, 58)], fill="black", width=1)
    for _ in range(rng.integers(1, 3)):
        ys = np.clip(np.cumsum(rng.normal(0, 4, 10)) + 32, 5, 55)
        draw.line([(8 + index * 5.5, float(y)) for index, y in enumerate(ys)], fill=_colour(rng), width=2)
    return image


def _bar_chart(rng: np.random.Generator) -> Image.Image:
    image = Image.new("RGB", (IMAGE_SIZE, IMAGE_SIZE), "white")
    draw = ImageDraw.Draw(image)
    bars = int(rng.integers(3, 7))
    width = 50 // bars
    for index in range(bars):
        height = int(rng.integers(10, 50))
        draw.rectangle([8 + index * width, 58 - height, 8 + index * width + width - 3, 58], fill=_colour(rng, 220))
    return image


def _heatmap(rng: np.random.Generator) -> Image.Image:
    import matplotlib

    colours = matplotlib.colormaps["viridis"](rng.random((8, 8)))[:, :, :3]
    return Image.fromarray((colours * 255).astype(np.uint8)).resize((IMAGE_SIZE, IMAGE_SIZE), Image.NEAREST)


def _micrograph(rng: np.random.Generator) -> Image.Image:
    pixels = rng.normal(90, 30, (IMAGE_SIZE, IMAGE_SIZE)).clip(0, 255)
    rows, columns = np.ogrid[:IMAGE_SIZE, :IMAGE_SIZE]
    for _ in range(rng.integers(3, 8)):
        y, x = rng.integers(0, IMAGE_SIZE, 2)
        pixels[(rows - y) ** 2 + (columns - x) ** 2 < int(rng.integers(3, 9)) ** 2] = 220
    return Image.fromarray(pixels.astype(np.uint8)).convert("RGB")


SYNTHETIC_KINDS: dict[str, Callable[[np.random.Generator], Image.Image]] = {
    "line_plot": _line_plot,
    "bar_chart": _bar_chart,
    "heatmap": _heatmap,
    "micrograph": _micrograph,
}


def synthetic_figure_png(kind: str, seed: int) -> bytes:
    buffer = io.BytesIO()
    SYNTHETIC_KINDS[kind](np.random.default_rng(seed)).save(buffer, format="PNG")
    return buffer.getvalue()


def describe(kind: str, variant: int = 0) -> str:
    """A caption in the words the zero-shot classifier uses for this kind of figure."""
    from s1mm_assets.lib.score.figure_type import FIGURE_TYPES, TEMPLATES

    prompts = FIGURE_TYPES[kind]
    return TEMPLATES[variant % len(TEMPLATES)].format(prompts[variant % len(prompts)])


# --- CLIP ---------------------------------------------------------------------------------------------------


def save_tiny_clip(folder: Path, seed: int = 0, train_steps: int = 0) -> Path:
    """A tiny open_clip model in a local folder; with `train_steps`, trained to match synthetic figures to the
    words for their kind (a contrastive loss where every figure of a kind counts as a match)."""
    import open_clip

    torch.manual_seed(seed)
    model = open_clip.CLIP(**CLIP_CONFIG)
    if train_steps:
        _train_clip(model, train_steps, seed)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"model_cfg": CLIP_CONFIG, "preprocess_cfg": _CLIP_PREPROCESS}
    (folder / "open_clip_config.json").write_text(json.dumps(config))
    torch.save(model.state_dict(), folder / "open_clip_pytorch_model.bin")
    return folder


def _train_clip(model: torch.nn.Module, steps: int, seed: int) -> None:
    import open_clip

    from s1mm_assets.lib.score.figure_type import FIGURE_TYPES

    rng = np.random.default_rng(seed)
    choose = random.Random(seed)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    mean = torch.tensor(_CLIP_PREPROCESS["mean"]).view(3, 1, 1)
    std = torch.tensor(_CLIP_PREPROCESS["std"]).view(3, 1, 1)
    kinds = list(SYNTHETIC_KINDS)
    # the words for kinds never drawn are extra negatives, so zero-shot over every type can still pick the right one
    negatives = tokenizer(
        [describe(kind, variant) for kind in FIGURE_TYPES if kind not in kinds for variant in range(6)]
    )
    optimiser = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    for _ in range(steps):
        batch = [kind for kind in kinds for _ in range(4)]
        pixels = torch.stack(
            [
                (
                    torch.tensor(np.asarray(SYNTHETIC_KINDS[kind](rng)), dtype=torch.float32).permute(2, 0, 1) / 255
                    - mean
                )
                / std
                for kind in batch
            ]
        )
        texts = tokenizer([describe(kind, choose.randrange(6)) for kind in batch])
        images = torch.nn.functional.normalize(model.encode_image(pixels), dim=-1)
        words = torch.nn.functional.normalize(model.encode_text(torch.cat([texts, negatives])), dim=-1)
        logits = model.logit_scale.exp() * images @ words.T
        labels = torch.tensor([kinds.index(kind) for kind in batch])
        matches = (labels[:, None] == labels[None, :]).float()
        targets = matches / matches.sum(dim=1, keepdim=True)
        loss = -(torch.log_softmax(logits, 1)[:, : len(batch)] * targets).sum(1).mean()
        loss = loss - (torch.log_softmax(logits[:, : len(batch)].T, 1) * targets).sum(1).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()


# --- masked LM ----------------------------------------------------------------------------------------------

_SUBJECTS = ("the gate error", "the loss", "the signal", "the yield", "the expression level", "the error rate")
_VERBS = ("decreases with", "increases with", "saturates at high", "oscillates with", "scales with")
_OBJECTS = ("coherence time", "temperature", "training steps", "pressure", "concentration", "dose")


def fluent_sentences(count: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)} ." for _ in range(count)]


def save_tiny_masked_lm(
    folder: Path,
    seed: int = 0,
    train_steps: int = 0,
    max_positions: int = 64,
    corpus: list[str] | None = None,
    vocab_size: int = 300,
    **bert_config,
) -> Path:
    """A BERT masked LM (tiny unless `bert_config` says otherwise) and a WordPiece tokenizer trained on `corpus`
    (default: `fluent_sentences`), saved with save_pretrained; with `train_steps`, trained to fill in masked
    words of the corpus."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers
    from transformers import BertConfig, BertForMaskedLM, PreTrainedTokenizerFast

    corpus = corpus or fluent_sentences(400, seed)
    wordpiece = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    wordpiece.normalizer = normalizers.BertNormalizer(lowercase=True)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.train_from_iterator(
        corpus,
        trainers.WordPieceTrainer(vocab_size=vocab_size, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]),
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=wordpiece,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_max_length=max_positions,
    )
    torch.manual_seed(seed)
    tiny = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 64}
    config = BertConfig(vocab_size=tokenizer.vocab_size, max_position_embeddings=max_positions, **(tiny | bert_config))
    model = BertForMaskedLM(config)
    if train_steps:
        _train_masked_lm(model, tokenizer, corpus, train_steps, seed)
    model.eval()
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _train_masked_lm(model, tokenizer, corpus: list[str], steps: int, seed: int) -> None:
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3)
    model.train()
    for step in range(steps):
        batch = corpus[(step * 32) % len(corpus) :][:32]
        encoded = tokenizer(batch, padding=True, return_tensors="pt")
        labels = encoded["input_ids"].clone()
        special = (
            (labels == tokenizer.cls_token_id) | (labels == tokenizer.sep_token_id) | (labels == tokenizer.pad_token_id)
        )
        masked = (torch.rand(labels.shape, generator=generator) < 0.2) & ~special
        labels[~masked] = -100
        inputs = encoded["input_ids"].masked_fill(masked, tokenizer.mask_token_id)
        loss = model(input_ids=inputs, attention_mask=encoded["attention_mask"], labels=labels).loss
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
