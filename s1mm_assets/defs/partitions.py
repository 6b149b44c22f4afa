"""The one partitioning every asset and check shares: paper source x publication month.

Months start in 2007-01 (arXiv's source era) and include the month in progress (`end_offset=1`). A month is
spelled `2024-03` everywhere: in Dagster's partition keys (`"2024-03|arxiv"`, dimensions sort by name), in the
lake's folders, on the command line and in the release folders. Code reads `keys_by_dimension`, never parses
the string.
"""

from __future__ import annotations

import dagster as dg

from s1mm_assets.lib.sources import SOURCES

FIRST_MONTH = "2007-01"
MONTH_FORMAT = "%Y-%m"

source_partitions = dg.StaticPartitionsDefinition(list(SOURCES))
month_partitions = dg.MonthlyPartitionsDefinition(start_date=FIRST_MONTH, fmt=MONTH_FORMAT, end_offset=1)
source_month_partitions = dg.MultiPartitionsDefinition({"source": source_partitions, "month": month_partitions})


def source_and_month(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> tuple[str, str]:
    """(source, "YYYY-MM") of the partition being materialized or checked."""
    key = context.partition_key
    if not isinstance(key, dg.MultiPartitionKey):
        key = source_month_partitions.get_partition_key_from_str(key)
    return key.keys_by_dimension["source"], key.keys_by_dimension["month"]


def partition_key(source: str, month: str) -> dg.MultiPartitionKey:
    """The Dagster key for a source and a month (YYYY-MM)."""
    return dg.MultiPartitionKey({"source": source, "month": month})
