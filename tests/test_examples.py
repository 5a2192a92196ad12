"""Every example script runs and shows what it is for (benchmarks excluded: they are run by hand,
but for a quick run of the samples benchmark)."""

import ast
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest
import sympy as sp
from matplotlib.image import imread
from scipy.special import erf

from theory.core.latex import parse
from theory.core.symbols import rho
from theory.potentials.activations import REGISTRY

from tests.helpers import read_back, same

EXAMPLES = pathlib.Path(__file__).parent.parent / "examples"


def run(tmp_path, script, *argv):
    """The script's standard output; it must exit 0."""
    out = subprocess.run([sys.executable, str(EXAMPLES / script), *argv], capture_output=True, text=True,
                         timeout=240, cwd=tmp_path, check=False)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


def test_every_example_is_tested():
    tested = {"certify_gallery.py", "certify_ss18_families.py", "derive_potential.py", "latex_table.py",
              "verify_gallery.py", "watch_electrons.py"}
    assert {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("benchmark")} == tested


def _gelu_potential(correlation: float) -> float:
    """E[gelu(X) gelu(Y)], (X, Y) standard normal of the given correlation: 80² Gauss–Hermite nodes."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / np.sqrt(2 * np.pi)

    def gelu(t):
        return t * (1 + erf(t / np.sqrt(2))) / 2

    x, z = nodes[:, None], nodes[None, :]
    y = correlation * x + np.sqrt(1 - correlation**2) * z
    return float(np.sum(weights[:, None] * weights[None, :] * gelu(x) * gelu(y)))


def test_derive_potential_prints_the_gelu_potential_and_its_values(tmp_path):
    out = run(tmp_path, "derive_potential.py")
    formula = read_back(re.search(r"on the sphere: Φ\(ρ\) = (.+)", out).group(1), rho)
    values = dict(re.findall(r"^  Φ\(\s*(\S+)\) = (\S+)$", out, re.MULTILINE))
    assert set(values) == {"-0.9", "0", "0.5", "1"}
    for at, printed in values.items():
        reference = _gelu_potential(float(at))
        assert abs(float(printed) - reference) < 1e-13
        assert abs(float(formula.subs(rho, sp.Rational(at))) - reference) < 1e-13
        assert abs(sp.N(formula.subs(rho, sp.Rational(at)), 30) - sp.Float(printed, 30)) < 1e-23
    assert abs(sp.Float(values["0"], 30) - 1 / (4 * sp.pi)) < 1e-24   # E[gelu(X)]² = (1/(2√π))²


#: Closed forms on the sphere known independently: the arc-cosine kernel, (2/π) asin ρ, Price's
#: theorem for erf(t) (asin(2ρ/3)), the Gaussian and exponential moment generating functions.
KNOWN = {"relu": (sp.sqrt(1 - rho**2) + (sp.pi - sp.acos(rho)) * rho) / (2 * sp.pi),
         "sign": 2 * sp.asin(rho) / sp.pi, "erf": 2 * sp.asin(2 * rho / 3) / sp.pi,
         "gaussian": 1 / sp.sqrt(4 - rho**2), "exp": sp.exp(1 + rho), "linear": rho,
         "cos": (sp.exp(rho - 1) + sp.exp(-rho - 1)) / 2}


def test_latex_table_has_a_row_per_activation_that_reads_back(tmp_path):
    lines = run(tmp_path, "latex_table.py").splitlines()
    assert lines[0] == r"\begin{tabular}{lll}" and lines[-1] == r"\end{tabular}"
    rows = {}
    for line in lines[2:-1]:
        name, _, phi = (cell.strip() for cell in line.removesuffix(r"\\").split(" & "))
        rows[re.fullmatch(r"\\texttt\{(.+)\}", name).group(1).replace(r"\_", "_")] = phi.strip("$")
    assert list(rows) == list(REGISTRY)
    numeric = {"sigmoid", "tanh", "softplus", "swish", "elu", "mish"}
    assert {name for name, phi in rows.items() if phi == r"\text{numeric}"} == numeric
    for name, exact in KNOWN.items():
        assert same(parse(rows[name], (rho,)), exact), name


def _cases(out: str) -> dict[str, str]:
    """The gallery's sections, by the first word of their title."""
    return {block.split()[0]: block for block in out.split("## ")[1:]}


def test_verify_gallery_confirms_contradicts_and_abstains_as_predicted(tmp_path):
    cases = _cases(run(tmp_path, "verify_gallery.py"))
    assert list(cases) == ["sign", "e^{−r²/2}", "ReLU", "√(1"]
    for first, starts in zip(cases, (6, 6, 4, 2), strict=True):
        ends = ast.literal_eval(re.search(r"end points: (\{.*\})", cases[first]).group(1))
        assert sum(ends.values()) == starts
    assert "\nCONFIRMED" in cases["sign"] and "prediction: Theorem 3.3 (Earnshaw)" in cases["sign"]
    gaussian = cases["e^{−r²/2}"]
    assert "\nCONFIRMED: 6/6" in gaussian and "Theorem 3.6 (region-restricted)" in gaussian
    assert abs(float(re.search(r"within ([\d.]+) of some proton", gaussian).group(1)) - np.sqrt(2)) < 1e-5
    assert "\nNO PREDICTION" in cases["ReLU"]
    dropped = cases["√(1"]
    assert "CONTRADICTED" in dropped and "suspect the hypothesis: Φ is realizable" in dropped
    assert float(re.search(r"the loss fell to (\S+) < 0", dropped).group(1)) < 0


def test_watch_electrons_writes_its_pictures_and_finds_the_protons_but_on_the_circle(tmp_path):
    out = run(tmp_path, "watch_electrons.py")
    ends = {name: (kind, matched == "True", float(gradient)) for name, kind, matched, gradient in
            re.findall(r"(S1|S2|R2): gd, ([a-z ]+), matched = (\w+), ‖∇L‖ = (\S+)", out)}
    assert set(ends) == {"S1", "S2", "R2"}
    for name in ("S2", "R2"):
        kind, matched, gradient = ends[name]
        assert kind == "global minimum" and matched and gradient < 1e-15
    assert ends["S1"][0] != "global minimum" and not ends["S1"][1]   # the antipodal trap
    for picture in ("electrons_S1", "electrons_S2", "electrons_R2", "convergence_S2", "laplacian_sign"):
        pixels = imread(tmp_path / f"{picture}.png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100 and pixels.std() > 0.01, picture


def test_samples_benchmark_runs_quick(tmp_path):
    out = run(tmp_path, "benchmark_samples.py", "--quick", "--sphere")
    assert "population flow" in out and "numpy SGD" in out and "NOT reached" not in out


def test_certify_ss18_families_certifies_the_k6_family(tmp_path):
    printed = run(tmp_path, "certify_ss18_families.py", "6")
    [row] = [line for line in printed.splitlines() if line.startswith("6 ")]
    assert "spurious local minimum" in row and "0.05016116200 ±" in row and "0.009400709407 ±" in row


@pytest.mark.slow
def test_certify_gallery_proves_and_refuses(tmp_path):
    out = run(tmp_path, "certify_gallery.py", "3")
    lines = {line[:18].strip(): line[18:] for line in out.splitlines()}
    assert lines["W = V = I_3"].startswith(" strict local minimum, index 0")
    assert lines["Tian K = 3"].startswith(" saddle with zero modes, index 4")
    assert out.count("REFUSED") == 3 and "‖θ_2‖ > 0 fails" in out and "λ_min > 0 fails" in out
