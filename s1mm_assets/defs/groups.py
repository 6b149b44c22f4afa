"""Asset groups, numbered in pipeline order: the UI lists groups by name, so the number keeps its lists (the Lineage
sidebar, the Catalog) in the order the data flows rather than alphabetical."""

INGEST = "1_ingest"
EXTRACT = "2_extract"
CAPTION = "3_caption"
QUALITY = "4_quality"
RELEASE = "5_release"
REPORT = "6_report"

IN_PIPELINE_ORDER = (INGEST, EXTRACT, CAPTION, QUALITY, RELEASE, REPORT)
