"""Mutated real bundles from ../shared/corpus through the sandbox (skipped without the corpus): every input ends in
figures or a quarantine reason, never in an exception inside extraction or a dead worker, and nothing is written
outside. A short run here; `bench/fuzz_extraction.py` runs thousands (RELIABILITY.md)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from s1mm_assets.lib.extract.sandbox import PaperJob, Sandbox
from s1mm_assets.lib.settings import ExtractionSettings
from s1mm_assets_tests.conftest import corpus_folder
from s1mm_assets_tests.mutations import mutate, seed_bundles

pytestmark = pytest.mark.corpus
# Reasons that say the input was refused or limited: anything else (extractor_error, worker_crashed) is a bug.
CONTAINED = {"", "unreadable_bundle", "timeout", "memory_limit", "output_limit"}


@pytest.fixture(scope="module")
def seeds() -> list[tuple[str, bytes]]:
    corpus_folder("latex-arxiv-filemanager")
    return seed_bundles(corpus_folder("pdf-science-parse").parent)


@pytest.fixture(scope="module")
def sandbox():
    with Sandbox(ExtractionSettings(paper_timeout_s=30)) as shared:
        yield shared


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.integers(min_value=0), rng=st.randoms(use_true_random=False))
def test_mutated_real_bundles_end_in_figures_or_a_quarantine_reason(choice, rng: random.Random, seeds, sandbox):
    name, data = seeds[choice % len(seeds)]
    mutated = mutate(data, rng)
    here = sorted(os.listdir(Path.cwd()))
    [outcome] = sandbox.extract([PaperJob(name, content=mutated)])
    assert outcome.reason in CONTAINED, outcome.detail
    assert sorted(os.listdir(Path.cwd())) == here
