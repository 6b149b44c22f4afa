import json
import tarfile
from pathlib import Path

import pytest
import webdataset

from s1mm_assets.lib.release import ReleaseSample, verify_release, write_manifest, write_release
from s1mm_assets.lib.release.manifest import file_sha256
from s1mm_assets_tests import bundles

IMAGES = {f"img{index}": bundles.png_bytes(seed=index) for index in range(5)}


def _samples():
    return [
        ReleaseSample(
            key=f"k{index}",
            image_ref=f"img{index}",
            image_format="png",
            metadata={
                "paper_id": f"p{index // 2}",
                "caption": f"raw {index}",
                "recaption": f"enhanced {index}",
                "title": "T",
                "categories": ["cs.CV"],
            },
        )
        for index in reversed(range(5))
    ]


def _release(folder: Path, max_samples: int = 2) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    shards = write_release(folder, "arxiv", "2024-01", _samples(), IMAGES.__getitem__, max_samples=max_samples)
    sha, _ = write_manifest(folder, {"source": "arxiv", "month": "2024-01"}, {s.name: s.n_samples for s in shards})
    return sha


def test_shards_are_bounded_and_byte_identical_across_runs(tmp_path):
    _release(tmp_path / "one")
    _release(tmp_path / "two")
    names = sorted(
        path.relative_to(tmp_path / "one").as_posix() for path in (tmp_path / "one").rglob("*") if path.is_file()
    )
    assert names == [
        "manifest.json",
        "metadata.jsonl",
        "metadata.parquet",
        "shards/arxiv-2024-01-000000.tar",
        "shards/arxiv-2024-01-000001.tar",
        "shards/arxiv-2024-01-000002.tar",
    ]
    for name in names:
        assert file_sha256(tmp_path / "one" / name) == file_sha256(tmp_path / "two" / name), name


def test_webdataset_reads_back_the_same_images_and_captions(tmp_path):
    _release(tmp_path)
    shard_urls = sorted(str(path) for path in (tmp_path / "shards").glob("*.tar"))
    read = {sample["__key__"]: sample for sample in webdataset.WebDataset(shard_urls, shardshuffle=False)}
    assert set(read) == {f"k{index}" for index in range(5)}
    for index in range(5):
        sample = read[f"k{index}"]
        assert sample["png"] == IMAGES[f"img{index}"]
        assert json.loads(sample["json"])["recaption"] == f"enhanced {index}"
    lines = [json.loads(line) for line in (tmp_path / "metadata.jsonl").read_text().splitlines()]
    assert [line["key"] for line in lines] == ["k0", "k1", "k2", "k3", "k4"]  # sorted by paper, then key
    assert {"image_path", "caption", "recaption", "title", "categories"} <= set(lines[0])
    assert lines[0]["image_path"] == "shards/arxiv-2024-01-000000.tar/k0.png"


def test_verify_passes_on_an_intact_release(tmp_path):
    sha = _release(tmp_path)
    assert verify_release(tmp_path, expected_manifest_sha256=sha) == []


def test_verify_names_a_shard_with_one_changed_byte(tmp_path):
    _release(tmp_path)
    shard = tmp_path / "shards" / "arxiv-2024-01-000001.tar"
    data = bytearray(shard.read_bytes())
    data[600] ^= 0x01  # inside the first member's content
    shard.write_bytes(bytes(data))
    problems = [str(problem) for problem in verify_release(tmp_path)]
    assert "shards/arxiv-2024-01-000001.tar: sha256 differs" in problems
    assert any(problem.startswith("shards/arxiv-2024-01-000001.tar/k2.") for problem in problems)


def test_verify_finds_missing_and_extra_files(tmp_path):
    _release(tmp_path)
    (tmp_path / "metadata.jsonl").unlink()
    (tmp_path / "shards" / "intruder.tar").write_bytes(b"x")
    problems = {str(problem) for problem in verify_release(tmp_path)}
    assert problems == {"metadata.jsonl: missing", "shards/intruder.tar: not in manifest"}


def test_a_manifest_edited_to_match_is_caught_by_the_recorded_hash(tmp_path):
    sha = _release(tmp_path)
    shard = tmp_path / "shards" / "arxiv-2024-01-000000.tar"
    with tarfile.open(shard, "a") as archive:
        info = tarfile.TarInfo("k9.json")
        archive.addfile(info)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    entry = manifest["files"]["shards/arxiv-2024-01-000000.tar"]
    entry["sha256"], entry["bytes"] = file_sha256(shard), shard.stat().st_size
    entry["members"]["k9.json"] = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert verify_release(tmp_path) == []  # the folder alone cannot tell
    assert [str(p) for p in verify_release(tmp_path, expected_manifest_sha256=sha)] == [
        "manifest.json: sha256 differs from the one recorded at release"
    ]


@pytest.mark.parametrize("content", [b"", b"{not json"])
def test_a_broken_manifest_is_reported_not_raised(tmp_path, content):
    (tmp_path / "manifest.json").write_bytes(content)
    assert [problem.path for problem in verify_release(tmp_path)] == ["manifest.json"]


def test_sample_metadata_fills_every_declared_column_but_those_the_shard_writer_places():
    from s1mm_assets.lib.release.metadata import PLACED_BY_WRITER, SCHEMA, sample_metadata
    from s1mm_assets.lib.schemas import CAPTIONS, FIGURES, PAPERS, QUALITY

    def row(schema):
        return {name: None for name in schema.names}

    metadata = sample_metadata(row(PAPERS), row(FIGURES), row(CAPTIONS), row(QUALITY))
    assert set(metadata) | set(PLACED_BY_WRITER) == set(SCHEMA.names)


def test_the_dataset_card_states_the_release_statistics():
    from s1mm_assets.lib.release.card import dataset_card

    def record(paper: str, license_id: str, raw: int, enhanced: int, delta: float | None) -> dict:
        return {
            "paper_id": paper,
            "license_id": license_id,
            "discipline": "Physics",
            "raw_chars": raw,
            "enhanced_chars": enhanced,
            "raw_words": raw // 5,
            "enhanced_words": enhanced // 5,
            "clip_raw": 20.0 if delta is not None else None,
            "clip_enhanced": 20.0 + delta if delta is not None else None,
            "clip_delta": delta,
            "grounding": 1.0,
        }

    records = [record("p1", "CC-BY-4.0", 100, 700, 2.0), record("p2", "arXiv-nonexclusive-1.0", 300, 900, 4.0)]
    held_back = [{"reasons": ["duplicate"]}, {"reasons": ["duplicate", "ungrounded"]}]
    card = dataset_card({"source": "arxiv", "month": "2024-01", "license_policies": ["any"]}, records, held_back)
    assert card.startswith("---\nlicense:\n- cc-by-4.0\n- other\n")
    assert "2 figure-text pairs from 2 open-access papers" in card and "2 further figures were held back" in card
    assert "| characters, mean ± std | 200.0 ± 100.0 | 800.0 ± 100.0 |" in card
    assert "delta 3.0 ± 1.0" in card
    assert "| duplicate | 2 |" in card and "| ungrounded | 1 |" in card
