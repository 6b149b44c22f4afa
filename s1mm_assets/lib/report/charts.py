"""The dataset report's charts as PNG bytes (matplotlib, no display): caption lengths raw vs enhanced, the CLIP delta
distribution, and released figures per source x month.

The same data gives the same bytes (no timestamps, no software version in the PNG), so a report rerun on an
unchanged lake leaves the dataset manifest as it was.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")  # a step or a CLI has no display

import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen

_COLOURS = {"raw": "#7f7f7f", "enhanced": "#1f77b4"}
_DPI = 110


def caption_length_histogram(
    edges: Sequence[float],
    counts: Mapping[str, Sequence[int]],
    means: Mapping[str, float],
    reference_means: Mapping[str, float],
) -> bytes:
    """Histograms of raw and enhanced caption lengths (characters), their means, and the reference means."""
    figure, axes = plt.subplots(figsize=(8, 4.5))
    for series in ("raw", "enhanced"):
        if series in counts:
            axes.stairs(counts[series], edges, fill=True, alpha=0.45, color=_COLOURS[series], label=f"{series} caption")
            axes.axvline(means[series], color=_COLOURS[series], linewidth=2, label=f"{series} mean {means[series]:.0f}")
    for series, mean in reference_means.items():
        axes.axvline(
            mean, color=_COLOURS[series], linestyle="--", linewidth=1.2, label=f"S1-MMAlign {series} mean {mean:.0f}"
        )
    axes.set(
        xlabel="caption length (characters; longer than the 99th percentile in the last bin)",
        ylabel="released figures",
        title="Caption lengths of the released figures, raw vs enhanced",
    )
    axes.legend(fontsize=8, frameon=False)
    return _png(figure)


def clip_delta_histogram(edges: Sequence[float], counts: Sequence[int], mean: float) -> bytes:
    """Distribution of CLIP(enhanced) - CLIP(raw) over the released figures that have both scores."""
    figure, axes = plt.subplots(figsize=(8, 4.5))
    axes.stairs(counts, edges, fill=True, alpha=0.6, color=_COLOURS["enhanced"])
    axes.axvline(0, color="black", linewidth=0.8)
    axes.axvline(mean, color="#d62728", linewidth=2, label=f"mean {mean:+.2f}")
    axes.set(
        xlabel="CLIP score of the enhanced caption minus that of the raw caption (100 x cosine)",
        ylabel="released figures",
        title="CLIP delta of the released figures",
    )
    axes.legend(fontsize=8, frameon=False)
    return _png(figure)


def coverage_heatmap(sources: Sequence[str], months: Sequence[str], released: Mapping[tuple[str, str], int]) -> bytes:
    """Released figures per source (rows) and month (columns); a partition never scored is left blank."""
    import numpy as np

    grid = np.full((len(sources), len(months)), np.nan)
    for (source, month), count in released.items():
        grid[sources.index(source), months.index(month)] = count
    width = min(max(4.0 + 0.55 * len(months), 6.0), 24.0)
    figure, axes = plt.subplots(figsize=(width, 1.2 + 0.55 * len(sources)))
    image = axes.imshow(np.ma.masked_invalid(grid), aspect="auto", cmap="viridis")
    axes.set_xticks(range(len(months)), months, rotation=90 if len(months) > 12 else 0, fontsize=8)
    axes.set_yticks(range(len(sources)), sources, fontsize=8)
    if len(months) <= 36:
        top = np.nanmax(grid) if np.isfinite(grid).any() else 0
        for (row, column), value in np.ndenumerate(grid):
            if np.isfinite(value):
                colour = "black" if value > top * 0.6 else "white"
                axes.text(column, row, f"{int(value)}", ha="center", va="center", fontsize=8, color=colour)
    axes.set_title("Released figures per source and month (blank: not scored)")
    figure.colorbar(image, ax=axes, label="released figures")
    return _png(figure)


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=_DPI, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()
