"""Every example script runs (benchmarks excluded: they are run by hand)."""

import pathlib
import subprocess
import sys

import pytest

EXAMPLES = sorted(p for p in (pathlib.Path(__file__).parent.parent / "examples").glob("*.py")
                  if not p.name.startswith("benchmark"))


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs(script, tmp_path):
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=240,
                         cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip()


def test_samples_benchmark_runs_quick(tmp_path):
    script = pathlib.Path(__file__).parent.parent / "examples" / "benchmark_samples.py"
    out = subprocess.run([sys.executable, str(script), "--quick", "--sphere"], capture_output=True, text=True,
                         timeout=240, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "population flow" in out.stdout and "numpy SGD" in out.stdout and "NOT reached" not in out.stdout
