"""The float64 biased loss of ELU (tilted orthants, theory.dynamics.biased_loss._Elu): the value against
the N-digit numeric route of BiasedPotential (Mehler series split at the kink, or 1-D quadrature at
ρ = ±1 and zero norms: nothing shared with the orthant forms), the gradient against Richardson
differences of the value, at generic and exact inputs, and the flow learning a biased ELU teacher."""

import itertools

import numpy as np
import pytest

from theory.dynamics.biased_flow import biased_flow
from theory.dynamics.biased_loss import BiasedLoss

W, G = np.array([[0.8, -0.6, 0.0], [0.0, 0.5, 1.0]]), np.array([0.3, -0.5])
PROTON, GAMMA = np.array([[0.6, 0.8, 0.0]]), np.array([-0.4])
PAIRS = {                     # one electron (θ, β) of charge −1/2 against PROTON
    "generic": ([1.0, 0.2, -0.7], 0.3),
    "antiparallel": ([-1.2, -1.6, 0.0], 0.5),
    "scaled proton": ([1.2, 1.6, 0.0], 0.1),
    "on the proton": ([0.6, 0.8, 0.0], -0.4),
    "theta zero": ([0.0, 0.0, 0.0], 0.7),
    "theta zero, beta zero": ([0.0, 0.0, 0.0], 0.0),
}


@pytest.mark.parametrize("case", PAIRS)
def test_value_agrees_with_the_numeric_route(case):
    theta, beta = PAIRS[case]
    loss = BiasedLoss("elu", PROTON, GAMMA)
    args = ([theta], [beta], [-0.5])
    reference = float(loss.value(*args, dps=15))
    assert reference > 0
    assert abs(loss.value(*args) - reference) <= 4e-16 * max(1.0, reference)


@pytest.mark.slow
def test_value_of_two_electrons_agrees_with_the_numeric_route():
    X, B = np.array([[1.0, 0.2, -0.7], [-0.3, 0.9, 0.4]]), np.array([0.3, -1.1])
    loss = BiasedLoss("elu", W, G)
    assert abs(loss.value(X, B) - float(loss.value(X, B, dps=20))) <= 1e-15 * loss.value(X, B)


def _differences(loss, X, B, eps):
    """Richardson's five-point differences of the float64 value in every coordinate of (θ, β)."""
    rows = np.hstack([X, B[:, None]])
    out = np.zeros_like(rows)
    for idx in np.ndindex(rows.shape):
        def at(step, idx=idx):
            moved = rows.copy()
            moved[idx] += step
            return loss.value(moved[:, :-1], moved[:, -1])
        out[idx] = (8 * (at(eps) - at(-eps)) - (at(2 * eps) - at(-2 * eps))) / (12 * eps)
    return out


CASES = {"generic": (np.array([[1.0, 0.2, -0.7], [-0.3, 0.9, 0.4]]), np.array([0.3, -1.1])),
         "on a proton": (np.array([W[0], [-0.3, 0.9, 0.4]]), np.array([G[0], -1.1])),
         "coincident": (np.array([[1.0, 0.2, -0.7]] * 2), np.array([0.3, 0.3])),
         "parallel, antiparallel": (np.array([2 * W[0], -0.5 * W[1]]), np.array([0.1, 0.2])),
         "theta zero": (np.array([[0.0, 0.0, 0.0], [-0.3, 0.9, 0.4]]), np.array([0.7, -1.1]))}


@pytest.mark.parametrize("case", CASES)
def test_gradient_matches_differences_of_the_value(case):
    loss = BiasedLoss("elu", W, G)
    X, B = CASES[case]
    grad = np.hstack([part if part.ndim == 2 else part[:, None] for part in loss.gradient(X, B)])
    assert np.abs(grad - _differences(loss, X, B, 1e-4)).max() <= 1e-9


def test_at_theta_zero_beta_zero_the_loss_is_only_once_differentiable():
    """ELU is C¹ with σ″ jumping at 0: at θ = 0, β = 0 the differences converge at first order in ε
    (the one-sided curvatures differ), towards the analytic gradient."""
    loss = BiasedLoss("elu", W, G)
    X, B = np.array([[0.0, 0.0, 0.0], [-0.3, 0.9, 0.4]]), np.array([0.0, -1.1])
    grad = np.hstack([part if part.ndim == 2 else part[:, None] for part in loss.gradient(X, B)])
    errors = [np.abs(grad - _differences(loss, X, B, eps)).max() for eps in (1e-4, 1e-5)]
    assert errors[1] <= 1e-5 and 5 <= errors[0] / errors[1] <= 20


def test_flow_learns_a_biased_elu_teacher():
    draws = np.random.default_rng(4)
    loss = BiasedLoss("elu", W, G)
    run = biased_flow(loss, W + 0.3 * draws.normal(size=W.shape), G + 0.3 * draws.normal(size=2),
                      gtol=1e-9, evaluations=5000)
    assert run.converged and run.losses[0] > 1e-3 and run.losses[-1] <= 1e-14
    teacher = np.hstack([W, G[:, None]])
    gaps = [np.abs(run.positions - teacher[list(p)]).max() for p in itertools.permutations(range(2))]
    assert min(gaps) <= 1e-6
