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
# A sentence ends at . ! ? before anything but a lower-case Latin letter: capitals, digits, brackets, and the
# symbols sentences open with in science ("ΔF/F rises", "ωB97X-D gives").
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[^\sa-z,;:])")
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


# "Fig. 3", "Figure 3a", "Figs. 3 and 4", "Figures 2–5", "Fig. S1", "Supplementary Fig. 2", "Fig.~3".
_MENTION = re.compile(
    r"(?P<supplementary>\b(?:Supplementary|Supplemental|Suppl\.)\s+)?"
    r"\b(?i:figures?|figs?\.?)\s*~?\(?\s*"
    r"(?P<numbers>S?\d+(?:\.\d+)?[a-zA-Z]?(?:\s*(?:,\s*(?:and|&)?|and|&|to|\u2013|-)\s*\(?S?\d+(?:\.\d+)?[a-zA-Z]?\)?)*)"
    r"(?![\d.]*\d)"
)
_MENTIONED_NUMBER = re.compile(r"(S?)(\d+(?:\.\d+)?)")
_MAX_RANGE = 30


def figure_numbers_mentioned(text: str) -> list[str]:
    """Every figure number the text refers to, in order of first mention, ranges spelled out ("2–4": 2, 3, 4).

    Supplementary figures come back with an S ("Supplementary Fig. 2" and "Fig. S2" are both "S2").
    """
    found: dict[str, None] = {}
    for match in _MENTION.finditer(text):
        prefix = "S" if match.group("supplementary") else ""
        numbers = match.group("numbers")
        previous: tuple[str, int] | None = None
        for separator, number in re.findall(r"(^|,\s*and|,\s*&|,|and|&|to|\u2013|-)\s*\(?(S?\d+(?:\.\d+)?)", numbers):
            supplement, digits = _MENTIONED_NUMBER.match(number).groups()
            label = (prefix or supplement) + digits
            if separator in ("to", "\u2013", "-") and previous and digits.isdigit() and previous[0] == supplement:
                for between in range(previous[1] + 1, min(int(digits), previous[1] + _MAX_RANGE)):
                    found.setdefault(f"{prefix or supplement}{between}")
            found.setdefault(label)
            previous = (supplement, int(digits)) if digits.isdigit() else None
    return list(found)


def mentions_figure(sentence: str, number: str | None) -> bool:
    return bool(number) and number in figure_numbers_mentioned(sentence)


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
