"""`theory check`: output, JSON and exit codes."""

import json

import pytest
import sympy as sp

from theory.cli import main
from theory.core.symbols import r

from tests.helpers import read_back, same


def run(capsys, *argv):
    """Generous step budgets: these tests are about the answers, not the speed of a loaded machine."""
    code = main(["check", "--seconds", "30", *argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_coulomb_symbolic_d_is_proven_harmonic(capsys):
    code, out, _ = run(capsys, "--potential", "r^(2-d)", "--manifold", "euclidean")
    assert code == 0 and "harmonic" in out and "proven" in out


def test_gaussian_json_has_laplacian_classes_and_regions(capsys):
    code, out, _ = run(capsys, "--potential", "exp(-r^2/2)", "--d", "3", "--json")
    record = json.loads(out)
    assert code == 1                                   # every class refuted on the whole space
    assert same(read_back(record["laplacian"]["sympy"], r), (r**2 - 3) * sp.exp(-r**2 / 2))
    sub = next(c for c in record["classes"] if c["name"] == "strictly subharmonic")
    assert sub["verdict"] == "refuted" and read_back(sub["region"]) == sp.Interval.open(sp.sqrt(3), sp.oo)
    assert {"name", "verdict", "region", "evidence"} <= set(sub)
    assert "realizable" in record


def test_laplace_product_potential_is_lambda_harmonic_and_realizable(capsys):
    code, out, _ = run(capsys, "--potential", "exp(-abs(s))", "--d", "2", "--json")
    record = json.loads(out)
    lam = next(c for c in record["classes"] if c["name"] == "λ-harmonic")
    assert code == 0 and lam["verdict"] == "proven" and read_back(lam["lambda"]) == 2
    realizable = record["realizable"]
    assert realizable["verdict"] == "proven" and read_back(realizable["activation"]).has(sp.besselk)


def test_activation_on_the_sphere(capsys):
    code, out, _ = run(capsys, "sign", "--d", "2", "--quiet")
    assert code == 0 and out.strip() == "proven"      # (2/π) asin ρ is harmonic on S^1


def test_numeric_potential_is_undecided(capsys):
    code, out, _ = run(capsys, "tanh", "--d", "3", "--quiet")
    assert code == 3 and out.strip() == "undecided"


@pytest.mark.parametrize("argv", [["--potential", "rho^2", "--manifold", "euclidean", "--d", "3"],
                                  ["--potential", "r*rho", "--d", "3"], ["relu", "--d", "0"],
                                  ["relu", "--d", "1.5"], [], ["relu", "--potential", "r"]])
def test_usage_errors_exit_2(capsys, argv):
    code, _, err = run(capsys, *argv)
    assert code == 2 and "error" in err


def test_check_of_an_activation_is_realizable_by_construction_and_prints_regions_as_intervals(capsys):
    main(["check", "relu", "--d", "3"])
    out = capsys.readouterr().out
    assert "realizable            proven" in out and "by construction" in out
    assert "region (−1, ≈0.2626821038" in out and "domain      (−1, 1)" in out
    assert "Interval" not in out and "/1099511627776" not in out and "**" not in out


def test_check_prints_exact_regions_as_mathematics(capsys):
    main(["check", "--potential", "exp(-r^2/2)", "--manifold", "euclidean", "--d", "3"])
    out = capsys.readouterr().out
    assert "strictly subharmonic  refuted    region (√3, ∞)" in out and "region {√3}" in out
