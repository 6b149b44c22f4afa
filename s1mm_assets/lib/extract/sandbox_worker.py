"""The worker side of the extraction sandbox (`sandbox`): `python -m s1mm_assets.lib.extract.sandbox_worker CONFIG`.

It reads jobs from its standard input and answers on its standard output, both moved to private descriptors at
start so that nothing a library prints can corrupt the replies. After importing the extraction code it puts its
limits on itself, where nothing it runs afterwards can raise them again: the address space it holds idle plus the
per-paper memory, the size of any file it or its children write, no core dumps. Then one paper at a time, until
its input closes, or until a paper ran out of memory or output (the parent starts a fresh worker for the next).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import json
import os
import resource
import signal
import sys
import traceback
from pathlib import Path

from s1mm_assets.lib.extract import budgets, detect_kind, extract_files, open_bundle
from s1mm_assets.lib.extract.bundle import UnreadableBundle, open_path
from s1mm_assets.lib.extract.sandbox import READY, PaperJob, PaperOutcome, decode_job, encode_outcome
from s1mm_assets.lib.settings import ExtractionSettings

# Messages with which MuPDF and other C libraries report an allocation the address-space limit refused.
_OUT_OF_MEMORY = ("malloc", "out of memory", "cannot allocate", "memory allocation")
# The kernel reclaims memory from this process first when a container's cgroup runs out.
_OOM_SCORE_ADJ = "1000"


def main(argv: list[str]) -> int:
    from multiprocessing.connection import Connection

    configuration = json.loads(argv[1])
    limits = ExtractionSettings.model_validate(configuration["limits"])
    jobs = Connection(os.dup(0), writable=False)
    replies = Connection(os.dup(1), readable=False)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    budgets.use(budgets.Budgets.from_settings(limits))
    _hold_to_limits(limits)
    replies.send_bytes(READY)
    while True:
        try:
            job = decode_job(jobs.recv_bytes())
        except EOFError:
            return 0
        outcome = extract(job, configuration["dpi"], limits.paper_output_mib << 20)
        outcome.peak_memory_mib = _status_kib("VmHWM") / 1024
        replies.send_bytes(encode_outcome(outcome))
        if outcome.reason in ("memory_limit", "output_limit"):
            return 0  # what it allocated may be fragmented or half-freed: the next paper gets a fresh worker
        gc.collect()


def extract(job: PaperJob, dpi: int, output_limit: int) -> PaperOutcome:
    """One paper, every failure turned into an outcome with its reason."""
    try:
        if job.path is not None:
            files = open_path(Path(job.path))
        else:
            files = open_bundle(job.name, job.content or b"")
        extraction = extract_files(files, detect_kind(files), dpi=dpi)
    except MemoryError:
        return PaperOutcome(None, "memory_limit", "the paper needs more memory than the per-paper limit")
    except UnreadableBundle as error:
        return PaperOutcome(None, "unreadable_bundle", str(error))
    except Exception as error:  # noqa: BLE001 - one paper's failure, whatever it is, is that paper's outcome
        return _failure(error)
    output = sum(len(figure.image.data) for figure in extraction.figures)
    if output > output_limit:
        detail = f"{len(extraction.figures)} figures of {output >> 20} MiB, over the {output_limit >> 20} MiB limit"
        return PaperOutcome(None, "output_limit", detail)
    return PaperOutcome(extraction)


def _failure(error: Exception) -> PaperOutcome:
    summary = "".join(traceback.format_exception_only(error)).strip()
    if isinstance(error, OSError) and error.errno == errno.EFBIG:
        return PaperOutcome(None, "output_limit", f"a file over the output limit: {summary}")
    if any(marker in summary.lower() for marker in _OUT_OF_MEMORY):
        return PaperOutcome(None, "memory_limit", f"an allocation over the per-paper limit: {summary}")
    return PaperOutcome(None, "extractor_error", f"{summary} | {traceback.format_exc(limit=-3)}")


def _hold_to_limits(limits: ExtractionSettings) -> None:
    idle = _status_kib("VmSize") << 10
    if idle:  # Linux: other systems do not enforce RLIMIT_AS; there the container's memory limit holds
        memory = idle + (limits.paper_memory_mib << 20)
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    output = limits.paper_output_mib << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (output, output))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # A write past the file-size limit fails with EFBIG (reported as `output_limit`) instead of killing the worker;
    # Ghostscript inherits both.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    with contextlib.suppress(OSError):  # not Linux, or not allowed: the address-space limit still holds
        Path("/proc/self/oom_score_adj").write_text(_OOM_SCORE_ADJ)


def _status_kib(field: str) -> int:
    """A /proc/self/status value in KiB (0 where /proc is not there)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
