"""Hostile and malformed papers, one builder per class of attack or accident, each small (the bombs compressed).

Every builder lays its paper out under `root` (a bundle file or a folder) and may plant, outside it, a secret that
must never reach any output and canary paths that must never be written. The sandbox tests, the pipeline test with
the `local` source and `bench/hostile_inputs.py` share them; `GOOD_PAPER` is the paper that follows each one.
"""

from __future__ import annotations

import dataclasses
import gzip
import io
import os
import struct
import tarfile
import tempfile
import uuid
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pymupdf
from PIL import Image

from s1mm_assets_tests import bundles

# The first line of /etc/passwd on every Linux system: what a link to it would leak.
_PASSWD_LINE = "root:x:0:0"
GOOD_CAPTION = "Turnover frequency of the nickel catalyst over 100 hours at 350 K, three runs averaged."


@dataclasses.dataclass
class HostileCase:
    name: str
    paper: Path  # what `s1mm extract` or the `local` source is given: a bundle file or a folder
    reasons: frozenset[str]  # the paper, or one of its figures, is quarantined with one of these
    secrets: tuple[str, ...] = ()  # text outside the bundle (planted, or a system file's): in no output, ever
    canaries: list[Path] = dataclasses.field(default_factory=list)  # paths that must not exist afterwards
    planted: list[Path] = dataclasses.field(default_factory=list)  # what the builder wrote outside `root`
    figures: int = 0  # figures the paper itself still yields (handled within a budget, not refused)
    warning: str = ""  # words one of those figures' warnings has (what a budget changed)


def good_paper(root: Path) -> Path:
    """A LaTeX bundle with one figure, cited in the text: what must still come out after a hostile paper."""
    main = (
        "\\documentclass{article}\n\\begin{document}\n\\title{Catalysts That Last}\n"
        "The catalyst stays active for 100 hours at 350 K, as Figure~\\ref{fig:good} shows for three runs.\n\n"
        f"\\begin{{figure}}\\includegraphics{{good.png}}\\caption{{{GOOD_CAPTION}}}\\label{{fig:good}}\\end{{figure}}\n"
        "\\end{document}\n"
    )
    return _write(root / "zz-good.tar.gz", bundles.tar_gz({"main.tex": main, "good.png": bundles.png_bytes(seed=3)}))


def _latex(body: str, preamble: str = "") -> str:
    return f"\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n"


def _figure(graphic: str, caption: str, label: str) -> str:
    return f"\\begin{{figure}}\\includegraphics{{{graphic}}}\\caption{{{caption}}}\\label{{{label}}}\\end{{figure}}\n"


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _token() -> str:
    return uuid.uuid4().hex[:12]


# --- 1. Ghostscript reads and writes files ---------------------------------------------------------------------


def ghostscript_escape(root: Path) -> HostileCase:
    """EPS figures that read a file in Ghostscript's own temporary folder (which plain -dSAFER permits) and one
    beside the bundle, write files there, and open a pipe to a shell."""
    token = _token()
    secret = f"S1MM-SECRET-{token}"
    in_temp = _write(Path(tempfile.gettempdir()) / f"s1mm-secret-{token}.txt", f"{secret}\n".encode())
    beside = _write(root / "outside" / "secret.txt", f"{secret}\n".encode())
    canaries = [
        Path(tempfile.gettempdir()) / f"s1mm-canary-{token}",
        root / "outside" / f"canary-{token}",
        Path(tempfile.gettempdir()) / f"s1mm-pipe-{token}",
    ]

    def eps(program: str) -> bytes:
        return (
            "%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 200 100\n/Helvetica findfont 10 scalefont setfont\n"
            f"10 50 moveto\n{program}\n0 0 0 setrgbcolor 0 0 200 100 rectfill showpage\n"
        ).encode()

    files = {
        "read-temp.eps": eps(f"({in_temp}) (r) file 100 string readline pop show"),
        "read-beside.eps": eps(f"({beside}) (r) file 100 string readline pop show"),
        "write.eps": eps(f"({canaries[0]}) (w) file dup (x) writestring closefile ({canaries[1]}) (w) file closefile"),
        "pipe.eps": eps(f"(%pipe%touch {canaries[2]}) (w) file closefile"),
    }
    body = "".join(_figure(name, f"Figure {index}.", f"fig:{index}") for index, name in enumerate(files))
    bundle = bundles.tar_gz({"main.tex": _latex(body, "\\usepackage{graphicx}"), **files})
    return HostileCase(
        "ghostscript_escape",
        _write(root / "eps.tar.gz", bundle),
        frozenset({"unusable_image"}),
        secrets=(secret,),
        canaries=canaries,
        planted=[in_temp],
    )


# --- 2. folders that link out of themselves --------------------------------------------------------------------


def folder_links(root: Path) -> HostileCase:
    """A LaTeX folder whose `\\input` file, graphic and a sub-folder are links to files outside it."""
    secret = f"S1MM-SECRET-{_token()}"
    outside = root / "outside-links"
    outside.mkdir(parents=True)
    (outside / "notes.tex").write_text(
        _figure("inside.png", f"The caption says {secret}.", "fig:leak") + f"Body text {secret}.\n"
    )
    (outside / "secret.png").write_bytes(bundles.png_bytes(seed=9))
    (outside / "figs").mkdir()
    (outside / "figs" / "plot.png").write_bytes(bundles.png_bytes(seed=10))
    paper = root / "linked-paper"
    paper.mkdir()
    (paper / "inside.png").write_bytes(bundles.png_bytes(seed=11))
    (paper / "notes.tex").symlink_to(outside / "notes.tex")
    (paper / "logo.png").symlink_to(outside / "secret.png")
    (paper / "figs").symlink_to(outside / "figs", target_is_directory=True)
    (paper / "etc.tex").symlink_to("/etc/passwd")
    body = "\\input{notes}\n\\input{etc}\n" + _figure("logo.png", f"Logo {secret}.", "fig:logo")
    body += _figure("figs/plot.png", "A plot.", "fig:plot")
    (paper / "main.tex").write_text(_latex(body))
    return HostileCase(
        "folder_links", paper, frozenset({"missing_input", "missing_file"}), secrets=(secret, _PASSWD_LINE)
    )


def archive_links(root: Path) -> HostileCase:
    """A tar whose members are a symbolic and a hard link to system files, referenced as the document's input."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        main = _latex("\\input{passwd}\n\\input{shadow}\n" + _figure("plot.png", "A plot.", "fig:plot")).encode()
        for name, data in (("main.tex", main), ("plot.png", bundles.png_bytes(seed=12))):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, kind in (("passwd.tex", tarfile.SYMTYPE), ("shadow.tex", tarfile.LNKTYPE)):
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, "/etc/passwd"
            tar.addfile(info)
    return HostileCase(
        "archive_links",
        _write(root / "links.tar.gz", archive.getvalue()),
        frozenset({"missing_input"}),
        secrets=(_PASSWD_LINE,),
        figures=1,
    )


# --- 3. papers that run for minutes ------------------------------------------------------------------------------


def input_fan_out(root: Path) -> HostileCase:
    """A few hundred bytes: each level \\input s the next ten times, twelve levels deep."""
    files = {f"l{level}.tex": f"\\input{{l{level + 1}}}" * 10 for level in range(12)}
    files["l12.tex"] = "x"
    files["main.tex"] = _latex("\\input{l0}")
    return HostileCase("input_fan_out", _write(root / "fan-out.tar.gz", bundles.tar_gz(files)), frozenset({"timeout"}))


def unclosed_figures(root: Path) -> HostileCase:
    """Tens of thousands of `\\begin{figure}` never closed: quadratic environment matching."""
    main = _latex("\\begin{figure}\\caption{x}\n" * 40_000)
    return HostileCase(
        "unclosed_figures", _write(root / "unclosed.tex.gz", gzip.compress(main.encode())), frozenset({"timeout"})
    )


def many_missing_graphics(root: Path) -> HostileCase:
    """Thousands of figures whose graphics are missing, in a bundle of thousands of members."""
    count = 6_000
    files: dict[str, bytes | str] = {f"data/file{index}.dat": "" for index in range(count)}
    files["main.tex"] = _latex("".join(_figure(f"missing{index}", "Lost.", f"fig:{index}") for index in range(count)))
    bundle = bundles.tar_gz(files)
    return HostileCase("many_missing_graphics", _write(root / "missing.tar.gz", bundle), frozenset({"timeout"}))


# --- 4. memory bombs from tiny files ---------------------------------------------------------------------------


def recursive_macros(root: Path) -> HostileCase:
    """Mutually recursive macros, each body a thousand calls of the other: exponential expansion."""
    preamble = "\\newcommand{\\ping}{" + "\\pong " * 1000 + "}\n\\newcommand{\\pong}{" + "\\ping " * 1000 + "}"
    main = _latex(_figure("a.png", "\\ping", "fig:a"), preamble)
    bundle = bundles.tar_gz({"main.tex": main, "a.png": bundles.png_bytes()})
    return HostileCase(
        "recursive_macros", _write(root / "macros.tar.gz", bundle), frozenset({"memory_limit", "timeout"})
    )


def repeated_large_image(root: Path) -> HostileCase:
    """One large image used as twenty panels of one figure: composed within the pixel budget, one panel decoded at
    a time (the figure comes out, reduced, with a warning)."""
    image = Image.new("RGB", (1600, 1600), (30, 90, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    panels = "".join(f"\\subfloat[Panel {index}.]{{\\includegraphics{{big.png}}}}" for index in range(20))
    main = _latex(f"\\begin{{figure}}{panels}\\caption{{Twenty panels.}}\\label{{fig:big}}\\end{{figure}}")
    bundle = bundles.tar_gz({"main.tex": main, "big.png": buffer.getvalue()})
    return HostileCase(
        "repeated_large_image",
        _write(root / "panels.tar.gz", bundle),
        frozenset(),
        figures=1,
        warning="within the pixel budget",
    )


def gzip_of_newlines(root: Path) -> HostileCase:
    """A small gzip that unpacks to far more than a bundle may (600 MiB of newlines)."""
    member = gzip.compress(b"\n" * (1 << 20), compresslevel=9)
    data = member * 600  # a gzip file may be many members; readers unpack them all, one after the other
    return HostileCase("gzip_of_newlines", _write(root / "newlines.tex.gz", data), frozenset({"unreadable_bundle"}))


def png_pixel_bomb(root: Path) -> HostileCase:
    """A PNG of 12,000 x 11,999 pixels (just under Pillow's old guard), a few hundred KB compressed."""
    width, height = 12_000, 11_999
    compressor = zlib.compressobj(1)
    rows = b"\x00" * ((width + 1) * 1000)
    raw = b"".join(compressor.compress(rows) for _ in range(height // 1000))
    raw += compressor.compress(b"\x00" * ((width + 1) * (height % 1000))) + compressor.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    png += chunk(b"IDAT", raw) + chunk(b"IEND", b"")
    bundle = bundles.tar_gz({"main.tex": _latex(_figure("bomb.png", "A bomb.", "fig:bomb")), "bomb.png": png})
    return HostileCase("png_pixel_bomb", _write(root / "pixels.tar.gz", bundle), frozenset({"unusable_image"}))


def zip_lying_sizes(root: Path) -> HostileCase:
    """A zip whose headers say a member is 1 KB while its data inflates to 300 MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("article.xml", "<article><body/></article>")
        archive.writestr("huge.bin", b"\0" * (300 << 20))
    data = bytearray(buffer.getvalue())
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header, central directory
        position = data.rfind(signature)
        data[position + offset : position + offset + 4] = struct.pack("<I", 1024)
    return HostileCase("zip_lying_sizes", _write(root / "lying.zip", bytes(data)), frozenset({"unreadable_bundle"}))


# --- 5. names that are not UTF-8 --------------------------------------------------------------------------------


def non_utf8_names(root: Path) -> HostileCase:
    """A bundle whose own name and whose members' names are Latin-1 bytes, not UTF-8 (the LaTeX too): the figure
    is found, and every name reaches the output as valid UTF-8."""
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz", format=tarfile.GNU_FORMAT, encoding="latin-1") as tar:
        main = _latex(_figure("caf\xe9.png", "A caf\xe9.", "fig:cafe") + _figure("plain.png", "Plain.", "fig:plain"))
        for name, data in (
            ("main.tex", main.encode("latin-1")),
            ("caf\xe9.png", bundles.png_bytes(seed=4)),
            ("plain.png", bundles.png_bytes(seed=5)),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path = Path(os.fsdecode(os.fsencode(root) + b"/caf\xe9-\xff.tar.gz"))
    return HostileCase("non_utf8_names", _write(path, archive.getvalue()), frozenset(), figures=2)


# --- 6. giant PDF pages ------------------------------------------------------------------------------------------


def giant_pdf_pages(root: Path) -> HostileCase:
    """Figures on an 8,000-point and a 14,400-point page (PDF's largest): rendered within the pixel budget."""
    document = pymupdf.open()
    for number, side in ((1, 8000), (2, 14400)):
        page = document.new_page(width=side, height=side)
        scale = side / 612
        page.insert_textbox(pymupdf.Rect(72, 60, 540, 100) * scale, "A Giant Page", fontsize=20 * scale)
        page.draw_rect(pymupdf.Rect(150, 190, 450, 400) * scale, color=(0, 0, 0), width=scale)
        page.draw_polyline([pymupdf.Point(150, 380) * scale, pymupdf.Point(450, 200) * scale], color=(0.8, 0, 0))
        page.insert_textbox(
            pymupdf.Rect(72, 410, 540, 450) * scale, f"Figure {number}. Turnover of the catalyst.", fontsize=9 * scale
        )
    return HostileCase(
        "giant_pdf_pages",
        _write(root / "giant.pdf", document.tobytes()),
        frozenset(),
        figures=2,
        warning="within the pixel budget",
    )


BUILDERS: dict[str, Callable[[Path], HostileCase]] = {
    builder.__name__: builder
    for builder in (
        ghostscript_escape,
        folder_links,
        archive_links,
        input_fan_out,
        unclosed_figures,
        many_missing_graphics,
        recursive_macros,
        repeated_large_image,
        gzip_of_newlines,
        png_pixel_bomb,
        zip_lying_sizes,
        non_utf8_names,
        giant_pdf_pages,
    )
}
