"""The float64 biased loss of smooth activations by Mehler's series (theory.potentials.biased_series).

The references are independent of the series: one-dimensional mpmath quadratures of σ itself at
ρ = ±1 and at a zero norm (confirmed at two precisions), and the 20-digit numeric route of
BiasedPotential (its own rule, confirmed at two precisions) at generic pairs."""

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.dynamics.biased_flow import biased_flow
from theory.dynamics.biased_loss import BiasedLoss
from theory.potentials.biased import biased
from theory.potentials.biased_series import smooth_series

SIGMAS = {"tanh": sp.tanh(t), "softplus": sp.log(1 + sp.exp(t)), "swish": t / (1 + sp.exp(-t))}


def _expectation(f, dps: int) -> float:
    """E[f(X)] for X standard normal by mpmath quadrature, to dps digits (two precisions agree)."""
    def at(work):
        with mpmath.workdps(work):
            density = lambda x: f(x) * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
            return mpmath.quad(density, [-mpmath.inf, -4, 0, 4, mpmath.inf])
    low, high = at(dps), at(dps + 10)
    assert abs(low - high) <= mpmath.mpf(10) ** (-dps + 2) * (1 + abs(high))
    return float(high)


def _series_pair(name, a, beta, b, gamma, rho) -> float:
    series = smooth_series(SIGMAS[name])
    f, = series.coefficients([a], [beta], order=0)
    g, = series.coefficients([b], [gamma], order=0)
    return float(series.moment(f, g, [[rho]])[0, 0])


@pytest.mark.parametrize("name", SIGMAS)
@pytest.mark.parametrize(("a", "beta", "b", "gamma", "rho"), [
    (1.0, 0.3, 1.0, 0.3, 1.0),        # one node with itself: E[σ(u)²]
    (2.0, -0.7, 2.0, -0.7, 1.0),      # the largest norm of the tests
    (1.5, 0.2, 0.5, -1.0, -1.0),      # antiparallel
    (0.0, 0.8, 1.2, 0.4, 0.0),        # a zero norm: σ(β)E[σ(v)]
    (3.5, 0.4, 3.5, 0.4, 1.0),        # norms beyond the series (it raised): the rule directly
    (4.0, -0.5, 1.5, 0.9, -1.0),
])
def test_exact_configurations_agree_with_one_dimensional_quadrature(name, a, beta, b, gamma, rho):
    sigma = sp.lambdify(t, SIGMAS[name], "mpmath")
    reference = _expectation(lambda x: sigma(a * x + beta) * sigma(rho * b * x + gamma) if a
                             else sigma(beta) * sigma(b * x + gamma), 25)
    assert abs(_series_pair(name, a, beta, b, gamma, rho) - reference) <= 4e-15 * max(1.0, abs(reference))


@pytest.mark.parametrize(("name", "point"), [
    ("tanh", (1.0, 1.5, 0.6, 0.2, -0.3)),
    ("softplus", (0.8, 1.1, -0.5, -0.4, 0.9)),
    ("swish", (1.9, 0.7, 1.2, 1.0, 0.0)),
])
def test_generic_pairs_agree_with_the_20_digit_route(name, point):
    a, b, dot, beta, gamma = point
    reference = float(biased(name).at(a, b, dot, beta, gamma, dps=20))
    found = _series_pair(name, a, beta, b, gamma, dot / (a * b))
    assert abs(found - reference) <= 4e-15 * max(1, abs(reference))


def _teacher():
    return np.array([[1, 0, -1], [0, 1, 1]], dtype=float), np.array([0.5, -0.25])


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "gelu"])
def test_gradient_is_the_derivative_of_the_value(name):
    """Central differences of the float64 value (h = 1e-5: truncation ~1e-10, rounding ~1e-11)."""
    W, G = _teacher()
    loss = BiasedLoss(name, W, G)
    X, B = np.array([[0.8, 0.3, -0.6], [0.1, 0.9, 1.2], [0.8, 0.3, -0.6]]), np.array([0.2, -0.1, 0.2])
    grad_theta, grad_beta = loss.gradient(X, B)
    h = 1e-5
    for i, j in itertools.product(range(3), range(4)):
        step = np.zeros((3, 4))
        step[i, j] = h
        up, down = (loss.value((X + s[:, :3]), B + s[:, 3]) for s in (step, -step))
        exact = grad_theta[i, j] if j < 3 else grad_beta[i]
        assert abs((up - down) / (2 * h) - exact) <= 1e-8


def test_the_teacher_is_a_zero_of_loss_and_gradient():
    """Integer rows, the electrons on the protons: L and ∇L vanish to rounding."""
    W, G = _teacher()
    loss = BiasedLoss("tanh", W, G)
    assert abs(loss.value(W, G)) <= 1e-15
    assert max(np.abs(part).max() for part in loss.gradient(W, G)) <= 1e-14


def test_the_value_at_n_digits_resolves_a_loss_far_below_its_terms():
    """Standard-normal rows (seed 0), k = m = 2, d = 3: the 20-digit value agrees with float64 (the old
    nested quadrature took over 10 minutes here); the permuted teacher is exactly 0; a bias 10⁻⁶ off the
    teacher leaves L ≈ 10⁻¹² from terms of size 1, and its L/δ² agrees with the curvature c₂ from
    float64 values at δ = ±10⁻³ (c₂ + O(δ²), so to about 10⁻⁶)."""
    draws = np.random.default_rng(0)
    W, G = draws.normal(size=(2, 3)), draws.normal(size=2)
    X, B = draws.normal(size=(2, 3)), draws.normal(size=2)
    loss = BiasedLoss("tanh", W, G)
    assert abs(float(loss.value(X, B, dps=20)) - loss.value(X, B)) <= 1e-13 * loss.value(X, B)
    assert loss.value(W[::-1], G[::-1], dps=20) == 0
    delta = (G + 1e-6) - G
    curvature = np.mean([loss.value(W, G + s * 1e-3) for s in (1, -1)]) / 1e-6
    assert abs(float(loss.value(W, G + delta, dps=15)) / (delta**2).mean() - curvature) <= 1e-5 * curvature
    with pytest.raises(InputError, match="at most 50 digits"):
        loss.value(X, B, dps=55)


def _learns(W, G, spread: float, seed: int) -> None:
    loss = BiasedLoss("tanh", W, G)
    draws = np.random.default_rng(seed)
    X0, B0 = W + spread * draws.normal(size=W.shape), G + spread * draws.normal(size=len(G))
    run = biased_flow(loss, X0, B0, gtol=1e-9, evaluations=5000)
    assert run.converged and run.losses[0] > 1e-3 and run.losses[-1] <= 1e-14
    teacher = np.hstack([W, G[:, None]])
    assert min(np.abs(run.positions - teacher[list(p)]).max()
               for p in itertools.permutations(range(len(G)))) <= 1e-6


def test_flow_learns_a_biased_tanh_neuron():
    _learns(np.array([[1.0, -0.5]]), np.array([0.5]), 0.5, seed=0)


@pytest.mark.slow
def test_flow_learns_a_biased_tanh_teacher():
    _learns(*_teacher(), 0.3, seed=3)


def test_norms_beyond_the_series_and_kinks_are_refused():
    W, G = _teacher()
    with pytest.raises(PrecisionError, match="norms are too large"):
        BiasedLoss("tanh", 4 * W, G).value(3 * W + [[0, 0.3, 0], [0.3, 0, 0]], G)    # ρ ≈ 0.995
    with pytest.raises(InputError, match="σ has kinks"):
        BiasedLoss("Max(t, 0) + tanh(Min(t, 0))", W, G).gradient(W, G)
    with pytest.raises(InputError, match="value and gradient only"):
        BiasedLoss("tanh", W, G).hessian(W, G)
