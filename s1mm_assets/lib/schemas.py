"""The declared shape of every lake table. Writes are validated against these; readers can rely on them.

Every table carries `source` and `month` (YYYY-MM) both as columns and as hive folders, so a file is
self-describing and DuckDB can prune folders. New columns are appended at the end; readers use
`union_by_name`, so partitions written before a column existed read it as NULL.
"""

from __future__ import annotations

import pyarrow as pa

_PARTITION_COLUMNS = [pa.field("source", pa.string(), nullable=False), pa.field("month", pa.string(), nullable=False)]

LINK = pa.struct([pa.field("relation", pa.string()), pa.field("scheme", pa.string()), pa.field("value", pa.string())])

# What a partition should hold, as its source lists it, recorded before anything is downloaded (lib/stages/
# paper_listing.py): one row per listed paper and version.
LISTINGS = pa.schema(
    [
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("version", pa.string(), nullable=False),  # "" where only the fetch can tell (PMC, offline backends)
        # as the source says: available, withdrawn, pending_deposit, no_full_text_link, not_open_access
        pa.field("status", pa.string(), nullable=False),
        pa.field("superseded_by", pa.string()),  # a newer version listed in the same month
        pa.field("title", pa.string()),
        pa.field("abstract", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("discipline", pa.string()),
        pa.field("license", pa.string()),  # as the source states it
        pa.field("license_id", pa.string()),
        pa.field("license_allowed", pa.bool_()),  # under `license_policy`, the release policy at listing time
        pa.field("license_policy", pa.string()),
        pa.field("doi", pa.string()),
        pa.field("arxiv_id", pa.string()),
        pa.field("pmcid", pa.string()),
        pa.field("pmid", pa.string()),
        pa.field("submitted", pa.string()),  # ISO date of the first version
        pa.field("updated", pa.string()),  # ISO date of the version listed
        pa.field("published", pa.string()),  # ISO date of the journal publication, where known
        pa.field("url", pa.string()),
        pa.field("links", pa.list_(LINK)),  # the same work elsewhere, as the source links it
        pa.field("identifiers", pa.list_(pa.string())),  # normalised work keys (lib/identifiers.py)
        pa.field("plan_location", pa.string()),  # where the bundle is: URL, s3://bucket/key, file
        pa.field("plan_kind", pa.string()),  # latex | jats | pdf; "" where the fetch tells
        pa.field("plan_filename", pa.string()),
        pa.field("expected_bytes", pa.int64()),
        pa.field("expected_md5", pa.string()),
        pa.field("expected_sha256", pa.string()),
        # found by an earlier listing and not (yet) by the one in progress; a listing that completes drops these
        pa.field("stale", pa.bool_(), nullable=False),
    ]
)

# The latest listing of a partition: where it stands, so an interrupted one resumes (one row per partition).
LISTING_PROGRESS = pa.schema(
    [
        *_PARTITION_COLUMNS,
        pa.field("backend", pa.string(), nullable=False),  # sample, local or live
        pa.field("complete", pa.bool_(), nullable=False),  # the listing ran to the end of the month's list
        pa.field("checkpoint", pa.string()),  # JSON the connector resumes from
        pa.field("listed", pa.int64()),  # papers this listing found so far
        pa.field("pages", pa.int32()),
        pa.field("paper_cap", pa.int32()),  # S1MM_SOURCE_PAPER_CAP it ran under (0: none)
        pa.field("notes", pa.list_(pa.string())),  # e.g. that a recent month under-counts
        pa.field("error", pa.string()),  # why the last attempt stopped, when it failed
    ]
)

# What happened to each listed paper and version (lib/stages/raw_papers.py), one row per row of `listings`.
FETCHES = pa.schema(
    [
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("version", pa.string(), nullable=False),  # as listed
        # fetched (this run), unchanged (held from an earlier run), superseded, failed, left_out
        pa.field("status", pa.string(), nullable=False),
        pa.field("reason", pa.string()),  # why failed or left out: lib/sources/listing.py FAILURE_REASONS, ...
        pa.field("detail", pa.string()),
        pa.field("origin", pa.string()),  # the URL, s3://bucket/key or archive member the bytes came from
        pa.field("fetched_version", pa.string()),  # the version the bytes are (PMC's is known only then)
        pa.field("sha256", pa.string()),
        pa.field("bytes", pa.int64()),
        pa.field("blob_path", pa.string()),
        pa.field("bundle_filename", pa.string()),
        pa.field("bundle_kind", pa.string()),  # latex | jats | pdf; NULL when the bundle cannot be opened
    ]
)

PAPERS = pa.schema(
    [
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("title", pa.string()),
        pa.field("abstract", pa.string()),
        pa.field("authors", pa.list_(pa.string())),
        pa.field("categories", pa.list_(pa.string())),
        pa.field("discipline", pa.string()),
        pa.field("license", pa.string()),
        pa.field("doi", pa.string()),
        pa.field("url", pa.string()),
        pa.field("published", pa.string()),
        pa.field("bundle_kind", pa.string()),
        pa.field("bundle_filename", pa.string()),
        pa.field("bundle_sha256", pa.string()),
        pa.field("bundle_path", pa.string()),
        pa.field("bundle_bytes", pa.int64()),
        # every identifier of the work, normalised (`doi:...`, `arxiv:...`, `pmcid:...`, lib/identifiers.py): its
        # own and those its source links it to, so the same work found in another source is recognised
        pa.field("identifiers", pa.list_(pa.string())),
    ]
)

# The outcome of extracting one paper: what the document itself says, and how many figures came out.
DOCUMENTS = pa.schema(
    [
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("extractor", pa.string()),
        pa.field("title", pa.string()),
        pa.field("abstract", pa.string()),
        pa.field("license", pa.string()),
        pa.field("doi", pa.string()),
        pa.field("n_figures", pa.int32()),
        pa.field("n_problems", pa.int32()),
        pa.field("error", pa.string()),
    ]
)

SUBFIGURE = pa.struct([pa.field("label", pa.string()), pa.field("caption", pa.string())])

FIGURES = pa.schema(
    [
        pa.field("figure_id", pa.string(), nullable=False),
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("figure_key", pa.string()),
        pa.field("label", pa.string()),
        pa.field("number", pa.string()),
        pa.field("raw_caption", pa.string()),
        pa.field("subfigures", pa.list_(SUBFIGURE)),
        pa.field("citing_paragraphs", pa.list_(pa.string())),
        pa.field("image_sha256", pa.string()),
        pa.field("image_path", pa.string()),
        pa.field("image_format", pa.string()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("extractor", pa.string()),
        pa.field("page", pa.int32()),
        pa.field("bbox", pa.list_(pa.float64())),
        pa.field("warnings", pa.list_(pa.string())),
        # supplementary / extended-data figures ("Figure S1", JATS supplementary material)
        pa.field("supplementary", pa.bool_()),
    ]
)

CONTEXTS = pa.schema(
    [
        pa.field("figure_id", pa.string(), nullable=False),
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("title", pa.string()),
        pa.field("abstract", pa.string()),
        pa.field("citing_sentences", pa.list_(pa.string())),
        pa.field("context_sha256", pa.string()),
    ]
)

CAPTIONS = pa.schema(
    [
        pa.field("figure_id", pa.string(), nullable=False),
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("enhanced_caption", pa.string()),
        pa.field("backend", pa.string()),
        pa.field("model", pa.string()),
        pa.field("prompt_version", pa.string()),
        pa.field("prompt_tokens", pa.int32()),
        pa.field("completion_tokens", pa.int32()),
        pa.field("latency_s", pa.float64()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        # Why the model stopped ("stop", "length"); NULL where no model answered.
        pa.field("finish_reason", pa.string()),
        # Requests sent for the figure, retries included (0: none, e.g. an image that does not decode).
        pa.field("attempts", pa.int32()),
    ]
)

QUALITY = pa.schema(
    [
        pa.field("figure_id", pa.string(), nullable=False),
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        pa.field("raw_chars", pa.int32()),
        pa.field("enhanced_chars", pa.int32()),
        pa.field("raw_words", pa.int32()),
        pa.field("enhanced_words", pa.int32()),
        pa.field("image_decodable", pa.bool_()),
        pa.field("caption_status", pa.string()),
        # passes every per-figure filter; whether it is the copy released of a figure seen in several partitions
        # is decided next, in `ownership`
        pa.field("passed", pa.bool_()),
        pa.field("reasons", pa.list_(pa.string())),
        # what duplicates are recognised by: the exact bytes and a 256-bit perceptual hash
        pa.field("image_sha256", pa.string()),
        pa.field("image_phash", pa.string()),
        # licence as an SPDX-style id and the release policy it was judged by
        pa.field("license_id", pa.string()),
        pa.field("license_policy", pa.string()),
        # grounding of the enhanced caption in its sources
        pa.field("grounding", pa.float64()),
        pa.field("grounding_items", pa.int32()),
        pa.field("ungrounded", pa.list_(pa.string())),
        pa.field("invented_numbers", pa.list_(pa.string())),
        # CLIP scores (100 x cosine); null with the reason in clip_not_measured when no model is configured
        pa.field("clip_raw", pa.float64()),
        pa.field("clip_enhanced", pa.float64()),
        pa.field("clip_delta", pa.float64()),
        pa.field("clip_raw_truncated", pa.float64()),
        pa.field("clip_enhanced_truncated", pa.float64()),
        pa.field("clip_enhanced_chunks", pa.int32()),
        pa.field("clip_model", pa.string()),
        pa.field("clip_method", pa.string()),
        pa.field("clip_not_measured", pa.string()),
        pa.field("figure_type", pa.string()),
        pa.field("figure_type_score", pa.float64()),
        # masked-LM pseudo-perplexity and token counts (the LM's tokenizer)
        pa.field("pppl_raw", pa.float64()),
        pa.field("pppl_enhanced", pa.float64()),
        pa.field("raw_tokens", pa.int32()),
        pa.field("enhanced_tokens", pa.int32()),
        pa.field("perplexity_model", pa.string()),
        pa.field("perplexity_not_measured", pa.string()),
    ]
)

# The partition-level verdicts of the release gate, as the quality step computed them (one row per check).
CHECKS = pa.schema(
    [
        *_PARTITION_COLUMNS,
        pa.field("check", pa.string(), nullable=False),
        pa.field("passed", pa.bool_(), nullable=False),
        # ERROR blocks the release; WARN (e.g. a metric not measured) does not
        pa.field("severity", pa.string(), nullable=False),
        pa.field("measured", pa.bool_()),
        pa.field("summary", pa.string()),
        pa.field("facts", pa.string()),  # JSON
    ]
)

# Which copy of a figure seen in several partitions is released (lib/score/ownership.py): one row per figure.
OWNERSHIP = pa.schema(
    [
        pa.field("figure_id", pa.string(), nullable=False),
        pa.field("paper_id", pa.string(), nullable=False),
        *_PARTITION_COLUMNS,
        # passed every per-figure filter in a partition whose release gate passed: only these take part
        pa.field("releasable", pa.bool_(), nullable=False),
        # the copy that is released: releasable and no earlier releasable copy
        pa.field("owned", pa.bool_(), nullable=False),
        pa.field("duplicate_of", pa.string()),
        pa.field("duplicate_partition", pa.string()),
        # "exact" (same bytes), "near" (perceptual hash) or "same_work" (same figure of the same work)
        pa.field("duplicate_kind", pa.string()),
        pa.field("duplicate_distance", pa.int32()),
        # what later partitions compare their figures with
        pa.field("image_sha256", pa.string()),
        pa.field("image_phash", pa.string()),
        pa.field("work_figures", pa.list_(pa.string())),  # "<work key>#<figure number>"
    ]
)

# What a partition's ownership was decided against: every lake file read, by its sha256.
OWNERSHIP_INPUTS = pa.schema(
    [
        *_PARTITION_COLUMNS,
        pa.field("consulted", pa.string(), nullable=False),  # "<table>/<source>/<YYYY-MM>"
        pa.field("sha256", pa.string(), nullable=False),
    ]
)

RELEASES = pa.schema(
    [
        *_PARTITION_COLUMNS,
        pa.field("shard", pa.string(), nullable=False),
        pa.field("path", pa.string()),
        pa.field("sha256", pa.string()),
        pa.field("n_samples", pa.int32()),
        pa.field("bytes", pa.int64()),
        pa.field("release_dir", pa.string()),
        pa.field("manifest_sha256", pa.string()),
    ]
)

QUARANTINE = pa.schema(
    [
        *_PARTITION_COLUMNS,
        pa.field("stage", pa.string(), nullable=False),
        pa.field("item_id", pa.string()),
        pa.field("paper_id", pa.string()),
        pa.field("reason", pa.string()),
        pa.field("detail", pa.string()),
    ]
)

TABLES: dict[str, pa.Schema] = {
    "listings": LISTINGS,
    "listing_progress": LISTING_PROGRESS,
    "fetches": FETCHES,
    "papers": PAPERS,
    "documents": DOCUMENTS,
    "figures": FIGURES,
    "contexts": CONTEXTS,
    "captions": CAPTIONS,
    "quality": QUALITY,
    "checks": CHECKS,
    "ownership": OWNERSHIP,
    "ownership_inputs": OWNERSHIP_INPUTS,
    "releases": RELEASES,
    "quarantine": QUARANTINE,
}

# The dataset report (lib/stages/dataset_report.py): tables about the whole dataset, one file each under `report/`,
# rewritten whole by every report. Counts are int64 (DuckDB's), statistics float64.
_COUNT = pa.int64()
_STAT = pa.float64()

REPORT_COVERAGE = pa.schema(
    [
        *_PARTITION_COLUMNS,
        pa.field("papers", _COUNT),
        pa.field("figures", _COUNT),
        pa.field("captions_ok", _COUNT),
        pa.field("scored", _COUNT),
        pa.field("held_back", _COUNT),
        pa.field("duplicates", _COUNT),
        pa.field("released", _COUNT),
        pa.field("shards", _COUNT),
        pa.field("release_bytes", _COUNT),
        pa.field("quarantined", _COUNT),
        pa.field("gate", pa.string()),  # passed | failed | not scored
        pa.field("failed_checks", pa.string()),
        pa.field("not_measured_checks", pa.string()),
    ]
)

# Caption lengths in characters of the released figures, raw and enhanced, beside S1-MMAlign's published figures.
REPORT_CAPTION_LENGTHS = pa.schema(
    [
        pa.field("scope", pa.string(), nullable=False),  # "released" | "S1-MMAlign (reference)"
        pa.field("caption", pa.string(), nullable=False),  # "raw" | "enhanced"
        pa.field("captions", _COUNT),
        pa.field("mean", _STAT),
        pa.field("std", _STAT),
        pa.field("cv", _STAT),
        pa.field("p10", _STAT),
        pa.field("median", _STAT),
        pa.field("p90", _STAT),
    ]
)

REPORT_CLIP_BY_DISCIPLINE = pa.schema(
    [
        pa.field("discipline", pa.string(), nullable=False),
        pa.field("released", _COUNT),
        pa.field("clip_measured", _COUNT),
        pa.field("clip_raw_mean", _STAT),
        pa.field("clip_enhanced_mean", _STAT),
        pa.field("clip_delta_mean", _STAT),
        pa.field("clip_delta_std", _STAT),
        pa.field("not_measured", pa.string()),  # why, where no figure of the discipline was scored
    ]
)

REPORT_GROUNDING = pa.schema(
    [
        pa.field("source", pa.string(), nullable=False),
        pa.field("captions_checked", _COUNT),
        pa.field("grounding_mean", _STAT),
        pa.field("grounding_p10", _STAT),
        pa.field("held_back_ungrounded", _COUNT),
        pa.field("captions_with_invented_numbers", _COUNT),
    ]
)

REPORT_FIGURE_TYPES = pa.schema(
    [pa.field("figure_type", pa.string(), nullable=False), pa.field("scored", _COUNT), pa.field("released", _COUNT)]
)

REPORT_LICENCES = pa.schema(
    [pa.field("license_id", pa.string(), nullable=False), pa.field("scored", _COUNT), pa.field("released", _COUNT)]
)

REPORT_HELD_BACK = pa.schema(
    [pa.field("reason", pa.string(), nullable=False), pa.field("figures", _COUNT), pa.field("partitions", _COUNT)]
)

REPORT_QUARANTINE = pa.schema(
    [
        pa.field("stage", pa.string(), nullable=False),
        pa.field("reason", pa.string()),
        pa.field("items", _COUNT),
        pa.field("papers", _COUNT),
        pa.field("partitions", _COUNT),
    ]
)

REPORT_TABLES: dict[str, pa.Schema] = {
    "report_coverage": REPORT_COVERAGE,
    "report_caption_lengths": REPORT_CAPTION_LENGTHS,
    "report_clip_by_discipline": REPORT_CLIP_BY_DISCIPLINE,
    "report_grounding": REPORT_GROUNDING,
    "report_figure_types": REPORT_FIGURE_TYPES,
    "report_licences": REPORT_LICENCES,
    "report_held_back": REPORT_HELD_BACK,
    "report_quarantine": REPORT_QUARANTINE,
}
