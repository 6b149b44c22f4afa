"""Stage 3: the context of each figure: title, abstract and the sentences that cite it."""

from __future__ import annotations

from s1mm_assets.lib.context import build_context
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.stages.report import StageReport


def build_contexts(lake: Lake, source: str, month: str) -> StageReport:
    papers = {row["paper_id"]: row for row in lake.read_table("papers", source, month).to_pylist()}
    documents = {row["paper_id"]: row for row in lake.read_table("documents", source, month).to_pylist()}
    figures = lake.read_table("figures", source, month).to_pylist()
    rows = []
    for figure in figures:
        paper = papers.get(figure["paper_id"], {})
        document = documents.get(figure["paper_id"], {})
        # The source's listing is curated; the document's own front matter fills what the listing lacks.
        context = build_context(
            title=paper.get("title") or document.get("title") or "",
            abstract=paper.get("abstract") or document.get("abstract") or "",
            paragraphs=figure["citing_paragraphs"] or [],
            number=figure["number"],
        )
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
    report = StageReport(rows=len(rows))
    report.outputs = [lake.write_table("contexts", source, month, rows)]
    cited = [len(row["citing_sentences"]) for row in rows]
    report.metrics = {
        "figures_with_citations": sum(count > 0 for count in cited),
        "citing_sentences_per_figure": sum(cited) / len(cited) if cited else None,
        "figures_without_abstract": sum(not row["abstract"] for row in rows),
    }
    report.preview = [
        (row["title"][:80] or row["figure_id"], " ".join(row["citing_sentences"][:2]) or "(no citing sentence)")
        for row in rows[:5]
    ]
    return report
