"""What one released sample says about itself: the fields of `<key>.json`, `metadata.jsonl` and
`metadata.parquet`.

S1-MMAlign's fields come first (`image_path`, `caption`, `recaption`, `title`, `categories`), then ours:
provenance, licence and the policy it was released under, the captioner, and every quality score. A score that
was not measured is null, with the reason next to it. The Parquet schema is declared here so a column keeps
its type even when every value in a release is null.
"""

from __future__ import annotations

import pyarrow as pa

from s1mm_assets.lib.schemas import QUALITY

# Every score of the `quality` table a consumer may filter on, with the reasons for those not measured.
_FROM_QUALITY = (
    "license_id",
    "license_policy",
    "image_phash",
    "raw_chars",
    "enhanced_chars",
    "raw_words",
    "enhanced_words",
    "raw_tokens",
    "enhanced_tokens",
    "grounding",
    "clip_raw",
    "clip_enhanced",
    "clip_delta",
    "clip_raw_truncated",
    "clip_enhanced_truncated",
    "clip_not_measured",
    "figure_type",
    "figure_type_score",
    "pppl_raw",
    "pppl_enhanced",
    "perplexity_not_measured",
)

SCHEMA = pa.schema(
    [
        # S1-MMAlign's fields
        pa.field("image_path", pa.string()),
        pa.field("caption", pa.string()),
        pa.field("recaption", pa.string()),
        pa.field("title", pa.string()),
        pa.field("categories", pa.list_(pa.string())),
        # where the sample is and where it comes from
        pa.field("key", pa.string()),
        pa.field("shard", pa.string()),
        pa.field("source", pa.string()),
        pa.field("month", pa.string()),
        pa.field("paper_id", pa.string()),
        pa.field("figure_id", pa.string()),
        pa.field("figure_label", pa.string()),
        pa.field("figure_number", pa.string()),
        pa.field("doi", pa.string()),
        pa.field("url", pa.string()),
        pa.field("discipline", pa.string()),
        pa.field("license", pa.string()),
        pa.field("width", pa.int32()),
        pa.field("height", pa.int32()),
        pa.field("image_sha256", pa.string()),
        # who wrote the recaption
        pa.field("caption_backend", pa.string()),
        pa.field("caption_model", pa.string()),
        pa.field("prompt_version", pa.string()),
        *(QUALITY.field(name) for name in _FROM_QUALITY),
    ]
)

# Filled by the shard writer, which knows where each sample lands.
PLACED_BY_WRITER = ("image_path", "key", "shard")


def sample_metadata(paper: dict, figure: dict, caption: dict, quality: dict) -> dict:
    """The metadata of one released figure, from its rows in papers, figures, captions and quality."""
    metadata = {
        "caption": figure["raw_caption"],
        "recaption": caption["enhanced_caption"],
        "title": paper["title"],
        "categories": paper["categories"],
        "source": paper["source"],
        "month": paper["month"],
        "paper_id": paper["paper_id"],
        "figure_id": figure["figure_id"],
        "figure_label": figure["label"],
        "figure_number": figure["number"],
        "doi": paper["doi"],
        "url": paper["url"],
        "discipline": paper["discipline"],
        "license": paper["license"],
        "width": figure["width"],
        "height": figure["height"],
        "image_sha256": figure["image_sha256"],
        "caption_backend": caption["backend"],
        "caption_model": caption["model"],
        "prompt_version": caption["prompt_version"],
    }
    return metadata | {name: quality.get(name) for name in _FROM_QUALITY}
