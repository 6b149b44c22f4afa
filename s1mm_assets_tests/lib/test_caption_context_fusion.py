from s1mm_assets.lib.caption import CaptionRequest, ContextFusionBackend
from s1mm_assets.lib.context import FigureContext


def _no_image(path: str) -> bytes:
    raise AssertionError(f"the context backend must not read images, it read {path}")


def _request(raw: str, sentences: tuple[str, ...]) -> CaptionRequest:
    return CaptionRequest(
        figure_id="f1",
        paper_id="p1",
        raw_caption=raw,
        context=FigureContext("T", "A", sentences),
        image_path="blobs/x.png",
        image_sha256="x",
    )


def test_fuses_caption_and_citing_sentences_and_says_so():
    [result] = ContextFusionBackend().caption([_request("Loss curve.", ("Figure 1 shows the loss falls.",))], _no_image)
    assert result.enhanced_caption == "Loss curve. In the paper: Figure 1 shows the loss falls."
    assert (result.status, result.backend, result.model) == ("ok", "context", None)
    assert result.prompt_version == "context-fusion-v1"


def test_nothing_to_fuse_is_a_failure_with_a_reason():
    [result] = ContextFusionBackend().caption([_request("  ", ())], _no_image)
    assert result.status == "failed" and result.error
