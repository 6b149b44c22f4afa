"""Every paper extracted in a worker process that the operating system holds to limits its content cannot escape.

A bundle is a stranger's file: a few hundred bytes of LaTeX can expand for minutes or exhaust memory, a PNG or a
PDF page can decode to gigabytes, a C library can crash. So extraction never runs in the process that orders it.
Workers (`sandbox_worker`) are separate Python processes, each in a session of its own, that import the extraction
code once and then take one paper at a time:

- memory: the worker's address space is capped (`RLIMIT_AS`) at what it holds idle plus `paper_memory_mib`, and it
  volunteers to be the one the kernel's OOM killer picks inside a container's cgroup;
- output: files it and its children (Ghostscript) write are capped at `paper_output_mib` (`RLIMIT_FSIZE`), and a
  reply longer than that is refused unread;
- time: the parent kills the worker's whole process group when a paper runs past `paper_timeout_s`.

A paper that reaches a limit is quarantined with the reason (`timeout`, `memory_limit`, `output_limit`,
`worker_crashed`; `unreadable_bundle` and `extractor_error` as before) and the next paper gets a fresh worker.
A paper that ran out of memory in a worker that had already extracted others is tried once more in a fresh one,
so its verdict never depends on what ran before it. The reply is JSON and raw image bytes, never pickle: a worker
taken over by its input cannot run code in the parent. The figures stage and `s1mm extract` both extract here.
"""

from __future__ import annotations

import collections
import contextlib
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection, wait
from pathlib import Path

from s1mm_assets.lib.extract.records import ExtractedFigure, Extraction, FigureImage, FigureProblem, SubFigure
from s1mm_assets.lib.settings import ExtractionSettings
from s1mm_assets.lib.text import valid_text

WORKER_MODULE = "s1mm_assets.lib.extract.sandbox_worker"
# Importing PyMuPDF, lxml and pylatexenc takes a few seconds on a busy machine; a worker that is not ready after
# this long will never be.
STARTUP_TIMEOUT_S = 180.0
READY = b"ready"
# Room for the reply's text (captions, paragraphs) beside the images the output limit counts.
_TEXT_ALLOWANCE = 16 << 20
# Thread pools a library would start per core: a worker runs one paper on one core, and each thread's arena
# would count against its address space.
_SINGLE_THREADED = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
_PASSED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "LD_LIBRARY_PATH", "SYSTEMROOT")


@dataclasses.dataclass(frozen=True)
class PaperJob:
    """One paper to extract: its bytes (`content`, named `name`), or a file or folder on disk (`path`) that the
    worker reads itself; `unavailable` says why the bundle could not even be read."""

    name: str
    content: bytes | None = None
    path: str | None = None
    unavailable: str = ""


@dataclasses.dataclass
class PaperOutcome:
    extraction: Extraction | None
    reason: str = ""  # empty when `extraction` is there
    detail: str = ""
    peak_memory_mib: float | None = None  # the worker's peak resident memory so far, when it answered


class SandboxError(RuntimeError):
    """A worker could not even start (the environment is broken, not a paper)."""


class Sandbox:
    """Workers that extract papers under the `extraction` limits; results come back in the order of the jobs.

    Use as a context manager: leaving it ends every worker."""

    def __init__(self, limits: ExtractionSettings, workers: int = 1, dpi: int = 150):
        self.limits, self.size, self.dpi = limits, max(1, workers), dpi
        self._workers: list[_Worker] = []

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *_exception: object) -> None:
        self.close()

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._workers.clear()

    def extract(self, jobs: Iterable[PaperJob]) -> Iterator[PaperOutcome]:
        """Each job's outcome, in order. Jobs are taken from `jobs` only as workers become free (a few ahead of
        the oldest unfinished one), so bundles are read as they are needed."""
        upcoming = enumerate(jobs)
        retries: collections.deque[tuple[int, PaperJob]] = collections.deque()
        finished: dict[int, PaperOutcome] = {}
        taken, next_out, exhausted = 0, 0, False
        window = 4 * self.size
        while True:
            while True:
                if retries:
                    worker = self._idle_worker(fresh=True)
                    if worker is None:
                        break
                    index, job = retries.popleft()
                else:
                    if exhausted or taken - next_out >= window or not self._has_room():
                        break
                    item = next(upcoming, None)
                    if item is None:
                        exhausted = True
                        break
                    index, job = item
                    taken += 1
                    if job.unavailable:
                        finished[index] = PaperOutcome(None, "extractor_error", job.unavailable)
                        continue
                    worker = self._idle_worker(fresh=False)
                worker.start(index, job, self.limits.paper_timeout_s)
            if next_out in finished:
                yield finished.pop(next_out)
                next_out += 1
                continue
            busy = [worker for worker in self._workers if worker.busy]
            if exhausted and not busy and not retries:
                return
            for worker, outcome in self._wait(busy):
                index, job = worker.index, worker.job
                fresh = worker.papers == 0
                worker.finish()
                if not worker.alive:
                    worker.stop()
                    self._workers.remove(worker)
                if outcome.reason == "memory_limit" and not fresh:
                    retries.append((index, job))
                else:
                    finished[index] = outcome

    def _has_room(self) -> bool:
        return len(self._workers) < self.size or any(not worker.busy for worker in self._workers)

    def _idle_worker(self, fresh: bool) -> _Worker | None:
        for worker in self._workers:
            if not worker.busy and (worker.papers == 0 or not fresh):
                return worker
        if len(self._workers) < self.size:
            self._workers.append(_Worker(self.limits, self.dpi))
            return self._workers[-1]
        if fresh:
            # Every slot holds a worker that has run papers: retire an idle one to make room for a fresh one.
            idle = next((worker for worker in self._workers if not worker.busy), None)
            if idle is not None:
                idle.stop()
                self._workers.remove(idle)
                return self._idle_worker(fresh=True)
        return None

    def _wait(self, busy: list[_Worker]) -> list[tuple[_Worker, PaperOutcome]]:
        """The workers that answered, died or ran out of time, with the outcome of their paper."""
        now = time.monotonic()
        timeout = max(0.0, min(worker.deadline for worker in busy) - now)
        ready = wait([worker.replies for worker in busy], timeout=timeout)
        results = []
        for worker in busy:
            if worker.replies in ready:
                results.append((worker, worker.receive(self._reply_limit())))
            elif time.monotonic() >= worker.deadline:
                worker.kill()
                detail = f"still running after {self.limits.paper_timeout_s:g} s, the per-paper limit"
                results.append((worker, PaperOutcome(None, "timeout", detail)))
        return results

    def _reply_limit(self) -> int:
        return (self.limits.paper_output_mib << 20) + _TEXT_ALLOWANCE


class _Worker:
    """One worker process and the pipes to it."""

    def __init__(self, limits: ExtractionSettings, dpi: int):
        self.folder = tempfile.mkdtemp(prefix="s1mm-worker-")  # its TMPDIR and working folder, removed after it
        self.index, self.job, self.deadline, self.papers = -1, PaperJob(""), 0.0, 0
        self.busy, self.alive = False, True
        job_reader, job_writer = os.pipe()
        reply_reader, reply_writer = os.pipe()
        configuration = json.dumps({"limits": limits.model_dump(), "dpi": dpi})
        with open(os.path.join(self.folder, "stderr"), "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, configuration],
                stdin=job_reader,
                stdout=reply_writer,
                stderr=log,
                cwd=self.folder,
                env=_worker_environment(self.folder),
                start_new_session=True,  # its own process group: a kill reaches Ghostscript too
            )
        os.close(job_reader)
        os.close(reply_writer)
        self.jobs = Connection(job_writer, readable=False)
        self.replies = Connection(reply_reader, writable=False)
        self._started = False

    def start(self, index: int, job: PaperJob, timeout_s: float) -> None:
        if not self._started:
            self._await_ready()
        self.index, self.job, self.busy = index, job, True
        self.deadline = time.monotonic() + timeout_s
        try:
            self.jobs.send_bytes(_encode_job(job))
        except OSError:
            self.alive = False  # it died between papers; `receive` reports it

    def receive(self, limit: int) -> PaperOutcome:
        try:
            frame = self.replies.recv_bytes(limit)
        except EOFError:
            return self._died()
        except OSError as error:
            self.kill()
            if "bad message length" in str(error):
                return PaperOutcome(None, "output_limit", f"the paper's output is larger than {limit >> 20} MiB")
            return self._died()
        outcome = decode_outcome(frame)
        if outcome.reason in ("memory_limit", "output_limit"):
            self.alive = False  # it leaves by itself after such a paper
        return outcome

    def finish(self) -> None:
        self.busy = False
        self.papers += 1

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()
        self.alive = False

    def stop(self) -> None:
        for connection in (self.jobs, self.replies):
            connection.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)  # anything it left running (a Ghostscript)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _await_ready(self) -> None:
        self._started = True
        if self.replies.poll(STARTUP_TIMEOUT_S):
            try:
                if self.replies.recv_bytes(1024) == READY:
                    return
            except (EOFError, OSError):
                pass
        self.kill()
        raise SandboxError(f"an extraction worker did not start: {self._log_tail()}")

    def _died(self) -> PaperOutcome:
        code = self.process.wait()
        self.alive = False
        if code == -signal.SIGKILL:
            # Not our kill (that is a timeout): inside a container it is the kernel's OOM killer.
            return PaperOutcome(None, "memory_limit", "the worker was killed by the kernel (out of memory)")
        if code == -signal.SIGXFSZ:
            return PaperOutcome(None, "output_limit", "the worker wrote a file over the output limit")
        cause = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit code {code}"
        return PaperOutcome(None, "worker_crashed", f"the worker died ({cause}): {self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            text = Path(self.folder, "stderr").read_bytes()[-2000:].decode("utf-8", "replace")
        except OSError:
            return ""
        return text.strip().replace("\n", " | ")


def _worker_environment(folder: str) -> dict[str, str]:
    """Only what a worker needs: no credentials (the parent reads the lake), a private temporary folder."""
    package_root = str(Path(__file__).resolve().parents[3])
    python_path = os.pathsep.join(part for part in (package_root, os.environ.get("PYTHONPATH", "")) if part)
    passed = {name: os.environ[name] for name in _PASSED_ENVIRONMENT if name in os.environ}
    return {**passed, **_SINGLE_THREADED, "PYTHONPATH": python_path, "TMPDIR": folder, "HOME": folder}


def _encode_job(job: PaperJob) -> bytes:
    header = json.dumps({"name": job.name, "path": job.path}).encode()
    return len(header).to_bytes(4, "big") + header + (job.content or b"")


def decode_job(frame: bytes) -> PaperJob:
    size = int.from_bytes(frame[:4], "big")
    header = json.loads(frame[4 : 4 + size])
    content = frame[4 + size :] if header["path"] is None else None
    return PaperJob(name=header["name"], content=content, path=header["path"])


# --- the reply: JSON for everything but the images, whose bytes follow it ------------------------------------


def _valid(value: object) -> object:
    if isinstance(value, str):
        return valid_text(value)
    if isinstance(value, list | tuple):
        return [_valid(item) for item in value]
    if isinstance(value, dict):
        return {key: _valid(item) for key, item in value.items()}
    return value


def encode_outcome(outcome: PaperOutcome) -> bytes:
    images: list[bytes] = []
    extraction = None
    if outcome.extraction is not None:
        figures = []
        for figure in outcome.extraction.figures:
            fields = dataclasses.asdict(figure)
            fields["image"] = {key: getattr(figure.image, key) for key in ("format", "width", "height")}
            images.append(figure.image.data)
            figures.append(fields)
        extraction = {
            **{field: getattr(outcome.extraction, field) for field in ("extractor", "title", "abstract", "license")},
            "doi": outcome.extraction.doi,
            "figures": figures,
            "problems": [dataclasses.asdict(problem) for problem in outcome.extraction.problems],
        }
    header = {
        "extraction": extraction,
        "reason": outcome.reason,
        "detail": outcome.detail,
        "peak_memory_mib": outcome.peak_memory_mib,
        "image_sizes": [len(image) for image in images],
    }
    encoded = json.dumps(_valid(header), ensure_ascii=False).encode()
    return len(encoded).to_bytes(4, "big") + encoded + b"".join(images)


def decode_outcome(frame: bytes) -> PaperOutcome:
    size = int.from_bytes(frame[:4], "big")
    header = json.loads(frame[4 : 4 + size])
    position = 4 + size
    images = []
    for length in header["image_sizes"]:
        images.append(frame[position : position + length])
        position += length
    extraction = None
    if header["extraction"] is not None:
        fields = header["extraction"]
        figures = []
        for figure, data in zip(fields["figures"], images, strict=True):
            image = FigureImage(data=data, **figure.pop("image"))
            figure["subfigures"] = [SubFigure(**sub) for sub in figure["subfigures"]]
            figure["bbox"] = tuple(figure["bbox"]) if figure["bbox"] else None
            figures.append(ExtractedFigure(image=image, **figure))
        extraction = Extraction(
            extractor=fields["extractor"],
            figures=figures,
            problems=[FigureProblem(**problem) for problem in fields["problems"]],
            title=fields["title"],
            abstract=fields["abstract"],
            license=fields["license"],
            doi=fields["doi"],
        )
    return PaperOutcome(extraction, header["reason"], header["detail"], header["peak_memory_mib"])
