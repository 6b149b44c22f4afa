"""Stage 6: publish the partition's passing figures as a verifiable WebDataset release."""

from __future__ import annotations

from s1mm_assets import __version__
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release import ReleaseSample, write_manifest, write_release
from s1mm_assets.lib.stages.report import StageReport


def release_folder(source: str, month: str) -> str:
    return f"releases/{source}/{month}"


def publish_release(lake: Lake, source: str, month: str) -> StageReport:
    papers = {row["paper_id"]: row for row in lake.read_table("papers", source, month).to_pylist()}
    figures = {row["figure_id"]: row for row in lake.read_table("figures", source, month).to_pylist()}
    captions = {row["figure_id"]: row for row in lake.read_table("captions", source, month).to_pylist()}
    quality = lake.read_table("quality", source, month).to_pylist()
    samples = [
        _sample(papers[row["paper_id"]], figures[row["figure_id"]], captions[row["figure_id"]], row)
        for row in quality
        if row["passed"]
    ]
    header = {
        "source": source,
        "month": month,
        "code_version": __version__,
        "n_samples": len(samples),
        "n_held_back": len(quality) - len(samples),
        "prompt_versions": sorted({captions[s.key]["prompt_version"] for s in samples}),
        "caption_backends": sorted({captions[s.key]["backend"] for s in samples}),
    }
    folder = release_folder(source, month)
    with lake.staged_folder(folder) as staging:
        shards = write_release(staging, source, month, samples, read_image=lake.read_bytes)
        manifest_sha256, files = write_manifest(staging, header, {shard.name: shard.n_samples for shard in shards})
    rows = [
        {
            "source": source,
            "month": month,
            "shard": shard.name,
            "path": f"{folder}/{shard.name}",
            "sha256": files[shard.name]["sha256"],
            "n_samples": shard.n_samples,
            "bytes": files[shard.name]["bytes"],
            "release_dir": folder,
            "manifest_sha256": manifest_sha256,
        }
        for shard in shards
    ]
    report = StageReport(rows=len(samples), failed=len(quality) - len(samples))
    report.outputs = [folder, lake.write_table("releases", source, month, rows)]
    report.metrics = {
        "shards": len(shards),
        "release_bytes": sum(row["bytes"] for row in rows),
        "held_back": len(quality) - len(samples),
    }
    report.preview = [(sample.metadata["paper_id"], sample.metadata["recaption"]) for sample in samples[:3]]
    return report


def _sample(paper: dict, figure: dict, caption: dict, quality: dict) -> ReleaseSample:
    metadata = {
        # S1-MMAlign's fields
        "caption": figure["raw_caption"],
        "recaption": caption["enhanced_caption"],
        "title": paper["title"],
        "categories": paper["categories"],
        # ours
        "source": paper["source"],
        "month": paper["month"],
        "paper_id": paper["paper_id"],
        "figure_id": figure["figure_id"],
        "figure_label": figure["label"],
        "figure_number": figure["number"],
        "doi": paper["doi"],
        "url": paper["url"],
        "license": paper["license"],
        "discipline": paper["discipline"],
        "width": figure["width"],
        "height": figure["height"],
        "image_sha256": figure["image_sha256"],
        "caption_backend": caption["backend"],
        "caption_model": caption["model"],
        "prompt_version": caption["prompt_version"],
        "raw_chars": quality["raw_chars"],
        "enhanced_chars": quality["enhanced_chars"],
    }
    return ReleaseSample(
        key=figure["figure_id"], image_ref=figure["image_path"], image_format=figure["image_format"], metadata=metadata
    )
