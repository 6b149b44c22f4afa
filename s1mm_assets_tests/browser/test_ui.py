"""The Dagster UI as a new user meets it, in a real browser: `s1mm serve` on 127.0.0.1, Debian's Chromium driven by
Playwright. The lineage shows the stages; a partition launched from the partition dialog, its month typed as the
README says, succeeds; its checks show their results, CLIP as not measured; the metadata names what it shows; the
release automation refreshes the dataset report; Ctrl-C stops the UI cleanly.

Screenshots go to `test-output/browser/` (or `$S1MM_TEST_OUTPUT/browser/`): look at them.

Runs on its own (`pytest -m browser`, the last step of `make test`): on a loaded two-core machine a run of the pipeline
takes minutes, so every wait is for a state, with generous limits, never a fixed sleep.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from s1mm_assets.cli import lineage_path

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
MONTH, SOURCE = "2024-01", "arxiv"
PARTITION = f"{MONTH}|{SOURCE}"
STAGES = ["raw_papers", "figures", "contexts", "enhanced_captions", "quality_scores", "figure_ownership"]
STAGES += ["release_shards", "dataset_report"]
# Seconds. Generous: CI is a shared two-core machine where each step of a run starts a process of its own.
UI_START_S = 300
RUN_S = 900
AUTOMATION_S = 600
UI_ACTION_MS = 120_000
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "Debian's chromium is not installed (`make test` installs it: apt-get install chromium)"
    if os.environ.get("S1MM_REQUIRE_BROWSER"):
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class UI:
    """A `s1mm serve` process and a GraphQL client for it."""

    def __init__(self, home: Path, log: Path):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        environment = {**os.environ, "S1MM_HOME": str(home), "DAGSTER_HOME": str(home / "dagster")}
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH")]))
        command = [sys.executable, "-m", "s1mm_assets.cli", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, cwd=REPO, env=environment, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.base}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = json.loads(response.read())
        assert "errors" not in answer, answer
        return answer["data"]

    def wait_until_loaded(self) -> None:
        """The webserver answers and the code location has loaded."""
        query = "{ workspaceOrError { ... on Workspace { locationEntries { locationOrLoadError { __typename } } } } }"
        deadline = time.monotonic() + UI_START_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"s1mm serve exited early:\n{self.output()}"
            try:
                entries = self.graphql(query)["workspaceOrError"]["locationEntries"]
                kinds = [
                    entry["locationOrLoadError"]["__typename"] for entry in entries if entry["locationOrLoadError"]
                ]
                assert "PythonError" not in kinds, f"the code location failed to load:\n{self.output()}"
                if kinds == ["RepositoryLocation"]:
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        raise AssertionError(f"the UI did not come up within {UI_START_S} s:\n{self.output()}")

    def runs(self) -> list[dict]:
        fields = "runId status tags { key value } assetSelection { path }"
        query = f"{{ runsOrError(limit: 50) {{ ... on Runs {{ results {{ {fields} }} }} }} }}"
        return self.graphql(query)["runsOrError"]["results"]

    def wait_for_run(self, matches, timeout_s: float, finished: bool = True) -> dict:
        """The latest run `matches` accepts, once it exists (and, by default, has finished)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [run for run in self.runs() if matches(run)]
            if found and (not finished or found[0]["status"] in ("SUCCESS", "FAILURE", "CANCELED")):
                return found[0]
            time.sleep(2)
        raise AssertionError(f"no {'finished ' if finished else ''}run within {timeout_s} s; runs: {self.runs()}")

    def stop(self) -> int:
        """Ctrl-C, as a user types it."""
        self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=180)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]


@pytest.fixture(scope="module")
def shots() -> Path:
    folder = Path(os.environ.get("S1MM_TEST_OUTPUT") or REPO / "test-output") / "browser"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def ui(tmp_path_factory: pytest.TempPathFactory, shots: Path) -> Iterator[UI]:
    _chromium()
    home = tmp_path_factory.mktemp("s1mm-home")
    server = UI(home, shots / "s1mm-serve.log")
    try:
        server.wait_until_loaded()
        server.graphql("mutation { setNuxSeen }")  # the first-visit pop-up would cover the page
        yield server
    finally:
        if server.process.poll() is None:  # the test failed before stopping it: stop it all the same, whole
            server.process.send_signal(signal.SIGTERM)
            try:
                server.process.wait(timeout=180)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()


@pytest.fixture(scope="module")
def page(ui: UI):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        context.set_default_timeout(UI_ACTION_MS)
        yield context.new_page()
        browser.close()


def test_a_new_user_materializes_a_partition_from_the_ui_and_reads_its_checks(ui: UI, page, shots: Path):
    from playwright.sync_api import expect

    expect.set_options(timeout=UI_ACTION_MS)
    # The lineage: every stage, in groups numbered in pipeline order, opened by the link `s1mm serve` prints.
    page.goto(ui.base + lineage_path())
    for stage in STAGES:
        expect(page.get_by_text(stage, exact=True).first).to_be_visible()
    # the sidebar's entries (buttons; the graph's group headers are not) list the groups in pipeline order
    sidebar = page.locator("button span").filter(has_text=re.compile(r"^[1-6]_[a-z]+$"))
    expect(sidebar).to_have_text(["1_ingest", "2_extract", "3_caption", "4_quality", "5_release", "6_report"])
    page.screenshot(path=shots / "01-lineage.png")

    # The job page's badge agrees with the automation that runs.
    page.goto(f"{ui.base}/locations/s1mm/jobs/s1mm_pipeline")
    expect(page.get_by_text("Auto-materialize on")).to_be_visible()

    # Launch one partition from the partition dialog, the month typed as the README spells it.
    page.get_by_role("button", name="Materialize all").first.click()
    dialog = page.get_by_role("dialog")
    month = dialog.get_by_placeholder(re.compile(r"^ex: 2007-01"))
    month.fill(MONTH)
    month.press("Enter")
    dialog.get_by_text("Select a partition or create one").click()
    page.locator(f'[role=menuitem] [title="{SOURCE}"]').click()
    page.keyboard.press("Escape")
    expect(dialog.get_by_text("1 partition", exact=True)).to_be_visible()
    expect(dialog.get_by_text("Could not find partition")).to_have_count(0)
    page.screenshot(path=shots / "02-partition-dialog.png")
    dialog.get_by_role("button", name="Launch 1 run").click()
    expect(dialog).to_be_hidden()

    # the run's page (the launch toast links to it, but a toast may be gone before a busy browser gets to it)
    def of_the_partition(run: dict) -> bool:
        return {"key": "dagster/partition", "value": PARTITION} in run["tags"]

    page.goto(f"{ui.base}/runs/{ui.wait_for_run(of_the_partition, RUN_S, finished=False)['runId']}")
    run = ui.wait_for_run(of_the_partition, RUN_S)
    assert run["status"] == "SUCCESS", ui.output()
    expect(page.get_by_text("Success", exact=True).first).to_be_visible()
    page.screenshot(path=shots / "03-run-succeeded.png")

    # The partition's checks: five passed, CLIP not measured (skipped, never "Succeeded").
    page.goto(f"{ui.base}/assets/quality_scores?view=checks")
    checks = {
        "caption_failure_rate_is_low": "Succeeded",
        "captions_are_grounded": "Succeeded",
        "captions_are_not_empty": "Succeeded",
        "enhanced_length_in_range": "Succeeded",
        "images_decode": "Succeeded",
        "clip_alignment_improves": "Skipped",
    }
    for check, status in checks.items():
        # the list entry: the check's name over its latest status
        entry = page.locator("span", has=page.get_by_text(check, exact=True)).filter(has_text=status).first
        expect(entry).to_be_visible()
    clip = page.locator("span", has=page.get_by_text("clip_alignment_improves", exact=True)).first
    expect(clip).not_to_contain_text("Succeeded")
    page.get_by_text("clip_alignment_improves", exact=True).first.click()
    expect(
        page.get_by_text("Not evaluated when no CLIP model is configured (not measured)", exact=False)
    ).to_be_visible()
    page.screenshot(path=shots / "04-checks-clip-not-measured.png")

    # The partition's quality metadata: held back with its reasons beside it, CLIP and perplexity not measured.
    page.goto(f"{ui.base}/assets/quality_scores?view=partitions&partition={PARTITION.replace('|', '%7C')}")
    for text in ("held back", "held back: license_not_allowed", "not measured: no CLIP model configured"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    page.screenshot(path=shots / "05-quality-metadata.png")

    # The release's metadata names what it points at.
    page.goto(f"{ui.base}/assets/release_shards?view=partitions&partition={PARTITION.replace('|', '%7C')}")
    for text in ("release folder", "releases table", "manifest sha256", "release size"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    assert page.get_by_text("output", exact=True).count() == 0
    page.screenshot(path=shots / "06-release-metadata.png")

    # The release automation refreshes the dataset report once the partition is released.
    report = ui.wait_for_run(
        lambda run: run["assetSelection"] and ["dataset_report"] in [key["path"] for key in run["assetSelection"]],
        AUTOMATION_S,
    )
    assert report["status"] == "SUCCESS", ui.output()
    page.goto(f"{ui.base}/assets/dataset_report")
    for text in ("coverage", "caption lengths", "chart: caption lengths", "dataset card", "manifest of manifests"):
        expect(page.get_by_text(text, exact=True).first).to_be_visible()
    page.screenshot(path=shots / "07-dataset-report.png")
    page.get_by_text("caption lengths", exact=True).first.scroll_into_view_if_needed()
    expect(page.get_by_text("S1-MMAlign (reference)").first).to_be_visible()
    page.screenshot(path=shots / "08-dataset-report-tables.png")

    # Ctrl-C stops the UI cleanly: exit 0, no "Aborted!".
    assert ui.stop() == 0, ui.output()
    assert "Aborted!" not in ui.output() and "Traceback" not in ui.output(), ui.output()
