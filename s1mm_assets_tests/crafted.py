"""Crafted partitions for the quality gate: papers laid out for the `local` source, and edits of a stage's table
between runs (a captioner that failed, a caption that invents numbers, a blob that went bad on disk)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from s1mm_assets.lib.lake import Lake
from s1mm_assets_tests import bundles


def latex_paper(title: str, figures: Sequence[tuple[str, bytes]]) -> bytes:
    """A LaTeX bundle with one figure per (caption, PNG bytes), each cited once in the text."""
    body = []
    files: dict[str, bytes | str] = {}
    for index, (caption, image) in enumerate(figures):
        files[f"figure{index}.png"] = image
        body.append(
            f"Figure~\\ref{{fig:{index}}} is discussed here.\n\n"
            f"\\begin{{figure}}\\includegraphics{{figure{index}.png}}\\caption{{{caption}}}\\label{{fig:{index}}}"
            "\\end{figure}\n"
        )
    files["main.tex"] = (
        f"\\documentclass{{article}}\n\\begin{{document}}\n\\title{{{title}}}\n" + "\n".join(body) + "\\end{document}\n"
    )
    return bundles.tar_gz(files)


def add_paper(root: Path, source: str, month: str, name: str, bundle: bytes, license_: str = "CC BY 4.0") -> None:
    folder = root / source / month
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.tar.gz").write_bytes(bundle)
    (folder / f"{name}.json").write_text(json.dumps({"title": name, "license": license_}))


def rewrite_rows(lake: Lake, table: str, source: str, month: str, change: Callable[[int, dict], dict]) -> None:
    """Replace a partition of a table with `change(index, row)` applied to every row."""
    rows = lake.read_table(table, source, month).to_pylist()
    lake.write_table(table, source, month, [change(index, dict(row)) for index, row in enumerate(rows)])
