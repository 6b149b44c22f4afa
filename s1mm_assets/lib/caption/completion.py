"""What a model's answer is worth: a usable caption, a refusal, a truncated text, or nothing.

Shared by every model backend so a caption gets the same status whichever way the model was reached.
"""

from __future__ import annotations

import dataclasses
import re

# Openings of answers that decline the task instead of describing the figure.
_REFUSAL = re.compile(
    r"^\W*(i[’']?m sorry|i am sorry|sorry\b|i apologi[sz]e|i (?:can ?not|can[’']t|won[’']t|am unable|am not able)"
    r"|i[’']m (?:unable|not able)|unfortunately,? i|as an ai\b)",
    re.IGNORECASE,
)
# Labels models like to put before the text they were asked for.
_QUOTE_PAIRS = {'"': '"', "'": "'", "“": "”"}
_LEADING_LABEL = re.compile(
    r"^\s*(?:\*\*)?(?:new |enhanced |rewritten )?caption(?:\*\*)?\s*[:\-–]\s*(?:\*\*)?\s*", re.IGNORECASE
)


@dataclasses.dataclass(frozen=True)
class Verdict:
    status: str  # ok | refused | truncated | failed
    caption: str
    error: str | None


def judge_completion(text: str | None, finish_reason: str | None, refusal: str | None = None) -> Verdict:
    """Classify one completion. `refusal` is the OpenAI `message.refusal` field when the server fills it."""
    caption = clean_caption(text or "")
    if refusal:
        return Verdict("refused", caption, f"model refused: {refusal.strip()[:200]}")
    if not caption:
        return Verdict("failed", "", f"empty completion (finish_reason={finish_reason})")
    if _REFUSAL.match(caption):
        return Verdict("refused", caption, "model declined the task: " + caption[:120])
    if finish_reason == "length":
        return Verdict("truncated", caption, "stopped at the max_tokens cap before finishing")
    return Verdict("ok", caption, None)


def clean_caption(text: str) -> str:
    """One paragraph without a leading label or wrapping quotes."""
    caption = " ".join(text.split())
    caption = _LEADING_LABEL.sub("", caption, count=1)
    if len(caption) >= 2 and _QUOTE_PAIRS.get(caption[0]) == caption[-1]:
        caption = caption[1:-1].strip()
    return caption
