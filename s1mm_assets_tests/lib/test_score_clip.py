"""CLIP scoring and zero-shot figure types, with tiny open_clip models loaded the way real weights are."""

import json
import math
import time

import pytest

pytest.importorskip("open_clip", reason="scoring models need the ml extra: pip install -e '.[ml]'")

import torch  # noqa: E402

from s1mm_assets.lib.score.clip import ClipModel  # noqa: E402
from s1mm_assets.lib.score.figure_type import FIGURE_TYPES, classify  # noqa: E402
from s1mm_assets.lib.score.text import decoded_image  # noqa: E402
from s1mm_assets_tests import bundles  # noqa: E402
from s1mm_assets_tests.models import CLIP_CONFIG, SYNTHETIC_KINDS, describe, synthetic_figure_png  # noqa: E402

HELD_OUT = {f"{kind}:{seed}": synthetic_figure_png(kind, 1000 + seed) for kind in SYNTHETIC_KINDS for seed in range(4)}
LONG_CAPTION = " ".join(
    f"Panel {index} shows the fluorescence of the labelled cells under treatment {index} relative to control."
    for index in range(1, 9)
)


def _kind(ref: str) -> str:
    return ref.split(":")[0]


def test_a_trained_model_scores_a_figure_higher_with_its_own_description_than_with_another(trained_clip):
    clip = ClipModel.load(str(trained_clip))
    refs = sorted(HELD_OUT)
    images = clip.image_embeddings(refs, HELD_OUT.__getitem__, batch_size=5)
    kinds = list(SYNTHETIC_KINDS)
    own = clip.caption_scores(images, [describe(_kind(ref)) for ref in refs])
    shuffled = clip.caption_scores(images, [describe(kinds[(kinds.index(_kind(ref)) + 1) % 4]) for ref in refs])
    assert all(mine.chunked > other.chunked for mine, other in zip(own, shuffled, strict=True))


def test_zero_shot_figure_types_name_held_out_figures_of_a_trained_model(trained_clip):
    clip = ClipModel.load(str(trained_clip))
    refs = sorted(HELD_OUT)
    types = classify(clip, clip.image_embeddings(refs, HELD_OUT.__getitem__))
    assert [kind for kind, _ in types] == [_kind(ref) for ref in refs]
    assert all(0 < confidence <= 1 for _, confidence in types)
    assert {kind for kind, _ in types} <= set(FIGURE_TYPES)


def test_scores_are_bounded_deterministic_and_independent_of_batch_size(tiny_clip):
    refs = sorted(HELD_OUT)
    captions = [describe(_kind(ref), index) for index, ref in enumerate(refs)]
    first = ClipModel.load(str(tiny_clip))
    one = first.caption_scores(first.image_embeddings(refs, HELD_OUT.__getitem__, batch_size=1), captions, 1)
    second = ClipModel.load(str(tiny_clip))
    many = second.caption_scores(second.image_embeddings(refs, HELD_OUT.__getitem__, batch_size=16), captions, 16)
    for a, b in zip(one, many, strict=True):
        assert -100 <= a.chunked <= 100
        assert math.isclose(a.chunked, b.chunked, abs_tol=1e-3) and math.isclose(a.truncated, b.truncated, abs_tol=1e-3)


def _embedded_one_by_one(clip: ClipModel, contents: list[bytes]) -> torch.Tensor:
    """Each image decoded, preprocessed and embedded on its own, in this process, as the code before issue 15
    did it; NaN where it does not decode."""
    rows = []
    for data in contents:
        image = decoded_image(data)
        if image is None:
            rows.append(torch.full((clip.embed_dim,), float("nan")))
            continue
        with torch.no_grad():
            features = clip.model.encode_image(clip.preprocess(image.convert("RGB"))[None])
        rows.append(torch.nn.functional.normalize(features.float(), dim=-1)[0])
    return torch.stack(rows)


@pytest.mark.parametrize("decode_workers", [0, 2])
def test_images_decoded_in_worker_processes_come_back_in_the_order_asked_for(tiny_clip, decode_workers):
    refs = sorted(HELD_OUT) + ["broken"] + sorted(HELD_OUT)[:3]
    images = HELD_OUT | {"broken": b"not an image"}

    def read_slowly_at_first(ref: str) -> bytes:
        # the first images of each batch are read last, so the reading threads finish out of order
        time.sleep(0.02 if refs.index(ref) % 5 < 2 else 0)
        return images[ref]

    clip = ClipModel.load(str(tiny_clip), decode_workers=decode_workers)
    embedded = clip.image_embeddings(refs, read_slowly_at_first, batch_size=5)
    expected = _embedded_one_by_one(clip, [images[ref] for ref in refs])
    broken = refs.index("broken")
    assert torch.isnan(embedded[broken]).all() and not torch.isnan(embedded[:broken]).any()
    assert torch.allclose(torch.nan_to_num(embedded), torch.nan_to_num(expected), atol=1e-6)
    assert torch.allclose(embedded[-3:], embedded[:3])  # the same images again, at the end


# bfloat16 keeps 8 bits of mantissa; measured on the trained tiny model, scores (100 x cosine) move by ~0.3.
BFLOAT16_SCORE_TOLERANCE = 1.0


def test_bfloat16_autocast_keeps_clip_scores_within_one_point_of_float32(trained_clip):
    refs = sorted(HELD_OUT)
    captions = [describe(_kind(ref), index) for index, ref in enumerate(refs)]
    captions[0] = LONG_CAPTION  # scored in chunks
    exact = ClipModel.load(str(trained_clip), precision="float32")
    half = ClipModel.load(str(trained_clip), precision="bfloat16")
    assert exact.dtype == torch.float32 and half.dtype == torch.bfloat16
    exact_scores = exact.caption_scores(exact.image_embeddings(refs, HELD_OUT.__getitem__), captions)
    half_scores = half.caption_scores(half.image_embeddings(refs, HELD_OUT.__getitem__), captions)
    for a, b in zip(exact_scores, half_scores, strict=True):
        assert b.chunked == pytest.approx(a.chunked, abs=BFLOAT16_SCORE_TOLERANCE)
        assert b.truncated == pytest.approx(a.truncated, abs=BFLOAT16_SCORE_TOLERANCE)
    # and the zero-shot figure types, which compare scores, stay the same
    exact_types = classify(exact, exact.image_embeddings(refs, HELD_OUT.__getitem__))
    half_types = classify(half, half.image_embeddings(refs, HELD_OUT.__getitem__))
    assert [kind for kind, _ in half_types] == [kind for kind, _ in exact_types]
    assert [score for _, score in half_types] == pytest.approx([score for _, score in exact_types], abs=0.02)


def test_a_long_caption_is_scored_in_sentence_chunks_and_also_truncated(tiny_clip):
    clip = ClipModel.load(str(tiny_clip))
    assert clip.count_tokens(LONG_CAPTION) > clip.tokenizer.context_length
    chunks = clip.chunks(LONG_CAPTION)
    assert len(chunks) >= 2
    assert all(tokens <= clip.chunk_tokens for _, tokens in chunks)
    assert " ".join(text for text, _ in chunks) == LONG_CAPTION  # nothing lost, nothing repeated
    assert sum(tokens for _, tokens in chunks) == clip.count_tokens(LONG_CAPTION)

    refs = ["line_plot:0"]
    images = clip.image_embeddings(refs, HELD_OUT.__getitem__)
    [long], [short] = clip.caption_scores(images, [LONG_CAPTION]), clip.caption_scores(images, ["a line plot"])
    assert long.chunks == len(chunks) and long.chunked != pytest.approx(long.truncated, abs=1e-6)
    assert short.chunks == 1 and short.chunked == pytest.approx(short.truncated, abs=1e-6)


def test_a_sentence_longer_than_the_context_is_split_between_words(tiny_clip):
    clip = ClipModel.load(str(tiny_clip))
    run_on = " ".join(f"measurement{index}" for index in range(120))
    chunks = clip.chunks(run_on)
    assert len(chunks) >= 2 and all(tokens <= clip.chunk_tokens for _, tokens in chunks)
    assert " ".join(text for text, _ in chunks).split() == run_on.split()


def test_an_undecodable_image_or_an_empty_caption_gets_no_score(tiny_clip):
    clip = ClipModel.load(str(tiny_clip))
    images = {"broken": b"not an image", "fine": bundles.png_bytes()}
    embedded = clip.image_embeddings(["broken", "fine", "fine"], images.__getitem__)
    assert torch.isnan(embedded[0]).all() and not torch.isnan(embedded[1]).any()
    scores = clip.caption_scores(embedded, ["a line plot", "a line plot", ""])
    assert scores[0] is None and scores[1] is not None and scores[2] is None
    assert classify(clip, embedded)[0] == ("unknown", None)


def test_an_architecture_name_without_a_local_weights_file_is_refused(tmp_path):
    with pytest.raises(ValueError, match="nothing is downloaded"):
        ClipModel.load("ViT-B-32")
    with pytest.raises(ValueError, match="local weights file"):
        ClipModel.load("ViT-B-32", str(tmp_path / "missing.bin"))


def test_an_architecture_name_with_a_weights_file_loads_those_weights(tiny_clip, tmp_path):
    import open_clip

    # the tiny architecture registered under a name, the way open_clip knows ViT-B-32
    config = tmp_path / "s1mm-test-tiny.json"
    config.write_text(json.dumps(CLIP_CONFIG))
    open_clip.add_model_config(config)
    by_name = ClipModel.load("s1mm-test-tiny", str(tiny_clip / "open_clip_pytorch_model.bin"))
    by_folder = ClipModel.load(str(tiny_clip))
    assert torch.allclose(by_name.text_embeddings(["a bar chart"]), by_folder.text_embeddings(["a bar chart"]))
