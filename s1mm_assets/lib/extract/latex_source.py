"""Reading LaTeX source as authors write it: comments, braces, file inclusion, simple macros.

These are the token-level operations the figure extractor needs; converting LaTeX to readable text is left
to pylatexenc (`to_text`).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable

from pylatexenc.latex2text import LatexNodes2Text

MAX_INCLUDE_DEPTH = 16

_COMMENT = re.compile(r"(?<!\\)%.*")
_IFFALSE = re.compile(r"\\iffalse\b.*?\\fi\b", re.DOTALL)
_COMMENT_ENV = re.compile(r"\\begin\{comment\}.*?\\end\{comment\}", re.DOTALL)
_INCLUDE = re.compile(r"\\(input|include|subfile)\s*\{([^}]+)\}|\\input\s+([^\s{}\\]+)")
_NEWCOMMAND = re.compile(r"\\(?:re)?newcommand\*?\s*\{?\\([A-Za-z]+)\}?\s*\{")
_DEF = re.compile(r"\\def\s*\\([A-Za-z]+)\s*\{")


def strip_comments(text: str) -> str:
    text = "\n".join(_COMMENT.sub("", line) for line in text.splitlines())
    return _COMMENT_ENV.sub("", _IFFALSE.sub("", text))


def read_group(text: str, start: int, opening: str = "{", closing: str = "}") -> tuple[str, int] | None:
    """The content of the balanced group opening at or after `start` (spaces skipped), and the index after it."""
    position = start
    while position < len(text) and text[position] in " \t\n":
        position += 1
    if position >= len(text) or text[position] != opening:
        return None
    depth = 0
    index = position
    while index < len(text):
        character = text[index]
        if character == "\\":
            index += 2  # an escaped character, e.g. \{ or \%, never opens or closes a group
            continue
        if character == opening:
            depth += 1
        elif character == closing:
            depth -= 1
            if depth == 0:
                return text[position + 1 : index], index + 1
        index += 1
    return None


def command_arguments(text: str, command: str) -> list[tuple[str | None, str, int]]:
    """Every `\\command[optional]{argument}`: (optional, argument, start offset)."""
    found = []
    for match in re.finditer(rf"\\{command}\*?(?![A-Za-z])", text):
        position = match.end()
        optional = None
        bracket = read_group(text, position, "[", "]")
        if bracket is not None:
            optional, position = bracket
        group = read_group(text, position)
        if group is not None:
            found.append((optional, group[0], match.start()))
    return found


def expand_includes(
    text: str, folder: str, read: Callable[[str], str | None], depth: int = 0, seen: frozenset[str] = frozenset()
) -> tuple[str, list[str]]:
    """Inline `\\input`/`\\include`/`\\subfile` files; returns the text and the names that could not be found."""
    missing: list[str] = []

    def replace(match: re.Match) -> str:
        name = (match.group(2) or match.group(3) or "").strip()
        if depth >= MAX_INCLUDE_DEPTH or name in seen:
            return ""
        for candidate in (name, f"{name}.tex"):
            path = posixpath.normpath(posixpath.join(folder, candidate))
            content = read(path)
            if content is not None:
                body, nested_missing = expand_includes(strip_comments(content), folder, read, depth + 1, seen | {name})
                missing.extend(nested_missing)
                return body
        missing.append(name)
        return ""

    return _INCLUDE.sub(replace, text), missing


def simple_macros(preamble: str) -> dict[str, str]:
    """Argument-free `\\newcommand`/`\\def` definitions, which authors use for names and symbols in captions."""
    macros: dict[str, str] = {}
    for pattern in (_NEWCOMMAND, _DEF):
        for match in pattern.finditer(preamble):
            if preamble[match.end() - 1 :].startswith("{") and "#" not in preamble[match.end() : match.end() + 200]:
                group = read_group(preamble, match.end() - 1)
                if group is not None and "#" not in group[0]:
                    macros[match.group(1)] = group[0]
    return macros


def expand_macros(text: str, macros: dict[str, str]) -> str:
    for _ in range(3):  # macros defined through other macros
        for name, body in macros.items():
            text = re.sub(rf"\\{name}(?![A-Za-z])\s?", lambda _match, body=body: body, text)
    return text


_TO_TEXT = LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def to_text(latex: str) -> str:
    """Readable text: math kept as Unicode where it can be, markup removed, whitespace collapsed."""
    try:
        text = _TO_TEXT.latex_to_text(latex)
    except Exception:  # pylatexenc raises on some malformed input; a rough fallback beats losing the caption
        text = re.sub(r"\\[A-Za-z]+\*?|[{}$]", " ", latex)
    return re.sub(r"\s+", " ", text).strip()
