import json
import subprocess
import sys

import mpmath
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


def test_derive_bias_prints_the_closed_form_and_evaluates(capsys):
    at = "na=1,nb=1,dot=0,beta=0,gamma=0"
    assert main(["derive", "relu", "--bias", "--json", "--at", at, "--dps", "20"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["form"] == "biased" and "Sheppard" in record["method"]
    assert record["latex"].startswith(r"\Phi(\theta, \beta; w, \gamma) = ")
    assert record["value"] == "0.15915494309189533577"                  # β = γ = 0, θ ⊥ w: 1/(2π)
    assert main(["derive", "step", "--bias", "--at", "0,1,0,1,0.5"]) == 0   # θ = 0: 1{1 > 0}·P(Y > −1/2)
    fields = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines() if line.strip())
    assert fields["value"].startswith("0.691462461274013103637704610608")
    assert fields["form"] == "biased on R^d"


def test_derive_certified_prints_an_enclosure_of_the_value(capsys):
    assert main(["derive", "tanh", "--bias", "--json", "--at", "1,1,0.5,0.2,-0.3", "--certified"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert main(["derive", "tanh", "--bias", "--json", "--at", "1,1,0.5,0.2,-0.3", "--dps", "35"]) == 0
    value = json.loads(capsys.readouterr().out)["value"]
    middle, radius = record["value"].strip("[]").split(" +/- ")
    assert record["certified"] is True and abs(float(middle) - float(value)) < 1e-15
    assert abs(sp.Float(middle, 35) - sp.Float(value, 35)) <= sp.Float(radius) and float(radius) < 1e-30
    assert main(["derive", "relu", "--sphere", "--at", "1/2", "--certified", "--dps", "20"]) == 0
    fields = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines() if line.strip())
    middle, radius = fields["enclosure"].strip("[]").split(" +/- ")
    exact = (sp.sqrt(3) / 2 + sp.pi / 3) / (2 * sp.pi)              # (√(1 − ρ²) + (π − arccos ρ)ρ)/(2π)
    assert abs(sp.Float(middle, 25) - exact.evalf(30)) <= sp.Float(radius) and float(radius) < 1e-20


@pytest.mark.parametrize("name,at", [("relu", "1,1,1,0.2,-0.3"), ("relu", "1,2,-2,0.2,-0.3"),
                                     ("tanh", "0,1,0,0.2,-0.3")])
def test_derive_certified_at_parallel_nodes_and_a_zero_norm(name, at, capsys):
    """ρ = 1, ρ = −1 and ‖θ‖ = 0 (line integrals): the enclosure holds the 35-digit value."""
    assert main(["derive", name, "--bias", "--json", "--at", at, "--certified"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert main(["derive", name, "--bias", "--json", "--at", at, "--dps", "35"]) == 0
    value = json.loads(capsys.readouterr().out)["value"]
    middle, radius = record["value"].strip("[]").split(" +/- ")
    assert record["certified"] is True and float(radius) < 1e-30
    assert abs(sp.Float(middle, 35) - sp.Float(value, 35)) <= sp.Float(radius) + sp.Float(10) ** -34


@pytest.mark.parametrize("at", [["--sphere", "--at", "1"], ["--at", "1,1,1"], ["--sphere", "--at", "-1"]])
def test_derive_certified_tanh_with_itself_prints_an_enclosure_of_the_self_energy(at, capsys):
    """A node with itself (ρ = 1) and with its opposite: ±E[tanh(X)²], from a line quadrature of tanh."""
    from tests.potentials.test_certified_line import two_precision_reference

    assert main(["derive", "tanh", *at, "--certified"]) == 0
    fields = dict(line.split(maxsplit=1) for line in capsys.readouterr().out.splitlines() if line.strip())
    middle, radius = fields["enclosure"].strip("[]").split(" +/- ")
    self_energy = two_precision_reference(mpmath.tanh, [(0, 1), (0, 1)])
    sign = -1 if at[-1] == "-1" else 1
    assert float(radius) < 1e-30
    assert abs(sp.Float(middle, 35) - sign * sp.Float(mpmath.nstr(self_energy, 38), 38)) <= sp.Float(radius)


@pytest.mark.parametrize("argv,problem", [
    (["derive", "gaussian_bump", "--bias"], "ridge activations"),
    (["derive", "exp(t**2/8)", "--bias"], "with a bias Φ diverges"),
    (["derive", "relu", "--bias", "--sphere"], "--bias takes one activation"),
    (["derive", "--all", "--bias"], "--bias takes one activation"),
    (["derive", "relu", "--bias", "--at", "1,1,0"], "3 value(s) for the 5 variable(s)"),
    (["derive", "relu", "--bias", "--at", "1,1,2,0,0"], "Cauchy"),
    (["derive", "exp", "--bias", "--at", "1,1,0.5,0,0", "--certified"], "--certified: no certified value"),
    (["derive", "relu", "--certified"], "goes with --at"),
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
    out = subprocess.run([sys.executable, "-m", "theory", "--help"], capture_output=True, text=True,
                         check=False)
    assert out.returncode == 0 and "electrons" in out.stdout and "derive" in out.stdout


def test_a_reader_that_leaves_early_is_not_an_error():
    """`theory derive … | head -0`: the closed pipe ends the command quietly (exit 0, no traceback)."""
    command = [sys.executable, "-m", "theory", "derive", "relu", "--sphere"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err
