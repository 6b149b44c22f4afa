import contextlib

import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.paper_listing.assets import paper_listing
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, PaperSourceResource, QualityGateResource
from s1mm_assets.lib.stages.raw_papers import fetch_papers


@dg.asset(
    partitions_def=source_month_partitions,
    deps=[paper_listing],
    group_name=groups.INGEST,
    kinds={"python", "parquet"},
    owners=OWNERS,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=30, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL),
)
def raw_papers(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    paper_source: PaperSourceResource,
    quality_gate: QualityGateResource,
) -> dg.MaterializeResult:
    """Every listed paper of the source and month as its source ships it (LaTeX bundle, JATS package or PDF).

    Fetches what the listing holds that the lake does not have yet (a new version is fetched again), stores bundles
    content-addressed in the lake's blob store and records one outcome per listed paper in `fetches` (fetched,
    unchanged, superseded, failed with its reason, left out by the paper cap or, for `live` sources, by a licence
    the release policy excludes). One row per paper held in `papers` with its bibliographic metadata, licence,
    discipline and the identifiers of the same work elsewhere. Failures and unreadable bundles go to quarantine.
    """
    source, month = source_and_month(context)
    settings = paper_source.settings()
    opened = lake.open()
    with contextlib.closing(paper_source.open(source)) as connector:
        report = fetch_papers(
            opened,
            connector,
            source,
            month,
            policy=quality_gate.settings().license_policy,
            cap=settings.source_paper_cap,
            checkpoint_every=settings.source_checkpoint_every,
            # only where a download is paid for: offline backends keep every paper, the release filter decides
            skip_excluded_licenses=settings.backend_for(source) == "live",
        )
    return materialize_result(report, opened)
