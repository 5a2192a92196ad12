"""The statically checked part of the library: mypy finds no error in theory.core and theory.conditions."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKED = ("theory/core", "theory/conditions")


def test_mypy_finds_no_error_in_the_checked_packages(tmp_path):
    done = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path), *CHECKED],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
