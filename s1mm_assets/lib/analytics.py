"""SQL over the lake with DuckDB (the views of lib/database.py), and query results as people read them."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path

from s1mm_assets.lib.database import connect
from s1mm_assets.lib.lake import Lake


def query(lake: Lake, sql: str, database: Path | None = None) -> tuple[list[str], list[tuple]]:
    """Column names and rows of `sql` over the lake's views: those of the database file when given (what any
    DuckDB client sees), else the same views in memory."""
    connection = connect(lake, database)
    try:
        result = connection.execute(sql)
        columns = [description[0] for description in result.description or []]
        return columns, result.fetchall()
    finally:
        connection.close()


def format_rows(columns: Sequence[str], rows: Sequence[tuple], output_format: str = "table") -> str:
    if output_format == "json":
        return json.dumps(
            [dict(zip(columns, row, strict=True)) for row in rows], default=str, ensure_ascii=False, indent=1
        )
    if output_format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(rows)
        return buffer.getvalue().rstrip("\n")
    return _aligned(columns, rows)


def _aligned(columns: Sequence[str], rows: Sequence[tuple], max_width: int = 60) -> str:
    def cell(value: object) -> str:
        text = "NULL" if value is None else str(value).replace("\n", " ")
        return text if len(text) <= max_width else text[: max_width - 1] + "…"

    cells = [[cell(value) for value in row] for row in rows]
    widths = [max([len(column)] + [len(row[index]) for row in cells]) for index, column in enumerate(columns)]
    numeric = [
        bool(rows) and all(isinstance(row[index], (int, float)) or row[index] is None for row in rows)
        for index in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            value.rjust(width) if is_number else value.ljust(width)
            for value, width, is_number in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(columns), "  ".join("-" * width for width in widths)]
    out += [line(row) for row in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)
