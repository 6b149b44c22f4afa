"""Pseudo-perplexity of captions under a masked language model (Salazar et al. 2020, "Masked Language Model
Scoring"), SciBERT-style: PPPL = exp(-(1/N) * sum_i log P(w_i | all other tokens)), one masked copy of the
text per token.

The model is a Hugging Face masked LM (`BertForMaskedLM` for SciBERT) saved in a local folder
(`save_pretrained`), loaded with `local_files_only=True`. A text longer than the model's window is scored in
windows: each token is predicted from the window of `window` tokens centred on it (clamped at the ends), so every
token is scored once with as much context on both sides as the model can read.

The masked copies are made on the device, a batch at a time, by one gather over all the texts' tokens (no Python
list per copy). Texts are sorted by length so a batch pads little, and a batch holds as many copies as fit
`token_budget` padded tokens: a card is filled whatever the captions' length. Only the masked position goes
through the prediction head, so a batch never materialises the full vocabulary logits of every token.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from pathlib import Path

import torch
from transformers import AutoModelForMaskedLM, AutoTokenizer

from s1mm_assets.lib.score.precision import autocast, compute_dtype
from s1mm_assets.lib.settings import default_token_budget


@dataclasses.dataclass(frozen=True)
class PseudoPerplexity:
    value: float
    tokens: int


class MaskedLanguageModel:
    def __init__(
        self, model, tokenizer, name: str, device: str, window: int = 0, precision: str = "auto", token_budget: int = 0
    ):
        self.model = model.eval().to(device)
        self.tokenizer = tokenizer
        self.name = name
        self.device = device
        self.dtype = compute_dtype(precision, device)
        self.token_budget = token_budget or default_token_budget(device)
        limit = min(model.config.max_position_embeddings, tokenizer.model_max_length or 10**9)
        # two positions go to [CLS] and [SEP]
        self.window = (min(window, limit) if window > 0 else limit) - 2
        # the prediction head on its own (BERT: `cls`, RoBERTa-style: `lm_head`), applied to masked positions only
        self.head = next((getattr(model, name) for name in ("cls", "lm_head") if hasattr(model, name)), None)
        if self.head is None:
            raise ValueError(f"{type(model).__name__} has no masked-LM head named `cls` or `lm_head`")

    @classmethod
    def load(
        cls, path: str, device: str = "cpu", window: int = 0, precision: str = "auto", token_budget: int = 0
    ) -> MaskedLanguageModel:
        """`precision`: see `precision.PRECISIONS`; `token_budget`: padded tokens per forward pass (0: the
        device's default, `settings.PERPLEXITY_TOKEN_BUDGETS`)."""
        folder = Path(path)
        if not folder.is_dir():
            raise ValueError(f"masked LM {path!r} is not a folder; give the folder a model was saved to")
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
        model = AutoModelForMaskedLM.from_pretrained(folder, local_files_only=True)
        return cls(
            model,
            tokenizer,
            name=str(folder.resolve()),
            device=device,
            window=window,
            precision=precision,
            token_budget=token_budget,
        )

    def token_ids(self, text: str) -> list[int]:
        return self.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]

    def token_counts(self, texts: Sequence[str | None]) -> list[int]:
        """Tokens of each text under this model's tokenizer, special tokens left out."""
        return [len(ids) for ids in self._token_ids(texts)]

    def _token_ids(self, texts: Sequence[str | None]) -> list[list[int]]:
        if not texts:
            return []
        return self.tokenizer([text or "" for text in texts], add_special_tokens=False, verbose=False)["input_ids"]

    @torch.inference_mode()
    def pseudo_perplexities(self, texts: Sequence[str | None]) -> list[PseudoPerplexity | None]:
        """One result per text; None for an empty text."""
        token_ids = self._token_ids(texts)
        lengths = [len(ids) for ids in token_ids]
        order = sorted((index for index, length in enumerate(lengths) if length), key=lengths.__getitem__)
        if not order:
            return [None] * len(texts)
        copies = _Copies(
            [token_ids[index] for index in order], [lengths[index] for index in order], self.window, self.device
        )
        log_likelihood = torch.zeros(len(order), dtype=torch.float64, device=self.device)
        for start, end in copies.batches(self.token_budget):
            texts_of_batch, log_probabilities = self._score(copies, start, end)
            log_likelihood.index_add_(0, texts_of_batch, log_probabilities.double())
        results: list[PseudoPerplexity | None] = [None] * len(texts)
        for index, value in zip(order, log_likelihood.cpu().tolist(), strict=True):
            results[index] = PseudoPerplexity(value=math.exp(-value / lengths[index]), tokens=lengths[index])
        return results

    def _score(self, copies: _Copies, start: int, end: int) -> tuple[torch.Tensor, torch.Tensor]:
        """The log-probability of each masked token of copies [start, end), and the text each belongs to."""
        tokenizer = self.tokenizer
        batch = copies.build(
            start,
            end,
            cls=tokenizer.cls_token_id,
            sep=tokenizer.sep_token_id,
            mask=tokenizer.mask_token_id,
            pad=tokenizer.pad_token_id or 0,
        )
        with autocast(self.device, self.dtype):
            hidden = self.model.base_model(input_ids=batch.input_ids, attention_mask=batch.attention).last_hidden_state
            rows = torch.arange(len(batch.texts), device=hidden.device)
            logits = self.head(hidden[rows, batch.masked_at]).float()
        log_probabilities = torch.log_softmax(logits, dim=-1)[rows, batch.targets]
        return batch.texts, log_probabilities


@dataclasses.dataclass(frozen=True)
class _Batch:
    input_ids: torch.Tensor  # (copies, longest) with [CLS], [SEP], padding and one [MASK] per row
    attention: torch.Tensor
    masked_at: torch.Tensor  # the column of each row's [MASK]
    targets: torch.Tensor  # the token the [MASK] hides
    texts: torch.Tensor  # the text each row belongs to (its place in the sorted order)


class _Copies:
    """The masked copies of texts sorted by length: one per token, copy k of a text masking its token k.

    All texts' tokens live in one flat tensor on the device; a batch of copies is made from it by one gather."""

    def __init__(self, token_ids: list[list[int]], lengths: list[int], window: int, device: str):
        self.window = window
        self.lengths = lengths
        self.flat = torch.tensor([token for ids in token_ids for token in ids], dtype=torch.long, device=device)
        length = torch.tensor(lengths, dtype=torch.long, device=device)
        self.offsets = torch.cumsum(length, 0) - length
        self.text_of_copy = torch.repeat_interleave(torch.arange(len(lengths), device=device), length)
        self.position = torch.arange(len(self.flat), device=device) - self.offsets[self.text_of_copy]
        self.length_of_text = length

    def batches(self, token_budget: int) -> Iterator[tuple[int, int]]:
        """[start, end) ranges of copies, each padded to its longest row within `token_budget` tokens (at least
        one copy a batch). Copies come sorted by length, so a batch's longest row is its last."""
        start, copy = 0, 0
        for length in self.lengths:
            row = min(length, self.window) + 2
            copy += length
            while copy - start > max(token_budget // row, 1):
                end = start + max(token_budget // row, 1)
                yield start, end
                start = end
        if copy > start:
            yield start, copy

    def build(self, start: int, end: int, cls: int, sep: int, mask: int, pad: int) -> _Batch:
        texts = self.text_of_copy[start:end]
        position = self.position[start:end]
        length = self.length_of_text[texts]
        shown = torch.clamp(length, max=self.window)  # tokens of the text each copy shows
        # the window centred on the masked token, clamped at both ends of the text
        first = torch.minimum(torch.clamp(position - self.window // 2, min=0), torch.clamp(length - self.window, min=0))
        columns = torch.arange(int(shown.max()) + 2, device=texts.device)
        token = (self.offsets[texts] + first)[:, None] + columns[None, :] - 1
        inside = (columns[None, :] >= 1) & (columns[None, :] <= shown[:, None])
        input_ids = torch.where(inside, self.flat[token.clamp(0, len(self.flat) - 1)], pad)
        input_ids[:, 0] = cls
        rows = torch.arange(end - start, device=texts.device)
        input_ids[rows, shown + 1] = sep
        masked_at = position - first + 1
        targets = input_ids[rows, masked_at].clone()
        input_ids[rows, masked_at] = mask
        attention = (columns[None, :] <= (shown + 1)[:, None]).long()
        return _Batch(input_ids, attention, masked_at, targets, texts)
