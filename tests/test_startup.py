"""Start-up cost: ``import theory`` and ``theory --help``/``--version`` load no heavy library.

The tests assert on what is imported (``sys.modules`` of a fresh interpreter), never on seconds.
Run this file as a script for wall-clock figures:
``python tests/test_startup.py [runs]`` prints the median and minimum of each start-up.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

import pytest

import theory

HEAVY = ("sympy", "scipy", "matplotlib", "mpmath", "numpy", "flint", "joblib")


def _modules_after(code: str) -> set[str]:
    """The modules loaded in a fresh interpreter after running ``code``."""
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(json.loads(out.splitlines()[-1]))


def _packages_after(code: str) -> set[str]:
    return {name.split(".")[0] for name in _modules_after(code)}


def _cli(*args: str) -> str:
    """Run the command line in-process (``SystemExit`` swallowed) inside a probe script."""
    return ("import contextlib, io, theory.cli\n"
            "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
            f"    theory.cli.main({list(args)!r})")


@pytest.mark.parametrize("code", [
    "import theory",
    "import theory; dir(theory); theory.__version__",
    _cli("--version"),
    _cli("--help"),
    _cli(),
], ids=["import", "dir", "--version", "--help", "no-command"])
def test_start_up_loads_no_heavy_library(code):
    assert not _packages_after(code) & set(HEAVY)


def test_a_subcommand_loads_only_its_own_module():
    loaded = _modules_after(_cli("derive", "--help"))
    assert {m for m in loaded if m.startswith("theory.cli.")} == {"theory.cli.derive"}
    assert "sympy" in loaded and "matplotlib" not in loaded  # derive's module (and only its needs) ran


@pytest.mark.parametrize("command", ["prove", "simulate"])
def test_a_subcommand_help_loads_neither_matplotlib_nor_scipy_optimize(command):
    loaded = _modules_after(_cli(command, "--help"))
    assert f"theory.cli.{command}" in loaded  # the subcommand's module did run
    assert not {m for m in loaded if m.split(".")[0] == "matplotlib" or m.startswith("scipy.optimize")}


def test_the_assertions_load_scipy_only_for_equilibria():
    assert not _packages_after("import theory.testing") & {"scipy", "matplotlib"}


def test_the_relu_landscape_derives_no_potential_at_import():
    probe = ("import theory.teacher_student.relu as relu, theory.potentials.potential as p\n"
             "calls = []\np.potential = lambda *a, **k: calls.append(a)\n"
             "print(calls == [] and relu.relu_potential.cache_info().currsize == 0)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.split()[-1] == "True"


def test_every_public_name_resolves_and_is_listed():
    names = set(dir(theory))
    assert set(theory.__all__) | {"testing", "__version__"} <= names
    for name in theory.__all__:
        assert getattr(theory, name).__name__ == name
    assert theory.testing.__name__ == "theory.testing"
    star: dict = {}
    exec("from theory import *", star)  # a fixed statement
    assert set(star) - {"__builtins__"} == set(theory.__all__)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="'theory' has no attribute 'nosuch'"):
        theory.nosuch  # noqa: B018


def test_the_help_lists_every_subcommand_with_its_summary(capsys):
    from theory.cli import SUBCOMMANDS, main

    assert main(["--help"]) == 0  # argparse's exit, returned by main
    text = " ".join(capsys.readouterr().out.split())
    assert all(name in text and " ".join(summary.split()) in text for name, summary in SUBCOMMANDS.items())


def _seconds(command: list[str], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    theory_cli = [sys.executable, "-m", "theory"]
    for label, command in [("python -c pass", [sys.executable, "-c", "pass"]),
                           ("import theory", [sys.executable, "-c", "import theory"]),
                           ("theory --version", [*theory_cli, "--version"]),
                           ("theory --help", [*theory_cli, "--help"])]:
        median, best = _seconds(command, runs)
        print(f"{label:18s} median {median:.3f} s  min {best:.3f} s  ({runs} runs)")
