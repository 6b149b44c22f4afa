"""Words about a figure: its caption and the body sentences that cite it, stated from the data actually drawn.

Captions read like real ones: a title sentence, then as many detail sentences as the figure's length budget
allows (legend, trend, uncertainty, scale bar), so some captions are one short line and some run to several
hundred characters. Multi-panel captions describe each panel after its letter.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from s1mm_assets.lib.sources.sample.figures import (
    BarPanel,
    FigureSpec,
    HeatmapPanel,
    LinePanel,
    MicrographPanel,
    Panel,
    ScatterPanel,
)
from s1mm_assets.lib.sources.sample.markup import Bold, Emph, FigureRef, Inline, Rich, from_unicode, join
from s1mm_assets.lib.sources.sample.topics import Axis, Topic

_SUPERSCRIPT_DIGITS = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
_PROPER_WORDS = ("Hall", "Shannon", "Pearson", "Hammett", "Faradaic", "Coulombic", "Jeans", "Hubble")


@dataclasses.dataclass(frozen=True)
class Caption:
    title: Rich
    details: tuple[Rich, ...] = ()
    subcaptions: tuple[Rich, ...] = ()  # per panel, when the panels are separate subfigures

    @property
    def rich(self) -> Rich:
        return join(self.title, *self.details)


@dataclasses.dataclass(frozen=True)
class Voice:
    """How one paper talks about its figures."""

    topic: Topic
    letter_style: str  # "(a)", "A" or "a", as drawn in the image
    ref_prefixes: tuple[str, ...]  # "Figure", "Fig."
    method_name: str = ""
    method: Inline = ""  # the method name as written: plain or a LaTeX macro

    def name(self, text: str) -> Inline:
        return self.method if self.method_name and text == self.method_name else text


def caption_for(spec: FigureSpec, voice: Voice, rng: np.random.Generator, separate_panels: bool = False) -> Caption:
    """The caption of `spec`. With `separate_panels` the panel descriptions become sub-captions."""
    if spec.kind != "multi_panel":
        panel = spec.panels[0]
        budget = int(rng.choice([0, 1, 2, 3, 4], p=[0.15, 0.25, 0.25, 0.2, 0.15]))
        return Caption(_title(panel, voice, rng), tuple(_details(panel, voice, rng)[:budget]))
    topic = voice.topic
    overall = _sentence(
        _pick(rng, ("Characterisation of ", "Analysis of ", "Overview of ")),
        _pick(rng, topic.properties),
        " in ",
        _pick(rng, topic.objects),
        ".",
    )
    if separate_panels:
        subcaptions = tuple(_title(panel, voice, rng) for panel in spec.panels)
        return Caption(overall, (), subcaptions)
    detailed = rng.random() < 0.5
    details = []
    for panel, letter in zip(spec.panels, _caption_letters(spec, voice), strict=True):
        parts = [*letter, " ", *_title(panel, voice, rng)]
        if detailed:
            parts += [" ", *_details(panel, voice, rng)[0]]
        details.append(tuple(parts))
    return Caption(overall, tuple(details))


def citing_sentences(spec: FigureSpec, index: int, voice: Voice, rng: np.random.Generator) -> tuple[Rich, ...]:
    """One to three body sentences that mention figure `index`, each in its own words."""
    count = int(rng.choice([1, 2, 3], p=[0.35, 0.4, 0.25]))
    panel_letters = [letter.strip("()") for letter in spec.letters] or [""]
    sentences: list[Rich] = []
    templates = rng.permutation(3 if spec.kind == "diagram" else 6)
    for position in range(count):
        panel_index = position % len(spec.panels)
        prefix = voice.ref_prefixes[int(rng.integers(len(voice.ref_prefixes)))]
        ref = FigureRef(index, prefix, panel_letters[panel_index])
        sentences.append(_citing_sentence(int(templates[position]), spec.panels[panel_index], ref, voice, rng))
    return tuple(sentences)


def _citing_sentence(template: int, panel: Panel, ref: FigureRef, voice: Voice, rng: np.random.Generator) -> Rich:
    noun = _noun_phrase(panel, voice)
    clause = _finding(panel, voice)
    forms = (
        (ref, " shows ", *noun, "."),
        ("We summarise ", *noun, " in ", ref, "."),
        (ref, _pick(rng, (" outlines ", " illustrates ", " presents ")), *noun, "."),
        ("As shown in ", ref, ", ", *clause, "."),
        (*_cap(clause), " (", ref, ")."),
        (ref, _pick(rng, (" confirms that ", " indicates that ", " reveals that ")), *clause, "."),
    )
    return _sentence(*forms[template])


def _caption_letters(spec: FigureSpec, voice: Voice) -> list[Rich]:
    """Panel letters as captions write them: "(a)" on arXiv, "(A)" on bioRxiv, a bold "a" in Nature journals."""
    if voice.letter_style == "a":
        return [(Bold(letter),) for letter in spec.letters]
    return [(letter if letter.startswith("(") else f"({letter})",) for letter in spec.letters]


def _title(panel: Panel, voice: Voice, rng: np.random.Generator) -> Rich:
    if isinstance(panel, LinePanel):
        y, x = _lower(panel.y_axis.name), _lower(panel.x_axis.name)
        options = (
            f"{_cap(y)} as a function of {x}.",
            f"{_cap(y)} versus {x}.",
            f"Dependence of {y} on {x}.",
            f"Evolution of {y} with {x}.",
        )
    elif isinstance(panel, ScatterPanel):
        y, x = _lower(panel.y_axis.name), _lower(panel.x_axis.name)
        options = (
            f"{_cap(y)} versus {x} for {panel.count} {panel.items}.",
            f"Relationship between {x} and {y}.",
            f"Correlation of {y} with {x} across {panel.items}.",
        )
    elif isinstance(panel, BarPanel):
        y = _lower(panel.y_axis.name)
        options = (
            f"{_cap(y)} by {_lower(panel.category_name)}.",
            f"Comparison of {y} across {_plural(_lower(panel.category_name))}.",
        )
    elif isinstance(panel, HeatmapPanel):
        options = _heatmap_titles(panel)
    elif isinstance(panel, MicrographPanel):
        modality = panel.vocab.modality
        options = (
            f"{modality} of {panel.vocab.subject}.",
            f"Representative {_lower(modality)} of {panel.vocab.subject}.",
        )
    else:
        options = (
            f"Overview of the {panel.name}.",
            f"Schematic of the {panel.name}.",
            f"{_cap(panel.name)} used in this study.",
        )
    return _sentence(_pick(rng, options))


def _heatmap_titles(panel: HeatmapPanel) -> tuple[str, ...]:
    if panel.style == "confusion":
        return ("Normalised confusion matrix.", f"Confusion matrix of the {len(panel.rows)}-class classifier.")
    if panel.style == "correlation":
        rows = _plural(_lower(panel.rows_name))
        return (f"Correlation matrix of {rows}.", f"Pairwise {_lower(panel.value_axis.name)} between {rows}.")
    value = _lower(panel.value_axis.name)
    return (
        f"{_cap(value)} as a function of {_lower(panel.rows_name)} and {_lower(panel.columns_name)}.",
        f"Map of {value} over {_lower(panel.rows_name)} and {_lower(panel.columns_name)}.",
    )


def _details(panel: Panel, voice: Voice, rng: np.random.Generator) -> list[Rich]:
    """Detail sentences in the order a caption adds them; the budget keeps a prefix."""
    topic = voice.topic
    replicates = f"{int(rng.integers(3, 11))} {topic.replicates}"
    if isinstance(panel, LinePanel):
        names = [voice.name(name) for name in panel.series]
        details = [
            _sentence(_cap(_finding(panel, voice)), "."),
            _sentence("Curves show ", *_listing(names), "."),
            _sentence(
                _uncertainty(
                    "Shaded bands" if panel.error_style == "band" else "Error bars", topic.error_kind, replicates
                )
            ),
        ]
        if panel.log_scale:
            details.append(_sentence("Both axes are ", Emph("logarithmic"), "."))
        return details
    if isinstance(panel, ScatterPanel):
        r_squared = panel.pearson_r**2
        details = [
            _sentence(_cap(_finding(panel, voice)), "."),
            _sentence(
                f"The dashed line is a least-squares fit (slope = {_number(panel.slope)}, R² = {r_squared:.2f})."
            ),
            _sentence(f"n = {panel.count} {panel.items}."),
        ]
        if len(panel.groups) > 1:
            details.insert(1, _sentence("Colours distinguish ", *_listing(list(panel.groups)), "."))
        return details
    if isinstance(panel, BarPanel):
        details = [
            _sentence(_cap(_finding(panel, voice)), "."),
            _sentence(_uncertainty("Bars show the mean; error bars", topic.error_kind, replicates)),
        ]
        if len(panel.groups) > 1:
            details.append(_sentence(f"{panel.groups[0]} and {panel.groups[1]} are shown side by side."))
        if panel.significant:
            details.append(
                _sentence(
                    f"Asterisks mark significant differences between {panel.groups[0]} and "
                    f"{panel.groups[1]} (p < 0.05, two-sided t-test)."
                )
            )
        return details
    if isinstance(panel, HeatmapPanel):
        details = [
            _sentence(_cap(_finding(panel, voice)), "."),
            _sentence(f"The colour bar gives {_lower(panel.value_axis.label)}."),
        ]
        if panel.style == "confusion":
            details.append(
                _sentence("Rows are normalised to one; diagonal entries give ", Emph("per-class recall"), ".")
            )
        return details
    if isinstance(panel, MicrographPanel):
        value, unit = panel.vocab.scale_bar
        details = [
            _sentence(
                f"About {_round_count(panel.object_count)} {panel.vocab.objects} are visible in the field of view."
            )
        ]
        if panel.vocab.channels:
            stains = [f"{stain} ({colour})" for stain, colour in panel.vocab.channels]
            details.insert(0, _sentence("Staining: ", *_listing(stains), "."))
        details.insert(1, _sentence(f"Scale bar, {value} {unit}."))
        return details
    middle = [_lower(stage) for stage in panel.stages[1:-1]]
    details = [
        _sentence(
            f"Data flow from {_lower(panel.stages[0])} through ", *_listing(middle), f" to {_lower(panel.stages[-1])}."
        )
    ]
    if panel.feedback_to is not None:
        details.append(
            _sentence(
                "The dashed arrow marks the ",
                Emph("feedback"),
                f" from {_lower(panel.stages[-1])} to {_lower(panel.stages[panel.feedback_to])}.",
            )
        )
    details.append(_sentence(f"Boxes are coloured by stage; arrows give the order of the {len(panel.stages)} steps."))
    return details


def _noun_phrase(panel: Panel, voice: Voice) -> Rich:
    if isinstance(panel, LinePanel):
        return _sentence(
            f"{_lower(panel.y_axis.name)} as a function of {_lower(panel.x_axis.name)} for ",
            *_listing([voice.name(name) for name in panel.series]),
        )
    if isinstance(panel, ScatterPanel):
        return _sentence(
            f"{_lower(panel.y_axis.name)} against {_lower(panel.x_axis.name)} for {panel.count} {panel.items}"
        )
    if isinstance(panel, BarPanel):
        return _sentence(f"{_lower(panel.y_axis.name)} for each {_lower(panel.category_name)}")
    if isinstance(panel, HeatmapPanel):
        if panel.style == "confusion":
            return _sentence("the confusion matrix of the classifier")
        if panel.style == "correlation":
            return _sentence(f"the correlations between {_plural(_lower(panel.rows_name))}")
        return _sentence(
            f"{_lower(panel.value_axis.name)} across {_lower(panel.rows_name)} and {_lower(panel.columns_name)}"
        )
    if isinstance(panel, MicrographPanel):
        modality = _lower(panel.vocab.modality)
        article = "an" if modality[0] in "aeiou" else "a"
        return _sentence(f"{article} {modality} of {panel.vocab.subject}")
    return _sentence(f"the {panel.name}")


def _finding(panel: Panel, voice: Voice) -> Rich:
    """A clause stating what the panel shows, true to its data."""
    if isinstance(panel, LinePanel):
        y, x = _lower(panel.y_axis.name), _lower(panel.x_axis.name)
        best = voice.name(panel.series[panel.best])
        final = _quantity(float(panel.y[panel.best, -1]), panel.y_axis)
        if panel.shape == "decay":
            return _sentence(f"{y} decreases with {x}, and ", best, f" reaches the lowest final value ({final})")
        if panel.shape == "growth":
            return _sentence(f"{y} rises with {x} and saturates, with ", best, f" reaching the highest value ({final})")
        if panel.shape == "peak":
            peak = _quantity(panel.peak_x, panel.x_axis)
            return _sentence(f"{y} peaks near {x} = {peak}, most strongly for ", best)
        if panel.shape == "oscillation":
            return _sentence(f"{y} oscillates with {x}, with the largest amplitude for ", best)
        slope = np.polyfit(np.log10(panel.x), np.log10(np.abs(panel.y[panel.best]) + 1e-12), 1)[0]
        return _sentence(f"{y} falls off as a power law in {x} with a logarithmic slope of about {slope:.2f}")
    if isinstance(panel, ScatterPanel):
        direction = "increases" if panel.slope > 0 else "decreases"
        return _sentence(
            f"{_lower(panel.y_axis.name)} {direction} with {_lower(panel.x_axis.name)} (r = {panel.pearson_r:.2f})"
        )
    if isinstance(panel, BarPanel):
        group, category = panel.best
        where = f" under {panel.groups[group]}" if panel.groups[group] else ""
        value = _quantity(float(panel.values[group, category]), panel.y_axis)
        return _sentence(
            voice.name(panel.categories[category]), f" gives the highest {_lower(panel.y_axis.name)}{where} ({value})"
        )
    if isinstance(panel, HeatmapPanel):
        row, column = panel.extreme
        value = float(panel.values[row, column])
        if panel.style == "confusion":
            return _sentence(
                f"the most frequent confusion is between {panel.rows[row]} and {panel.columns[column]} "
                f"({value:.2f} of pixels)"
            )
        if panel.style == "correlation":
            return _sentence(
                f"{panel.rows[row]} and {panel.columns[column]} are the most strongly correlated pair (r = {value:.2f})"
            )
        return _sentence(
            f"{_lower(panel.value_axis.name)} is highest at {_lower(panel.rows_name)} {panel.rows[row]} "
            f"and {_lower(panel.columns_name)} {panel.columns[column]} "
            f"({_quantity(value, panel.value_axis)})"
        )
    if isinstance(panel, MicrographPanel):
        return _sentence(
            f"about {_round_count(panel.object_count)} {panel.vocab.objects} are distributed across the field of view"
        )
    return _sentence(
        f"the {panel.name} proceeds from {_lower(panel.stages[0])} to {_lower(panel.stages[-1])} in "
        f"{len(panel.stages)} stages"
    )


def _uncertainty(what: str, error_kind: str, replicates: str) -> str:
    if "CI" in error_kind or "range" in error_kind:
        return f"{what} indicate the {error_kind} over {replicates}."
    return f"{what} show ± {error_kind} over {replicates}."


def _sentence(*parts: str | Inline | Rich) -> Rich:
    """Flatten parts into Rich, turning the Unicode symbols of plain strings into math pieces."""
    pieces: list[Inline] = []
    for part in parts:
        if isinstance(part, tuple):
            pieces.extend(part)
        else:
            pieces.extend(from_unicode(part) if isinstance(part, str) else (part,))
    return tuple(pieces)


def _listing(items: list) -> tuple:
    if not items:
        return ("the intermediate steps",)
    if len(items) == 1:
        return (items[0],)
    parts: list = []
    for position, item in enumerate(items):
        if position == len(items) - 1:
            parts.append(" and ")
        elif position:
            parts.append(", ")
        parts.append(item)
    return tuple(parts)


def _pick(rng: np.random.Generator, options) -> str:
    return options[int(rng.integers(len(options)))]


def _lower(text: str) -> str:
    first_word = text.split(" ")[0]
    if len(first_word) <= 2 or not first_word[1:2].islower() or first_word in _PROPER_WORDS:
        return text
    return text[0].lower() + text[1:]


def _cap(value):
    """Capitalise the first letter of a string or of a Rich value's leading text."""
    if isinstance(value, str):
        first_word = value.split(" ")[0]
        if any(char.isupper() for char in first_word[1:]):
            return value  # "mIoU", "pH": case carries meaning
        return value[:1].upper() + value[1:]
    if value and isinstance(value[0], str):
        return (_cap(value[0]), *value[1:])
    return value


def _plural(noun: str) -> str:
    return noun if noun.endswith("s") else noun + "s"


def _number(value: float) -> str:
    magnitude = abs(value)
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 1:
        return f"{value:.1f}"
    if magnitude >= 0.01 or magnitude == 0:
        return f"{value:.2f}"
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} × 10{str(int(exponent)).translate(_SUPERSCRIPT_DIGITS)}"


def _quantity(value: float, axis: Axis) -> str:
    if axis.unit == "%":
        return f"{_number(value)}%"
    if axis.unit and not axis.unit.startswith("×"):
        return f"{_number(value)} {axis.unit}"
    return _number(value)


def _round_count(count: int) -> int:
    return int(round(count, -1)) if count >= 15 else count
