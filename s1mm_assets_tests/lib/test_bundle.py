import pytest

from s1mm_assets.lib.extract.bundle import UnreadableBundle, detect_kind, open_bundle
from s1mm_assets_tests import bundles


def test_tar_gz_drops_macosx_junk_and_the_wrapping_folder():
    files = open_bundle("x.tar.gz", bundles.latex_bundle())
    assert "main.tex" in files.files and "figs/velocity.pdf" in files.files
    assert not any("MACOSX" in name or name.startswith("._") for name in files.files)
    assert detect_kind(files) == "latex"


def test_zip_package_with_article_xml_is_jats():
    assert detect_kind(open_bundle("meca.zip", bundles.jats_bundle())) == "jats"


def test_pdf_and_gzipped_tex():
    assert detect_kind(open_bundle("a.pdf", bundles.pdf_paper_bytes())) == "pdf"
    files = open_bundle("2401.1.gz", bundles.gzip_bytes(bundles.LATEX_MAIN))
    assert list(files.files) == ["2401.1.tex"] and detect_kind(files) == "latex"


def test_archive_wrapping_only_a_pdf_is_a_pdf_paper():
    files = open_bundle("w.tar.gz", bundles.tar_gz({"paper.pdf": bundles.pdf_paper_bytes()}))
    assert detect_kind(files) == "pdf"


@pytest.mark.parametrize("content", [b"", b"hello world", b"\x1f\x8bnot gzip really"])
def test_garbage_is_rejected_with_a_clear_error(content):
    with pytest.raises((UnreadableBundle, OSError, EOFError)):
        detect_kind(open_bundle("junk.bin", content))


def test_paths_escaping_the_bundle_are_ignored():
    files = open_bundle("evil.tar.gz", bundles.tar_gz({"../../etc/passwd": "x", "ok/main.tex": "\\documentclass"}))
    assert list(files.files) == ["main.tex"]
