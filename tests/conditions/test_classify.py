"""Earnshaw classification: verdicts, regions and evidence, checked independently."""

import json

import mpmath
import pytest
import sympy as sp

from theory import EarnshawClass, classify
from theory.conditions.signs import sign_chart
from theory.core.errors import InputError
from theory.core.symbols import d, r, rho
from theory.core.verdict import Method, Verdict
from theory.potentials.potential import Potential, given, potential
from theory.testing import assert_condition

from tests.helpers import read_back, same

P, R, U = Verdict.PROVEN, Verdict.REFUTED, Verdict.UNDECIDED


def verdicts(c):
    return {k.name: k.verdict for k in c.conditions}


def numeric_laplacian(f, var, point, dim, form):
    """Independent: mpmath finite-difference-free derivatives via mpmath.diff at 40 digits."""
    g = sp.lambdify(var, f, "mpmath")
    with mpmath.workdps(40):
        x = mpmath.mpf(point)
        d1, d2 = mpmath.diff(g, x, 1), mpmath.diff(g, x, 2)
        if form == "radial":
            return d2 + (dim - 1) / x * d1
        return (1 - x**2) * d2 - (dim - 1) * x * d1


@pytest.mark.parametrize("phi,dim", [(Potential(r ** (2 - d), "radial", "given"), d),
                                     (given("1/r", "radial"), 3), (given("r^(-3)", "radial"), 5),
                                     (given("log(r)", "radial"), 2)])
def test_coulomb_is_harmonic(phi, dim):
    c = classify(phi, d=dim)
    assert verdicts(c) == {"harmonic": P, "strictly subharmonic": R, "superharmonic": R, "λ-harmonic": R}
    assert c.main.name == "harmonic" and c.main.evidence[0].method is Method.EXACT


def test_coulomb_exponent_of_the_wrong_dimension_is_superharmonic():
    c = classify(given("1/r", "radial"), d=4)     # Δ r^{-1} = 2r^{-3} − 3r^{-3} = −r^{-3} in R^4
    assert c["superharmonic"].verdict is P and c["harmonic"].verdict is R
    assert numeric_laplacian(1 / r, r, "0.7", 4, "radial") < 0


@pytest.mark.parametrize("dim", [2, 3, 7])
def test_distance_potential_is_strictly_subharmonic(dim):
    c = classify(given("r", "radial"), d=dim)
    assert c["strictly subharmonic"].verdict is P
    assert c["strictly subharmonic"].region == sp.Interval.open(0, sp.oo)
    assert numeric_laplacian(r, r, "2.5", dim, "radial") == pytest.approx((dim - 1) / 2.5)


def test_distance_potential_in_one_dimension_is_harmonic_off_the_proton():
    assert classify(given("r", "radial"), d=1)["harmonic"].verdict is P


@pytest.mark.parametrize("dim", [1, 3, 10])
def test_gaussian_region_is_r_squared_above_d(dim):
    c = classify(given("exp(-r^2/2)", "radial"), d=dim)
    sub = c["strictly subharmonic"]
    assert sub.verdict is R and sub.region == sp.Interval.open(sp.sqrt(dim), sp.oo)
    assert c["superharmonic"].region == sp.Interval.open(0, sp.sqrt(dim))
    witness = next(e for e in sub.evidence if e.method is Method.COUNTEREXAMPLE)
    point = sp.Rational(witness.data["point"])
    assert point**2 < dim   # the counter-example lies where Δ < 0 ...
    # ... independently
    assert numeric_laplacian(sp.exp(-r**2 / 2), r, str(sp.N(point, 40)), dim, "radial") < 0


def test_gaussian_with_symbolic_d_gives_a_condition_set_not_a_verdict():
    c = classify(given("exp(-r^2/2)", "radial"), d=d)
    sub = c["strictly subharmonic"]
    assert sub.verdict is U and isinstance(sub.region, sp.ConditionSet)
    assert sub.region.condition.subs(d, 3).subs(r, 2) == sp.true


def test_sign_potential_depends_on_d():
    f = "2*asin(rho)/pi"
    assert classify(given(f, "zonal"), d=2).main.name == "harmonic"
    c = classify(given(f, "zonal"), d=3)
    assert verdicts(c) == {"harmonic": R, "strictly subharmonic": R, "superharmonic": R, "λ-harmonic": R}
    assert c["superharmonic"].region == sp.Interval.open(0, 1)
    assert c["strictly subharmonic"].region == sp.Interval.open(-1, 0)
    assert numeric_laplacian(2 * sp.asin(rho) / sp.pi, rho, "0.3", 3, "zonal") < 0


def test_laplace_product_potential_one_and_many_dimensions():
    one = classify(potential("bessel_k0"), d=1)          # h = e^{-|s|}
    assert one["λ-harmonic"].verdict is P and one["λ-harmonic"].value == 1
    many = classify(potential("bessel_k0"), d=4)
    assert many["λ-harmonic"].verdict is P and many["λ-harmonic"].value == 4
    assert not many.domain.contains(0)                   # the kink hyperplanes are excluded ...
    assert any("not smooth" in n for n in many.notes)    # ... and reported


def test_gaussian_product_region_in_coordinates():
    c = classify(potential("gaussian_bump"), d=2)
    s1, s2 = sp.symbols("s1 s2", real=True)
    assert sp.simplify(c["strictly subharmonic"].region.lhs - (s1**2 + s2**2 - 2)) == 0
    assert c["strictly subharmonic"].verdict is R


@pytest.mark.parametrize("name,dim", [("sign", 3), ("relu", 4), ("erf", 5), ("hermite(3)", 3),
                                      pytest.param("exp", 6, marks=pytest.mark.slow),
                                      pytest.param("step", 2, marks=pytest.mark.slow),
                                      pytest.param("abs", 3, marks=pytest.mark.slow)])
def test_engine_potentials_never_claim_falsely(name, dim):
    c = classify(potential(name), d=dim)
    f = c.potential.expr
    for cond in c.conditions:
        if cond.verdict is P and cond.name != "λ-harmonic":
            for point in ("-0.61", "0.05", "0.77"):
                value = numeric_laplacian(f, rho, point, dim, "zonal")
                assert {"harmonic": abs(value) < 1e-30, "strictly subharmonic": value > 0,
                        "superharmonic": value < 0}[cond.name]
        if cond.verdict is R:
            assert any(e.method in (Method.COUNTEREXAMPLE, Method.EXACT) for e in cond.evidence)


def test_hermite_monomial_is_lambda_harmonic_only_for_degree_zero():
    c = classify(given("rho^3", "zonal"), d=3)   # Δρ³ = 6ρ − 3(d+1)ρ³
    assert c["λ-harmonic"].verdict is R and c["harmonic"].verdict is R


def test_spherical_harmonic_is_an_eigenfunction_with_negative_eigenvalue():
    c = classify(given("rho", "zonal"), d=4)   # Δρ = −(d−1)ρ: an eigenfunction, but λ < 0
    assert c["λ-harmonic"].verdict is R and c["λ-harmonic"].value == -3


def _tiny_dip():
    """On S^1 (d = 2), Δ g(acos ρ) = g''(φ); g'' = (φ − 1)² − δ² is negative only for |φ − 1| < δ."""
    delta = sp.Rational(1, 10**6)
    phi = sp.acos(rho)
    return (phi - 1) ** 4 / 12 - delta**2 * phi**2 / 2, delta


def test_sign_change_in_a_tiny_interval_fools_sampling_not_the_classifier():
    f, delta = _tiny_dip()
    lap = sp.lambdify(rho, (sp.acos(rho) - 1) ** 2 - delta**2, "mpmath")
    with mpmath.workdps(30):
        assert all(lap(mpmath.mpf(k) / 1000 - 1 + mpmath.mpf(1) / 2000) > 0 for k in range(2000))
    c = classify(given(f, "zonal"), d=2)
    assert c["strictly subharmonic"].verdict is R
    dip = c["superharmonic"].region
    assert dip.contains(sp.cos(1)) == sp.true and float(dip.measure) < 2e-6


def test_tiny_dip_with_ball_arithmetic_only():
    _, delta = _tiny_dip()
    expr = ((sp.acos(rho) - 1) ** 2 - delta**2) * (1 + rho**2 * sp.exp(rho * sp.acos(rho)))
    chart = sign_chart(expr, rho, sp.Interval.open(-1, 1), seconds=5)
    assert chart.method is Method.INTERVAL
    assert chart.negative.contains(sp.cos(1)) == sp.true   # found and certified
    assert sp.Complement(sp.Interval.open(-1, 1), chart.positive).is_empty is False


def test_numeric_potential_is_undecided_with_a_reason():
    c = classify(potential("tanh"), d=3)
    assert c.verdict is U and all(k.verdict is U for k in c.conditions)
    assert "numeric" in c.notes[0]


@pytest.mark.parametrize("bad", [0, 1.5, -1])
def test_bad_dimension(bad):
    with pytest.raises(InputError):
        classify(given("r", "radial"), d=bad)


def test_sphere_needs_d_two_and_the_region_must_be_inside():
    with pytest.raises(InputError):
        classify(given("rho^2", "zonal"), d=1)
    with pytest.raises(InputError):
        classify(given("rho^2", "zonal"), d=3, domain=sp.Interval(-2, 2))
    with pytest.raises(InputError):
        classify(given("rho^2", "zonal"), d=3, domain=sp.Interval(sp.Rational(1, 2), sp.Rational(1, 2)))
    with pytest.raises(InputError):
        classify(Potential(rho**2, "radial", "given"), d=3)
    with pytest.raises(InputError):
        classify(given("r", "radial"), d=3, manifold="sphere")


def test_restricted_region_can_prove_what_the_whole_domain_cannot():
    phi = given("exp(-r^2/2)", "radial")
    assert classify(phi, d=3, domain=sp.Interval.open(2, 5))["strictly subharmonic"].verdict is P


def test_renderings():
    c = classify(given("exp(-r^2/2)", "radial"), d=3)
    record = json.loads(c.dumps())
    assert same(read_back(record["laplacian"]["sympy"], r), (r**2 - 3) * sp.exp(-r**2 / 2))
    assert [k["name"] for k in record["classes"]][:3] == ["harmonic", "strictly subharmonic", "superharmonic"]
    assert r"\Delta_\theta" in sp.latex(c) and c._repr_latex_().startswith("$")
    assert "| strictly subharmonic | refuted |" in c.to_markdown()


def test_regression_relu_squared_is_not_subharmonic():
    """SymPy's solve_univariate_inequality once made this a false PROVEN (Δ < 0 near ρ = 1)."""
    c = classify(potential("relu_power(2)"), d=3)
    assert c["strictly subharmonic"].verdict is R
    assert numeric_laplacian(c.potential.expr, rho, "0.9", 3, "zonal") < 0
    assert c["superharmonic"].region.contains(sp.Rational(9, 10)) == sp.true


@pytest.mark.parametrize("expr,positive", [
    (sp.acos(rho) - 4, sp.EmptySet), (4 - sp.acos(rho), sp.Interval.open(-1, 1)),
    (-2 * sp.acos(rho) - 1, sp.EmptySet), (sp.acos(rho) - 1, sp.Interval.open(-1, sp.cos(1))),
    (sp.atan(rho) - sp.Rational(1, 2), sp.Interval.open(sp.tan(sp.Rational(1, 2)), 1)),
    ((rho - sp.Rational(1, 3)) ** 2 * (1 - rho**2) ** sp.Rational(-1, 2),
     sp.Complement(sp.Interval.open(-1, 1), sp.FiniteSet(sp.Rational(1, 3))))])
def test_exact_sign_rules_against_certified_points(expr, positive):
    chart = sign_chart(expr, rho, sp.Interval.open(-1, 1))
    assert chart.method is Method.EXACT and chart.positive == positive
    for point in (sp.Rational(-9, 10), sp.Rational(1, 10), sp.Rational(4, 5)):   # independent
        value = sp.N(expr.subs(rho, point), 30)
        assert (value > 0) == (positive.contains(point) == sp.true)


# --------------------------------------------------------------------------- EarnshawClass

GAUSS3 = given("exp(-r^2/2)", "radial")


@pytest.mark.parametrize("spelling", ["strictly subharmonic", "STRICTLY_SUBHARMONIC", "strictly-subharmonic",
                                      " Strictly  Subharmonic ", EarnshawClass.STRICTLY_SUBHARMONIC])
def test_a_class_is_found_by_each_of_its_spellings(spelling):
    c = classify(GAUSS3, d=3)
    assert c[spelling] is c.conditions[1] and c[spelling].name is EarnshawClass.STRICTLY_SUBHARMONIC


def test_the_lambda_class_has_an_ascii_spelling_and_every_class_its_relation():
    assert EarnshawClass("lambda-harmonic") is EarnshawClass("λ-harmonic") is EarnshawClass.LAMBDA_HARMONIC
    assert [k.relation for k in EarnshawClass] == ["ΔΦ = 0", "ΔΦ > 0", "ΔΦ < 0", "ΔΦ = λΦ, λ > 0"]


@pytest.mark.parametrize("name", ["subharmonic", "harmonik", "", 3, None])
def test_an_unknown_class_is_an_input_error_naming_the_choices(name):
    choices = "choose harmonic, strictly subharmonic, superharmonic or λ-harmonic"
    with pytest.raises(InputError, match=f"no Earnshaw class {name!r}: {choices}"):
        classify(GAUSS3, d=3)[name]
    with pytest.raises(InputError, match=choices):
        assert_condition(GAUSS3, name, d=3)


def test_subharmonic_points_to_the_strict_class():
    with pytest.raises(InputError, match=r"ΔΦ > 0 is 'strictly subharmonic'"):
        EarnshawClass("subharmonic")


def test_classes_print_and_serialise_as_their_names():
    c = classify(GAUSS3, d=3)
    assert [k["name"] for k in json.loads(c.dumps())["classes"]] == [str(k) for k in EarnshawClass]
    assert [k.name for k in c.conditions] == list(EarnshawClass)
    assert f"{c.conditions[3].name}" == "λ-harmonic"
