"""Reading LaTeX source as authors write it: comments, braces, file inclusion, user macros, text rendering.

These are the token-level operations the figure extractor needs. Converting LaTeX to readable text is left to
pylatexenc (`to_text`); before it, sub- and superscripts in math become Unicode where Unicode has the
characters ("10^{-3}" reads "10⁻³", "R^2" reads "R²"), so math stays readable as plain text.
"""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable

from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

MAX_INCLUDE_DEPTH = 16
MAX_MACRO_PASSES = 4
# Marks where an \import / \subimport changes the folder that graphics and further inputs are relative to.
BASE_MARKER = "\\sOneMmBase"

_COMMENT = re.compile(r"(?<!\\)%.*")
_IFFALSE = re.compile(r"\\(?:iffalse|if0)\b.*?\\fi\b", re.DOTALL)
_COMMENT_ENV = re.compile(r"\\begin\{comment\}.*?\\end\{comment\}", re.DOTALL)
_INCLUDE = re.compile(
    r"\\(?P<command>input|include|subfile)\s*\{(?P<name>[^}]+)\}"
    r"|\\input\s+(?P<bare>[^\s{}\\]+)"
    r"|\\(?P<importer>import|subimport|inputfrom|subinputfrom|includefrom|subincludefrom)\*?\s*"
    r"\{(?P<folder>[^}]*)\}\s*\{(?P<file>[^}]+)\}"
)
_COUNTER_FORMAT = re.compile(
    r"the(figure|table|section|subsection|subsubsection|chapter|part|equation|page|footnote|subfigure|enumi+)"
)
_NEWCOMMAND = re.compile(r"\\(?:re)?newcommand\*?|\\providecommand\*?|\\DeclareRobustCommand\*?")
_DEF = re.compile(r"\\[gex]?def\s*\\([A-Za-z@]+)((?:#\d)*)\s*\{")
_OPERATOR = re.compile(r"\\DeclareMathOperator\*?\s*\{?\\([A-Za-z]+)\}?\s*\{")
_SUPERSCRIPTS = str.maketrans(
    "0123456789+-=()niabcdefghijklmoprstuvwxyzABDEGHIJKLMNOPRTUVW",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
)
_SUBSCRIPTS = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUPERSCRIPT_CHARS = set("0123456789+-=()niabcdefghijklmoprstuvwxyzABDEGHIJKLMNOPRTUVW")
_SUBSCRIPT_CHARS = set("0123456789+-=()aehijklmnoprstuvx")
_MATH = re.compile(r"(?<!\\)\$\$(.+?)(?<!\\)\$\$|(?<!\\)\$(.+?)(?<!\\)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)


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
    text: str,
    folder: str,
    read: Callable[[str], str | None],
    depth: int = 0,
    seen: frozenset[str] = frozenset(),
    missing: list[str] | None = None,
) -> tuple[str, list[str]]:
    """Inline `\\input`, `\\include`, `\\subfile`, `\\import`/`\\subimport`; returns the text and the names
    that could not be found. Files already being read (a cycle) and nesting deeper than MAX_INCLUDE_DEPTH are
    left out. `folder` is the folder paths are relative to: the main file's, or an \\import's."""
    missing = [] if missing is None else missing

    def replace(match: re.Match) -> str:
        if match.group("importer"):
            # \import{path}{file} and \subimport{path}{file}: the file, and what it reads, is relative to path.
            base = posixpath.normpath(posixpath.join(folder, match.group("folder").strip() or "."))
            name = match.group("file").strip()
        else:
            name, base = (match.group("name") or match.group("bare") or "").strip(), folder
        if depth >= MAX_INCLUDE_DEPTH:
            return ""
        for candidate in (f"{name}.tex", name):
            path = posixpath.normpath(posixpath.join(base, candidate))
            if path in seen:
                return ""
            content = read(path)
            if content is None:
                continue
            content = strip_comments(content)
            if match.group("command") == "subfile" and "\\begin{document}" in content:
                content = content.partition("\\begin{document}")[2].partition("\\end{document}")[0]
            body, _ = expand_includes(content, base, read, depth + 1, seen | {path}, missing)
            if base != folder:
                return f"{BASE_MARKER}{{{base}}}{body}{BASE_MARKER}{{{folder}}}"
            return body
        missing.append(name)
        return ""

    return _INCLUDE.sub(replace, text), missing


@dataclasses.dataclass(frozen=True)
class Macro:
    arguments: int
    default: str | None  # the first argument's default, which makes it optional
    body: str


def user_macros(preamble: str) -> dict[str, Macro]:
    """`\\newcommand`/`\\renewcommand`/`\\providecommand`/`\\def`/`\\DeclareMathOperator` definitions."""
    macros: dict[str, Macro] = {}
    for match in _NEWCOMMAND.finditer(preamble):
        position = match.end()
        named = read_group(preamble, position)
        if named is not None:
            name, position = named[0].strip(), named[1]
        else:
            bare = re.match(r"\s*(\\[A-Za-z@]+)", preamble[position:])
            if bare is None:
                continue
            name, position = bare.group(1), position + bare.end()
        if not re.fullmatch(r"\\[A-Za-z@]+", name):
            continue
        arguments, default = 0, None
        count = read_group(preamble, position, "[", "]")
        if count is not None and count[0].strip().isdigit():
            arguments, position = int(count[0].strip()), count[1]
            optional = read_group(preamble, position, "[", "]")
            if optional is not None:
                default, position = optional
        body = read_group(preamble, position)
        if body is not None:
            macros[name[1:]] = Macro(arguments, default, body[0])
    for match in _DEF.finditer(preamble):
        body = read_group(preamble, match.end() - 1)
        if body is not None:
            macros[match.group(1)] = Macro(len(match.group(2)) // 2, None, body[0])
    for match in _OPERATOR.finditer(preamble):
        body = read_group(preamble, match.end() - 1)
        if body is not None:
            macros[match.group(1)] = Macro(0, None, f"\\operatorname{{{body[0]}}}")
    # Definitions that define further macros, or call themselves, would not terminate; they are not text.
    # Counter formats (\thefigure) are read where they are redefined, so they stay as they are.
    return {
        name: macro
        for name, macro in macros.items()
        if not _COUNTER_FORMAT.fullmatch(name)
        and "\\def" not in macro.body
        and "newcommand" not in macro.body
        and not re.search(rf"\\{re.escape(name)}(?![A-Za-z@])", macro.body)
    }


def simple_macros(preamble: str) -> dict[str, str]:
    """Argument-free user macros as name -> body (what most captions use: names and symbols)."""
    return {name: macro.body for name, macro in user_macros(preamble).items() if macro.arguments == 0}


def expand_macros(text: str, macros: dict[str, Macro] | dict[str, str]) -> str:
    """Replace user macros by their bodies, arguments substituted, until none is left (bounded passes)."""
    if not macros:
        return text
    definitions = {name: macro if isinstance(macro, Macro) else Macro(0, None, macro) for name, macro in macros.items()}
    pattern = re.compile(
        r"\\(" + "|".join(re.escape(name) for name in sorted(definitions, key=len, reverse=True)) + r")(?![A-Za-z@])"
    )
    for _ in range(MAX_MACRO_PASSES):
        pieces, position, changed = [], 0, False
        for match in pattern.finditer(text):
            if match.start() < position:
                continue
            macro = definitions[match.group(1)]
            end, values = match.end(), []
            if macro.arguments:
                values, end = _read_arguments(text, end, macro)
                if values is None:
                    continue
            elif text[end : end + 2] == "{}":
                end += 2  # `\method{}` keeps the following space in LaTeX; the braces go
            body = macro.body
            for index, value in enumerate(values, start=1):
                body = body.replace(f"#{index}", value)
            pieces += [text[position : match.start()], body]
            position, changed = end, True
        if not changed:
            break
        text = "".join(pieces) + text[position:]
    return text


def _read_arguments(text: str, position: int, macro: Macro) -> tuple[list[str] | None, int]:
    values = []
    for index in range(macro.arguments):
        if index == 0 and macro.default is not None:
            optional = read_group(text, position, "[", "]")
            if optional is not None:
                values.append(optional[0])
                position = optional[1]
            else:
                values.append(macro.default)
            continue
        group = read_group(text, position)
        if group is None:
            single = re.match(r"\s*(\\[A-Za-z]+|[^\s{}])", text[position:])
            if single is None:
                return None, position
            values.append(single.group(1))
            position += single.end()
        else:
            values.append(group[0])
            position = group[1]
    return values, position


# pylatexenc prints \\phi and \\epsilon as the symbol variants; text uses the ordinary Greek letters.
_LETTER_FORMS = str.maketrans({"\u03d5": "\u03c6", "\u03f5": "\u03b5"})

# What pylatexenc does not know out of the box, though captions use it: monospace and sans text, boxes, URLs,
# siunitx numbers and units, mhchem formulas.
_SI_UNITS = {
    "nano": "n", "micro": "μ", "milli": "m", "centi": "c", "kilo": "k", "mega": "M", "giga": "G", "pico": "p",
    "meter": "m", "metre": "m", "second": "s", "gram": "g", "kelvin": "K", "volt": "V", "hertz": "Hz",
    "percent": "%", "celsius": "°C", "degreeCelsius": "°C", "mole": "mol", "molar": "M", "liter": "L",
    "litre": "L", "watt": "W", "joule": "J", "ampere": "A", "pascal": "Pa", "bar": "bar", "electronvolt": "eV",
    "hour": "h", "minute": "min", "tesla": "T", "ohm": "Ω", "newton": "N", "per": "/", "square": "",
    "squared": "²", "cubed": "³", "angstrom": "Å", "dB": "dB", "decibel": "dB", "degree": "°",
}  # fmt: skip
_WALKER_CONTEXT = latexwalker.get_default_latex_context_db()
_WALKER_CONTEXT.add_context_category(
    "s1mm",
    prepend=True,
    macros=[
        macrospec.std_macro(name, optional_first, arguments)
        for name, optional_first, arguments in (
            ("url", False, 1),
            ("href", False, 2),
            ("num", True, 1),
            ("SI", True, 2),
            ("qty", True, 2),
            ("si", True, 1),
            ("unit", True, 1),
            ("ce", False, 1),
            ("textsuperscript", False, 1),
            ("textsubscript", False, 1),
            ("boldsymbol", False, 1),
            ("bm", False, 1),
        )
    ],
)
_TEXT_CONTEXT = get_default_latex_context_db()
_TEXT_CONTEXT.add_context_category(
    "s1mm",
    prepend=True,
    macros=[
        *(
            MacroTextSpec(name, discard=False)
            for name in (
                *("texttt", "textsf", "textup", "textmd", "textnormal", "mbox", "hbox", "url", "ce", "si"),
                # Bold and italic math letters stay ordinary letters (pylatexenc prints them as 𝐱).
                *("mathbf", "mathit", "mathsf", "mathtt", "boldsymbol", "bm", "mathbfit"),
            )
        ),
        # pylatexenc prints a title block and the date it runs on; extracted text must not depend on the day.
        MacroTextSpec("maketitle", ""),
        MacroTextSpec("today", ""),
        MacroTextSpec("num", "%(2)s"),
        MacroTextSpec("SI", "%(2)s %(3)s"),
        MacroTextSpec("qty", "%(2)s %(3)s"),
        MacroTextSpec("unit", "%(2)s"),
        MacroTextSpec("href", "%(2)s"),
        MacroTextSpec("textsuperscript", "^%(1)s"),
        MacroTextSpec("textsubscript", "_%(1)s"),
        *(MacroTextSpec(name, text) for name, text in _SI_UNITS.items()),
    ],
)
_TO_TEXT = LatexNodes2Text(latex_context=_TEXT_CONTEXT, math_mode="text", strict_latex_spaces=False)
_VERB = re.compile(r"\\verb\*?([^A-Za-z\s])(.*?)\1")


def to_text(latex: str) -> str:
    """Readable text: math kept as Unicode where it can be, markup removed, whitespace collapsed."""
    latex = latex.replace(BASE_MARKER, "\\relax ")
    latex = _VERB.sub(lambda match: re.sub(r"([{}\\$%&#_^~])", r"\\\1", match.group(2)), latex)
    latex = _MATH.sub(lambda match: "$" + _unicode_scripts(next(g for g in match.groups() if g)) + "$", latex)
    try:
        text = _TO_TEXT.latex_to_text(latex, latex_context=_WALKER_CONTEXT)
    except Exception:  # pylatexenc raises on some malformed input; a rough fallback beats losing the caption
        text = re.sub(r"\\[A-Za-z]+\*?|[{}$]", " ", latex)
    return re.sub(r"\s+", " ", text.translate(_LETTER_FORMS)).strip()


def _unicode_scripts(math: str) -> str:
    """`x^{2}`, `10^{-3}`, `C_1` in math -> `x²`, `10⁻³`, `C₁` where every character has a Unicode form;
    `^\\circ` is a degree sign."""
    math = re.sub(r"\^\s*(?:\{\s*\\circ\s*\}|\\circ(?![A-Za-z]))", "°", math)
    # `\rho^{n}` must not become `\rhoⁿ`, which reads as one unknown command.
    math = re.sub(r"(\\[A-Za-z]+)(?=\s*[\^_])", r"\1{}", math)

    def convert(match: re.Match) -> str:
        marker, braced, single = match.group(1), match.group(2), match.group(3)
        content = braced if braced is not None else single
        stripped = content.replace(" ", "")
        characters, table = (_SUPERSCRIPT_CHARS, _SUPERSCRIPTS) if marker == "^" else (_SUBSCRIPT_CHARS, _SUBSCRIPTS)
        if stripped and all(character in characters for character in stripped):
            return stripped.translate(table)
        return match.group(0)

    return re.sub(r"([\^_])(?:\{([^{}\\]*)\}|([A-Za-z0-9]))", convert, math)
