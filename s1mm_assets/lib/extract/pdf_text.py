"""Text as a reader sees it from PDF lines: words broken across lines put back together.

A line that ends in a hyphen is ambiguous: typesetters hyphenate words ("conse-" / "quences") and also
break lines after the hyphen of a compound ("zeolite-" / "supported"). The document's own words decide:
whichever form the paper uses elsewhere wins; two words it knows on their own make a compound; a lower-case
continuation is otherwise a hyphenated word. Lines that end in a slash ("Pt/" / "CeO₂") or a dash run on
without a space; a soft hyphen always disappears, and TeX's ring for degrees becomes a degree sign.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010\u2011][^\W\d_]+)*")
_HYPHENS = "-\u2010\u2011"
# Anchored at a word's start: tried from every letter of every word, the search is quadratic in word length.
_BROKEN_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]+[-\u2010\u2011]\n")
_RUN_ON = "/\u2013\u2014"  # a line ending in these continues the same token
_SOFT_HYPHEN = "\u00ad"
# TeX's $^\circ$C prints a ring operator or a white bullet where a reader sees a degree sign.
_DEGREE_AS_CIRCLE = re.compile(r"[\u25e6\u2218](?=\s?[CF]\b)")
_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl"})


class Vocabulary:
    """Lower-case words and hyphenated compounds the document uses away from line ends."""

    def __init__(self, lines: Iterable[str]):
        text = "\n".join(line.rstrip() for line in lines).replace(_SOFT_HYPHEN, "").lower()
        text = _BROKEN_WORD.sub("\n", text)  # the first half of a word broken at a line end is no word
        self.words: set[str] = set(_WORD.findall(text.replace("\u2010", "-").replace("\u2011", "-")))

    def knows(self, word: str) -> bool:
        return word.lower() in self.words


def join_lines(lines: list[str], vocabulary: Vocabulary) -> str:
    text = ""
    for line in lines:
        line = line.strip().translate(_LIGATURES)
        if not line:
            continue
        if not text:
            text = line
        elif text.endswith(_SOFT_HYPHEN):
            text = text[:-1] + line
        elif text[-1] in _HYPHENS and len(text) > 1 and text[-2].isalpha():
            text = text if _keeps_hyphen(text, line, vocabulary) else text[:-1]
            text += line
        elif text[-1] in _RUN_ON or (text[-1] in _HYPHENS and len(text) > 1 and not text[-2].isspace()):
            text += line
        else:
            text += " " + line
    text = _DEGREE_AS_CIRCLE.sub("°", text.replace(_SOFT_HYPHEN, ""))
    return re.sub(r"\s+", " ", text).strip()


def _keeps_hyphen(text: str, next_line: str, vocabulary: Vocabulary) -> bool:
    head = re.search(r"([^\W\d_]+)[" + _HYPHENS + r"]$", text)
    tail = re.match(r"[^\W\d_]+", next_line)
    if head is None or tail is None:
        return True
    first, second = head.group(1), tail.group(0)
    if vocabulary.knows(first + second):
        return False
    if vocabulary.knows(f"{first}-{second}"):
        return True
    if vocabulary.knows(first) and vocabulary.knows(second) and len(first) > 2:
        return True
    return not second[0].islower()
