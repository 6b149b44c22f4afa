"""The S3 store against moto's server: requester pays sent, ranged reads, a download broken off and resumed."""

import hashlib
import io
import uuid
import zipfile

import pytest

from s1mm_assets.lib.sources.integrity import Expected, IntegrityError
from s1mm_assets.lib.sources.s3 import S3Failure, S3Store
from s1mm_assets_tests.sources.servers import DroppingProxy

BIG = bytes(range(256)) * 8192  # 2 MiB


@pytest.fixture
def bucket(s3_server):
    name = f"rp-{uuid.uuid4().hex[:8]}"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as package:
        package.writestr("manifest.xml", b"<manifest/>")
        package.writestr("content/big.bin", BIG)
    s3_server.put_bucket(name, {"big.bin": BIG, "package.zip": archive.getvalue()}, requester_pays=True)
    return name


def test_requests_to_a_requester_pays_bucket_say_so(s3_settings, bucket):
    store = S3Store(s3_settings, bucket, requester_pays=True)
    sent = []
    store._client.meta.events.register("before-send.s3", lambda request, **_: sent.append(dict(request.headers)))
    list(store.list_objects(""))
    store.read("big.bin", byte_range=(0, 9))
    assert sent and all(headers.get("x-amz-request-payer") == b"requester" for headers in sent)


def test_a_zip_member_is_read_through_ranged_gets_without_downloading_the_zip(s3_settings, bucket):
    store = S3Store(s3_settings, bucket, requester_pays=True)
    with store.open_ranged("package.zip") as ranged, zipfile.ZipFile(ranged) as package:
        assert package.read("manifest.xml") == b"<manifest/>"
    assert store.stats.bytes_received < 200_000  # the 2 MiB member stayed on the server


def test_a_download_broken_off_mid_stream_resumes_from_the_last_byte(s3_server, s3_settings, bucket, tmp_path):
    proxy = DroppingProxy(s3_server.endpoint_url)
    store = S3Store(s3_settings.model_copy(update={"s3_endpoint_url": proxy.endpoint_url}), bucket, requester_pays=True)
    proxy.drop_next_get("/big.bin", after=700_000)
    expected = Expected(size=len(BIG), md5=hashlib.md5(BIG).hexdigest())
    result = store.download("big.bin", tmp_path / "big.bin", expected=expected)
    proxy.stop()
    assert proxy.dropped == 1
    assert (tmp_path / "big.bin").read_bytes() == BIG and result.sha256 == hashlib.sha256(BIG).hexdigest()
    assert store.stats.by_operation["get_object"] == 2
    assert store.stats.bytes_received < len(BIG) + 700_000  # the second GET asked for the rest only


def test_a_missing_object_and_a_wrong_size_are_told_apart(s3_settings, bucket, tmp_path):
    store = S3Store(s3_settings, bucket, requester_pays=True)
    with pytest.raises(S3Failure) as missing:
        store.download("absent.bin", tmp_path / "absent")
    assert missing.value.not_found
    with pytest.raises(IntegrityError) as wrong:
        store.download("big.bin", tmp_path / "big", expected=Expected(size=len(BIG) + 1))
    assert wrong.value.reason == "size_mismatch" and not (tmp_path / "big").exists()
