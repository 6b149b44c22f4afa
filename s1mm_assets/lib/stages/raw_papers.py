"""Stage 1: fetch every paper of the partition from its source and keep the bundle in the lake."""

from __future__ import annotations

import re

from s1mm_assets.lib.disciplines import discipline_for
from s1mm_assets.lib.extract.bundle import UnreadableBundle, detect_kind, open_bundle
from s1mm_assets.lib.identifiers import work_keys
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.quarantine import QuarantineRecord
from s1mm_assets.lib.sources.base import PaperSourceBackend
from s1mm_assets.lib.stages.quarantine_table import write_quarantine
from s1mm_assets.lib.stages.report import StageReport

STAGE = "raw_papers"


def collect_papers(lake: Lake, backend: PaperSourceBackend, source: str, month: str) -> StageReport:
    rows: list[dict] = []
    quarantine: list[QuarantineRecord] = []
    seen: set[str] = set()
    for bundle in backend.papers(source, month):
        if bundle.paper_id in seen:
            quarantine.append(
                QuarantineRecord(
                    STAGE,
                    bundle.filename,
                    bundle.paper_id,
                    "duplicate_paper",
                    "the source listed this paper twice; the first copy is kept",
                )
            )
            continue
        seen.add(bundle.paper_id)
        blob = lake.put_blob(bundle.content, bundle_extension(bundle.filename))
        try:
            kind = detect_kind(open_bundle(bundle.filename, bundle.content))
        except UnreadableBundle as error:
            quarantine.append(
                QuarantineRecord(
                    STAGE, bundle.filename, bundle.paper_id, "unreadable_bundle", f"{error} (kept at {blob.path})"
                )
            )
            continue
        metadata = bundle.metadata
        rows.append(
            {
                "paper_id": bundle.paper_id,
                "source": source,
                "month": month,
                "title": metadata.title,
                "abstract": metadata.abstract,
                "authors": list(metadata.authors),
                "categories": list(metadata.categories),
                "discipline": discipline_for(source, metadata.categories),
                "license": metadata.license,
                "doi": metadata.doi,
                "url": metadata.url,
                "published": metadata.published,
                "bundle_kind": kind,
                "bundle_filename": bundle.filename,
                "bundle_sha256": blob.sha256,
                "bundle_path": blob.path,
                "bundle_bytes": len(bundle.content),
                "identifiers": work_keys(bundle.paper_id, metadata.doi, metadata.identifiers),
            }
        )
    report = StageReport(rows=len(rows), quarantined=len(quarantine))
    report.outputs = [
        lake.write_table("papers", source, month, rows),
        write_quarantine(lake, STAGE, source, month, quarantine),
    ]
    report.metrics = {"bundle_bytes": sum(row["bundle_bytes"] for row in rows)}
    for kind in ("latex", "jats", "pdf"):
        report.metrics[f"papers_{kind}"] = sum(row["bundle_kind"] == kind for row in rows)
    report.preview = [(row["paper_id"], row["title"] or "(untitled)") for row in rows[:5]]
    return report


def bundle_extension(filename: str) -> str:
    match = re.search(r"\.(tar\.gz|tar\.bz2|tar\.xz|tgz|tar|zip|gz|pdf|xml|nxml|tex)$", filename.lower())
    return match.group(1) if match else "bin"
