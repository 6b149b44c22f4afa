"""Masked-LM pseudo-perplexity with tiny BERT models saved and loaded like SciBERT would be."""

import math
import random
import statistics

import pytest

pytest.importorskip("transformers", reason="scoring models need the ml extra: pip install -e '.[ml]'")

import torch  # noqa: E402

from s1mm_assets.lib.score.perplexity import MaskedLanguageModel  # noqa: E402
from s1mm_assets_tests.models import fluent_sentences  # noqa: E402


def _one_mask_at_a_time(lm: MaskedLanguageModel, text: str) -> float:
    """Salazar et al.'s definition, spelled out: one full forward pass per masked token, no batching."""
    ids = lm.token_ids(text)
    total = 0.0
    for index in range(len(ids)):
        masked = [lm.tokenizer.cls_token_id, *ids, lm.tokenizer.sep_token_id]
        masked[index + 1] = lm.tokenizer.mask_token_id
        with torch.no_grad():
            logits = lm.model(input_ids=torch.tensor([masked])).logits[0, index + 1]
        total += torch.log_softmax(logits, dim=-1)[ids[index]].item()
    return math.exp(-total / len(ids))


def test_batched_scores_equal_the_definition(tiny_masked_lm):
    lm = MaskedLanguageModel.load(str(tiny_masked_lm))
    texts = ["the loss decreases with training steps .", "the signal saturates at high pressure", "the yield"]
    scores = lm.pseudo_perplexities(texts, batch_size=4)  # copies of different texts share batches, padded
    for text, score in zip(texts, scores, strict=True):
        assert score.tokens == len(lm.token_ids(text))
        assert score.value == pytest.approx(_one_mask_at_a_time(lm, text), rel=1e-4)


def test_scores_do_not_depend_on_batch_size_and_empty_text_is_not_scored(tiny_masked_lm):
    lm = MaskedLanguageModel.load(str(tiny_masked_lm))
    texts = fluent_sentences(5, seed=3) + ["", None]
    small, large = lm.pseudo_perplexities(texts, batch_size=1), lm.pseudo_perplexities(texts, batch_size=64)
    assert small[-2:] == [None, None] and large[-2:] == [None, None]
    for a, b in zip(small[:-2], large[:-2], strict=True):
        assert a.value == pytest.approx(b.value, rel=1e-4) and a.value > 1


def test_a_text_longer_than_the_model_window_is_scored_token_by_token_in_windows(tiny_masked_lm):
    lm = MaskedLanguageModel.load(str(tiny_masked_lm))  # 64 positions: 62 tokens per window
    long_text = " ".join(fluent_sentences(20, seed=4))
    tokens = len(lm.token_ids(long_text))
    assert tokens > lm.window
    [score] = lm.pseudo_perplexities([long_text])
    assert score.tokens == tokens and math.isfinite(score.value)

    # with a window that holds the whole of a short text, windowing changes nothing
    short = fluent_sentences(1, seed=5)[0]
    narrow = MaskedLanguageModel.load(str(tiny_masked_lm), window=len(lm.token_ids(short)) + 2)
    assert narrow.pseudo_perplexities([short])[0].value == pytest.approx(lm.pseudo_perplexities([short])[0].value)
    # a narrower window than the text gives each token less context: a different, still finite, score
    narrower = MaskedLanguageModel.load(str(tiny_masked_lm), window=6)
    assert narrower.pseudo_perplexities([short])[0].value != pytest.approx(lm.pseudo_perplexities([short])[0].value)


def test_a_trained_model_finds_fluent_sentences_less_perplexing_than_their_words_shuffled(trained_masked_lm):
    lm = MaskedLanguageModel.load(str(trained_masked_lm))
    fluent = fluent_sentences(12, seed=7)
    shuffled = [
        " ".join(random.Random(index).sample(text.split(), len(text.split()))) for index, text in enumerate(fluent)
    ]
    fluent_scores = [score.value for score in lm.pseudo_perplexities(fluent)]
    shuffled_scores = [score.value for score in lm.pseudo_perplexities(shuffled)]
    assert statistics.median(fluent_scores) * 3 < statistics.median(shuffled_scores)


def test_a_folder_that_is_not_there_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="not a folder"):
        MaskedLanguageModel.load(str(tmp_path / "scibert"))
