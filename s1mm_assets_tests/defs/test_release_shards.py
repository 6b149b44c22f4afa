"""What a pipeline-made release holds: the figures that passed every per-row filter (and why the others did not),
shards that load with `webdataset` into the same images and captions that went in, a dataset card, a manifest
that `s1mm verify` holds the folder to."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import webdataset
from PIL import Image

from s1mm_assets.cli import main
from s1mm_assets.defs.resources import PaperSourceResource, QualityGateResource
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release.manifest import file_sha256
from s1mm_assets_tests import crafted
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets

SMALL = PaperSourceResource(sample_papers=3)
RELEASE = "releases/nature_communications/2024-01"


def _noise_png(seed: int, size: tuple[int, int] = (160, 120)) -> bytes:
    """A distinct picture per seed (independent noise: no two seeds are perceptually alike)."""
    import numpy as np

    pixels = np.random.default_rng(seed).integers(0, 255, size=(size[1] // 8, size[0] // 8, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).resize(size, Image.NEAREST).save(buffer, format="PNG")
    return buffer.getvalue()


def _resized_jpeg(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    buffer = io.BytesIO()
    image.resize((image.width * 3 // 4, image.height * 3 // 4)).save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One sample partition run through every stage into its own S1MM_HOME; the lake root."""
    home = tmp_path_factory.mktemp("released")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("S1MM_HOME", str(home))
        patch.delenv("S1MM_LAKE", raising=False)
        result = materialize_partition("nature_communications", "2024-01", paper_source=SMALL)
    assert result.success and "release_shards" in materialized_assets(result)
    [event] = result.asset_materializations_for_node("release_shards")
    lake = home / "lake"
    (home / "release-metadata.json").write_text(
        json.dumps({key: str(value.value) for key, value in event.metadata.items()})
    )
    return lake


def test_the_release_metadata_names_the_folder_the_table_the_manifest_hash_and_the_size(released: Path):
    metadata = json.loads((released.parent / "release-metadata.json").read_text())
    assert metadata["release folder"] == str(released / RELEASE)
    assert metadata["releases table"].endswith(
        "tables/releases/source=nature_communications/month=2024-01/data.parquet"
    )
    assert metadata["manifest sha256"] == file_sha256(released / RELEASE / "manifest.json")
    assert re.fullmatch(r"\d+\.\d (kB|MB)", metadata["release size"])
    assert not {"output", "output_1", "failed"} & set(metadata)


def test_a_released_shard_reads_back_through_webdataset_with_the_images_and_captions_that_went_in(released: Path):
    lake = Lake(str(released))
    figures = {
        row["figure_id"]: row for row in lake.read_table("figures", "nature_communications", "2024-01").to_pylist()
    }
    captions = {
        row["figure_id"]: row for row in lake.read_table("captions", "nature_communications", "2024-01").to_pylist()
    }
    passed = {
        row["figure_id"]
        for row in lake.read_table("quality", "nature_communications", "2024-01").to_pylist()
        if row["passed"]
    }

    shards = sorted(str(path) for path in (released / RELEASE / "shards").glob("*.tar"))
    samples = list(webdataset.WebDataset(shards, shardshuffle=False))
    assert {sample["__key__"] for sample in samples} == passed and len(samples) == len(passed) > 0
    for sample in samples:
        figure = figures[sample["__key__"]]
        extension = "jpg" if figure["image_format"] == "jpeg" else "png"
        assert sample[extension] == lake.read_bytes(figure["image_path"])
        record = json.loads(sample["json"])
        assert record["caption"] == figure["raw_caption"]
        assert record["recaption"] == captions[figure["figure_id"]]["enhanced_caption"]
        assert (
            record["image_path"]
            == f"{Path(sample['__url__']).relative_to(released / RELEASE).as_posix()}/{sample['__key__']}.{extension}"
        )

    lines = [json.loads(line) for line in (released / RELEASE / "metadata.jsonl").read_text().splitlines()]
    assert {line["key"]: line for line in lines} == {
        json.loads(s["json"])["key"]: json.loads(s["json"]) for s in samples
    }
    parquet = pq.read_table(released / RELEASE / "metadata.parquet").to_pylist()
    assert [row["recaption"] for row in parquet] == [line["recaption"] for line in lines]
    assert pq.read_schema(released / RELEASE / "metadata.parquet").field("clip_enhanced").type == "double"


def test_the_dataset_card_and_manifest_describe_the_release(released: Path):
    folder = released / RELEASE
    manifest = json.loads((folder / "manifest.json").read_text())
    lines = (folder / "metadata.jsonl").read_text().splitlines()
    held_back = (folder / "held_back.jsonl").read_text().splitlines()
    assert manifest["n_samples"] == len(lines) and manifest["n_held_back"] == len(held_back)
    assert manifest["prompt_versions"] == ["context-fusion-v1"] and manifest["caption_backends"] == ["context"]
    assert manifest["code_version"] and manifest["scoring"]["grounding_method"]
    assert {"README.md", "held_back.jsonl", "metadata.jsonl", "metadata.parquet"} <= set(manifest["files"])

    card = (folder / "README.md").read_text()
    assert card.startswith("---\nlicense:\n- cc-by-4.0\n")
    assert f"{len(lines)} figure-text pairs" in card
    enhanced = [json.loads(line)["enhanced_chars"] for line in lines]
    assert f"{sum(enhanced) / len(enhanced):.1f} ±" in card  # the enhanced-caption length statistic
    assert "CLIP score: not measured: no CLIP model configured." in card


def test_verify_catches_every_kind_of_tampering_with_a_pipeline_release(
    released: Path, tmp_path: Path, monkeypatch, capsys
):
    home = tmp_path / "home"
    shutil.copytree(released.parent, home)
    monkeypatch.setenv("S1MM_HOME", str(home))
    folder = home / "lake" / RELEASE

    def verify() -> tuple[int, str]:
        code = main(["verify", str(home / "lake" / "releases")])
        return code, capsys.readouterr().out

    assert verify()[0] == 0

    shard = sorted((folder / "shards").glob("*.tar"))[0]
    pristine = shard.read_bytes()
    changed = bytearray(pristine)
    changed[len(changed) // 2] ^= 0x01
    shard.write_bytes(bytes(changed))
    code, output = verify()
    assert code == 1 and f"shards/{shard.name}: sha256 differs" in output
    shard.write_bytes(pristine)

    card = (folder / "README.md").read_bytes()
    (folder / "README.md").unlink()
    code, output = verify()
    assert code == 1 and "README.md: missing" in output
    (folder / "README.md").write_bytes(card)

    (folder / "shards" / "extra.tar").write_bytes(pristine)
    code, output = verify()
    assert code == 1 and "shards/extra.tar: not in manifest" in output
    (folder / "shards" / "extra.tar").unlink()

    # change a recaption and edit the manifest to match: the folder is consistent, the recorded hash is not
    metadata = folder / "metadata.jsonl"
    metadata.write_text(metadata.read_text().replace('"recaption":"', '"recaption":"Edited. ', 1))
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["metadata.jsonl"] |= {"sha256": file_sha256(metadata), "bytes": metadata.stat().st_size}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    code, output = verify()
    assert code == 1 and "manifest.json: sha256 differs from the one recorded at release" in output


def test_duplicates_licences_failed_and_ungrounded_captions_are_held_back_with_their_reasons(
    lake: Lake, tmp_path: Path
):
    root = tmp_path / "papers"
    first, second, third, fourth, fifth = (_noise_png(seed) for seed in range(5))
    cite = "Responses of 12 samples at 300 K"
    crafted.add_paper(
        root, "biorxiv", "2024-01", "a", crafted.latex_paper("A", [(f"{cite}, A1.", first), (f"{cite}, A2.", second)])
    )
    crafted.add_paper(
        root,
        "biorxiv",
        "2024-01",
        "b",
        crafted.latex_paper("B", [(f"{cite}, B1.", first), (f"{cite}, B2.", _resized_jpeg(second))]),
    )
    crafted.add_paper(
        root, "biorxiv", "2024-01", "c", crafted.latex_paper("C", [(f"{cite}, C1.", third)]), "CC BY-NC 4.0"
    )
    crafted.add_paper(
        root, "biorxiv", "2024-01", "d", crafted.latex_paper("D", [(f"{cite}, D1.", fourth), (f"{cite}, D2.", fifth)])
    )
    source = PaperSourceResource(source_backend="local", local_root=str(root))
    tolerant = QualityGateResource(max_caption_failure_rate=0.5, min_mean_grounding=0.5, min_mean_enhanced_chars=0)

    assert materialize_partition("biorxiv", "2024-01", paper_source=source, selection=_upstream()).success

    def craft(index: int, row: dict) -> dict:
        if row["enhanced_caption"].startswith(f"{cite}, D1"):
            return row | {"enhanced_caption": row["enhanced_caption"] + " Accuracy reached 97.3% after 4096 runs."}
        if row["enhanced_caption"].startswith(f"{cite}, D2"):
            return row | {"enhanced_caption": None, "status": "refused", "error": "the model declined"}
        return row

    crafted.rewrite_rows(lake, "captions", "biorxiv", "2024-01", craft)
    result = materialize_partition(
        "biorxiv", "2024-01", paper_source=source, quality_gate=tolerant, selection=_downstream()
    )
    assert result.success and failed_checks(result) == set() and "release_shards" in materialized_assets(result)

    names = {  # "A1" for the first figure of paper a, as its caption says
        figure["figure_id"]: figure["raw_caption"].split(", ")[1].rstrip(".")
        for figure in lake.read_table("figures", "biorxiv", "2024-01").to_pylist()
    }
    reasons = {names[row["figure_id"]]: row for row in lake.read_table("quality", "biorxiv", "2024-01").to_pylist()}
    assert {name: row["reasons"] for name, row in reasons.items()} == {
        "A1": [],
        "A2": [],
        "B1": [],  # passes every per-figure filter; ownership decides that A1 is the copy released
        "B2": [],
        "C1": ["license_not_allowed"],
        "D1": ["invented_numbers"],
        "D2": ["caption_refused", "enhanced_caption_too_short"],
    }
    assert reasons["D1"]["invented_numbers"] == ["97.3", "4096"]
    owners = {names[row["figure_id"]]: row for row in lake.read_table("ownership", "biorxiv", "2024-01").to_pylist()}
    assert (owners["B1"]["duplicate_of"], owners["B1"]["duplicate_kind"]) == (reasons["A1"]["figure_id"], "exact")
    assert (owners["B2"]["duplicate_of"], owners["B2"]["duplicate_kind"]) == (reasons["A2"]["figure_id"], "near")
    assert {name for name, row in owners.items() if row["owned"]} == {"A1", "A2"}
    # held back for their own reasons, never called duplicates
    assert all(owners[name]["duplicate_of"] is None for name in ("C1", "D1", "D2"))

    folder = lake.local_path("releases/biorxiv/2024-01")
    released_ids = {json.loads(line)["figure_id"] for line in (folder / "metadata.jsonl").read_text().splitlines()}
    assert released_ids == {reasons["A1"]["figure_id"], reasons["A2"]["figure_id"]}
    held_back = {
        json.loads(line)["figure_id"]: json.loads(line)["reasons"] for line in (folder / "held_back.jsonl").open()
    }
    expected = {row["figure_id"]: row["reasons"] for row in reasons.values() if row["reasons"]}
    expected |= {reasons[name]["figure_id"]: ["duplicate"] for name in ("B1", "B2")}
    assert held_back == expected


def _upstream() -> list:
    from s1mm_assets.definitions import ASSETS

    return ASSETS[:5]  # paper_listing, raw_papers, figures, contexts, enhanced_captions


def _downstream() -> list:
    from s1mm_assets.definitions import ASSETS

    return ASSETS[5:]  # quality_scores (with its checks), figure_ownership, release_shards


def test_a_figure_owned_by_an_earlier_month_is_a_duplicate_later_but_not_the_other_way_round(
    lake: Lake, tmp_path: Path
):
    root = tmp_path / "papers"
    shared, other = _noise_png(10), _noise_png(11)
    caption = "Responses of 12 samples at 300 K"
    crafted.add_paper(root, "biorxiv", "2024-01", "early", crafted.latex_paper("Early", [(f"{caption}.", shared)]))
    crafted.add_paper(
        root,
        "biorxiv",
        "2024-02",
        "late",
        crafted.latex_paper("Late", [(f"{caption}.", _resized_jpeg(shared)), (f"{caption}.", other)]),
    )
    source = PaperSourceResource(source_backend="local", local_root=str(root))
    tolerant = QualityGateResource(min_mean_enhanced_chars=0)

    assert materialize_partition("biorxiv", "2024-02", paper_source=source, quality_gate=tolerant).success
    assert materialize_partition("biorxiv", "2024-01", paper_source=source, quality_gate=tolerant).success
    [early] = lake.read_table("ownership", "biorxiv", "2024-01").to_pylist()
    assert early["owned"] and early["duplicate_of"] is None  # a later partition does not count against it

    # February was decided before January existed; decided again (as automation would), January owns the picture
    assert materialize_partition("biorxiv", "2024-02", paper_source=source, quality_gate=tolerant).success
    late = sorted(
        lake.read_table("ownership", "biorxiv", "2024-02").to_pylist(), key=lambda row: row["duplicate_of"] is None
    )
    assert [(row["duplicate_of"], row["duplicate_partition"], row["duplicate_kind"]) for row in late] == [
        (early["figure_id"], "biorxiv/2024-01", "near"),
        (None, None, None),
    ]
    released = (lake.local_path("releases/biorxiv/2024-02") / "metadata.jsonl").read_text().splitlines()
    assert [json.loads(line)["figure_id"] for line in released] == [late[1]["figure_id"]]
