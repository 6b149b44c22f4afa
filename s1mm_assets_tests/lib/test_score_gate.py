from s1mm_assets.lib.score import gate
from s1mm_assets.lib.score.models import NO_CLIP


def _row(delta: float | None = None, chars: int = 300, grounding: float | None = 1.0, status: str = "ok") -> dict:
    return {
        "clip_delta": delta,
        "clip_raw": 20.0 if delta is not None else None,
        "clip_enhanced": 20.0 + delta if delta is not None else None,
        "clip_not_measured": None if delta is not None else NO_CLIP,
        "enhanced_chars": chars,
        "caption_status": status,
        "grounding": grounding,
        "invented_numbers": [] if grounding in (None, 1.0) else ["42"],
    }


def test_clip_alignment_passes_above_the_bound_and_fails_at_or_below_it():
    assert gate.clip_alignment_improves([_row(2.0), _row(0.5)], min_delta=1.0, require_clip=False).passed
    assert not gate.clip_alignment_improves([_row(2.0), _row(0.0)], min_delta=1.0, require_clip=False).passed
    assert not gate.clip_alignment_improves([_row(0.0)], min_delta=0.0, require_clip=True).passed


def test_clip_not_measured_says_why_and_blocks_only_when_required():
    relaxed = gate.clip_alignment_improves([_row()], min_delta=0.0, require_clip=False)
    strict = gate.clip_alignment_improves([_row()], min_delta=0.0, require_clip=True)
    # not measured is never a pass; it blocks the release only when CLIP is required
    assert not relaxed.passed and not relaxed.measured and not relaxed.blocks_release and NO_CLIP in relaxed.summary
    assert not strict.passed and strict.blocks_release and NO_CLIP in strict.summary
    assert "require_clip is set" in strict.summary
    assert gate.clip_alignment_improves([], min_delta=0.0, require_clip=True).passed  # nothing to release


def test_enhanced_length_range_is_on_the_mean_of_usable_captions():
    rows = [_row(chars=90), _row(chars=130), _row(chars=0, status="failed")]
    assert gate.enhanced_length_in_range(rows, 100, 2000).passed  # the failed caption is the other check's business
    assert not gate.enhanced_length_in_range(rows, 120, 2000).passed
    assert not gate.enhanced_length_in_range(rows, 10, 100).passed


def test_grounding_bound_is_on_the_mean_of_checkable_captions():
    rows = [_row(grounding=1.0), _row(grounding=0.5), _row(grounding=None)]
    verdict = gate.captions_are_grounded(rows, 0.75)
    assert (
        verdict.passed
        and verdict.facts["checked_captions"] == 2
        and verdict.facts["captions_with_invented_numbers"] == 1
    )
    assert not gate.captions_are_grounded(rows, 0.8).passed
