import json
import subprocess
import sys

import pytest
import sympy as sp

from theory.cli import main
from theory.core.symbols import rho

from tests.helpers import read_back, same


def test_derive_prints_the_potential_method_and_latex(capsys):
    assert main(["derive", "relu", "--sphere"]) == 0
    fields = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines() if line.strip())
    arc_cosine = (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi)  # Cho & Saul's kernel
    assert same(read_back(fields["potential"], rho), arc_cosine)
    assert "orthant" in fields["method"] and fields["LaTeX"].startswith(r"\Phi(\rho) = ")


def test_derive_json_is_parseable_and_evaluates(capsys):
    assert main(["derive", "erf", "--sphere", "--json", "--at", "0.5", "--dps", "25"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert same(read_back(record["expr"], rho), 2 * sp.asin(2 * rho / 3) / sp.pi)
    assert record["manifold"] == "sphere"
    assert record["value"].startswith("0.21634689593878545965")  # (2/π) asin(1/3)


@pytest.mark.parametrize("argv,problem", [
    (["derive", "nonsense"], "unknown activation"),
    (["derive", "exp(t**2)"], "diverges"),
    (["derive", "__import__('os')"], "not allowed"),
    (["derive", "hermite(-1)"], "integer"),
    (["derive"], "one activation"),
    (["derive", "relu", "--sphere", "--at", "2"], "outside"),
])
def test_bad_input_exits_2_with_the_reason(argv, problem, capsys):
    assert main(argv) == 2
    assert problem in capsys.readouterr().err


def test_module_entry_point_and_help():
    out = subprocess.run([sys.executable, "-m", "theory", "--help"], capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "electrons" in out.stdout and "derive" in out.stdout


def test_a_reader_that_leaves_early_is_not_an_error():
    """`theory derive … | head -0`: the closed pipe ends the command quietly (exit 0, no traceback)."""
    command = [sys.executable, "-m", "theory", "derive", "relu", "--sphere"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err
