"""Progress bars for long command-line work, on the terminal only.

A bar is drawn on stderr when stderr is a terminal; piped or redirected (a log file, CI, `2> problems.jsonl`) the
work runs as it would without one, so nothing but the command's own output reaches the file.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sized
from typing import TextIO, TypeVar

Item = TypeVar("Item")


def on_terminal(stream: TextIO | None = None) -> bool:
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def track(items: Iterable[Item], description: str, total: int | None = None) -> Iterator[Item]:
    """`items`, one at a time, with a bar (done/total, elapsed, remaining) on a terminal's stderr. What the loop
    prints to stdout meanwhile appears above the bar."""
    if not on_terminal():
        yield from items
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    if total is None and isinstance(items, Sized):
        total = len(items)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("remaining"),
        TimeRemainingColumn(),
    )
    # stdout on the same terminal: its lines are printed above the bar; redirected, they go to the file untouched
    console = Console(stderr=True)
    with Progress(*columns, console=console, transient=True, redirect_stdout=on_terminal(sys.stdout)) as progress:
        yield from progress.track(items, total=total, description=description)
