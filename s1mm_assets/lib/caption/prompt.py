"""The captioning prompt, versioned: what a vision-language model is asked, with which context, in which order.

Order matters for throughput: the fixed instruction comes first (system turn), then the paper's title and
abstract, then the image and the figure's own text. Every figure of a paper shares the tokens up to its image,
so vLLM's prefix cache computes them once when the figures of a paper are sent together.

Change PROMPT_VERSION with any change to the text a model sees: it is recorded on every caption and is part of
the cache key, so old answers are never served for a new prompt.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re

from s1mm_assets.lib.caption.base import CaptionRequest
from s1mm_assets.lib.context import mentions_figure, split_sentences

PROMPT_VERSION = "grounded-v1"

# S1-MMAlign reports enhanced captions of ~760 characters on average.
TARGET_CHARS = 760
MAX_TITLE_CHARS = 300
MAX_ABSTRACT_CHARS = 1500
MAX_CAPTION_CHARS = 2000
MAX_CITING_SENTENCES = 4
MAX_CITING_CHARS = 1200

INSTRUCTION = (
    "You write captions for figures of scientific papers. You are given the paper's title and abstract, the "
    "figure, its original caption and sentences from the paper that discuss it. Write a new caption: one "
    f"dense, factual paragraph of about {TARGET_CHARS} characters (roughly 120 words). Say what kind of figure "
    "it is and what it shows: the quantities on the axes with their units, the panels and what each compares, "
    "legends, symbols and colours. Then state the finding the paper draws from it. Ground every statement in "
    "the image or the given text: do not invent numbers, names, units or results, and leave out what you "
    "cannot read. Write plain prose without lists or markdown, and do not mention the caption or the excerpts."
)

_WORD = re.compile(r"[a-z][a-z0-9-]{2,}")
# Words too common in captions and citing sentences to say anything about relevance.
_STOPWORD_TEXT = (
    "the and for with from that this these those are was were has have its into than then there their "
    "shows shown show figure fig panel panels see also each which while where when our using used between"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclasses.dataclass(frozen=True)
class Prompt:
    instruction: str  # the same for every figure
    paper: str  # title and abstract: the same for every figure of a paper
    figure: str  # the original caption, citing sentences and the request, after the image

    def sha256(self) -> str:
        """Everything the model reads except the image: the 'context hash' of the cache key."""
        payload = "\x1e".join((PROMPT_VERSION, self.instruction, self.paper, self.figure))
        return hashlib.sha256(payload.encode()).hexdigest()


def build_prompt(request: CaptionRequest) -> Prompt:
    context = request.context
    paper = f"Paper title: {_clip(context.title, MAX_TITLE_CHARS) or '(unknown)'}"
    abstract = bounded_abstract(context.abstract)
    if abstract:
        paper += f"\n\nAbstract: {abstract}"
    raw_caption = _clip(" ".join(request.raw_caption.split()), MAX_CAPTION_CHARS)
    figure = f"Original caption: {raw_caption or '(none)'}"
    citing = relevant_sentences(context.citing_sentences, raw_caption, request.figure_number)
    if citing:
        figure += "\n\nWhat the paper says about this figure:\n" + "\n".join(f"- {s}" for s in citing)
    figure += "\n\nWrite the new caption for this figure."
    return Prompt(instruction=INSTRUCTION, paper=paper, figure=figure)


def chat_messages(prompt: Prompt, image_url: str) -> list[dict]:
    """OpenAI chat format, shared by the HTTP client and the in-process engine so both send the same prompt."""
    return [
        {"role": "system", "content": prompt.instruction},
        {
            "role": "user",
            "content": [
                {"type": "text", "text": prompt.paper},
                {"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": prompt.figure},
            ],
        },
    ]


def bounded_abstract(abstract: str, limit: int = MAX_ABSTRACT_CHARS) -> str:
    """Whole sentences from the start of the abstract up to `limit` characters (the first one cut if longer)."""
    text = " ".join(abstract.split())
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        if len(kept) + len(sentence) + 1 > limit:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or _clip(text, limit)


def relevant_sentences(sentences: tuple[str, ...], raw_caption: str, figure_number: str | None) -> list[str]:
    """The citing sentences most useful for this figure, bounded, in the paper's order.

    A sentence that names the figure outranks one that does not; then the more of the caption's content words
    it shares, the better. The bound keeps the prompt (and the prefill cost) small.
    """
    caption_words = _content_words(raw_caption)

    def relevance(indexed: tuple[int, str]) -> tuple[int, float, int]:
        index, sentence = indexed
        words = _content_words(sentence)
        overlap = len(words & caption_words) / len(words) if words else 0.0
        return (int(mentions_figure(sentence, figure_number)), overlap, -index)

    chosen: list[tuple[int, str]] = []
    budget = MAX_CITING_CHARS
    for index, sentence in sorted(enumerate(sentences), key=relevance, reverse=True):
        if len(chosen) == MAX_CITING_SENTENCES:
            break
        if len(sentence) <= budget:
            chosen.append((index, sentence))
            budget -= len(sentence)
    return [sentence for _, sentence in sorted(chosen)]


def _content_words(text: str) -> set[str]:
    return {word for word in _WORD.findall(text.lower()) if word not in _STOPWORDS}


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
