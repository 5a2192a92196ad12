"""Flows and descent algorithms: convergence, honesty about failure, reproducibility."""

import numpy as np
import pytest

from theory.errors import DerivationError, InputError
from theory.flow import gradient_descent, gradient_flow, nodewise, polish, run_algorithm
from theory.loss import Loss
from theory.potential import given, potential

GAUSS = given("exp(-r^2/2)", "radial")


def test_flow_brings_an_electron_onto_a_gaussian_proton():
    loss = Loss(GAUSS, [[1.0, -0.5]])
    run = gradient_flow(loss, [[0.2, 0.3]], gtol=1e-10)
    assert run.converged
    assert np.linalg.norm(run.positions - [[1.0, -0.5]]) < 1e-9
    assert run.losses[-1] < run.losses[0]


def test_descent_algorithms_agree_on_relu_sphere():
    loss = Loss(potential("relu"), np.eye(3), manifold="sphere")
    start = np.random.default_rng(2).normal(size=(3, 3))
    start /= np.linalg.norm(start, axis=1)[:, None]
    for run in (gradient_flow(loss, start), gradient_descent(loss, start, step=0.5),
                nodewise(loss, start, step=0.5)):
        assert run.converged, run.reason
        assert run.gradient_norms[-1] < 1e-10
        # every electron on a distinct proton (a permutation)
        assert sorted(np.argmax(run.positions, axis=1)) == [0, 1, 2]


def test_runs_are_reproducible():
    loss = Loss(GAUSS, [[1.0, 0.0], [-1.0, 0.5]])
    start = [[0.1, 0.2], [-0.3, 0.1]]
    one, two = gradient_descent(loss, start, step=0.5), gradient_descent(loss, start, step=0.5)
    assert np.array_equal(one.positions, two.positions) and one.steps == two.steps


def test_a_run_out_of_budget_says_so():
    loss = Loss(potential("relu"), np.eye(3), manifold="sphere")
    start = np.random.default_rng(0).normal(size=(3, 3))
    start /= np.linalg.norm(start, axis=1)[:, None]
    run = gradient_descent(loss, start, step=0.01, iterations=5)
    assert not run.converged and "iterations" in run.reason


def test_a_diverging_step_size_is_caught_not_followed():
    """Step 100 on a Gaussian well overshoots; the loss never rises along the run."""
    loss = Loss(GAUSS, [[0.0, 0.0]])
    run = gradient_descent(loss, [[0.5, 0.5]], step=100.0)
    assert run.converged
    assert all(later <= earlier + 1e-12 for earlier, later in zip(run.losses, run.losses[1:]))


def test_polishing_reaches_the_requested_digits():
    loss = Loss(potential("relu"), np.eye(3), manifold="sphere")
    start = np.eye(3) + 1e-4 * np.random.default_rng(1).normal(size=(3, 3))
    start /= np.linalg.norm(start, axis=1)[:, None]
    X, norm = polish(loss, start, dps=50)
    assert norm < 1e-45
    assert abs(X[0, 0] - 1) < 1e-45


def test_polishing_fails_loudly_when_it_cannot_converge():
    loss = Loss(potential("relu"), np.eye(3), manifold="sphere")
    start = np.random.default_rng(1).normal(size=(3, 3))
    start /= np.linalg.norm(start, axis=1)[:, None]
    with pytest.raises(DerivationError, match="did not reach"):
        polish(loss, start, dps=40, iterations=1)


def test_unknown_algorithm_and_bad_start_are_input_errors():
    loss = Loss(GAUSS, [[0.0, 0.0]])
    with pytest.raises(InputError, match="algorithm"):
        run_algorithm(loss, [[1.0, 0.0]], "adam")
    with pytest.raises(InputError, match="NaN"):
        gradient_flow(loss, [[np.inf, 0.0]])
