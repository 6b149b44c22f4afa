"""Figures of the demo corpus: plausible data drawn from a numpy Generator and rendered with matplotlib.

`make_figure` draws the data of one figure; `render` turns the whole figure, and `render_panel` one panel of
it, into PNG, JPEG or PDF bytes. The data stay on the spec so the caption writer can state what is really
drawn (which series ends lowest, where the peak is, the slope of the fit). Rendering uses `Figure` objects
directly (no pyplot state) and strips every timestamp, so the same spec always gives the same bytes.
"""

from __future__ import annotations

import dataclasses
import io
import re
import textwrap

import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch, Rectangle

from s1mm_assets.lib.sources.sample.topics import (
    Axis,
    BarVocab,
    DiagramVocab,
    HeatmapVocab,
    LineVocab,
    MicrographVocab,
    ScatterVocab,
    Topic,
)

FIGURE_KINDS: tuple[str, ...] = (
    "line_plot",
    "scatter",
    "bar_chart",
    "heatmap",
    "micrograph",
    "diagram",
    "multi_panel",
)
PANEL_KINDS: tuple[str, ...] = ("line_plot", "scatter", "bar_chart", "heatmap", "micrograph")

PALETTES: tuple[tuple[str, ...], ...] = (
    ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"),  # matplotlib tab10
    ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00"),  # Okabe-Ito, colour-blind safe
    ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854"),  # ColorBrewer Set2
    ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e"),  # ColorBrewer Dark2
    ("#332288", "#88CCEE", "#44AA99", "#CC6677", "#AA4499"),  # Paul Tol muted
)
_SEQUENTIAL_MAPS = ("viridis", "magma", "cividis", "Blues", "YlOrRd", "plasma")
_DPI = 110

_PNG_METADATA = {"Software": None}
_PDF_METADATA = {"Creator": None, "Producer": None, "CreationDate": None}


@dataclasses.dataclass(frozen=True, eq=False)
class LinePanel:
    x_axis: Axis
    y_axis: Axis
    x: np.ndarray
    series: tuple[str, ...]
    y: np.ndarray  # (series, points)
    error: np.ndarray
    shape: str
    error_style: str  # bars | band
    log_scale: bool

    @property
    def best(self) -> int:
        """The series a reader would single out: lowest at the end of a decay, highest otherwise."""
        if self.shape in ("decay", "power_law"):
            return int(np.argmin(self.y[:, -1]))
        if self.shape == "peak":
            return int(np.argmax(self.y.max(axis=1)))
        if self.shape == "oscillation":
            return int(np.argmax(self.y.max(axis=1) - self.y.min(axis=1)))
        return int(np.argmax(self.y[:, -1]))

    @property
    def peak_x(self) -> float:
        return float(self.x[int(np.argmax(self.y[self.best]))])


@dataclasses.dataclass(frozen=True, eq=False)
class ScatterPanel:
    x_axis: Axis
    y_axis: Axis
    items: str
    groups: tuple[str, ...]
    x: tuple[np.ndarray, ...]
    y: tuple[np.ndarray, ...]
    slope: float
    intercept: float
    pearson_r: float

    @property
    def count(self) -> int:
        return sum(len(values) for values in self.x)


@dataclasses.dataclass(frozen=True, eq=False)
class BarPanel:
    category_name: str
    categories: tuple[str, ...]
    y_axis: Axis
    groups: tuple[str, ...]  # one empty name when the bars are not grouped
    values: np.ndarray  # (groups, categories)
    errors: np.ndarray
    significant: tuple[int, ...]  # categories whose groups differ, marked with an asterisk

    @property
    def best(self) -> tuple[int, int]:
        group, category = np.unravel_index(int(np.argmax(self.values)), self.values.shape)
        return int(group), int(category)


@dataclasses.dataclass(frozen=True, eq=False)
class HeatmapPanel:
    rows_name: str
    rows: tuple[str, ...]
    columns_name: str
    columns: tuple[str, ...]
    value_axis: Axis
    values: np.ndarray
    style: str  # correlation | intensity | confusion
    colour_map: str

    @property
    def extreme(self) -> tuple[int, int]:
        """Where the notable value sits: the largest off-diagonal entry for matrices, the maximum otherwise."""
        values = np.array(self.values, dtype=float)
        if self.style in ("correlation", "confusion"):
            np.fill_diagonal(values, -np.inf)
            if self.style == "correlation":
                values = np.where(np.isinf(values), -np.inf, np.abs(values))
        row, column = np.unravel_index(int(np.argmax(values)), values.shape)
        return int(row), int(column)


@dataclasses.dataclass(frozen=True, eq=False)
class MicrographPanel:
    vocab: MicrographVocab
    pixels: np.ndarray  # (height, width, 3) uint8
    object_count: int
    scale_bar_px: int
    dark_background: bool


@dataclasses.dataclass(frozen=True, eq=False)
class DiagramPanel:
    name: str
    stages: tuple[str, ...]
    feedback_to: int | None  # stage the last one loops back to


Panel = LinePanel | ScatterPanel | BarPanel | HeatmapPanel | MicrographPanel | DiagramPanel


@dataclasses.dataclass(frozen=True, eq=False)
class FigureSpec:
    kind: str
    panels: tuple[Panel, ...]
    letters: tuple[str, ...]  # panel letters as drawn, e.g. ("a", "b")
    width_in: float
    height_in: float
    palette: tuple[str, ...]
    grid: bool

    @property
    def slug(self) -> str:
        """A short name for labels and file names, e.g. "validation-loss"."""
        panel = self.panels[0]
        if self.kind == "multi_panel":
            words = {
                LinePanel: "overview",
                ScatterPanel: "correlations",
                BarPanel: "comparison",
                HeatmapPanel: "maps",
                MicrographPanel: "imaging",
            }[type(panel)]
        elif isinstance(panel, LinePanel | BarPanel):
            words = panel.y_axis.name
        elif isinstance(panel, ScatterPanel):
            words = f"{panel.y_axis.name} vs {panel.x_axis.name}"
        elif isinstance(panel, HeatmapPanel):
            words = {"confusion": "confusion matrix", "correlation": "correlation matrix"}.get(
                panel.style, f"{panel.value_axis.name} map"
            )
        elif isinstance(panel, MicrographPanel):
            words = panel.vocab.objects + " micrograph"
        else:
            words = panel.name
        ascii_words = words.encode("ascii", "ignore").decode().lower()
        return "-".join(re.findall(r"[a-z0-9]+", ascii_words)[:4]) or "figure"


def make_figure(
    kind: str, topic: Topic, rng: np.random.Generator, letter_style: str, method_name: str = ""
) -> FigureSpec:
    """Draw a figure of `kind` about `topic`. `letter_style` formats panel letters: "(a)", "A" or "a"."""
    palette = PALETTES[int(rng.integers(len(PALETTES)))]
    if kind == "multi_panel":
        available = [panel_kind for panel_kind in PANEL_KINDS if _vocab_for(panel_kind, topic)]
        count = int(rng.choice([2, 2, 3, 4]))
        chosen = [available[int(i)] for i in rng.choice(len(available), size=count, replace=count > len(available))]
        panels = tuple(_make_panel(panel_kind, topic, rng, method_name, compact=True) for panel_kind in chosen)
        letters = tuple(_letter(index, letter_style) for index in range(count))
        width, height = {2: (9.0, 3.7), 3: (9.6, 3.3), 4: (8.6, 6.6)}[count]
    else:
        panels = (_make_panel(kind, topic, rng, method_name, compact=False),)
        letters = ()
        if kind == "micrograph":
            height_px, width_px = panels[0].pixels.shape[:2]
            width, height = width_px / _DPI, height_px / _DPI
        elif kind == "diagram":
            width, height = float(rng.uniform(7.0, 8.8)), float(rng.uniform(3.2, 4.2))
        else:
            width = float(rng.uniform(6.0, 8.2))
            height = width * float(rng.uniform(0.62, 0.78))
    return FigureSpec(kind, panels, letters, width, height, palette, bool(rng.random() < 0.4))


def available_kinds(topic: Topic) -> tuple[str, ...]:
    return tuple(kind for kind in FIGURE_KINDS if kind == "multi_panel" or _vocab_for(kind, topic))


def render(spec: FigureSpec, image_format: str) -> bytes:
    """The whole figure as `image_format` ("png", "jpg" or "pdf") bytes."""
    # Matplotlib's defaults, not the user's matplotlibrc or a style some library set: same spec, same bytes.
    with matplotlib.style.context("default"):
        return _render(spec, image_format)


def render_panel(spec: FigureSpec, index: int, image_format: str) -> bytes:
    """One panel of a multi-panel figure on its own, for LaTeX `subfigure` environments."""
    with matplotlib.style.context("default"):
        panel = spec.panels[index]
        if isinstance(panel, MicrographPanel):
            return _render_micrograph_alone(panel, image_format)
        figure = Figure(figsize=(4.8, 3.6), dpi=_DPI * 1.4, layout="constrained")
        _draw_panel(figure.add_subplot(), panel, spec)
        return _save(figure, image_format)


def _render(spec: FigureSpec, image_format: str) -> bytes:
    if spec.kind == "micrograph":
        return _render_micrograph_alone(spec.panels[0], image_format)
    figure = Figure(
        figsize=(spec.width_in, spec.height_in), dpi=_DPI if spec.width_in < 9 else 100, layout="constrained"
    )
    if len(spec.panels) == 4:
        axes = figure.subplots(2, 2).ravel()
    else:
        axes = np.atleast_1d(figure.subplots(1, len(spec.panels)))
    for ax, panel, letter in zip(axes, spec.panels, spec.letters or ("",) * len(spec.panels), strict=True):
        _draw_panel(ax, panel, spec)
        if letter:
            ax.text(-0.14, 1.04, letter, transform=ax.transAxes, fontsize=13, fontweight="bold", va="bottom")
    return _save(figure, image_format)


def _letter(index: int, style: str) -> str:
    letter = "abcdefgh"[index]
    return {"(a)": f"({letter})", "A": letter.upper()}.get(style, letter)


def _vocab_for(kind: str, topic: Topic) -> tuple:
    return {
        "line_plot": topic.lines,
        "scatter": topic.scatters,
        "bar_chart": topic.bars,
        "heatmap": topic.heatmaps,
        "micrograph": topic.micrographs,
        "diagram": topic.diagrams,
    }.get(kind, ())


def _make_panel(kind: str, topic: Topic, rng: np.random.Generator, method_name: str, compact: bool) -> Panel:
    options = _vocab_for(kind, topic)
    vocab = options[int(rng.integers(len(options)))]
    if isinstance(vocab, LineVocab):
        return _make_line(vocab, rng, method_name)
    if isinstance(vocab, ScatterVocab):
        return _make_scatter(vocab, rng)
    if isinstance(vocab, BarVocab):
        return _make_bars(vocab, rng, method_name)
    if isinstance(vocab, HeatmapVocab):
        return _make_heatmap(vocab, rng)
    if isinstance(vocab, MicrographVocab):
        return _make_micrograph(vocab, rng, compact)
    return _make_diagram(vocab, rng)


def _named(series: tuple[str, ...], method_name: str) -> tuple[str, ...]:
    return tuple(method_name if name == "Ours" and method_name else name for name in series)


def _make_line(vocab: LineVocab, rng: np.random.Generator, method_name: str) -> LinePanel:
    low, high = vocab.x_range
    log_scale = vocab.shape == "power_law"
    points = int(rng.integers(12, 40))
    x = np.geomspace(low, high, points) if log_scale else np.linspace(low, high, points)
    count = int(rng.integers(2, len(vocab.series) + 1))
    series = _named(vocab.series[:count], method_name)
    scale = 100.0 if vocab.y.unit == "%" else float(rng.choice([1.0, 5.0, 20.0, 250.0]))
    u = (x - low) / (high - low)  # position along the axis, 0..1
    curves = []
    for index in range(count):
        strength = 0.55 + 0.4 * index / max(count - 1, 1) + float(rng.normal(0, 0.03))
        if vocab.shape == "decay":
            curve = 0.15 + 0.85 * np.exp(-u * (2.0 + 4.0 * strength)) * (1.0 - 0.1 * index)
        elif vocab.shape == "growth":
            curve = (0.35 + 0.6 * strength) * (1.0 - np.exp(-u * (3.0 + 2.0 * strength))) + 0.05
        elif vocab.shape == "peak":
            centre = 0.45 + float(rng.normal(0, 0.05))
            curve = 0.1 + strength * np.exp(-((u - centre) ** 2) / (2 * (0.08 + 0.04 * index) ** 2))
        elif vocab.shape == "oscillation":
            curve = 0.5 + 0.3 * strength * np.sin(2 * np.pi * u * 2.0 + 0.4 * index) * np.exp(-0.6 * u)
        else:
            curve = (x / low) ** (-(0.35 + 0.25 * strength))
        curves.append(curve * scale)
    y = np.array(curves)
    noise = np.abs(y) * 0.02 + scale * 0.004
    y = y + rng.normal(0, 1, y.shape) * noise
    if vocab.y.unit == "%":
        y = np.clip(y, 0.0, 100.0)
    error = np.abs(rng.normal(1.0, 0.3, y.shape)) * noise * 2.5
    return LinePanel(
        vocab.x, vocab.y, x, series, y, error, vocab.shape, "band" if rng.random() < 0.5 else "bars", log_scale
    )


def _make_scatter(vocab: ScatterVocab, rng: np.random.Generator) -> ScatterPanel:
    group_count = int(rng.integers(1, len(vocab.groups) + 1))
    groups = vocab.groups[:group_count]
    xs, ys = [], []
    slope = vocab.slope_sign * float(rng.uniform(0.4, 1.6))
    intercept = float(rng.uniform(1.0, 5.0)) if slope > 0 else float(rng.uniform(8.0, 14.0))
    spread = float(rng.uniform(0.4, 1.2))
    for index in range(group_count):
        n = int(rng.integers(25, 70))
        x = rng.uniform(0.5, 6.0, n) + index * 0.6
        xs.append(x)
        ys.append(intercept + slope * x + rng.normal(0, spread, n))
    if vocab.y.unit == "%":
        ys = [np.clip(40.0 + 7.0 * y, 0.0, 100.0) for y in ys]
    all_x, all_y = np.concatenate(xs), np.concatenate(ys)
    fitted_slope, fitted_intercept = np.polyfit(all_x, all_y, 1)
    # Percentages clipped at a bound can all be equal: no correlation to report, rather than "r = nan".
    pearson_r = float(np.corrcoef(all_x, all_y)[0, 1]) if np.ptp(all_y) > 0 else 0.0
    return ScatterPanel(
        vocab.x,
        vocab.y,
        vocab.items,
        groups,
        tuple(xs),
        tuple(ys),
        float(fitted_slope),
        float(fitted_intercept),
        pearson_r,
    )


def _make_bars(vocab: BarVocab, rng: np.random.Generator, method_name: str) -> BarPanel:
    category_count = int(rng.integers(max(3, len(vocab.categories) - 2), len(vocab.categories) + 1))
    categories = _named(vocab.categories[:category_count], method_name)
    groups = vocab.groups or ("",)
    scale = float(rng.uniform(40, 90)) if vocab.y.unit == "%" else float(rng.choice([1.0, 4.0, 25.0, 300.0]))
    base = rng.uniform(0.45, 0.9, category_count)
    if "Ours" in vocab.categories[:category_count]:
        base[list(vocab.categories).index("Ours")] = 0.98  # a paper's own method wins its comparison
    values = np.array([base * (1.0 + 0.12 * g * float(rng.choice([-1, 1]))) for g in range(len(groups))]) * scale
    values = values + rng.normal(0, 0.02 * scale, values.shape)
    errors = np.abs(rng.normal(0.05, 0.015, values.shape)) * scale
    significant: tuple[int, ...] = ()
    if len(groups) > 1:
        gap = np.abs(values[0] - values[1]) / (errors[0] + errors[1])
        significant = tuple(int(i) for i in np.flatnonzero(gap > 2.0))
    return BarPanel(vocab.category_name, categories, vocab.y, groups, values, errors, significant)


def _make_heatmap(vocab: HeatmapVocab, rng: np.random.Generator) -> HeatmapPanel:
    rows, columns = len(vocab.rows), len(vocab.columns)
    if vocab.style == "confusion":
        raw = rng.uniform(0, 0.15, (rows, columns)) + np.eye(rows, columns) * rng.uniform(2.0, 4.0, rows)
        raw[int(rng.integers(rows)), int(rng.integers(columns))] += 0.8
        values = raw / raw.sum(axis=1, keepdims=True)
        colour_map = "Blues"
    elif vocab.style == "correlation":
        loadings = rng.normal(0, 1, (rows, 2))
        covariance = loadings @ loadings.T + np.diag(rng.uniform(0.3, 1.0, rows))
        scale = np.sqrt(np.diag(covariance))
        values = covariance / np.outer(scale, scale)
        colour_map = "RdBu_r"
    else:
        grid_rows, grid_columns = np.meshgrid(np.linspace(0, 1, rows), np.linspace(0, 1, columns), indexing="ij")
        centre = rng.uniform(0.2, 0.8, 2)
        width = float(rng.uniform(0.25, 0.5))
        values = np.exp(-((grid_rows - centre[0]) ** 2 + (grid_columns - centre[1]) ** 2) / (2 * width**2))
        values = values + rng.uniform(0, 0.15, values.shape)
        scale = 100.0 if vocab.value.unit == "%" else float(rng.choice([1.0, 10.0, 100.0]))
        values = values / values.max() * scale * float(rng.uniform(0.7, 1.0))
        colour_map = str(rng.choice(_SEQUENTIAL_MAPS))
    return HeatmapPanel(
        vocab.rows_name, vocab.rows, vocab.columns_name, vocab.columns, vocab.value, values, vocab.style, colour_map
    )


def _make_diagram(vocab: DiagramVocab, rng: np.random.Generator) -> DiagramPanel:
    # The feedback arrow loops back within the last row of boxes, so it never crosses another box.
    last_row_start = 0 if len(vocab.stages) <= 4 else _boxes_per_row(len(vocab.stages))
    feedback_to = None
    if rng.random() < 0.4 and len(vocab.stages) - 1 > last_row_start:
        feedback_to = int(rng.integers(last_row_start, len(vocab.stages) - 1))
    return DiagramPanel(vocab.name, vocab.stages, feedback_to)


def _boxes_per_row(stage_count: int) -> int:
    return stage_count if stage_count <= 4 else (stage_count + 1) // 2


# Stain colours as light absorbance (brightfield) or emission (fluorescence), RGB.
_EMISSION = {
    "blue": (0.25, 0.45, 1.0),
    "green": (0.15, 1.0, 0.3),
    "red": (1.0, 0.15, 0.1),
    "magenta": (1.0, 0.1, 0.9),
    "cyan": (0.1, 0.9, 1.0),
}
_ABSORBANCE = {"purple": (0.65, 0.70, 0.29), "pink": (0.07, 0.99, 0.11)}


def _make_micrograph(vocab: MicrographVocab, rng: np.random.Generator, compact: bool) -> MicrographPanel:
    height, width = (360, 480) if compact else ((560, 760) if rng.random() < 0.6 else (680, 680))
    brightfield_stains = [stain for stain in vocab.channels if stain[1] in _ABSORBANCE]
    if vocab.channels and not brightfield_stains:
        pixels, count = _fluorescence(vocab, rng, height, width)
        dark = True
    elif brightfield_stains:
        pixels, count = _stained_section(rng, height, width)
        dark = False
    else:
        bright_objects = "Transmission" not in vocab.modality and "Brightfield" not in vocab.modality
        pixels, count = _greyscale(rng, height, width, bright_objects)
        dark = bright_objects
    return MicrographPanel(vocab, pixels, count, int(width * rng.uniform(0.14, 0.22)), dark)


def _smooth_noise(rng: np.random.Generator, height: int, width: int, correlation_px: float) -> np.ndarray:
    spectrum = np.fft.rfft2(rng.standard_normal((height, width)))
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    field = np.fft.irfft2(spectrum * np.exp(-2 * (np.pi * correlation_px) ** 2 * (fx**2 + fy**2)), s=(height, width))
    return (field - field.mean()) / (field.std() + 1e-12)


def _stamp_blobs(
    layer: np.ndarray, rng: np.random.Generator, count: int, radius: tuple[float, float], texture: np.ndarray
) -> None:
    height, width = layer.shape
    for _ in range(count):
        centre_y, centre_x = rng.uniform(0, height), rng.uniform(0, width)
        radius_y, radius_x = rng.uniform(*radius), rng.uniform(*radius)
        angle = rng.uniform(0, np.pi)
        reach = int(max(radius_y, radius_x) * 1.6) + 2
        y0, y1 = max(int(centre_y) - reach, 0), min(int(centre_y) + reach, height)
        x0, x1 = max(int(centre_x) - reach, 0), min(int(centre_x) + reach, width)
        if y0 >= y1 or x0 >= x1:
            continue
        dy, dx = np.mgrid[y0:y1, x0:x1]
        dy, dx = dy - centre_y, dx - centre_x
        u = dx * np.cos(angle) + dy * np.sin(angle)
        v = -dx * np.sin(angle) + dy * np.cos(angle)
        distance = np.sqrt((u / radius_x) ** 2 + (v / radius_y) ** 2)
        profile = 1.0 / (1.0 + np.exp((distance - 1.0) * 9.0))
        layer[y0:y1, x0:x1] += profile * rng.uniform(0.6, 1.0) * (0.8 + 0.2 * texture[y0:y1, x0:x1])


def _fluorescence(vocab: MicrographVocab, rng: np.random.Generator, height: int, width: int):
    image = np.zeros((height, width, 3))
    count = int(rng.integers(18, 45))
    texture = _smooth_noise(rng, height, width, 2.0)
    for index, (_, colour) in enumerate(vocab.channels):
        layer = np.zeros((height, width))
        if index == 0:
            _stamp_blobs(layer, rng, count, (7.0, 15.0), texture)
        else:
            _stamp_blobs(layer, rng, count, (16.0, 38.0), texture)
            layer *= 0.55 + 0.45 * np.clip(_smooth_noise(rng, height, width, 3.0), -1, 1)
        image += np.clip(layer, 0, 1.2)[..., None] * np.array(_EMISSION.get(colour, (1.0, 1.0, 1.0)))
    image += 0.04 + 0.02 * _smooth_noise(rng, height, width, 20.0)[..., None]
    image += rng.normal(0, 0.025, image.shape)
    return _to_uint8(np.clip(image, 0.0, None) ** 0.85), count


def _stained_section(rng: np.random.Generator, height: int, width: int):
    texture = _smooth_noise(rng, height, width, 2.0)
    eosin = 0.22 + 0.1 * _smooth_noise(rng, height, width, 14.0)
    haematoxylin = np.zeros((height, width))
    count = int(rng.integers(60, 140))
    _stamp_blobs(haematoxylin, rng, count, (4.0, 9.0), texture)
    density = haematoxylin[..., None] * 1.3 * np.array(_ABSORBANCE["purple"]) + np.clip(eosin, 0, None)[
        ..., None
    ] * np.array(_ABSORBANCE["pink"])
    image = np.exp(-density * 1.6) + rng.normal(0, 0.015, (height, width, 3))
    return _to_uint8(image), count


def _greyscale(rng: np.random.Generator, height: int, width: int, bright_objects: bool):
    texture = _smooth_noise(rng, height, width, 1.5)
    layer = np.zeros((height, width))
    count = int(rng.integers(25, 80))
    _stamp_blobs(layer, rng, count, (6.0, 26.0), texture)
    background = 0.08 * _smooth_noise(rng, height, width, 25.0) + 0.03 * texture
    if bright_objects:
        grey = 0.3 + background + 0.55 * np.clip(layer, 0, 1.1)
    else:
        grey = 0.82 + background - 0.5 * np.clip(layer, 0, 1.1)
    grey = grey + rng.normal(0, 0.03, grey.shape)
    return _to_uint8(np.repeat(grey[..., None], 3, axis=2)), count


def _to_uint8(image: np.ndarray) -> np.ndarray:
    return (np.clip(image, 0.0, 1.0) * 255).round().astype(np.uint8)


def _render_micrograph_alone(panel: MicrographPanel, image_format: str) -> bytes:
    height, width = panel.pixels.shape[:2]
    figure = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI)
    ax = figure.add_axes((0, 0, 1, 1))
    _draw_micrograph(ax, panel)
    return _save(figure, image_format)


def _draw_micrograph(ax: Axes, panel: MicrographPanel) -> None:
    height, width = panel.pixels.shape[:2]
    ax.imshow(panel.pixels, interpolation="nearest")
    ax.set_axis_off()
    colour = "white" if panel.dark_background else "black"
    right, bottom = width * 0.95, height * 0.92
    ax.add_patch(Rectangle((right - panel.scale_bar_px, bottom), panel.scale_bar_px, height * 0.018, color=colour))
    value, unit = panel.vocab.scale_bar
    ax.text(
        right - panel.scale_bar_px / 2,
        bottom - height * 0.015,
        f"{value} {unit}",
        color=colour,
        ha="center",
        va="bottom",
        fontsize=11,
        fontweight="bold",
    )


def _draw_panel(ax: Axes, panel: Panel, spec: FigureSpec) -> None:
    if isinstance(panel, MicrographPanel):
        _draw_micrograph(ax, panel)
        return
    if isinstance(panel, DiagramPanel):
        _draw_diagram(ax, panel, spec.palette)
        return
    {LinePanel: _draw_line, ScatterPanel: _draw_scatter, BarPanel: _draw_bars, HeatmapPanel: _draw_heatmap}[
        type(panel)
    ](ax, panel, spec.palette)
    if not isinstance(panel, HeatmapPanel):
        ax.spines[["top", "right"]].set_visible(False)
        if spec.grid:
            ax.grid(alpha=0.3, linewidth=0.6)


def _draw_line(ax: Axes, panel: LinePanel, palette: tuple[str, ...]) -> None:
    for index, name in enumerate(panel.series):
        colour = palette[index % len(palette)]
        y, error = panel.y[index], panel.error[index]
        if panel.error_style == "band":
            ax.plot(panel.x, y, color=colour, label=name, linewidth=1.8)
            ax.fill_between(panel.x, y - error, y + error, color=colour, alpha=0.22, linewidth=0)
        else:
            ax.errorbar(
                panel.x,
                y,
                yerr=error,
                color=colour,
                label=name,
                linewidth=1.5,
                marker="o",
                markersize=3,
                capsize=2,
                elinewidth=0.8,
            )
    if panel.log_scale:
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel(panel.x_axis.label)
    ax.set_ylabel(panel.y_axis.label)
    ax.legend(frameon=False, fontsize=8)


def _draw_scatter(ax: Axes, panel: ScatterPanel, palette: tuple[str, ...]) -> None:
    markers = ("o", "s", "^")
    for index, (x, y) in enumerate(zip(panel.x, panel.y, strict=True)):
        ax.scatter(
            x,
            y,
            s=18,
            alpha=0.75,
            color=palette[index % len(palette)],
            marker=markers[index % 3],
            label=panel.groups[index],
            edgecolors="none",
        )
    span = np.linspace(min(x.min() for x in panel.x), max(x.max() for x in panel.x), 50)
    ax.plot(span, panel.intercept + panel.slope * span, "k--", linewidth=1.2, label="Linear fit")
    ax.text(0.03, 0.95, f"r = {panel.pearson_r:.2f}", transform=ax.transAxes, va="top", fontsize=9)
    ax.set_xlabel(panel.x_axis.label)
    ax.set_ylabel(panel.y_axis.label)
    ax.legend(frameon=False, fontsize=8, loc="lower right" if panel.slope > 0 else "upper right")


def _draw_bars(ax: Axes, panel: BarPanel, palette: tuple[str, ...]) -> None:
    positions = np.arange(len(panel.categories))
    width = 0.8 / len(panel.groups)
    for index, group in enumerate(panel.groups):
        offsets = positions - 0.4 + width * (index + 0.5)
        ax.bar(
            offsets,
            panel.values[index],
            width * 0.92,
            yerr=panel.errors[index],
            capsize=3,
            color=palette[index % len(palette)],
            label=group or None,
            error_kw={"elinewidth": 0.8},
        )
    for category in panel.significant:
        top = float((panel.values[:, category] + panel.errors[:, category]).max())
        ax.text(category, top * 1.03, "*", ha="center", va="bottom", fontsize=14)
    ax.set_xticks(
        positions,
        panel.categories,
        rotation=30 if len(panel.categories) > 4 else 0,
        ha="right" if len(panel.categories) > 4 else "center",
    )
    ax.set_xlabel(panel.category_name)
    ax.set_ylabel(panel.y_axis.label)
    ax.set_ylim(0, float((panel.values + panel.errors).max()) * 1.18)
    if len(panel.groups) > 1:
        ax.legend(frameon=False, fontsize=8, ncols=len(panel.groups))


def _draw_heatmap(ax: Axes, panel: HeatmapPanel, palette: tuple[str, ...]) -> None:
    limits = {"vmin": -1.0, "vmax": 1.0} if panel.style == "correlation" else {}
    image = ax.imshow(panel.values, cmap=panel.colour_map, aspect="auto", **limits)
    ax.set_xticks(range(len(panel.columns)), panel.columns, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(panel.rows)), panel.rows, fontsize=8)
    ax.set_xlabel(panel.columns_name)
    ax.set_ylabel(panel.rows_name)
    if panel.style in ("confusion", "correlation") and len(panel.rows) <= 6:
        for (row, column), value in np.ndenumerate(panel.values):
            strong = abs(value) > 0.6 * np.abs(panel.values).max()
            ax.text(
                column, row, f"{value:.2f}", ha="center", va="center", fontsize=7, color="white" if strong else "black"
            )
    colour_bar = ax.figure.colorbar(image, ax=ax, shrink=0.9)
    colour_bar.set_label(panel.value_axis.label)


def _draw_diagram(ax: Axes, panel: DiagramPanel, palette: tuple[str, ...]) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    stages = panel.stages
    per_row = _boxes_per_row(len(stages))
    box_width, box_height = 0.58 / per_row, 0.2 if len(stages) > 4 else 0.28
    centres = []
    for index in range(len(stages)):
        row, column = divmod(index, per_row)
        if row == 1:
            column = per_row - 1 - column  # the second row runs back, so arrows stay short
        y = 0.5 if len(stages) <= 4 else (0.72 if row == 0 else 0.26)
        centres.append((0.1 + (column + 0.5) * (0.8 / per_row), y))
    for index, ((x, y), stage) in enumerate(zip(centres, stages, strict=True)):
        colour = palette[index % len(palette)]
        ax.add_patch(
            FancyBboxPatch(
                (x - box_width / 2, y - box_height / 2),
                box_width,
                box_height,
                boxstyle="round,pad=0.01,rounding_size=0.02",
                facecolor=colour,
                alpha=0.3,
                edgecolor=colour,
                linewidth=1.5,
            )
        )
        ax.text(x, y, textwrap.fill(stage, 14), ha="center", va="center", fontsize=10)
    for (x0, y0), (x1, y1) in zip(centres, centres[1:], strict=False):
        if abs(y0 - y1) < 1e-6:
            direction = 1 if x1 > x0 else -1
            start, end = (x0 + direction * box_width / 2, y0), (x1 - direction * box_width / 2, y1)
        else:
            start, end = (x0, y0 - box_height / 2), (x1, y1 + box_height / 2)
        ax.annotate("", xy=end, xytext=start, arrowprops={"arrowstyle": "-|>", "lw": 1.6, "color": "#333333"})
    if panel.feedback_to is not None:
        (x0, y0), (x1, y1) = centres[-1], centres[panel.feedback_to]
        bend = 0.35 if x1 > x0 else -0.35  # curve below the row, whichever way the arrow runs
        ax.annotate(
            "",
            xy=(x1, y1 - box_height / 2),
            xytext=(x0, y0 - box_height / 2),
            arrowprops={
                "arrowstyle": "-|>",
                "lw": 1.2,
                "color": "#666666",
                "linestyle": "--",
                "connectionstyle": f"arc3,rad={bend}",
            },
        )
        # The arc sags by rad/2 of its length in display space; the axes are about twice as wide as tall.
        sag = 0.35 / 2 * abs(x1 - x0) * 2.0
        ax.text(
            (x0 + x1) / 2,
            y0 - box_height / 2 - sag,
            "feedback",
            ha="center",
            va="center",
            fontsize=9,
            style="italic",
            color="#444444",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1},
        )


def _save(figure: Figure, image_format: str) -> bytes:
    buffer = io.BytesIO()
    if image_format == "png":
        figure.savefig(buffer, format="png", metadata=_PNG_METADATA)
    elif image_format == "jpg":
        figure.savefig(buffer, format="jpg", pil_kwargs={"quality": 88})
    elif image_format == "pdf":
        figure.savefig(buffer, format="pdf", metadata=_PDF_METADATA)
    else:
        raise ValueError(f"unsupported image format {image_format!r}")
    return buffer.getvalue()
