"""Turn whatever a paper ships as a figure file into a validated PNG or JPEG.

PNG and JPEG are kept byte for byte once they decode; other rasters (TIFF, GIF, BMP, WebP) become PNG;
PDF figures are rasterised with PyMuPDF; EPS/PS go through Ghostscript when it is installed. A figure made
of several files (sub-figure panels) is composed into one image, panels left to right in reading order and
wrapped into rows, so each dataset sample is one picture with one caption; the panels' own captions are kept
as sub-figures.
"""

from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pymupdf
from PIL import Image, UnidentifiedImageError

from s1mm_assets.lib.extract import budgets
from s1mm_assets.lib.extract.records import FigureImage

DEFAULT_DPI = 150
MIN_SIDE = 16  # thumbnails and spacers are not figures

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp")
VECTOR_SUFFIXES = (".pdf", ".eps", ".ps")
# The decoders a figure file may reach: never Pillow's EPS plugin (it runs Ghostscript outside our sandbox) nor
# the rarely used ones.
_RASTER_FORMATS = ("PNG", "JPEG", "GIF", "TIFF", "BMP", "WEBP")
# What MuPDF raises for a document or a page it cannot render (its limit errors are not RuntimeErrors).
RENDER_ERRORS = (pymupdf.FileDataError, pymupdf.mupdf.FzErrorBase, RuntimeError, ValueError)
_BOUNDING_BOX = re.compile(rb"%%BoundingBox:[ \t]*(-?[\d.]+)[ \t]+(-?[\d.]+)[ \t]+(-?[\d.]+)[ \t]+(-?[\d.]+)")
_LETTER_POINTS = (612.0, 792.0)  # a PostScript file without a bounding box is drawn on a letter page


class UnusableImage(ValueError):
    """The figure file cannot become an image: undecodable, degenerate, or its converter is missing."""


def figure_image_from_file(
    name: str, data: bytes, dpi: int = DEFAULT_DPI, page: int = 1, angle: int = 0
) -> FigureImage:
    """`page` (1-based) picks the page of a multi-page PDF; `angle` rotates counter-clockwise, as
    `\\includegraphics[page=..., angle=...]` does."""
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf" or data.startswith(b"%PDF"):
        image = rasterise_pdf(data, dpi=dpi, page_number=max(0, page - 1))
    elif suffix in (".eps", ".ps") or data.startswith((b"%!PS", b"\xc5\xd0\xd3\xc6")):
        image = rasterise_postscript(data, dpi=dpi)
    else:
        image = normalise_raster(data)
    return rotate(image, angle) if angle % 360 else image


def rotate(image: FigureImage, angle: int) -> FigureImage:
    """Turned counter-clockwise on white, reduced first when the turned picture would exceed the pixel budget."""
    radians = math.radians(angle)
    turned_width = abs(image.width * math.cos(radians)) + abs(image.height * math.sin(radians))
    turned_height = abs(image.width * math.sin(radians)) + abs(image.height * math.cos(radians))
    scale = _scale_to_budget(turned_width * turned_height)
    with _decoded(image) as decoded:
        flat = flatten(decoded)
        if scale < 1:
            flat = flat.resize(_scaled(flat.width, flat.height, scale))
        return encode_png(flat.rotate(angle, expand=True, fillcolor="white"))


def normalise_raster(data: bytes) -> FigureImage:
    """PNG and JPEG as they are once they decode, other rasters as PNG; the size is checked before decoding."""
    try:
        with Image.open(io.BytesIO(data), formats=_RASTER_FORMATS) as image:
            width, height = image.size
            _check_size(width, height)
            image.load()
            source_format = (image.format or "").lower()
            if source_format in ("png", "jpeg"):
                return FigureImage(data=data, format=source_format, width=width, height=height)
            return encode_png(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError) as error:
        if isinstance(error, UnusableImage):
            raise
        raise UnusableImage(f"not a decodable image: {error}") from error


def flatten(image: Image.Image) -> Image.Image:
    """8-bit RGB or grey as a viewer shows the picture: 16-bit and float samples scaled to 8 bits (never clipped
    to white), transparency composited on white (never black), palettes and CMYK converted."""
    if image.mode in ("I", "F") or image.mode.startswith("I;16"):
        sixteen_bit = image.mode.startswith("I;16")
        image = image.convert("F")
        _, high = image.getextrema()
        if sixteen_bit or 255 < high <= 65535:
            factor = 255 / 65535
        elif high > 65535:
            factor = 255 / high
        elif high <= 1.0:
            factor = 255.0
        else:
            factor = 1.0
        return image.point(lambda value: value * factor).convert("L")
    if image.mode == "P" and "transparency" in image.info or image.mode in ("PA", "LA", "La", "RGBa"):
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        return background
    if image.mode in ("L", "RGB"):
        return image
    return image.convert("L" if image.mode == "1" else "RGB")


def encode_png(image: Image.Image) -> FigureImage:
    flat = flatten(image)
    buffer = io.BytesIO()
    flat.save(buffer, format="PNG", optimize=False)
    return FigureImage(data=buffer.getvalue(), format="png", width=flat.width, height=flat.height)


def rasterise_pdf(data: bytes, dpi: int = DEFAULT_DPI, page_number: int = 0) -> FigureImage:
    try:
        with pymupdf.open(stream=data, filetype="pdf") as document:
            if document.page_count == 0:
                raise UnusableImage("PDF figure has no pages")
            page = document[min(page_number, document.page_count - 1)]
            zoom = fitting_dpi(page.rect.width, page.rect.height, dpi) / 72
            pixmap = page.get_pixmap(matrix=pymupdf.Matrix(zoom, zoom), alpha=False)
    except RENDER_ERRORS as error:
        if isinstance(error, UnusableImage):
            raise
        raise UnusableImage(f"PDF figure does not render: {error}") from error
    _check_size(pixmap.width, pixmap.height)
    return FigureImage(data=pixmap.tobytes("png"), format="png", width=pixmap.width, height=pixmap.height)


def fitting_dpi(width_points: float, height_points: float, dpi: float) -> float:
    """The requested resolution, lowered for a poster-sized figure or page so it stays within the pixel budget."""
    return dpi * _scale_to_budget(abs(width_points * height_points) * (dpi / 72) ** 2)


def rasterise_postscript(data: bytes, dpi: int = DEFAULT_DPI) -> FigureImage:
    """EPS/PS through Ghostscript in a sandbox: a private folder per call holding only the input and the output,
    which is also Ghostscript's temporary folder (`-dSAFER` permits its own temporary folder, so the shared one
    would be readable and writable); a scrubbed environment (no GS_OPTIONS to turn SAFER off); no pipes (SAFER);
    page size and resolution fixed from the bounding box within the pixel budget, so the file cannot enlarge its
    page; and a time limit."""
    ghostscript = shutil.which("gs")
    if ghostscript is None:
        raise UnusableImage("EPS/PS figure needs Ghostscript (`gs`), which is not installed")
    left, bottom, right, top = _bounding_box(data)
    resolution = fitting_dpi(right - left, top - bottom, dpi)
    width = max(1, round((right - left) * resolution / 72))
    height = max(1, round((top - bottom) * resolution / 72))
    with tempfile.TemporaryDirectory(prefix="s1mm-gs-") as folder:
        source, target = Path(folder, "figure.eps"), Path(folder, "figure.png")
        source.write_bytes(data)
        command = [
            ghostscript,
            "-dSAFER",
            f"--permit-file-read={source}",
            f"--permit-file-write={target}",
            "-dBATCH",
            "-dNOPAUSE",
            "-dNOPROMPT",
            "-dQUIET",
            "-dEPSCrop",
            "-dFIXEDMEDIA",  # `setpagedevice` in the file cannot make the page (and the raster) larger
            "-dFIXEDRESOLUTION",
            f"-g{width}x{height}",
            f"-r{resolution:.4f}",
            "-dLastPage=1",
            "-sDEVICE=png16m",
            "-dTextAlphaBits=4",
            "-dGraphicsAlphaBits=4",
            f"-sOutputFile={target}",
            str(source),
        ]
        private = {"TMPDIR": folder, "TMP": folder, "TEMP": folder, "HOME": folder}
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", **private}
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                stdin=subprocess.DEVNULL,
                cwd=folder,
                env=environment,
                timeout=budgets.active().tool_timeout_s,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise UnusableImage(f"Ghostscript could not render the figure: {error}") from error
        if not target.exists():
            raise UnusableImage("Ghostscript produced no image")
        return normalise_raster(target.read_bytes())


def _bounding_box(data: bytes) -> tuple[float, float, float, float]:
    """The EPS bounding box in points (the first one given in numbers, `(atend)` ones included)."""
    for match in _BOUNDING_BOX.finditer(data):
        try:
            left, bottom, right, top = (float(value) for value in match.groups())
        except ValueError:
            continue
        if right > left and top > bottom and all(math.isfinite(value) for value in (left, bottom, right, top)):
            return left, bottom, right, top
    return 0.0, 0.0, *_LETTER_POINTS


def compose_panels(
    panels: list[FigureImage], per_row: int = 3, gap: int = 12, warnings: list[str] | None = None
) -> FigureImage:
    """Lay sub-figure panels out in rows on a white canvas, each row scaled to a common height. The layout is
    computed from the panels' sizes first; a canvas over the pixel budget is drawn smaller (said in `warnings`),
    and panels are decoded one at a time, so neither many panels nor one large one repeated can exhaust memory."""
    if len(panels) == 1:
        return panels[0]
    row_height = min(panel.height for panel in panels)
    rows = [panels[start : start + per_row] for start in range(0, len(panels), per_row)]
    widths = [[max(1, round(panel.width * row_height / panel.height)) for panel in row] for row in rows]
    width = max(sum(row) + gap * (len(row) - 1) for row in widths)
    height = row_height * len(rows) + gap * (len(rows) - 1)
    scale = _scale_to_budget(width * height)
    if scale < 1 and warnings is not None:
        warnings.append(f"composed picture reduced to {scale:.0%} to stay within the pixel budget")
    canvas = Image.new("RGB", _scaled(width, height, scale), "white")
    top = 0.0
    for row, row_widths in zip(rows, widths, strict=True):
        left = 0.0
        for panel, panel_width in zip(row, row_widths, strict=True):
            with _decoded(panel) as decoded:
                resized = flatten(decoded).resize(_scaled(panel_width, row_height, scale))
            canvas.paste(resized, (round(left), round(top)))
            left += (panel_width + gap) * scale
        top += (row_height + gap) * scale
    return encode_png(canvas)


def _decoded(image: FigureImage) -> Image.Image:
    decoded = Image.open(io.BytesIO(image.data), formats=("PNG", "JPEG"))
    _check_size(*decoded.size)
    return decoded


def _scale_to_budget(pixels: float) -> float:
    budget = budgets.active().image_max_pixels
    return 1.0 if pixels <= budget else (budget / pixels) ** 0.5


def _scaled(width: float, height: float, scale: float) -> tuple[int, int]:
    return max(1, int(width * scale)), max(1, int(height * scale))


def _check_size(width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise UnusableImage(f"image is {width}x{height} pixels, too small to be a figure")
    budget = budgets.active().image_max_pixels
    if width * height > budget:
        raise UnusableImage(f"image is {width}x{height} pixels, over the {budget} pixel budget")
