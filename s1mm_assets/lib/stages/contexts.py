"""Stage 3: the context of each figure: title, abstract and the sentences that cite it.

Figures stream through a batch at a time (Lake.iter_rows, Lake.table_writer); what is held for the whole
partition is each paper's title and abstract, and a few numbers per figure for the report.
"""

from __future__ import annotations

from s1mm_assets.lib.context import build_context
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.report import StageReport

_FRONT_MATTER = ["paper_id", "title", "abstract"]
_FIGURE_COLUMNS = ["figure_id", "paper_id", "number", "citing_paragraphs"]
_PREVIEW_ROWS = 5


def build_contexts(lake: Lake, source: str, month: str) -> StageReport:
    front_matter = _front_matter(lake, source, month)
    cited: list[int] = []
    without_abstract = 0
    preview: list[tuple[str, str]] = []
    with lake.table_writer("contexts", source, month) as writer:
        for figures in lake.iter_rows("figures", source, month, _FIGURE_COLUMNS):
            rows = []
            for figure in figures:
                title, abstract = front_matter.get(figure["paper_id"], ("", ""))
                paragraphs = figure["citing_paragraphs"] or []
                context = build_context(title=title, abstract=abstract, paragraphs=paragraphs, number=figure["number"])
                rows.append(
                    {
                        "figure_id": figure["figure_id"],
                        "paper_id": figure["paper_id"],
                        "source": source,
                        "month": month,
                        "title": context.title,
                        "abstract": context.abstract,
                        "citing_sentences": list(context.citing_sentences),
                        "context_sha256": context.sha256(),
                    }
                )
            writer.write(rows)
            cited += [len(row["citing_sentences"]) for row in rows]
            without_abstract += sum(not row["abstract"] for row in rows)
            preview += [
                (row["title"][:80] or row["figure_id"], " ".join(row["citing_sentences"][:2]) or "(no citing sentence)")
                for row in rows[: _PREVIEW_ROWS - len(preview)]
            ]
    report = StageReport(rows=writer.rows)
    report.outputs = [writer.relative]
    report.metrics = {
        "figures_with_citations": sum(count > 0 for count in cited),
        "citing_sentences_per_figure": sum(cited) / len(cited) if cited else None,
        "figures_without_abstract": without_abstract,
    }
    report.preview = preview
    return report


def _front_matter(lake: Lake, source: str, month: str) -> dict[str, tuple[str, str]]:
    """(title, abstract) of each paper: the source's listing is curated; the document's own front matter fills what
    the listing lacks."""
    documents = {
        row["paper_id"]: row for batch in lake.iter_rows("documents", source, month, _FRONT_MATTER) for row in batch
    }
    merged = {}
    for batch in lake.iter_rows("papers", source, month, _FRONT_MATTER):
        for paper in batch:
            document = documents.pop(paper["paper_id"], {})
            merged[paper["paper_id"]] = (
                paper["title"] or document.get("title") or "",
                paper["abstract"] or document.get("abstract") or "",
            )
    for paper_id, document in documents.items():  # a document whose paper the listing no longer holds
        merged[paper_id] = (document["title"] or "", document["abstract"] or "")
    return merged
