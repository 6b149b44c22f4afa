"""Grounding: how much of an enhanced caption's checkable content can be traced back to its sources.

A rewritten caption may only say what the paper says. We check what a reader would take as fact: numbers
(compared by value, so "0.001", "1e-3" and "10⁻³" agree, and a number rounded from a source value counts),
units written after a number, symbols (Greek letters, math operators, sub/superscripted variables such as
`T_1` or `R^2`) and technical terms (acronyms, mixed-case or alphanumeric names such as `CRISPR`, `mRNA`,
`ResNet-50`, `Ti3C2`). The sources are the author caption, the citing sentences, the title and the abstract.

Signs are ignored (a hyphen before a number is as often a dash as a minus), and references such as
"Figure 2" or "Eq. 3" are not claims about the data, so they are not checked.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation

METHOD = "grounding-v1"

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_SUPERSCRIPT_CHARS = "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺"
_REFERENCE = re.compile(
    r"\b(?:Fig(?:ure)?s?|Tab(?:le)?s?|Eqs?|Equations?|Sec(?:tion)?s?|Refs?|Panels?|Supplementary)\.?\s*~?"
    r"\(?[A-Z]?\d+[a-z]?\)?",
    re.IGNORECASE,
)
# 1.5×10⁻³, 2 x 10^-4 | 10⁻³, 10^{-3} | 1.2e-3 | 1,234.5 | 0.45; never the digits of T_1, R^2 or v1.2.3
_NUMBER = re.compile(
    r"(?<![\w.^_])(?:"
    rf"(?P<mantissa>\d+(?:\.\d+)?)\s*[×x*·]\s*10(?:\^\{{?(?P<exp1>[-+−]?\d+)\}}?|(?P<sup1>[{_SUPERSCRIPT_CHARS}]+))"
    rf"|10(?:\^\{{?(?P<exp2>[-+−]?\d+)\}}?|(?P<sup2>[{_SUPERSCRIPT_CHARS}]+))"
    r"|(?P<plain>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][-+−]?\d+)?)"
    r")(?![\w.]\d)"
)
_UNITS = (
    "%",
    "‰",
    "°C",
    "°",
    "K",
    "mK",
    "μK",
    "µK",
    "nK",
    "nm",
    "μm",
    "µm",
    "um",
    "mm",
    "cm",
    "m",
    "km",
    "Å",
    "fs",
    "ps",
    "ns",
    "μs",
    "µs",
    "ms",
    "s",
    "min",
    "h",
    "d",
    "Hz",
    "kHz",
    "MHz",
    "GHz",
    "THz",
    "eV",
    "meV",
    "keV",
    "MeV",
    "GeV",
    "TeV",
    "J",
    "kJ",
    "W",
    "mW",
    "kW",
    "V",
    "mV",
    "kV",
    "A",
    "mA",
    "μA",
    "Pa",
    "kPa",
    "MPa",
    "GPa",
    "T",
    "mT",
    "g",
    "mg",
    "μg",
    "µg",
    "ng",
    "kg",
    "L",
    "mL",
    "μL",
    "µL",
    "M",
    "mM",
    "μM",
    "µM",
    "nM",
    "mol",
    "mmol",
    "Da",
    "kDa",
    "bp",
    "kb",
    "Mb",
    "dB",
    "rpm",
    "ppm",
    "ppb",
)
_UNIT_AFTER_NUMBER = re.compile(
    r"(?<=\d)\s?(" + "|".join(re.escape(unit) for unit in sorted(_UNITS, key=len, reverse=True)) + r")(?!\w)"
)
_GREEK_AND_MATH = re.compile(r"[\u0391-\u03a9\u03b1-\u03c9µ±×÷≈≃≅≠≤≥∝∞∑∏∫√∂∇⊥∥°ℏ]")
_SCRIPTED_VARIABLE = re.compile(r"\b[A-Za-z]{1,3}[_^]\{?[-+\w]{1,6}\}?")
_WORD = re.compile(r"[A-Za-z][\w\-]*[\w]|[A-Za-z]")


@dataclasses.dataclass(frozen=True)
class Grounding:
    score: float | None  # share of checkable items found in the sources; None when there is nothing to check
    checked: int
    ungrounded: tuple[str, ...]
    invented_numbers: tuple[str, ...]


def ground(caption: str, sources: Iterable[str]) -> Grounding:
    """Check the caption's numbers, units, symbols and terms against the sources."""
    source_text = "\n".join(text for text in sources if text)
    source_numbers = numbers(source_text)
    source_units = set(units(source_text))
    source_words = {word.lower() for word in _WORD.findall(source_text)}

    ungrounded: list[str] = []
    invented: list[str] = []
    checked = 0
    for written, value in numbers(caption).items():
        checked += 1
        if not _traceable(value, source_numbers.values()):
            ungrounded.append(written)
            invented.append(written)
    for unit in dict.fromkeys(units(caption)):
        checked += 1
        if unit not in source_units and unit not in source_text:
            ungrounded.append(unit)
    for symbol in dict.fromkeys(symbols(caption)):
        checked += 1
        if symbol not in source_text:
            ungrounded.append(symbol)
    for term in dict.fromkeys(technical_terms(caption)):
        checked += 1
        if term.lower() not in source_words and term not in source_text:
            ungrounded.append(term)
    return Grounding(
        score=(checked - len(ungrounded)) / checked if checked else None,
        checked=checked,
        ungrounded=tuple(ungrounded),
        invented_numbers=tuple(invented),
    )


def numbers(text: str) -> dict[str, Decimal]:
    """Every number written in the text (figure/table/equation references left out), by how it is written."""
    found: dict[str, Decimal] = {}
    for match in _NUMBER.finditer(_REFERENCE.sub(" ", text)):
        value = _value(match)
        if value is not None:
            found.setdefault(match.group(0).strip(), value)
    return found


def units(text: str) -> list[str]:
    """Units written right after a number ("12 nm", "45%")."""
    return [match.group(1) for match in _UNIT_AFTER_NUMBER.finditer(_REFERENCE.sub(" ", text))]


def symbols(text: str) -> list[str]:
    words = _words_only(text)
    return _GREEK_AND_MATH.findall(words) + [match.group(0) for match in _SCRIPTED_VARIABLE.finditer(words)]


def technical_terms(text: str) -> list[str]:
    """Acronyms (GFP), mixed-case names (mRNA, ResNet) and names with digits (Ti3C2, ResNet-50)."""
    terms = []
    for word in _WORD.findall(_words_only(text)):
        capitals = sum(character.isupper() for character in word)
        mixed_case = any(c.islower() for c in word) and capitals and not (capitals == 1 and word[0].isupper())
        if "_" in word:  # a subscripted variable, checked as a symbol
            continue
        if capitals >= 2 or mixed_case or (any(c.isdigit() for c in word) and len(word) > 1):
            terms.append(word)
    return terms


def _words_only(text: str) -> str:
    """The text without references, units and numbers, which are checked on their own."""
    text = _REFERENCE.sub(" ", text)
    return _NUMBER.sub(" ", _UNIT_AFTER_NUMBER.sub(" ", text))


def _value(match: re.Match) -> Decimal | None:
    try:
        if match.group("mantissa") is not None:
            return Decimal(match.group("mantissa")).scaleb(_exponent(match.group("exp1") or match.group("sup1")))
        if match.group("plain") is None:
            return Decimal(1).scaleb(_exponent(match.group("exp2") or match.group("sup2")))
        return abs(Decimal(match.group("plain").replace(",", "").replace("−", "-")))
    except (InvalidOperation, ValueError):
        return None


def _exponent(written: str) -> int:
    return int(written.translate(_SUPERSCRIPTS).replace("−", "-"))


def _traceable(value: Decimal, source_values: Iterable[Decimal]) -> bool:
    """Equal to a source value, or that value rounded to as many decimals as the caption writes."""
    places = value.as_tuple().exponent
    for candidate in source_values:
        if candidate == value:
            return True
        if isinstance(places, int) and places > -12 and _rounded(candidate, places) == value:
            return True
    return False


def _rounded(value: Decimal, places: int) -> Decimal | None:
    try:
        return value.quantize(Decimal(1).scaleb(places))
    except InvalidOperation:  # more digits than the decimal context holds: no rounding matches
        return None


def sources_of(
    raw_caption: str | None, citing_sentences: Sequence[str] | None, title: str | None, abstract: str | None
):
    """The texts a caption may draw on, in one place so every caller grounds against the same sources."""
    return [raw_caption or "", *(citing_sentences or ()), title or "", abstract or ""]
