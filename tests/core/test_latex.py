"""LaTeX round trip: the printed Φ reads back (SymPy's ANTLR parser) to the same function,
or fails clearly."""

from __future__ import annotations

import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.latex import HousePrinter, parse
from theory.core.latex import latex as house_latex
from theory.core.symbols import dot, na, nb, rho
from theory.potentials.activations import REGISTRY
from theory.potentials.potential import Potential, given, potential

EXTRA = ("leaky_relu(1/5)", "erf(1/3)", "relu_power(2)", "relu_power(3)", "hermite(3)", "hermite(4)")
SPECS = [name for name, entry in REGISTRY.items() if not entry.params or entry.defaults] + list(EXTRA)
POINTS = {"zonal": (sp.Rational(-7, 10), sp.Rational(1, 3), sp.Rational(9, 10)),
          "product": (sp.Rational(-3, 2), sp.Rational(1, 5), sp.Rational(2))}


def _on_sphere_or_product(spec: str) -> Potential:
    phi = potential(spec)
    return phi.sphere() if phi.form == "ridge" else phi


@pytest.mark.parametrize("spec", SPECS)
def test_printed_potential_reads_back_to_the_same_function(spec):
    phi = _on_sphere_or_product(spec)
    if phi.expr is None:
        with pytest.raises(InputError, match="numeric potential"):
            Potential.from_latex(phi.latex(), phi.form)
        return
    back = Potential.from_latex(sp.latex(phi), phi.form).expr
    (var,) = phi.variables
    for value in POINTS[phi.form]:
        difference = sp.N((back - phi.expr).subs(var, value), 40)
        assert abs(difference) < sp.Float(10) ** -30, f"{spec} at {var} = {value}: {back} vs {phi.expr}"


def test_ridge_names_read_back():
    phi = potential("relu")
    back = parse(phi.latex(), phi.variables)
    point = {na: sp.Rational(3, 2), nb: sp.Rational(5, 4), dot: sp.Rational(1, 3)}
    assert abs(sp.N((back - phi.expr).subs(point), 40)) < 1e-30


def test_exact_round_trip_of_a_rational_and_a_radical():
    assert parse(r"\Phi(\rho) = \frac{1}{\sqrt{4 - \rho^{2}}}", (rho,)) == 1 / sp.sqrt(4 - rho**2)
    read = parse(potential("erf").sphere().latex(), (rho,))
    assert sp.simplify(read - 2 * sp.asin(2 * rho / 3) / sp.pi) == 0


@pytest.mark.parametrize("expr,message", [
    (sp.Piecewise((rho, rho > 0), (0, True)), "Piecewise"),
    (sp.erf(rho), r"does not know erf"),
    (sp.besselk(0, rho + 2), "unknown symbols or functions"),
    (sp.Max(rho, 0), r"a Max back from LaTeX: \\max"),
])
def test_what_the_parser_cannot_read_fails_clearly(expr, message):
    with pytest.raises(InputError, match=message):
        Potential.from_latex(given(expr, "zonal").latex(), "zonal")


def test_broken_latex_and_stray_symbols_fail_clearly():
    with pytest.raises(InputError, match="unknown symbols or functions y"):
        parse(r"\rho + y", (rho,))
    with pytest.raises(InputError, match="form must be one of"):
        Potential.from_latex(r"\rho", "conical")
    with pytest.raises(InputError):
        parse(r"\frac{\rho}{", (rho,))


@pytest.mark.parametrize("text",
                         [r"\Phi(\rho) = 1 + \rho )))", r"\Phi(\rho) = \frac{1}{2} ++",
                          r"\Phi(\rho) = \rho}{\rho"])
def test_text_after_a_syntax_error_is_not_dropped(text):
    with pytest.raises(InputError):
        parse(text, (rho,))


def test_house_printer_is_what_sympy_latex_jupyter_and_the_report_use():
    phi = potential("sign").sphere()
    text = sp.latex(phi)
    assert r"\arccos" in text and "operatorname" not in text
    assert phi._repr_latex_() == f"${text}$"
    assert HousePrinter().doprint(phi) == text == phi.latex()
    assert house_latex(sp.atan(rho) + dot) == r"\theta^{\top} w + \arctan{\left(\rho \right)}"
    assert "operatorname" not in potential("sign")._repr_latex_().replace(r"\operatorname{sign}", "")
