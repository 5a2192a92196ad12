"""Random-feature means and kernels: closed forms against exact values, independent quadrature
and Monte Carlo."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.numeric import context
from theory.core.symbols import r
from theory.potentials.potential import potential
from theory.potentials.random_features import OwenT, feature_kernel, feature_mean
from theory.potentials.routes import Route

HALF = sp.Rational(1, 2)


def _close(value, target, digits):
    return abs(value - target) <= mpmath.mpf(10) ** -digits * max(1, abs(target))


def _erf_mean_by_quadrature(c, s_b, t, dps):
    """E[erf(cB) | B ≥ t], B ~ N(0, s_b²): a 1-D quadrature, independent of Owen's T."""
    ctx = context(dps)
    c, s_b, t = (ctx.mpf(sp.N(v, dps + 10)) for v in (c, s_b, t))
    total = ctx.quad(lambda b: ctx.erf(c * b) * ctx.npdf(b / s_b) / s_b, [t, ctx.inf])
    return total / ctx.ncdf(-t / s_b)


def test_erf_with_a_bias_at_zero_is_the_arctan_and_untruncated_zero():
    m = feature_mean("erf", HALF, HALF, 0)
    assert sp.simplify(m.expr - 2 / sp.pi * sp.atan(1 / sp.sqrt(2 + r**2))) == 0
    assert m.method is Route.FEATURE_ERF_OWEN and len(m.steps) == 2
    untruncated = feature_mean("erf", 1, 3)
    assert untruncated.expr == 0 and untruncated.method is Route.FEATURE_ERF_SYMMETRIC
    assert feature_kernel("erf", 1, 1).method is Route.AUGMENTED
    assert repr(feature_kernel("erf", 1, 1, 0)).endswith(f"({Route.BIAS_QUADRATURE}; {Route.ERF_ORTHANT})>")
    assert feature_mean("erf", 1, 3).at(2, dps=20) == 0


@pytest.mark.parametrize("kappa,s_u,s_b,t",
                         [(1, HALF, HALF, 1 / sp.sqrt(2)), (2, sp.Rational(1, 3), 2, HALF)])
def test_erf_with_a_truncated_bias_matches_a_one_dimensional_quadrature(kappa, s_u, s_b, t):
    m = feature_mean(f"erf({kappa}*t)" if kappa != 1 else "erf", s_u, s_b, t)
    assert m.expr.has(OwenT)
    for radius in (0, sp.Rational(3, 2)):
        c = kappa / sp.sqrt(1 + 2 * kappa**2 * s_u**2 * radius**2)
        assert _close(m.at(radius, dps=40), _erf_mean_by_quadrature(c, s_b, t, 50), 39)


def test_the_mean_carries_the_digits_it_is_asked_for():
    m = feature_mean("erf", HALF, HALF, 1 / sp.sqrt(2))
    ctx = context(80)
    owen = ctx.quad(lambda s: ctx.exp(-(1 + s**2)) / (1 + s**2), [0, 1 / ctx.sqrt(3)]) / (2 * ctx.pi)
    stated = 4 / ctx.erfc(1) * owen                          # the paper's right-hand side at ‖x‖ = 1
    assert _close(m.at(1, dps=60), stated, 59)


@pytest.mark.parametrize("t", [None, 0, sp.Rational(1, 3)])
def test_relu_at_the_origin_is_a_truncated_normal_moment(t):
    """r = 0: E[(B)₊ | B ≥ t] = s_b φ(t/s_b)/Φ(−t/s_b) for t ≥ 0, s_b/√(2π) untruncated."""
    s_b = sp.Rational(3, 2)
    value = feature_mean("relu", HALF, s_b, t).at(0, dps=30)
    ctx = context(40)
    sd = ctx.mpf(1.5)
    if t is None:
        exact = sd / ctx.sqrt(2 * ctx.pi)
    else:
        exact = sd * ctx.npdf(ctx.mpf(t) / sd) / ctx.ncdf(-ctx.mpf(t) / sd)
    assert _close(value, exact, 29)


def test_untruncated_numeric_mean_is_one_gaussian_expectation():
    """Untruncated, ⟨U, x⟩ + B ~ N(0, s_u²r² + s_b²): E[relu] = ς/√(2π), ς² = 1/4·4 + 1 = 2."""
    value = feature_mean("relu", HALF, 1, None).at(2, dps=30)
    ctx = context(40)
    assert _close(value, 1 / ctx.sqrt(ctx.pi), 29)


def _monte_carlo(values):
    mean, error = values.mean(), values.std(ddof=1) / np.sqrt(values.size)
    return mean, error


def _pair(norm_x, norm_y, inner, d=3):
    x = np.zeros(d)
    x[0] = norm_x
    y = np.zeros(d)
    y[0] = inner / norm_x
    y[1] = np.sqrt(norm_y**2 - y[0]**2)
    return x, y


def _biases(rng, s_b, t, n):
    from scipy.stats import truncnorm
    if t is None:
        return rng.normal(scale=s_b, size=n)
    return truncnorm.rvs(t / s_b, np.inf, scale=s_b, size=n, random_state=rng)


def test_tanh_mean_with_a_truncated_bias_agrees_with_monte_carlo():
    n, s_u, s_b, t, radius = 400_000, 0.5, 1.0, 1 / 3, 1.5
    rng = np.random.default_rng(7)
    x, _ = _pair(radius, 1, 0)
    values = np.tanh(rng.normal(scale=s_u, size=(n, 3)) @ x + _biases(rng, s_b, t, n))
    mean, error = _monte_carlo(values)
    target = float(feature_mean("tanh", HALF, 1, sp.Rational(1, 3)).at(sp.Rational(3, 2), dps=15))
    assert error < 1e-3 and abs(mean - target) / error < 4, (mean, error, target)


@pytest.mark.parametrize("name,t", [("relu", 0), ("step", None)])
def test_kernel_agrees_with_monte_carlo(name, t):
    n, s_u, s_b = 200_000, 0.5, 1.0
    rng = np.random.default_rng(11)
    x, y = _pair(1.0, 1.5, 0.3)
    U, B = rng.normal(scale=s_u, size=(n, 3)), _biases(rng, s_b, t, n)
    f = (lambda v: np.maximum(v, 0)) if name == "relu" else (lambda v: (v > 0).astype(float))
    mean, error = _monte_carlo(f(U @ x + B) * f(U @ y + B))
    k = feature_kernel(name, HALF, 1, t)
    target = float(k.at(1, sp.Rational(3, 2), sp.Rational(3, 10), dps=10))
    assert error < 5e-3 and abs(mean - target) / error < 4, (mean, error, target)


def test_untruncated_kernel_is_the_potential_of_the_augmented_vectors():
    k = feature_kernel("erf", HALF, 1)
    assert k.expr is not None and k.unbiased == potential("erf")
    exact = k.expr.subs({sp.Symbol("na", positive=True): 1, sp.Symbol("nb", positive=True): 2,
                         sp.Symbol("dot", real=True): -1})
    assert _close(k.at(1, 2, -1, dps=30), context(40).mpf(str(sp.N(exact, 40))), 29)


def test_kernel_on_the_diagonal_and_at_the_origin():
    """x = x' and x = 0 are exact inputs: E[(V)₊²] = ς²/2 untruncated; E[B₊² | B ≥ 0] = s_b² truncated."""
    relu = feature_kernel("relu", HALF, 1)
    assert _close(relu.at(2, 2, 4, dps=30), mpmath.mpf(1), 29)            # ς² = 1/4·4 + 1 = 2
    assert _close(feature_kernel("relu", HALF, 2, 0).at(0, 0, 0, dps=15), mpmath.mpf(4), 14)


def test_truncated_kernel_at_zero_bias_scale_limit_is_consistent_with_the_mean():
    """σ = step, x = x': σ² = σ, so the kernel is the mean of the same feature."""
    k = feature_kernel("step", HALF, 1, sp.Rational(1, 3)).at(1, 1, 1, dps=12)
    m = feature_mean("step", HALF, 1, sp.Rational(1, 3)).at(1, dps=12)
    assert _close(k, m, 11)


def test_owen_t_and_printing():
    h, a = sp.symbols("h a", positive=True)
    assert OwenT(0, a) == sp.atan(a) / (2 * sp.pi) and OwenT(h, 0) == 0
    assert sp.diff(OwenT(h, a), a) == sp.exp(-h**2 * (1 + a**2) / 2) / (2 * sp.pi * (1 + a**2))
    integral = sp.Integral(sp.exp(-(1 + a**2) / 2) / (1 + a**2), (a, 0, 1)) / (2 * sp.pi)
    assert sp.N(OwenT(1, 1), 20) - sp.N(integral, 20) == 0
    m = feature_mean("erf", HALF, HALF, 1 / sp.sqrt(2))
    assert r"T\left(\sqrt{2}, \frac{1}{\sqrt{\|x\|^{2} + 2}}\right)" in m.latex()
    assert sp.latex(m) == m.latex() and "\n" not in repr(m)
    assert r"\text{(numeric" in feature_mean("tanh", 1, 1).latex()


@pytest.mark.parametrize("call,problem", [
    (lambda: feature_mean("relu", 0, 1), "positive"),
    (lambda: feature_mean("relu", 1, -1), "positive"),
    (lambda: feature_mean("gaussian_bump", 1, 1), "ridge activations"),
    (lambda: feature_mean("relu", 1, 1).at(-1), "non-negative"),
    (lambda: feature_mean("relu", 1, 1).at(1, dps=100), "at most"),
    (lambda: feature_kernel("relu", 1, 1).at(1, 1, 2), "Cauchy"),
    (lambda: feature_kernel("relu", 1, 1, 0).at(1, 1, 2), "Cauchy"),
    (lambda: feature_mean("relu", 1, "nonsense"), "s_b"),
])
def test_bad_input(call, problem):
    with pytest.raises(InputError, match=problem):
        call()


@pytest.mark.slow
def test_mean_and_diagonal_kernel_against_two_dimensional_quadrature():
    """E over (Z, B) of σ(s_u r Z + B) (and σ² for the kernel at x = x'), B ≥ t: nested 2-D quadrature."""
    ctx = context(20)
    s_u, s_b, t, radius = ctx.mpf(0.5), ctx.mpf(1), ctx.mpf(1) / 3, ctx.mpf(1)
    mass = ctx.ncdf(-t / s_b)

    def two_d(f):
        def inner(b):
            kink = -b / (s_u * radius)
            return ctx.quad(lambda z: f(b + s_u * radius * z) * ctx.npdf(z), [-ctx.inf, kink, ctx.inf])

        return ctx.quad(lambda b: inner(b) * ctx.npdf(b / s_b) / s_b, [t, ctx.inf]) / mass

    third = sp.Rational(1, 3)
    assert _close(feature_mean("tanh", HALF, 1, third).at(1, dps=15), two_d(ctx.tanh), 14)
    kernel = feature_kernel("relu", HALF, 1, third).at(1, 1, 1, dps=12)
    assert _close(kernel, two_d(lambda v: max(v, 0) ** 2), 11)
