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
    """Salazar et al.'s definition, spelled out as the code before issue 15 built it, one Python list per masked
    copy: one full forward pass per masked token, no batching, each token shown the window of `lm.window` tokens
    centred on it (clamped at the ends of the text)."""
    ids = lm.token_ids(text)
    total = 0.0
    for index in range(len(ids)):
        start = min(max(index - lm.window // 2, 0), max(len(ids) - lm.window, 0))
        masked = [lm.tokenizer.cls_token_id, *ids[start : start + lm.window], lm.tokenizer.sep_token_id]
        masked[index - start + 1] = lm.tokenizer.mask_token_id
        with torch.no_grad():
            logits = lm.model(input_ids=torch.tensor([masked])).logits[0, index - start + 1]
        total += torch.log_softmax(logits, dim=-1)[ids[index]].item()
    return math.exp(-total / len(ids))


TEXTS = ["the loss decreases with training steps .", "the signal saturates at high pressure", "the yield"]


@pytest.mark.parametrize("token_budget", [1, 30, 100, 100_000])
def test_copies_made_on_the_device_score_what_one_forward_pass_per_token_scores(trained_masked_lm, token_budget):
    # budget 1: one copy a batch; 30: copies of one text split between batches; 100: copies of different texts share
    # a batch, padded; 100,000: everything in one batch
    lm = MaskedLanguageModel.load(str(trained_masked_lm), token_budget=token_budget)
    scores = lm.pseudo_perplexities(TEXTS)
    for text, score in zip(TEXTS, scores, strict=True):
        assert score.tokens == len(lm.token_ids(text))
        assert score.value == pytest.approx(_one_mask_at_a_time(lm, text), rel=1e-5)


def test_windows_score_what_one_forward_pass_per_token_scores(trained_masked_lm):
    # a window narrower than the texts: each copy shows a different stretch of its text
    lm = MaskedLanguageModel.load(str(trained_masked_lm), window=7, token_budget=40)
    texts = [*TEXTS, " ".join(fluent_sentences(3, seed=8))]
    for text, score in zip(texts, lm.pseudo_perplexities(texts), strict=True):
        assert score.value == pytest.approx(_one_mask_at_a_time(lm, text), rel=1e-5)


def test_scores_do_not_depend_on_the_token_budget_and_empty_text_is_not_scored(tiny_masked_lm):
    texts = fluent_sentences(5, seed=3) + ["", None]
    small = MaskedLanguageModel.load(str(tiny_masked_lm), token_budget=1).pseudo_perplexities(texts)
    large = MaskedLanguageModel.load(str(tiny_masked_lm), token_budget=10_000).pseudo_perplexities(texts)
    assert small[-2:] == [None, None] and large[-2:] == [None, None]
    for a, b in zip(small[:-2], large[:-2], strict=True):
        assert a.value == pytest.approx(b.value, rel=1e-5) and a.value > 1


# bfloat16 keeps 8 bits of mantissa (a relative rounding error of 0.4% per operation); measured on the trained tiny
# model, the pseudo-perplexities move by at most ~0.6%.
BFLOAT16_PERPLEXITY_TOLERANCE = 0.02


def test_bfloat16_autocast_keeps_pseudo_perplexities_within_2_percent_of_float32(trained_masked_lm):
    texts = fluent_sentences(20, seed=9) + [" ".join(fluent_sentences(6, seed=10))]
    exact = MaskedLanguageModel.load(str(trained_masked_lm), precision="float32").pseudo_perplexities(texts)
    half = MaskedLanguageModel.load(str(trained_masked_lm), precision="bfloat16")
    assert half.dtype == torch.bfloat16
    for a, b in zip(exact, half.pseudo_perplexities(texts), strict=True):
        assert b.value == pytest.approx(a.value, rel=BFLOAT16_PERPLEXITY_TOLERANCE) and a.tokens == b.tokens
    # the ranking that makes the statistic useful survives: fluent text stays less perplexing than shuffled text
    shuffled = " ".join(random.Random(0).sample(texts[-1].split(), len(texts[-1].split())))
    [fluent_score, shuffled_score] = half.pseudo_perplexities([texts[-1], shuffled])
    assert fluent_score.value < shuffled_score.value


def test_auto_precision_is_float32_on_a_cpu(tiny_masked_lm):
    assert MaskedLanguageModel.load(str(tiny_masked_lm)).dtype == torch.float32
    with pytest.raises(ValueError, match="precision must be one of"):
        MaskedLanguageModel.load(str(tiny_masked_lm), precision="half")


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


def test_the_scoring_settings_reach_the_masked_lm(tiny_masked_lm):
    from s1mm_assets.lib.score.models import load_scoring_models
    from s1mm_assets.lib.settings import ScoringSettings

    tuned = load_scoring_models(
        ScoringSettings(
            masked_lm=str(tiny_masked_lm),
            scoring_precision="bfloat16",
            perplexity_token_budget=512,
            perplexity_sample=4,
        )
    )
    assert (tuned.masked_lm.dtype, tuned.masked_lm.token_budget, tuned.perplexity_sample) == (torch.bfloat16, 512, 4)
    # the defaults: float32 on a CPU, the CPU's token budget, every figure
    default = load_scoring_models(ScoringSettings(masked_lm=str(tiny_masked_lm)))
    assert (default.masked_lm.dtype, default.masked_lm.token_budget, default.perplexity_sample) == (
        torch.float32,
        2048,
        0,
    )
