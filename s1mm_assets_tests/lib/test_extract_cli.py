"""`s1mm extract`: figures of papers on disk as JSON lines, failures as JSON on stderr, images under --out."""

import hashlib
import json
from pathlib import Path

from PIL import Image

from s1mm_assets.cli import main
from s1mm_assets_tests import bundles


def test_extract_prints_one_json_object_per_figure_and_writes_the_images(tmp_path, capsys):
    papers = tmp_path / "papers"
    (papers / "arxiv").mkdir(parents=True)
    (papers / "arxiv" / "2401.00001.tar.gz").write_bytes(bundles.latex_bundle())
    (papers / "chem.pdf").write_bytes(bundles.pdf_paper_bytes())
    (papers / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    unpacked = papers / "biorxiv-meca"
    unpacked.mkdir()
    (unpacked / "article.xml").write_text(bundles.JATS_ARTICLE)
    (unpacked / "F1.large.jpg").write_bytes(bundles.jpeg_bytes(seed=5))

    assert main(["extract", str(papers), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    errors = [json.loads(line) for line in captured.err.splitlines()]

    assert {record["extractor"] for record in records} == {"latex", "pdf", "jats"}
    assert len([record for record in records if record["extractor"] == "latex"]) == 3
    for record in records:
        image = Path(record["image_path"])
        assert image.is_relative_to(tmp_path / "out")
        assert hashlib.sha256(image.read_bytes()).hexdigest() == record["image_sha256"]
        with Image.open(image) as decoded:
            assert decoded.size == (record["width"], record["height"])
        assert {"paper", "label", "caption", "page", "bbox", "citations", "subfigures"} <= set(record)
    pdf = next(record for record in records if record["extractor"] == "pdf" and record["number"] == "1")
    assert pdf["page"] == 1 and len(pdf["bbox"]) == 4
    assert pdf["citations"] == ["The catalyst stays active for 100 hours (Figure 1)."]
    panels = next(record for record in records if record["label"] == "fig:panels")
    assert [sub["caption"] for sub in panels["subfigures"]] == ["Laminar.", "Turbulent."]
    failed = [error for error in errors if "error" in error]
    assert [Path(error["paper"]).name for error in failed] == ["broken.zip"]
    assert {
        "paper": str(papers / "arxiv" / "2401.00001.tar.gz"),
        "figure": "fig:tikz",
        "problem": "drawn_in_latex",
    }.items() <= next(error for error in errors if error.get("figure") == "fig:tikz").items()


def test_papers_that_share_a_file_name_keep_their_images_apart(tmp_path, capsys):
    corpus = tmp_path / "pmc"
    for article, two_figures in (("PMC1", True), ("PMC2", False)):
        (corpus / article).mkdir(parents=True)
        (corpus / article / "fulltext.pdf").write_bytes(bundles.pdf_paper_bytes(two_figures=two_figures))
    loose = tmp_path / "loose" / "fulltext.pdf"  # a third fulltext.pdf, given on its own
    loose.parent.mkdir()
    loose.write_bytes(bundles.pdf_paper_bytes())

    assert main(["extract", str(corpus), str(loose), "--out", str(tmp_path / "out")]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    assert len(records) == 2 + 1 + 2
    paths = [Path(record["image_path"]) for record in records]
    assert len(set(paths)) == len(paths)
    folders = {}
    for record, path in zip(records, paths, strict=True):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == record["image_sha256"]
        folders[Path(record["paper"])] = path.parent.relative_to(tmp_path / "out")
    assert folders == {
        corpus / "PMC1" / "fulltext.pdf": Path("pmc/PMC1/fulltext.pdf"),
        corpus / "PMC2" / "fulltext.pdf": Path("pmc/PMC2/fulltext.pdf"),
        loose: Path("fulltext.pdf"),
    }
    # The same run again writes the same files, nothing more.
    assert main(["extract", str(corpus), str(loose), "--out", str(tmp_path / "out")]) == 0
    assert sorted(p for p in (tmp_path / "out").rglob("*") if p.is_file()) == sorted(paths)
