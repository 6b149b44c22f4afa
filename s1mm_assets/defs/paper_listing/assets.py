import contextlib

import dagster as dg

from s1mm_assets.defs import groups
from s1mm_assets.defs.partitions import source_and_month, source_month_partitions
from s1mm_assets.defs.reporting import OWNERS, materialize_result
from s1mm_assets.defs.resources import LakeResource, PaperSourceResource, QualityGateResource
from s1mm_assets.lib.stages.paper_listing import list_papers

# A service that keeps failing (after the client's own retries) stops the listing; a later attempt resumes it from
# the checkpoint the lake holds.
LISTING_RETRIES = dg.RetryPolicy(max_retries=2, delay=60, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.FULL)


@dg.asset(
    partitions_def=source_month_partitions,
    group_name=groups.INGEST,
    kinds={"python", "parquet"},
    owners=OWNERS,
    retry_policy=LISTING_RETRIES,
)
def paper_listing(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    paper_source: PaperSourceResource,
    quality_gate: QualityGateResource,
) -> dg.MaterializeResult:
    """What the partition should hold, as its source lists it, recorded before anything is downloaded.

    One row per listed paper and version in `listings` (title, abstract, authors, categories, discipline, licence
    as stated and as an id with the release policy's verdict, DOI, arXiv id, PMCID, dates, links to the same work
    elsewhere, where the bundle is) and the listing's progress in `listing_progress` (checkpoint, complete, notes
    such as a recent month that under-counts). An interrupted listing resumes from its checkpoint; a complete one is
    listed again, finding new versions, withdrawals and late deposits. With the `sample` and `local` backends the
    listing is what they hold.
    """
    source, month = source_and_month(context)
    settings = paper_source.settings()
    opened = lake.open()
    with contextlib.closing(paper_source.open(source)) as connector:
        report = list_papers(
            opened,
            connector,
            source,
            month,
            backend=settings.backend_for(source),
            policy=quality_gate.settings().license_policy,
            cap=settings.source_paper_cap,
            checkpoint_every=settings.source_checkpoint_every,
        )
    return materialize_result(report, opened)
