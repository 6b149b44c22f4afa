"""Stage 2: extract every figure of every paper; images go to the blob store, records to `figures`.

Every paper is extracted in a sandbox worker process held to the extraction limits (`lib/extract/sandbox.py`): a
paper that runs too long, needs too much memory or writes too much is quarantined with the reason and the next
proceeds. Papers are independent, so a large partition gets one worker per core, a bounded number of papers in
flight; smaller ones get one worker, where starting more costs more than they save (BENCHMARKS.md, "Extraction",
has the measurements).
"""

from __future__ import annotations

import hashlib
from collections import Counter

import loky

from s1mm_assets.lib.extract import ExtractedFigure, Extraction
from s1mm_assets.lib.extract.sandbox import PaperJob, Sandbox
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.quarantine import QuarantineRecord
from s1mm_assets.lib.settings import ExtractionSettings
from s1mm_assets.lib.stages.quarantine_table import write_quarantine
from s1mm_assets.lib.stages.report import StageReport

STAGE = "figures"
IMAGE_EXTENSIONS = {"png": "png", "jpeg": "jpg"}


def figure_id(paper_id: str, figure_key: str) -> str:
    """Stable across runs and machines; also the sample key in released shards (hex: no dots)."""
    return hashlib.sha256(f"{paper_id}|{figure_key}".encode()).hexdigest()[:20]


# Starting workers costs seconds (a process each, importing PyMuPDF, lxml, pylatexenc); below this many papers
# one worker is faster (bench/extraction_stage.py, BENCHMARKS.md "Extraction").
POOL_FROM_PAPERS = 500
# What a paper's job needs of its row in `papers`.
_PAPER_COLUMNS = ["paper_id", "bundle_path", "bundle_filename"]
_PREVIEW_ROWS = 5


def extract_figures(
    lake: Lake,
    source: str,
    month: str,
    dpi: int = 150,
    workers: int | None = None,
    limits: ExtractionSettings | None = None,
) -> StageReport:
    """`workers`: processes to extract with; None picks one per CPU this process may use (its affinity and, in a
    container or Kubernetes pod, its CPU quota: not the node's cores) for partitions large enough to gain, else
    one. Every paper is extracted in a sandbox worker held to `limits` (the defaults when None).

    Papers stream through: each one's images go to the blob store and its rows to the tables' writers as its
    extraction comes back, so what is held is a few papers in flight, not the partition."""
    papers = [row for batch in lake.iter_rows("papers", source, month, _PAPER_COLUMNS) for row in batch]
    quarantine: list[QuarantineRecord] = []
    by_extractor: Counter[str] = Counter()
    without_figures = failed = 0
    preview: list[tuple[str, str]] = []
    if workers is None:
        workers = loky.cpu_count() if len(papers) >= POOL_FROM_PAPERS else 1
    with (
        lake.table_writer("figures", source, month) as figure_table,
        lake.table_writer("documents", source, month) as document_table,
        Sandbox(limits or ExtractionSettings(), workers=workers, dpi=dpi) as sandbox,
    ):
        outcomes = sandbox.extract(_job(lake, paper) for paper in papers)
        for paper, outcome in zip(papers, outcomes, strict=True):
            paper_id = paper["paper_id"]
            extraction = outcome.extraction
            if extraction is None:
                quarantine.append(QuarantineRecord(STAGE, paper_id, paper_id, outcome.reason, outcome.detail))
                document_table.write([_document_row(paper, source, month, None, error=outcome.detail)])
                failed += 1
                without_figures += 1
                continue
            used_keys: set[str] = set()
            figure_rows = []
            for figure in extraction.figures:
                key = _unique(figure.figure_key, used_keys)
                figure_rows.append(_figure_row(lake, paper_id, source, month, key, figure))
            figure_table.write(figure_rows)
            by_extractor.update(row["extractor"] for row in figure_rows)
            preview += [(f"{row['paper_id']} Fig. {row['number']}", row["raw_caption"]) for row in figure_rows]
            del preview[_PREVIEW_ROWS:]
            for problem in extraction.problems:
                item = f"{paper_id}#{problem.figure_key}" if problem.figure_key else paper_id
                quarantine.append(QuarantineRecord(STAGE, item, paper_id, problem.reason, problem.detail))
            document_table.write([_document_row(paper, source, month, extraction)])
            without_figures += not extraction.figures
    figures = figure_table.rows
    report = StageReport(rows=figures, quarantined=len(quarantine), failed=failed)
    report.outputs = [
        figure_table.relative,
        document_table.relative,
        write_quarantine(lake, STAGE, source, month, quarantine),
    ]
    report.metrics = {
        "papers": len(papers),
        "papers_without_figures": without_figures,
        "figures_per_paper": figures / len(papers) if papers else None,
    }
    for extractor in ("latex", "jats", "pdf"):
        report.metrics[f"figures_{extractor}"] = by_extractor[extractor]
    report.preview = preview
    return report


def _job(lake: Lake, paper: dict) -> PaperJob:
    try:
        content = lake.read_bytes(paper["bundle_path"])
    except Exception as error:  # noqa: BLE001 - a missing blob is this paper's problem, not the partition's
        return PaperJob(paper["bundle_filename"], unavailable=f"the bundle could not be read: {error}")
    return PaperJob(paper["bundle_filename"], content=content)


def _figure_row(lake: Lake, paper_id: str, source: str, month: str, key: str, figure: ExtractedFigure) -> dict:
    blob = lake.put_blob(figure.image.data, IMAGE_EXTENSIONS[figure.image.format])
    return {
        "figure_id": figure_id(paper_id, key),
        "paper_id": paper_id,
        "source": source,
        "month": month,
        "figure_key": key,
        "label": figure.label,
        "number": figure.number,
        "raw_caption": figure.caption,
        "subfigures": [{"label": sub.label, "caption": sub.caption} for sub in figure.subfigures],
        "citing_paragraphs": list(figure.citing_paragraphs),
        "image_sha256": blob.sha256,
        "image_path": blob.path,
        "image_format": figure.image.format,
        "width": figure.image.width,
        "height": figure.image.height,
        "extractor": figure.extractor,
        "page": figure.page,
        "bbox": list(figure.bbox) if figure.bbox else None,
        "warnings": list(figure.warnings),
        "supplementary": figure.supplementary,
    }


def _document_row(
    paper: dict, source: str, month: str, extraction: Extraction | None, error: str | None = None
) -> dict:
    return {
        "paper_id": paper["paper_id"],
        "source": source,
        "month": month,
        "extractor": extraction.extractor if extraction else None,
        "title": extraction.title if extraction else None,
        "abstract": extraction.abstract if extraction else None,
        "license": extraction.license if extraction else None,
        "doi": extraction.doi if extraction else None,
        "n_figures": len(extraction.figures) if extraction else 0,
        "n_problems": len(extraction.problems) if extraction else 1,
        "error": error,
    }


def _unique(key: str, used: set[str]) -> str:
    candidate, suffix = key, 2
    while candidate in used:
        candidate, suffix = f"{key}-{suffix}", suffix + 1
    used.add(candidate)
    return candidate
