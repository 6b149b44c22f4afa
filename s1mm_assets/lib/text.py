"""Text every UTF-8 consumer accepts (JSON lines, Parquet tables, a strict UTF-8 terminal), whatever a stranger named
a file."""

from __future__ import annotations


def valid_text(text: str) -> str:
    """Text every UTF-8 consumer accepts. File names read from disk or from tar headers keep bytes that are not
    UTF-8 as lone surrogates, which no JSON, Parquet or UTF-8 terminal accepts: those bytes are written `\\xNN`,
    any other lone surrogate U+FFFD."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join(_escaped(character) for character in text)
    return text


def _escaped(character: str) -> str:
    code = ord(character)
    if 0xDC80 <= code <= 0xDCFF:  # a byte Python could not decode, kept as a lone surrogate
        return f"\\x{code - 0xDC00:02x}"
    return "\ufffd" if 0xD800 <= code <= 0xDFFF else character
