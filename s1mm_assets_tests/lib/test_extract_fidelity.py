"""Images keep their appearance through composition and rotation, text its accents, and a paper's output its limit."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from s1mm_assets.lib.extract import BundleFiles, extract_files
from s1mm_assets.lib.extract.sandbox import PaperJob, Sandbox
from s1mm_assets.lib.settings import ExtractionSettings
from s1mm_assets_tests import bundles


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _sixteen_bit_grey() -> bytes:
    """A 16-bit greyscale PNG at half intensity (32768 of 65535)."""
    return _png(Image.fromarray(np.full((60, 80), 32768, dtype=np.uint16)))


def _transparent_square() -> bytes:
    """A dark blue square on a fully transparent background whose colour channels are black."""
    pixels = np.zeros((60, 80, 4), dtype=np.uint8)
    pixels[20:40, 30:50] = (0, 0, 120, 255)
    return _png(Image.fromarray(pixels, "RGBA"))


def _latex_figure(images: dict[str, bytes], body: str) -> BundleFiles:
    main = f"\\documentclass{{article}}\n\\begin{{document}}\n{body}\n\\end{{document}}\n"
    return BundleFiles({"main.tex": main.encode(), **images})


def _only_image(files: BundleFiles) -> Image.Image:
    [figure] = extract_files(files, "latex").figures
    return Image.open(io.BytesIO(figure.image.data)).convert("RGB")


def test_a_16_bit_panel_keeps_its_grey_when_composed_and_rotated():
    panels = "\\subfloat[A.]{\\includegraphics{grey.png}}\\subfloat[B.]{\\includegraphics[angle=90]{grey.png}}"
    files = _latex_figure(
        {"grey.png": _sixteen_bit_grey()}, f"\\begin{{figure}}{panels}\\caption{{Grey.}}\\end{{figure}}"
    )
    image = _only_image(files)
    for x in (10, image.width - 10):  # clipped to 8 bits it would be white (255)
        assert all(abs(channel - 128) <= 1 for channel in image.getpixel((x, 10)))


def test_transparency_is_composited_on_white_when_composed_and_rotated():
    panels = "\\subfloat[A.]{\\includegraphics{square.png}}\\subfloat[B.]{\\includegraphics{square.png}}"
    body = f"\\begin{{figure}}{panels}\\caption{{Squares.}}\\end{{figure}}"
    composed = _only_image(_latex_figure({"square.png": _transparent_square()}, body))
    assert composed.getpixel((2, 2)) == (255, 255, 255)  # the transparent background, not black
    assert composed.getpixel((40, 30)) == (0, 0, 120)
    body = "\\begin{figure}\\includegraphics[angle=30]{square.png}\\caption{Turned.}\\end{figure}"
    turned = _only_image(_latex_figure({"square.png": _transparent_square()}, body))
    assert turned.getpixel((turned.width // 2, 3)) == (255, 255, 255)
    assert turned.getpixel((turned.width // 2, turned.height // 2)) == (0, 0, 120)


def test_one_stray_latin1_byte_does_not_garble_the_utf8_of_the_file():
    caption = "Température de l’échantillon à 350 K".encode() + b" \xb1 2 K"  # a lone Latin-1 plus-minus sign
    main = b"\\documentclass{article}\n\\begin{document}\n\\begin{figure}\\includegraphics{a.png}\\caption{"
    main += caption + b"}\\end{figure}\n\\end{document}\n"
    [figure] = extract_files(BundleFiles({"main.tex": main, "a.png": bundles.png_bytes()}), "latex").figures
    assert figure.caption == "Température de l’échantillon à 350 K ± 2 K"


def test_a_paper_whose_figures_exceed_the_output_limit_is_quarantined_and_the_next_proceeds():
    noise = _png(Image.fromarray(np.random.default_rng(0).integers(0, 255, (900, 900, 3), dtype=np.uint8)))
    main = "\\documentclass{article}\n\\begin{document}\n"
    main += "\\begin{figure}\\includegraphics{noise.png}\\caption{Noise.}\\end{figure}\n\\end{document}\n"
    large = bundles.tar_gz({"main.tex": main, "noise.png": noise})
    small = bundles.tar_gz({"main.tex": main, "noise.png": bundles.png_bytes()})
    assert len(noise) > 2 << 20
    limits = ExtractionSettings(paper_output_mib=1)
    with Sandbox(limits) as sandbox:
        jobs = [PaperJob("large.tar.gz", content=large), PaperJob("small.tar.gz", content=small)]
        large_outcome, small_outcome = sandbox.extract(jobs)
    assert (large_outcome.extraction, large_outcome.reason) == (None, "output_limit")
    assert "over the 1 MiB limit" in large_outcome.detail
    assert len(small_outcome.extraction.figures) == 1
