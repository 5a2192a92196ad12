"""Φ of a smooth σ at norms outside the table (:mod:`theory.potentials.pair_panels`).

References are 1-D mpmath quadratures of σ itself at 20 and 25 digits (which must agree): at ρ = ±1
the jet is a mean over one normal X (V = ±X), at ρ = 0 a product of two such means, and at
ρ = ±(1 − ε) the ρ = ±1 values moved by ε·Φ_ρ (the neglected ε²Φ_ρρ/2 is below 1e-17 here).
Inside the table's norms the table (Mehler series) is the independent reference."""

import functools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import InputError
from theory.core.symbols import t
from theory.dynamics.equilibrium import equilibrium
from theory.dynamics.kinds import EquilibriumKind
from theory.dynamics.loss import Loss
from theory.potentials import pair_panels
from theory.potentials.activations import Parity
from theory.potentials.potential import Potential

TANH, SOFTPLUS = sp.tanh(t), sp.log(1 + sp.exp(t))
TABLE_NORMS = (0.5, 1.0)
KEYS = ((), (0,), (1,), (2,), (0, 0), (1, 1), (0, 1), (0, 2), (1, 2), (2, 2))


@pytest.fixture(scope="module", params=[TANH, SOFTPLUS], ids=["tanh", "softplus"])
def sigma(request):
    return request.param


def line_means(sigma, a, b, rho, dps, keys):
    """The jet of Φ (its ``keys``) at ρ ∈ {−1, 0, 1} from 1-D means (mpmath, split at the transition)."""
    ctx = mpmath.MPContext()
    ctx.dps = dps
    derivative = [sp.lambdify(t, sp.diff(sigma, t, j), modules=[ctx]) for j in range(3)]
    a, b = ctx.mpf(a), ctx.mpf(b)
    cuts = sorted({0, *(s * 4.0 ** j / max(1, a, b) for s in (-1, 1) for j in range(4)), -11, 11})

    def mean(h):
        return ctx.quad(lambda x: ctx.npdf(x) * h(x), cuts)

    def moment(i, j, p, m):   # E[σ^(i)(aX) σ^(j)(bV) X^p V^m]
        if rho == 0:
            return (mean(lambda x: derivative[i](a * x) * x ** p)
                    * mean(lambda y: derivative[j](b * y) * y ** m))
        return mean(lambda x: derivative[i](a * x) * derivative[j](rho * b * x) * x ** p * (rho * x) ** m)

    ab = a * b
    factors = {"": 1, "ab": ab, "a²b²": ab * ab, "a": a, "b": b}
    return {key: sum(factors[k] * moment(i, j, p, m) for i, j, p, m, k in pair_panels._MOMENTS[key])
            for key in keys}


@functools.cache
def reference(sigma, a, b, rho, keys=KEYS):
    """The jet at ρ ∈ {−1, 0, 1} at 25 digits, confirmed by 20."""
    low, high = (line_means(sigma, a, b, rho, dps, keys) for dps in (20, 25))
    for key in keys:
        assert abs(low[key] - high[key]) <= 1e-16 * (1 + abs(high[key])), key
    return {key: float(v) for key, v in high.items()}


ADVERSARIAL = [(3.0, 3.0), (8.0, 8.0), (0.05, 0.05), (8.0, 0.05), (3.0, 0.75), (32.0, 5.0)]


@pytest.mark.parametrize("a, b, rho", [(8.0, 8.0, 1.0), (3.0, 0.05, -1.0), (32.0, 3.0, 0.0)])
def test_phi_and_its_rho_slope_agree_with_line_means(sigma, a, b, rho):
    f = pair_panels.PairPanels(sigma)
    exact = reference(sigma, a, b, rho, ((), (2,)))
    value, *_, slope = f.derivatives(a, b, rho * a * b)
    assert abs(float(value) - exact[()]) <= float(f.bound(a, b)), (a, b, rho)
    scale = math.sqrt(float(f.second_moment(a) * f.second_moment(b)))
    assert abs(float(slope) - exact[(2,)]) <= 1e-13 * (1 + a * b) * scale


@pytest.mark.slow
@pytest.mark.parametrize("a, b", ADVERSARIAL)
@pytest.mark.parametrize("rho", [1.0, -1.0, 0.0])
def test_the_jet_agrees_with_line_means(sigma, a, b, rho):
    f = pair_panels.PairPanels(sigma)
    exact = reference(sigma, a, b, rho)
    jet = f.second_derivatives(a, b, rho * a * b)
    scale = math.sqrt(float(f.second_moment(a) * f.second_moment(b)))
    assert abs(float(jet[()]) - exact[()]) <= float(f.bound(a, b)), (a, b, rho)
    for key in KEYS[1:]:     # the derivatives: measured against Φ's scale times the factor they carry
        carried = (1 + a * b) ** key.count(2) * (1 + a + b) ** (len(key) - key.count(2))
        assert abs(float(jet[key]) - exact[key]) <= 1e-13 * scale * carried, (key, a, b, rho)


@pytest.mark.parametrize("name,a,b,rho", [("tanh", 3.0, 3.0, 0.5), ("tanh", 8.0, 2.5, -0.3),
                                            ("tanh", 5.0, 0.1, 0.7), ("softplus", 4.0, 3.0, 0.9)])
def test_phi_at_a_general_rho_agrees_with_the_confirmed_20_digit_value(name, a, b, rho):
    """Inside (−1, 1) at large norms: against ``Potential.at(..., dps=20)`` (the Mehler series at two
    precisions, an independent route; about a second a point). Measured: at most 1.5e-16 relative."""
    phi = potential(name)
    reference = float(phi.at(a, b, rho * a * b, dps=20))
    f = pair_panels.PairPanels(phi.activation.expr)
    assert abs(float(f(a, b, rho * a * b)) - reference) <= float(f.bound(a, b))


@pytest.mark.parametrize("a, b", [(8.0, 8.0), (3.0, 5.0)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_rho_within_1e_10_of_one_moves_by_its_slope(sigma, a, b, sign):
    f = pair_panels.PairPanels(sigma)
    exact = reference(sigma, a, b, sign, ((), (2,)))
    rho = sign * (1 - 1e-10)
    expected = exact[()] - sign * 1e-10 * exact[(2,)]
    assert abs(float(f(a, b, rho * a * b)) - expected) <= float(f.bound(a, b))


def test_equal_rows_and_zero_norms(sigma):
    f = pair_panels.PairPanels(sigma)
    at_zero = float(sigma.subs(t, 0))
    mean = float(mpmath.quad(lambda x: mpmath.npdf(x) * sp.lambdify(t, sigma, "mpmath")(5 * x), [-11, 0, 11]))
    assert abs(float(f(0.0, 5.0, 0.0)) - at_zero * mean) <= float(f.bound(0.0, 5.0))
    assert abs(float(f(5.0, 5.0, 25.0)) - float(f.second_moment(5.0))) <= float(f.bound(5.0, 5.0))
    with pytest.raises(InputError, match="zero norm"):
        f.derivatives(0.0, 5.0, 0.0)


@pytest.fixture(scope="module")
def routes():
    return pair_panels.routes(TANH, (), Parity.ODD, norms=TABLE_NORMS)


def test_inside_the_table_the_routes_are_the_table_bit_for_bit(routes):
    rng = np.random.default_rng(1)
    a, b = rng.uniform(*TABLE_NORMS, (2, 50))
    c = rng.uniform(-1, 1, 50) * a * b
    assert np.array_equal(routes(a, b, c), routes.table(a, b, c))
    jets = routes.second_derivatives(a, b, c), routes.table.second_derivatives(a, b, c)
    assert all(np.array_equal(jets[0][key], jets[1][key]) for key in KEYS)


def test_the_panels_agree_with_the_table_at_its_norms_and_edges(routes):
    low, high = TABLE_NORMS
    a = np.array([high, high + 1e-9, high - 1e-9, low - 1e-9, 0.7])
    b = np.array([0.6, 0.6, 0.6, 0.9, 0.8])
    c = np.array([0.3, 0.3, 0.3, -0.999999, 1.0]) * a * b
    table = routes.table(np.clip(a, low, high), b, np.clip(a, low, high) * c / a)
    panels = routes.panels(a, b, c)
    bounds = routes.table.bound(np.clip(a, low, high), b) + routes.panels.bound(a, b)
    assert np.all(np.abs(panels - table) <= bounds + 2e-9)    # a moves by 1e-9: Φ by at most |Φ_a|·1e-9
    mixed = routes(a, b, c)        # a = high + 1e-9 and low − 1e-9 go to the panels, the rest to the table
    assert mixed[1] == panels[1] and mixed[0] == routes.table(a[:1], b[:1], c[:1])[0]


def test_norms_beyond_the_largest_are_refused(routes):
    with pytest.raises(InputError, match=r"‖θ‖ = 40\.0 is outside the float64 evaluator's norms"):
        routes(40.0, 1.0, 0.0)
    with pytest.raises(InputError, match=r"‖w‖ = -1\.0"):
        routes(1.0, -1.0, 0.0)
    with pytest.raises(InputError, match="Cauchy–Schwarz"):
        routes(3.0, 3.0, 9.5)


PROTONS = np.array([[3.0, 0.0, 0.0], [0.0, 3.0, 4.0]])          # norms 3 and 5
ELECTRONS = np.array([[2.5, 1.0, 0.0], [0.0, 0.0, 4.0]])


@pytest.fixture(scope="module")
def tanh_loss():
    def narrow(phi):
        act = phi.activation
        return pair_panels.routes(act.expr, act.kinks, act.parity, norms=TABLE_NORMS)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Potential, "numpy", narrow)
        yield Loss(potential("tanh"), PROTONS)


def test_the_loss_gradient_and_hessian_agree_with_differences(tanh_loss):
    gradient, H = tanh_loss.gradient(ELECTRONS), tanh_loss.hessian(ELECTRONS)
    h = 1e-5
    value_differences, gradient_differences = np.zeros_like(ELECTRONS), []
    for index in np.ndindex(ELECTRONS.shape):
        step = np.zeros_like(ELECTRONS)
        step[index] = h
        value_differences[index] = (tanh_loss.value(ELECTRONS + step)
                                    - tanh_loss.value(ELECTRONS - step)) / (2 * h)
        gradient_differences.append(((tanh_loss.gradient(ELECTRONS + step)
                                      - tanh_loss.gradient(ELECTRONS - step)) / (2 * h)).ravel())
    assert np.abs(gradient).max() > 0.05 and np.abs(gradient - value_differences).max() <= 1e-9
    assert np.abs(H).max() > 0.05 and np.abs(H - np.array(gradient_differences).T).max() <= 1e-8
    assert np.abs(H - H.T).max() <= 1e-13


def test_a_teacher_of_norm_four_is_a_strict_minimum(tanh_loss):
    teacher = np.array([[4.0, 0.0, 0.0], [0.0, 2.4, 3.2]])
    start = teacher + 0.02 * np.array([[1.0, -1.0, 0.5], [-0.5, 1.0, 1.0]])
    eq = equilibrium(Loss(tanh_loss.potential, teacher).potential, start, teacher)
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.converged
    assert abs(eq.loss) < 1e-12 and eq.gradient_norm < 1e-10
    assert np.abs(eq.positions - teacher).max() < 1e-8 and eq.eigenvalues[0] > 0
