"""Turn whatever a paper ships as a figure file into a validated PNG or JPEG.

PNG and JPEG are kept byte for byte once they decode; other rasters (TIFF, GIF, BMP, WebP) become PNG;
PDF figures are rasterised with PyMuPDF; EPS/PS go through Ghostscript when it is installed. A figure made
of several files (sub-figure panels) is composed into one image, panels left to right in reading order and
wrapped into rows, so each dataset sample is one picture with one caption; the panels' own captions are kept
as sub-figures.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import pymupdf
from PIL import Image, UnidentifiedImageError

from s1mm_assets.lib.extract.records import FigureImage

DEFAULT_DPI = 150
# Guards against pixel bombs and thumbnails that are not real figures.
MAX_PIXELS = 12_000 * 12_000
MIN_SIDE = 16

RASTER_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".bmp", ".webp")
VECTOR_SUFFIXES = (".pdf", ".eps", ".ps")
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


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
    with Image.open(io.BytesIO(image.data)) as decoded:
        return encode_png(decoded.convert("RGB").rotate(angle, expand=True, fillcolor="white"))


def normalise_raster(data: bytes) -> FigureImage:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            source_format = (image.format or "").lower()
            width, height = image.size
            _check_size(width, height)
            if source_format in ("png", "jpeg"):
                return FigureImage(data=data, format=source_format, width=width, height=height)
            return encode_png(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as error:
        raise UnusableImage(f"not a decodable image: {error}") from error


def encode_png(image: Image.Image) -> FigureImage:
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False)
    return FigureImage(data=buffer.getvalue(), format="png", width=image.width, height=image.height)


def rasterise_pdf(data: bytes, dpi: int = DEFAULT_DPI, page_number: int = 0) -> FigureImage:
    try:
        with pymupdf.open(stream=data, filetype="pdf") as document:
            if document.page_count == 0:
                raise UnusableImage("PDF figure has no pages")
            page = document[min(page_number, document.page_count - 1)]
            pixmap = page.get_pixmap(dpi=_fitting_dpi(page.rect, dpi), alpha=False)
    except (pymupdf.FileDataError, RuntimeError, ValueError) as error:
        raise UnusableImage(f"PDF figure does not render: {error}") from error
    _check_size(pixmap.width, pixmap.height)
    return FigureImage(data=pixmap.tobytes("png"), format="png", width=pixmap.width, height=pixmap.height)


def _fitting_dpi(rect: pymupdf.Rect, dpi: int) -> int:
    """The requested resolution, lowered for a poster-sized figure so it stays within the pixel limit."""
    pixels = rect.width * rect.height * (dpi / 72) ** 2
    return dpi if pixels <= MAX_PIXELS else max(18, int(dpi * (MAX_PIXELS / pixels) ** 0.5))


def rasterise_postscript(data: bytes, dpi: int = DEFAULT_DPI) -> FigureImage:
    ghostscript = shutil.which("gs")
    if ghostscript is None:
        raise UnusableImage("EPS/PS figure needs Ghostscript (`gs`), which is not installed")
    with tempfile.TemporaryDirectory(prefix="s1mm-eps-") as folder:
        source, target = Path(folder, "figure.eps"), Path(folder, "figure.png")
        source.write_bytes(data)
        command = [
            ghostscript,
            "-dSAFER",
            "-dBATCH",
            "-dNOPAUSE",
            "-dQUIET",
            "-dEPSCrop",
            "-sDEVICE=png16m",
            f"-r{dpi}",
            "-dTextAlphaBits=4",
            "-dGraphicsAlphaBits=4",
            f"-sOutputFile={target}",
            str(source),
        ]
        try:
            subprocess.run(command, check=True, capture_output=True, timeout=120)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as error:
            raise UnusableImage(f"Ghostscript could not render the figure: {error}") from error
        if not target.exists():
            raise UnusableImage("Ghostscript produced no image")
        return normalise_raster(target.read_bytes())


def compose_panels(panels: list[FigureImage], per_row: int = 3, gap: int = 12) -> FigureImage:
    """Lay sub-figure panels out in rows on a white canvas, each row scaled to a common height."""
    if len(panels) == 1:
        return panels[0]
    decoded = [Image.open(io.BytesIO(panel.data)).convert("RGB") for panel in panels]
    row_height = min(image.height for image in decoded)
    rows = [decoded[start : start + per_row] for start in range(0, len(decoded), per_row)]
    scaled_rows = [
        [image.resize((max(1, round(image.width * row_height / image.height)), row_height)) for image in row]
        for row in rows
    ]
    width = max(sum(image.width for image in row) + gap * (len(row) - 1) for row in scaled_rows)
    height = row_height * len(scaled_rows) + gap * (len(scaled_rows) - 1)
    canvas = Image.new("RGB", (width, height), "white")
    for row_index, row in enumerate(scaled_rows):
        left = 0
        for image in row:
            canvas.paste(image, (left, row_index * (row_height + gap)))
            left += image.width + gap
    return encode_png(canvas)


def _check_size(width: int, height: int) -> None:
    if width < MIN_SIDE or height < MIN_SIDE:
        raise UnusableImage(f"image is {width}x{height} pixels, too small to be a figure")
    if width * height > MAX_PIXELS:
        raise UnusableImage(f"image is {width}x{height} pixels, larger than the {MAX_PIXELS} pixel limit")
