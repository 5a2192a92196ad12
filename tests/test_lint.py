"""ruff check (the rule selection in pyproject.toml) finds nothing in any Python file of the project."""

import pathlib
import subprocess
import sys

import pytest

pytest.importorskip("ruff")

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_ruff_finds_nothing():
    done = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--force-exclude", "theory",
                           "proofs", "tests", "examples", "conftest.py"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
