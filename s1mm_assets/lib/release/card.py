"""The dataset card (`README.md`) of a release: what is in it, where it comes from, its statistics, how to load
and verify it. Hugging Face dataset-card front matter on top, so the folder can be pushed to a hub as it is.

The text is a pure function of the release (no dates, sorted tables), so re-releasing reproduces it byte for byte.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from s1mm_assets.lib.score.text import length_summary


def dataset_card(header: Mapping, records: Sequence[Mapping], held_back: Sequence[Mapping]) -> str:
    source, month = header["source"], header["month"]
    # the hub knows Creative Commons ids in lower case; anything else is "other"
    hub_licenses = sorted({hub_license(record.get("license_id") or "") for record in records})
    lines = [
        "---",
        "license:" if hub_licenses else "license: other",
        *(f"- {license_}" for license_ in hub_licenses),
        "task_categories:",
        "- image-to-text",
        "pretty_name: s1mm figure-text pairs, " + f"{source} {month}",
        f"size_categories: {size_category(len(records))}",
        "---",
        "",
        f"# s1mm release: {source}, {month}",
        "",
        f"{len(records)} figure-text pairs from {len({r['paper_id'] for r in records})} open-access papers of "
        f"{source} published in {month}, in the manner of S1-MMAlign: the author's caption (`caption`) and a caption "
        "rewritten with the paper's own text (`recaption`), with provenance, licence and quality scores. "
        f"{len(held_back)} further figures were held back (reasons below).",
        "",
        "## Files",
        "",
        "- `shards/*.tar`: WebDataset shards, one `<key>.png|jpg` and one `<key>.json` per sample",
        "- `metadata.jsonl`, `metadata.parquet`: one row per sample (the same fields as the `.json` members)",
        "- `held_back.jsonl`: the figures not released and why",
        "- `manifest.json`: sha256 of every file and of every shard member; code, prompt and model versions",
        "",
        "## Statistics",
        "",
        *markdown_table(["", "raw caption", "enhanced caption"], _caption_statistics(records)),
        "",
        *_score_statistics(records),
        "### Samples by discipline",
        "",
        *_counts("discipline", Counter(record.get("discipline") or "unknown" for record in records)),
        "",
        "### Samples by licence",
        "",
        *_counts("licence", Counter(record.get("license_id") or "unknown" for record in records)),
        "",
        "### Samples by figure type",
        "",
        *_counts("figure type", Counter(record.get("figure_type") or "unknown" for record in records)),
        "",
        "### Held back",
        "",
        *_counts("reason", Counter(reason for row in held_back for reason in row["reasons"])),
        "",
        "## Provenance",
        "",
        f"- licence policy: `{', '.join(header.get('license_policies') or ['-'])}`",
        f"- caption backends: {_listed(header.get('caption_backends'))}; models: "
        f"{_listed(header.get('caption_models'))}; prompt versions: {_listed(header.get('prompt_versions'))}",
        f"- CLIP model: {_listed(header.get('scoring', {}).get('clip_models'))}",
        f"- masked LM for pseudo-perplexity: {_listed(header.get('scoring', {}).get('perplexity_models'))}",
        f"- code: s1mm {header.get('code_version')}, revision {header.get('code_revision') or 'unknown'}",
        "",
        "## Loading",
        "",
        "```python",
        "import glob, json, webdataset",
        "",
        'for sample in webdataset.WebDataset(sorted(glob.glob("shards/*.tar")), shardshuffle=False):',
        '    image_bytes = sample.get("png") or sample.get("jpg")',
        '    record = json.loads(sample["json"])  # caption, recaption, title, categories, scores, ...',
        "```",
        "",
        "## Verifying",
        "",
        "`s1mm verify <this folder>` re-hashes every file and shard member against `manifest.json`; the lake that "
        "made the release also holds the manifest's own sha256 (table `releases`).",
        "",
    ]
    return "\n".join(lines)


def _caption_statistics(records: Sequence[Mapping]) -> list[list[str]]:
    raw = length_summary([record["raw_chars"] for record in records])
    enhanced = length_summary([record["enhanced_chars"] for record in records])
    rows = [
        ["characters, mean ± std", _mean_std(raw), _mean_std(enhanced)],
        ["characters, coefficient of variation", _number(raw["cv"], 2), _number(enhanced["cv"], 2)],
        ["words, mean", _mean(record["raw_words"] for record in records), _mean(r["enhanced_words"] for r in records)],
    ]
    if any(record.get("raw_tokens") for record in records):
        raw_tokens = length_summary([record["raw_tokens"] for record in records if record.get("raw_tokens")])
        enhanced_tokens = length_summary([r["enhanced_tokens"] for r in records if r.get("enhanced_tokens")])
        rows.append(["masked-LM tokens, mean ± std", _mean_std(raw_tokens), _mean_std(enhanced_tokens)])
    if any(record.get("pppl_raw") is not None for record in records):
        rows.append(["pseudo-perplexity, median", _median(records, "pppl_raw"), _median(records, "pppl_enhanced")])
    return rows


def _score_statistics(records: Sequence[Mapping]) -> list[str]:
    lines = []
    scored = [record for record in records if record.get("clip_delta") is not None]
    if scored:
        raw = length_summary([record["clip_raw"] for record in scored])
        enhanced = length_summary([record["clip_enhanced"] for record in scored])
        delta = length_summary([record["clip_delta"] for record in scored])
        lines += [
            f"CLIP score (100 x cosine, long captions in sentence chunks) over {len(scored)} samples: raw "
            f"{_mean_std(raw)}, enhanced {_mean_std(enhanced)}, delta {_mean_std(delta)}.",
            "",
        ]
    else:
        reasons = sorted({record.get("clip_not_measured") or "" for record in records} - {""})
        lines += [f"CLIP score: {'; '.join(reasons) or 'not measured'}.", ""]
    grounded = [record["grounding"] for record in records if record.get("grounding") is not None]
    if grounded:
        lines += [
            f"Grounding (share of the recaption's numbers, units, symbols and terms found in the paper): mean "
            f"{statistics.fmean(grounded):.3f} over {len(grounded)} samples.",
            "",
        ]
    return lines


def markdown_table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def _counts(label: str, counter: Counter) -> list[str]:
    if not counter:
        return ["none"]
    return markdown_table(
        [label, "samples" if label != "reason" else "figures"], ([k, str(v)] for k, v in sorted(counter.items()))
    )


def _mean_std(summary: Mapping) -> str:
    if summary["mean"] is None:
        return "-"
    return f"{summary['mean']:.1f} ± {summary['std']:.1f}"


def _mean(values: Iterable[float]) -> str:
    values = list(values)
    return f"{statistics.fmean(values):.1f}" if values else "-"


def _median(records: Sequence[Mapping], column: str) -> str:
    values = [record[column] for record in records if record.get(column) is not None]
    return f"{statistics.median(values):.1f}" if values else "-"


def _number(value: float | None, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _listed(values: Iterable[str] | None) -> str:
    values = [value for value in values or () if value]
    return ", ".join(f"`{value}`" for value in values) if values else "none"


def hub_license(license_id: str) -> str:
    return license_id.lower() if license_id.startswith(("CC", "PDM")) else "other"


def size_category(count: int) -> str:
    for bound, label in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if count < bound:
            return label
    return "n>1M"
