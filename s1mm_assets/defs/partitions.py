"""The one partitioning every asset and check shares: paper source x publication month.

Months start in 2007-01 (arXiv's source era) and include the month in progress (`end_offset=1`). Keys read
`"2024-03-01|arxiv"` (dimensions sort by name); code uses `keys_by_dimension`, never string parsing.
"""

from __future__ import annotations

import dagster as dg

from s1mm_assets.lib.sources import SOURCES

FIRST_MONTH = "2007-01-01"

source_partitions = dg.StaticPartitionsDefinition(list(SOURCES))
month_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, end_offset=1)
source_month_partitions = dg.MultiPartitionsDefinition({"source": source_partitions, "month": month_partitions})


def source_and_month(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[str, str]:
    """(source, "YYYY-MM") of the partition being materialized or checked."""
    key = context.partition_key
    if not isinstance(key, dg.MultiPartitionKey):
        key = source_month_partitions.get_partition_key_from_str(key)
    return key.keys_by_dimension["source"], key.keys_by_dimension["month"][:7]


def partition_key(source: str, month: str) -> dg.MultiPartitionKey:
    """The Dagster key for a source and a month given as YYYY-MM or YYYY-MM-DD."""
    return dg.MultiPartitionKey({"source": source, "month": f"{month[:7]}-01"})
