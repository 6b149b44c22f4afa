"""The pipeline on real-source partitions: with S1MM_SOURCE_BACKEND=live pointed at the local servers, each source's
month goes through every stage, from its listing to a verified release, and the same partition run again
downloads nothing it already has."""

import json

import pytest

from s1mm_assets.definitions import ASSETS
from s1mm_assets.lib.analytics import query
from s1mm_assets.lib.lake import Lake
from s1mm_assets.lib.release import verify_release
from s1mm_assets.lib.sources import SOURCES
from s1mm_assets_tests.pipeline import failed_checks, materialize_partition, materialized_assets
from s1mm_assets_tests.sources.months import MONTH, accounted

STAGES = {asset.key.to_user_string() for asset in ASSETS}
INGEST = ASSETS[:2]  # paper_listing, raw_papers: the assets that talk to the services


@pytest.mark.parametrize("source", SOURCES)
def test_a_live_partition_goes_from_its_listing_to_a_verified_release(source, local, lake: Lake, monkeypatch):
    month = local(source)
    for variable, value in month.environment.items():
        monkeypatch.setenv(variable, value)

    result = materialize_partition(source, MONTH)
    assert result.success and materialized_assets(result) == STAGES and failed_checks(result) == set()
    assert accounted(lake, source) == month.expected
    _, [(manifest, samples)] = query(lake, "select any_value(manifest_sha256), sum(n_samples) from releases")
    release = lake.local_path(f"releases/{source}/{MONTH}")
    assert samples > 0 and verify_release(release, manifest) == []
    released = {json.loads(line)["paper_id"] for line in (release / "metadata.jsonl").read_text().splitlines()}
    assert released and released <= {paper for paper, outcome in month.expected.items() if outcome == "fetched"}

    gets, downloads = len(month.object_gets()), len(month.downloads())
    assert materialize_partition(source, MONTH, selection=INGEST).success
    assert (len(month.object_gets()), len(month.downloads())) == (gets, downloads)
    assert accounted(lake, source) == {
        paper: "unchanged" if outcome == "fetched" else outcome for paper, outcome in month.expected.items()
    }
