"""Rates with their provenance: measured by a benchmark, assumed, or set on the command line.

A benchmark in `bench/` writes what it measured as a result file (`write_result`): the machine, the date, the
command line, and named rates (`extract.core_seconds_per_paper.pdf`, ...). A rate nobody has measured yet is an
entry of the assumptions file, with the source of its value. `load_rates` reads both; a measured rate takes the
place of an assumption of the same name, and a value given on the command line takes the place of either.
"""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path

from s1mm_assets.lib.settings import project_root

MEASURED, ASSUMED, OVERRIDE = "measured", "assumed", "override"


@dataclasses.dataclass(frozen=True)
class Rate:
    name: str
    value: float
    unit: str
    description: str
    origin: str  # MEASURED, ASSUMED or OVERRIDE
    source: str  # the result file, the assumptions file, or "command line"
    note: str  # measured: the machine and the date (the command is in the file); assumed: where the value comes from


def write_result(
    path: Path,
    benchmark: str,
    rates: Mapping[str, tuple[float, str, str]],
    details: Mapping | None = None,
    machine_notes: Mapping[str, object] | None = None,
) -> None:
    """Write a benchmark's result file: `rates` maps a name to (value, unit, description); `details` holds
    everything else the benchmark wants to keep (per-run numbers, sizes); `machine_notes` adds to the machine's
    description (a GPU, how busy the machine was)."""
    document = {
        "benchmark": benchmark,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": shlex.join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_description() | dict(machine_notes or {}),
        "rates": {
            name: {"value": value, "unit": unit, "description": description}
            for name, (value, unit, description) in sorted(rates.items())
        },
        "details": dict(details or {}),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, prefix=f".{path.name}.", delete=False) as temporary:
        temporary.write(json.dumps(document, indent=2, default=float) + "\n")
    os.replace(temporary.name, path)


def machine_description() -> dict[str, object]:
    """What the numbers were measured on: processor, CPUs, memory, load, Python."""
    return {
        "platform": platform.platform(),
        "processor": _processor_name(),
        "cpus_on_machine": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
    }


def _processor_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def load_rates(results: Path, assumptions: Path, overrides: Mapping[str, float] | None = None) -> dict[str, Rate]:
    """Every rate known: assumptions, replaced by measured rates of the same name, replaced by `overrides`.

    An assumption may stand for another rate (`"same_as": NAME`, e.g. a ChemRxiv download is the PDF the
    extraction benchmark measured): it takes that rate's value and provenance."""
    entries = json.loads(assumptions.read_text())["assumptions"]
    source = _display(assumptions)
    rates = {
        name: Rate(name, float(entry["value"]), entry["unit"], entry["description"], ASSUMED, source, entry["source"])
        for name, entry in entries.items()
        if "same_as" not in entry
    }
    measured: dict[str, Rate] = {}
    for path in sorted(results.glob("*.json")):
        for rate in _measured(path):
            if rate.name in measured:
                raise ValueError(
                    f"rate {rate.name} is measured in both {measured[rate.name].source} and {rate.source}; "
                    "keep one result file per benchmark"
                )
            measured[rate.name] = rate
    rates |= measured
    for name, entry in entries.items():
        if "same_as" in entry and name not in measured:
            if entry["same_as"] not in rates:
                raise ValueError(f"assumption {name} stands for {entry['same_as']}, which no file provides")
            target = rates[entry["same_as"]]
            rates[name] = dataclasses.replace(
                target,
                name=name,
                description=entry["description"],
                note=f"{entry['source']} ({target.name}: {target.note})",
            )
    for name, value in (overrides or {}).items():
        if name not in rates:
            raise ValueError(f"--set {name}: no such rate; the rates are listed in the plan's output")
        known = rates[name]
        rates[name] = dataclasses.replace(
            known, value=float(value), origin=OVERRIDE, source="command line", note=f"replaces the {known.origin} value"
        )
    return rates


def _measured(path: Path) -> list[Rate]:
    document = json.loads(path.read_text())
    machine = document.get("machine", {})
    gpu = f", {machine['gpu']}" if machine.get("gpu") else ""
    load = f", load average {machine['load_average_1min']}" if "load_average_1min" in machine else ""
    note = f"{machine.get('processor', '?')}, {machine.get('cpus_usable', '?')} CPUs{gpu}{load}; {document['date']}"
    return [
        Rate(name, float(entry["value"]), entry["unit"], entry["description"], MEASURED, _display(path), note)
        for name, entry in document.get("rates", {}).items()
    ]


def _display(path: Path) -> str:
    """The path relative to the checkout when it lies in it (`bench/results/...`), else as given."""
    try:
        return str(path.resolve().relative_to(project_root().resolve()))
    except ValueError:
        return str(path)
