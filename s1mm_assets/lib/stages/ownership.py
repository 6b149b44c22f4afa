"""Stage 5b: which copy of a figure found in several partitions is released, decided by a rule, not by run order.

The same figure reaches s1mm more than once: an arXiv preprint and a bioRxiv preprint of one manuscript, the
journal version in Nature Communications months later, a figure reused in a follow-up paper. Exactly one copy
may be released, and which one must not depend on the order in which partitions happen to be materialized.

The rule:
- Only releasable figures take part: those that pass every per-figure filter (`quality.passed`) in a partition
  whose release gate passed (no blocking verdict failed in `checks`). A figure held back for its own reasons
  never owns a figure, and is never called a duplicate.
- Partitions are ordered by month, then by source (arxiv, biorxiv, medrxiv, chemrxiv, nature_communications);
  figures within a partition by paper id, then figure id. A figure is a duplicate of the first figure before it
  in that order that has the same bytes, a perceptual hash within `near_duplicate_max_bits`, or the same figure
  number in the same work (a DOI, arXiv id or PMCID in common, lib/identifiers.py). Otherwise it is owned.

Since a partition can only lose a figure to an earlier one, a partition's decisions depend on the partitions
before it alone: the ownership of earlier months (their `ownership` tables) and, within the month, the quality
of the sources before it, which this stage re-decides itself from their quality rows. Every file read is
recorded with its sha256 in `ownership_inputs`, and the release manifest carries them; the asset's data version
is a digest of the decisions and those inputs, so Dagster marks a later partition stale exactly when what it was
decided against has changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import Counter

import pyarrow as pa

from s1mm_assets.lib.identifiers import work_keys
from s1mm_assets.lib.lake import Lake, PartitionMissing
from s1mm_assets.lib.score.dedup import Candidate, Duplicate, OwnedFigures, find_duplicates
from s1mm_assets.lib.settings import GateSettings
from s1mm_assets.lib.sources import SOURCES
from s1mm_assets.lib.stages.report import StageReport

_OWNER_COLUMNS = ["figure_id", "owned", "image_sha256", "image_phash", "work_figures"]


def partition_label(source: str, month: str) -> str:
    return f"{source}/{month}"


def decide_ownership(lake: Lake, source: str, month: str, gate: GateSettings | None = None) -> StageReport:
    gate = gate or GateSettings()
    consulted: dict[str, str] = {}
    owners = _owned_in_earlier_months(lake, month, consulted)
    for earlier_source in SOURCES[: SOURCES.index(source)]:
        try:
            earlier = _PartitionFigures.read(lake, earlier_source, month, consulted)
        except PartitionMissing:
            continue  # not scored yet: when it is, this partition's inputs change and Dagster says so
        decisions = find_duplicates(earlier.contenders, OwnedFigures.from_tables(owners), gate.near_duplicate_max_bits)
        owners.append((earlier.label, earlier.owned_table(decisions)))
    this = _PartitionFigures.read(lake, source, month, consulted)
    decisions = find_duplicates(this.contenders, OwnedFigures.from_tables(owners), gate.near_duplicate_max_bits)
    rows = this.ownership_rows(decisions)
    inputs = [
        {"source": source, "month": month, "consulted": name, "sha256": digest}
        for name, digest in sorted(consulted.items())
    ]
    report = StageReport(rows=len(rows))
    report.outputs = [
        lake.write_table("ownership", source, month, rows),
        lake.write_table("ownership_inputs", source, month, inputs),
    ]
    report.data_version = ownership_version(rows, inputs)
    kinds = Counter(row["duplicate_kind"] for row in rows if row["duplicate_kind"])
    report.metrics = {
        "releasable": sum(row["releasable"] for row in rows),
        "owned": sum(row["owned"] for row in rows),
        "duplicates": sum(kinds.values()),
        **{f"duplicates_{kind}": kinds.get(kind, 0) for kind in ("exact", "near", "same_work")},
        "gate_passed": int(this.gate_passed),
        "partitions_consulted": len({name.split("/", 1)[1] for name in consulted}),
    }
    report.preview = [
        (
            row["figure_id"],
            f"{row['duplicate_kind']} duplicate of {row['duplicate_of']} in {row['duplicate_partition']}",
        )
        for row in rows
        if row["duplicate_of"]
    ][:5]
    return report


def ownership_version(rows: list[dict], inputs: list[dict]) -> str:
    """A digest of the decisions and of everything they were decided against."""
    decisions = [(row["figure_id"], row["owned"], row["duplicate_of"], row["duplicate_kind"]) for row in rows]
    consulted = [(row["consulted"], row["sha256"]) for row in inputs]
    return hashlib.sha256(json.dumps([decisions, consulted]).encode()).hexdigest()[:32]


def _owned_in_earlier_months(lake: Lake, month: str, consulted: dict[str, str]) -> list[tuple[str, pa.Table]]:
    """The owned figures of every partition of an earlier month, in the rule's order."""
    owners = []
    earlier = [(m, s) for s, m in lake.partitions("ownership") if m < month]
    for earlier_month, earlier_source in sorted(earlier, key=lambda item: (item[0], _source_rank(item[1]))):
        table, digest = lake.read_table_and_digest("ownership", earlier_source, earlier_month, _OWNER_COLUMNS)
        consulted[f"ownership/{partition_label(earlier_source, earlier_month)}"] = digest
        owners.append((partition_label(earlier_source, earlier_month), table.filter(table.column("owned"))))
    return owners


def _source_rank(source: str) -> int:
    return SOURCES.index(source) if source in SOURCES else len(SOURCES)


@dataclasses.dataclass
class _PartitionFigures:
    """One partition's figures as the rule sees them."""

    label: str
    rows: list[dict]  # one per figure: quality's identity and hashes, work_figures, releasable
    gate_passed: bool

    @classmethod
    def read(cls, lake: Lake, source: str, month: str, consulted: dict[str, str]) -> _PartitionFigures:
        def read(table: str, columns: list[str]) -> list[dict]:
            rows, digest = lake.read_table_and_digest(table, source, month, columns)
            consulted[f"{table}/{partition_label(source, month)}"] = digest
            return rows.to_pylist()

        quality = read("quality", ["figure_id", "paper_id", "passed", "image_sha256", "image_phash"])
        try:
            verdicts = read("checks", ["check", "passed", "severity"])
            gate_passed = not any(row["severity"] == "ERROR" and not row["passed"] for row in verdicts)
        except PartitionMissing:
            gate_passed = False  # scored before the gate was recorded: nothing of it is releasable
        figures = {row["figure_id"]: row for row in read("figures", ["figure_id", "number", "supplementary"])}
        papers = {row["paper_id"]: row for row in read("papers", ["paper_id", "doi", "identifiers"])}
        rows = []
        for row in quality:
            figure, paper = figures.get(row["figure_id"], {}), papers.get(row["paper_id"], {})
            keys = paper.get("identifiers") or work_keys(row["paper_id"], paper.get("doi"))
            rows.append(
                row
                | {
                    "releasable": bool(row["passed"]) and gate_passed,
                    "work_figures": _work_figures(keys, figure.get("number"), bool(figure.get("supplementary"))),
                }
            )
        rows.sort(key=lambda row: (row["paper_id"], row["figure_id"]))
        return cls(partition_label(source, month), rows, gate_passed)

    @property
    def contenders(self) -> list[Candidate]:
        return [
            Candidate(row["figure_id"], row["image_sha256"], row["image_phash"], self.label, tuple(row["work_figures"]))
            for row in self.rows
            if row["releasable"]
        ]

    def owned_table(self, decisions: dict[str, Duplicate]) -> pa.Table:
        owned = [row for row in self.rows if row["releasable"] and row["figure_id"] not in decisions]
        return pa.Table.from_pylist(
            [{name: row[name] for name in _OWNER_COLUMNS if name != "owned"} for row in owned],
            schema=pa.schema(
                [
                    ("figure_id", pa.string()),
                    ("image_sha256", pa.string()),
                    ("image_phash", pa.string()),
                    ("work_figures", pa.list_(pa.string())),
                ]
            ),
        )

    def ownership_rows(self, decisions: dict[str, Duplicate]) -> list[dict]:
        source, month = self.label.split("/")
        rows = []
        for row in self.rows:
            duplicate = decisions.get(row["figure_id"])
            rows.append(
                {
                    "figure_id": row["figure_id"],
                    "paper_id": row["paper_id"],
                    "source": source,
                    "month": month,
                    "releasable": row["releasable"],
                    "owned": row["releasable"] and duplicate is None,
                    "duplicate_of": duplicate.of if duplicate else None,
                    "duplicate_partition": duplicate.partition if duplicate else None,
                    "duplicate_kind": duplicate.kind if duplicate else None,
                    "duplicate_distance": duplicate.distance if duplicate else None,
                    "image_sha256": row["image_sha256"],
                    "image_phash": row["image_phash"],
                    "work_figures": row["work_figures"],
                }
            )
        return rows


def _work_figures(keys: list[str], number: str | None, supplementary: bool) -> list[str]:
    """ "<work key>#<number>" for a numbered main figure; supplementary figures are numbered differently from one
    version of a work to the next, so they are matched by their pictures alone."""
    number = (number or "").strip().lower()
    if not number or supplementary:
        return []
    return [f"{key}#{number}" for key in keys]
