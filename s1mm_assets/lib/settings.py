"""Where s1mm keeps its state, resolved from the environment at the moment it is needed.

`S1MM_HOME` holds everything a single machine needs (default: `.s1mm/` in the project checkout, or in the
working directory when the package is installed elsewhere). The lake lives under it unless `S1MM_LAKE` points
somewhere else, for example `s3://bucket/s1mm` on a cluster.
"""

from __future__ import annotations

import os
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def project_root() -> Path:
    """The checkout this package runs from (meaningful for the editable install the Makefile makes)."""
    return _PROJECT_ROOT


def s1mm_home() -> Path:
    configured = os.environ.get("S1MM_HOME")
    if configured:
        return Path(configured).expanduser().resolve()
    if (_PROJECT_ROOT / "pyproject.toml").exists():
        return _PROJECT_ROOT / ".s1mm"
    return Path.cwd() / ".s1mm"


def lake_root() -> str:
    """A local path or an fsspec URL."""
    return os.environ.get("S1MM_LAKE") or str(s1mm_home() / "lake")


def dagster_home() -> Path:
    configured = os.environ.get("DAGSTER_HOME")
    return Path(configured) if configured else s1mm_home() / "dagster"
