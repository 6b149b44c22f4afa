"""Release folders: WebDataset shards, metadata, dataset card, manifest, verification."""

from s1mm_assets.lib.release.manifest import IntegrityProblem, verify_release, write_manifest
from s1mm_assets.lib.release.shards import ReleaseSample, ShardInfo, write_release

__all__ = ["IntegrityProblem", "ReleaseSample", "ShardInfo", "verify_release", "write_manifest", "write_release"]
