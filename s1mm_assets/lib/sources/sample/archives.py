"""Byte-reproducible archives: the same members always give the same .tar.gz or .zip bytes.

Members are written in sorted order with a fixed timestamp, owner 0 and no user or group names; gzip gets
mtime 0 and no file name, so nothing of the machine or the moment leaks into the bundle.
"""

from __future__ import annotations

import datetime as dt
import gzip
import io
import tarfile
import zipfile
from collections.abc import Mapping


def tar_gz(members: Mapping[str, bytes], timestamp: dt.datetime) -> bytes:
    mtime = int(timestamp.replace(tzinfo=dt.UTC).timestamp())
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as archive,
    ):
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size = len(members[name])
            info.mtime = mtime
            info.mode = 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            archive.addfile(info, io.BytesIO(members[name]))
    return buffer.getvalue()


def zip_archive(members: Mapping[str, bytes], timestamp: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, mode="w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=timestamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, members[name])
    return buffer.getvalue()
