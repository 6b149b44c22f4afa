"""The dataset report's tables, as SQL over the lake's views (lib/database.py): each query's columns are those of the
report table of the same name declared in lib/schemas.py.

Caption lengths, CLIP scores, figure types and licences describe the released figures (`released_figures`), what a
user of the dataset gets; coverage, grounding, hold-back and quarantine reasons describe everything scored.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from s1mm_assets.lib.lake import conform_to_schema

# S1-MMAlign (15.5 M pairs): caption length in characters, mean ± std, before and after its recaptioning.
S1MMALIGN_REFERENCE = "S1-MMAlign (reference)"
S1MMALIGN_RAW_CHARS = (267.0, 261.0)
S1MMALIGN_ENHANCED_CHARS = (759.0, 251.0)

# Population standard deviation, as lib/score/text.length_summary and the paper report it.
_LENGTHS = """
    select 'released' as scope, caption, count(*) as captions, avg(chars) as mean, stddev_pop(chars) as std,
           stddev_pop(chars) / nullif(avg(chars), 0) as cv, quantile_cont(chars, 0.1) as p10,
           quantile_cont(chars, 0.5) as median, quantile_cont(chars, 0.9) as p90
    from (
        select 'raw' as caption, raw_chars as chars from released_figures
        union all
        select 'enhanced' as caption, enhanced_chars as chars from released_figures
    )
    group by caption
    order by caption desc
"""

_SCORED_WITH_RELEASE = """
    scored as (
        select q.*, r.figure_id is not null as released
        from quality q
        left join released_figures r on r.source = q.source and r.month = q.month and r.figure_id = q.figure_id
    )
"""

QUERIES: dict[str, str] = {
    "report_coverage": "select * exclude (release_dir) from partition_summary order by source, month",
    "report_caption_lengths": _LENGTHS,
    "report_clip_by_discipline": """
        select coalesce(discipline, 'unknown') as discipline, count(*) as released,
               count(clip_delta) as clip_measured, avg(clip_raw) as clip_raw_mean,
               avg(clip_enhanced) as clip_enhanced_mean, avg(clip_delta) as clip_delta_mean,
               stddev_pop(clip_delta) as clip_delta_std,
               case when count(clip_delta) = 0 then coalesce(min(clip_not_measured), 'not measured') end
                   as not_measured
        from released_figures
        group by all
        order by discipline
    """,
    "report_grounding": """
        select source, count(grounding) as captions_checked, avg(grounding) as grounding_mean,
               quantile_cont(grounding, 0.1) as grounding_p10,
               count(*) filter (where list_contains(reasons, 'ungrounded')) as held_back_ungrounded,
               count(*) filter (where len(invented_numbers) > 0) as captions_with_invented_numbers
        from quality
        group by source
        order by source
    """,
    "report_figure_types": f"""
        with {_SCORED_WITH_RELEASE}
        select coalesce(figure_type, 'unknown') as figure_type, count(*) as scored,
               count(*) filter (where released) as released
        from scored group by all order by scored desc, figure_type
    """,
    "report_licences": f"""
        with {_SCORED_WITH_RELEASE}
        select coalesce(license_id, 'unknown') as license_id, count(*) as scored,
               count(*) filter (where released) as released
        from scored group by all order by scored desc, license_id
    """,
    "report_held_back": """
        select reason, sum(figures)::bigint as figures, count(distinct source || '/' || month) as partitions
        from held_back_reasons group by reason order by figures desc, reason
    """,
    "report_quarantine": """
        select stage, reason, items, papers, partitions from quarantine_reasons order by items desc, stage, reason
    """,
}


def report_tables(connection: duckdb.DuckDBPyConnection) -> dict[str, pa.Table]:
    """Every report table, computed on a connection that has the lake's views."""
    tables = {name: conform_to_schema(name, connection.sql(sql).to_arrow_table()) for name, sql in QUERIES.items()}
    reference = [
        {"scope": S1MMALIGN_REFERENCE, "caption": caption, "mean": mean, "std": std, "cv": std / mean}
        for caption, (mean, std) in (("raw", S1MMALIGN_RAW_CHARS), ("enhanced", S1MMALIGN_ENHANCED_CHARS))
    ]
    tables["report_caption_lengths"] = pa.concat_tables(
        [tables["report_caption_lengths"], conform_to_schema("report_caption_lengths", reference)]
    )
    return tables


def histogram(
    connection: duckdb.DuckDBPyConnection, sql: str, bins: int = 40
) -> tuple[list[float], dict[str, list[int]]] | None:
    """Counts per bin of the values `sql` selects as (series, value), binned in the database (a dataset's figures
    need not fit in memory); shared bin edges for every series, up to the 99th percentile. None when empty."""
    bounds = connection.execute(
        f"select min(value), quantile_cont(value, 0.99), count(*) from ({sql}) where value is not null"
    ).fetchone()
    if not bounds or not bounds[2]:
        return None
    low, high = float(bounds[0]), float(bounds[1])
    if high <= low:
        high = low + 1.0
    width = (high - low) / bins
    rows = connection.execute(
        f"""
        select series, least(greatest(floor((value - {low}) / {width}), 0), {bins - 1})::integer as bin, count(*)
        from ({sql}) where value is not null group by all
        """
    ).fetchall()
    counts: dict[str, list[int]] = {}
    for series, index, count in rows:
        counts.setdefault(series, [0] * bins)[index] += count
    return [low + width * index for index in range(bins + 1)], counts
