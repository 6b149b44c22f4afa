"""The context a caption is rewritten in: the paper's title and abstract, and the sentences that cite the figure.

Extractors hand over whole citing paragraphs; here they are cut into sentences and only those that mention
the figure are kept (with their order in the paper), bounded so a prompt stays small.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re

MAX_CITING_SENTENCES = 6
MAX_SENTENCE_CHARS = 600

# Abbreviations that end in a period without ending the sentence.
_ABBREVIATIONS = (
    "Fig",
    "Figs",
    "Eq",
    "Eqs",
    "Ref",
    "Refs",
    "Sec",
    "Tab",
    "et al",
    "e.g",
    "i.e",
    "cf",
    "vs",
    "approx",
    "resp",
    "Suppl",
    "Supp",
    "No",
    "Dr",
    "Mr",
    "Ms",
    "Prof",
    "St",
    "ca",
    "Extended Data Fig",
)
_PROTECT = re.compile(r"\b(" + "|".join(re.escape(word) for word in _ABBREVIATIONS) + r")\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[A-Z(\[\"'0-9])")
_GUARD = "\u2024"  # one-dot leader stands in for protected periods while splitting


@dataclasses.dataclass(frozen=True)
class FigureContext:
    title: str
    abstract: str
    citing_sentences: tuple[str, ...]

    def sha256(self) -> str:
        payload = json.dumps(dataclasses.asdict(self), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def split_sentences(paragraph: str) -> list[str]:
    protected = _PROTECT.sub(lambda match: match.group(1) + _GUARD, paragraph)
    protected = re.sub(r"(\d)\.(\d)", rf"\1{_GUARD}\2", protected)
    pieces = _SENTENCE_END.split(protected)
    return [piece.replace(_GUARD, ".").strip() for piece in pieces if piece.strip()]


def mentions_figure(sentence: str, number: str | None) -> bool:
    if not number:
        return False
    return (
        re.search(
            rf"\b(?:Fig(?:ure)?s?\.?|FIG(?:URE)?S?\.?)\s*~?\(?{re.escape(number)}(?![0-9])", sentence, re.IGNORECASE
        )
        is not None
    )


def citing_sentences(paragraphs: list[str], number: str | None) -> tuple[str, ...]:
    """Sentences that mention the figure by number, in paper order, without repeats, bounded.

    A paragraph in which no sentence names the figure (it was cited through a reference the text does not
    spell out) contributes its first sentence, which usually states what is being discussed.
    """
    selected: list[str] = []
    for paragraph in paragraphs:
        sentences = split_sentences(paragraph)
        naming = [sentence for sentence in sentences if mentions_figure(sentence, number)]
        for sentence in naming or sentences[:1]:
            sentence = sentence[:MAX_SENTENCE_CHARS]
            if sentence not in selected:
                selected.append(sentence)
    return tuple(selected[:MAX_CITING_SENTENCES])


def build_context(title: str, abstract: str, paragraphs: list[str], number: str | None) -> FigureContext:
    return FigureContext(
        title=title.strip(), abstract=abstract.strip(), citing_sentences=citing_sentences(paragraphs, number)
    )
