"""Crafted spec files (crafted_specs.py) get a clear dlcore error, run nothing and cost little memory.

All files are read in one fresh process (tests/security/run_crafted_specs.py) so its peak memory is
theirs; the test then checks each outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.security.crafted_specs import CRAFTED, MARKER

ROOT = Path(__file__).resolve().parents[2]
MAX_GROWTH_MB = 200
EXCERPT_LIMIT = 400  # a message names the problem and quotes a few words of the input, never the file


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """Run the reader in a scratch directory: an injected command would leave MARKER there."""
    scratch = tmp_path_factory.mktemp("crafted")
    done = subprocess.run(
        [sys.executable, "-m", "tests.security.run_crafted_specs"],
        cwd=scratch,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["scratch"] = scratch
    return report


def test_every_crafted_file_is_read_by_every_reader(outcomes):
    readers = {"spec": 2, "config": 1}
    assert len(outcomes["results"]) == sum(readers[what] for what, _ in CRAFTED.values())


@pytest.mark.parametrize("name", sorted(CRAFTED))
def test_a_crafted_file_gets_a_short_dlcore_error(outcomes, name):
    for reader, result in outcomes["results"].items():
        if reader.startswith(name + " ("):
            assert result["error"] is not None, f"{reader} was accepted"
            assert result["dlcore"], f"{reader}: {result['error']} {result['message'][:300]}"
            assert len(result["message"]) <= EXCERPT_LIMIT, result["message"][:500]


def test_no_crafted_file_runs_code(outcomes):
    assert not list(Path(outcomes["scratch"]).glob(MARKER + "*"))


def test_reading_every_crafted_file_costs_less_than_200_mb(outcomes):
    assert outcomes["growth_kb"] / 1024 < MAX_GROWTH_MB
