"""Pseudo-perplexity of captions under a masked language model (Salazar et al. 2020, "Masked Language Model
Scoring"), SciBERT-style: PPPL = exp(-(1/N) * sum_i log P(w_i | all other tokens)), one masked copy of the
text per token.

The model is a Hugging Face masked LM (`BertForMaskedLM` for SciBERT) saved in a local folder
(`save_pretrained`), loaded with `local_files_only=True`. Masked copies of many captions are batched
together, sorted by length so padding stays small. A text longer than the model's window is scored in windows:
each token is predicted from the window of `window` tokens centred on it (clamped at the ends), so every
token is scored once with as much context on both sides as the model can read. Only the masked position
goes through the prediction head, so a batch never materialises the full vocabulary logits of every token.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer


@dataclasses.dataclass(frozen=True)
class PseudoPerplexity:
    value: float
    tokens: int


@dataclasses.dataclass(frozen=True)
class _MaskedCopy:
    text: int  # index of the text it belongs to
    input_ids: list[int]  # with special tokens, one position masked
    position: int
    target: int


class MaskedLanguageModel:
    def __init__(self, model, tokenizer, name: str, device: str, window: int = 0):
        self.model = model.eval().to(device)
        self.tokenizer = tokenizer
        self.name = name
        self.device = device
        limit = min(model.config.max_position_embeddings, tokenizer.model_max_length or 10**9)
        # two positions go to [CLS] and [SEP]
        self.window = (min(window, limit) if window > 0 else limit) - 2
        # the prediction head on its own (BERT: `cls`, RoBERTa-style: `lm_head`), applied to masked positions only
        self.head = next((getattr(model, name) for name in ("cls", "lm_head") if hasattr(model, name)), None)
        if self.head is None:
            raise ValueError(f"{type(model).__name__} has no masked-LM head named `cls` or `lm_head`")

    @classmethod
    def load(cls, path: str, device: str = "cpu", window: int = 0) -> MaskedLanguageModel:
        folder = Path(path)
        if not folder.is_dir():
            raise ValueError(f"masked LM {path!r} is not a folder; give the folder a model was saved to")
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForMaskedLM.from_pretrained(folder, local_files_only=True)
        return cls(model, tokenizer, name=str(folder.resolve()), device=device, window=window)

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]

    @torch.inference_mode()
    def pseudo_perplexities(self, texts: Sequence[str | None], batch_size: int = 32) -> list[PseudoPerplexity | None]:
        """One result per text; None for an empty text."""
        token_ids = [self.token_ids(text or "") for text in texts]
        log_likelihood = [0.0] * len(texts)
        batch: list[_MaskedCopy] = []
        for copy in self._masked_copies(token_ids):
            batch.append(copy)
            if len(batch) == batch_size:
                self._score(batch, log_likelihood)
                batch = []
        if batch:
            self._score(batch, log_likelihood)
        return [
            PseudoPerplexity(value=math.exp(-log_likelihood[index] / len(ids)), tokens=len(ids)) if ids else None
            for index, ids in enumerate(token_ids)
        ]

    def _masked_copies(self, token_ids: list[list[int]]) -> Iterator[_MaskedCopy]:
        """Masked copies of every text, shortest texts first, made as they are needed."""
        for text in sorted(range(len(token_ids)), key=lambda index: len(token_ids[index])):
            ids = token_ids[text]
            for position in range(len(ids)):
                start = min(max(position - self.window // 2, 0), max(len(ids) - self.window, 0))
                window = ids[start : start + self.window]
                masked = [self.tokenizer.cls_token_id, *window, self.tokenizer.sep_token_id]
                offset = position - start + 1
                masked[offset] = self.tokenizer.mask_token_id
                yield _MaskedCopy(text=text, input_ids=masked, position=offset, target=ids[position])

    def _score(self, batch: list[_MaskedCopy], log_likelihood: list[float]) -> None:
        length = max(len(copy.input_ids) for copy in batch)
        pad = self.tokenizer.pad_token_id or 0
        input_ids = torch.tensor([copy.input_ids + [pad] * (length - len(copy.input_ids)) for copy in batch])
        attention = torch.tensor([[1] * len(copy.input_ids) + [0] * (length - len(copy.input_ids)) for copy in batch])
        hidden = self.model.base_model(
            input_ids=input_ids.to(self.device), attention_mask=attention.to(self.device)
        ).last_hidden_state
        rows = torch.arange(len(batch), device=hidden.device)
        positions = torch.tensor([copy.position for copy in batch], device=hidden.device)
        logits = self.head(hidden[rows, positions]).float()
        log_probabilities = torch.log_softmax(logits, dim=-1)
        targets = torch.tensor([copy.target for copy in batch], device=hidden.device)
        for copy, value in zip(batch, log_probabilities[rows, targets].cpu().tolist(), strict=True):
            log_likelihood[copy.text] += value
