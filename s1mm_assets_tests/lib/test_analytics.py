import json

from s1mm_assets.lib.analytics import format_rows, query
from s1mm_assets.lib.lake import Lake


def test_every_table_is_a_view_even_before_anything_ran(lake: Lake):
    for table in ("papers", "figures", "contexts", "captions", "quality", "releases", "quarantine"):
        columns, rows = query(lake, f"select * from {table}")
        assert rows == [] and "source" in columns


def test_views_read_all_partitions_with_hive_columns(lake: Lake):
    for month in ("2024-01", "2024-02"):
        lake.write_table(
            "quarantine",
            "arxiv",
            month,
            [
                {
                    "source": "arxiv",
                    "month": month,
                    "stage": "figures",
                    "item_id": "i",
                    "paper_id": "p",
                    "reason": "tikz",
                    "detail": "",
                }
            ],
            stage="figures",
        )
    columns, rows = query(lake, "select month, stage, count(*) as n from quarantine group by all order by month")
    assert columns == ["month", "stage", "n"]
    assert rows == [("2024-01", "figures", 1), ("2024-02", "figures", 1)]


def test_output_formats():
    columns, rows = ["source", "figures"], [("arxiv", 12), ("chemrxiv", 3)]
    table = format_rows(columns, rows).splitlines()
    assert table[0].split() == ["source", "figures"] and table[2].split() == ["arxiv", "12"]
    assert table[-1] == "(2 rows)"
    assert table[2].index("12") + 2 == table[3].index("3") + 1  # numbers are right-aligned
    assert format_rows(columns, rows, "csv") == "source,figures\narxiv,12\nchemrxiv,3"
    assert json.loads(format_rows(columns, rows, "json")) == [
        {"source": "arxiv", "figures": 12},
        {"source": "chemrxiv", "figures": 3},
    ]
