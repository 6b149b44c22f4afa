"""A small partition of figures and contexts in a lake, written directly: what the caption stage reads."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw

from s1mm_assets.lib.lake import Lake

SOURCE, MONTH = "arxiv", "2024-01"


def figure_png(seed: int, size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    draw.line([(20, 200), (300, 40 + seed * 7 % 150)], fill="blue", width=3)
    draw.text((30, 20), f"Figure {seed}", fill="black")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def write_caption_inputs(
    lake: Lake, papers: int = 3, figures_per_paper: int = 2, duplicate_of_first: bool = False, broken: int = 0
) -> list[str]:
    """Figures and contexts tables for one partition; returns the figure ids in paper order.

    `duplicate_of_first` adds a figure with the same image and text as the first one (another paper reusing
    it); `broken` figures point at bytes that are not an image.
    """
    figures, contexts = [], []
    for paper in range(papers):
        for number in range(1, figures_per_paper + 1):
            seed = paper * 10 + number
            blob = lake.put_blob(figure_png(seed), "png")
            figures.append(_figure(f"p{paper}-f{number}", f"paper-{paper}", str(number), blob.sha256, blob.path))
            contexts.append(_context(f"p{paper}-f{number}", f"paper-{paper}", number))
    if duplicate_of_first:
        first = figures[0]
        figures.append({**first, "figure_id": "duplicate-of-p0-f1", "paper_id": "paper-dup"})
        contexts.append({**contexts[0], "figure_id": "duplicate-of-p0-f1", "paper_id": "paper-dup"})
    for index in range(broken):
        blob = lake.put_blob(b"this is not an image " + bytes([index]), "png")
        figures.append(_figure(f"broken-{index}", "paper-broken", "1", blob.sha256, blob.path))
        contexts.append(_context(f"broken-{index}", "paper-broken", 1))
    lake.write_table("figures", SOURCE, MONTH, figures)
    lake.write_table("contexts", SOURCE, MONTH, contexts)
    return [figure["figure_id"] for figure in figures]


def _figure(figure_id: str, paper_id: str, number: str, sha256: str, path: str) -> dict:
    return {
        "figure_id": figure_id,
        "paper_id": paper_id,
        "source": SOURCE,
        "month": MONTH,
        "number": number,
        "raw_caption": f"Training loss of model {number} over steps.",
        "image_sha256": sha256,
        "image_path": path,
        "image_format": "png",
    }


def _context(figure_id: str, paper_id: str, number: int) -> dict:
    return {
        "figure_id": figure_id,
        "paper_id": paper_id,
        "source": SOURCE,
        "month": MONTH,
        "title": f"A study of loss curves ({paper_id})",
        "abstract": "We study how training loss falls. It falls fast at first and then slowly.",
        "citing_sentences": [f"Figure {number} shows that the loss falls by half within the first epoch."],
        "context_sha256": "unused-by-the-caption-stage",
    }
