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


# ---------------------------------------------------------------- creases of a product potential

LAPLACE = potential("bessel_k0")  # Φ = e^{−‖θ − w‖₁}: kinks wherever θ_k = w_k


def test_flow_on_a_product_with_kinks_holds_creases_and_reaches_the_protons():
    """Before creases were held the flow chattered across θ_k = w_k and ran out of time
    (k = d = 3); now it ends on the protons, from every seed tried."""
    from theory.equilibrium import simulate

    for seed in range(3):
        run = simulate(LAPLACE, d=3, k=3, manifold="euclidean", protons="random", algorithm="flow",
                       seed=seed, dps=20, seconds=30)
        assert run.converged, run.trajectory.reason
        assert run.equilibrium.kind == "global minimum" and run.equilibrium.matched


def test_descent_can_end_on_a_non_smooth_local_minimum_of_the_laplace_product():
    """Projected descent from seed 0 stops with two electrons on corners of creases of
    different protons, L ≈ 0.3366 > 0. It is reported as a non-smooth critical point, and
    it is a strict local minimum: L rises along 500 random directions (40-digit values)."""
    rng = np.random.default_rng(0)
    W, start = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    loss = Loss(LAPLACE, W)
    run = gradient_descent(loss, start, seconds=30)
    assert run.converged and run.creases
    assert sorted({i for i, _, _ in run.creases}) == [0, 2] and run.captured == [(1, 2)]
    here = loss.value(run.positions, dps=40)
    assert 0.33 < here < 0.34
    steps = np.random.default_rng(1).normal(size=(500, 3, 3))
    assert min(loss.value(run.positions + 1e-6 * u, dps=40) - here for u in steps) > 0
    from theory.equilibrium import equilibrium

    eq = equilibrium(LAPLACE, run.positions, W, manifold="euclidean", captured=run.captured,
                     creases=run.creases, dps=20)
    assert eq.kind == "non-smooth critical point" and not eq.matched and eq.creases == run.creases


def test_a_crease_is_held_only_where_the_loss_has_a_v_along_it():
    """One electron held on the crease θ₁ = w₁ of a proton: kept when the proton's pull wins
    (a V along θ₁: L rises to both sides), released a few ulps to the side where L descends
    when a second, heavier proton pulls harder along θ₁."""
    from theory.flow import _State

    for charges, held in (([1.0, 0.2], True), ([1.0, 5.0], False)):
        loss = Loss(LAPLACE, [[0.0, 0.0], [0.6, 0.4]], proton_charges=charges)
        state = _State(loss, [[0.1, 0.5]], None, capture=1e-9)
        state.X[0, 0], state.creases = 0.0, {(0, 0): 0.0}
        rises = [loss.value(state.X + side * np.array([[1e-7, 0.0]])) > loss.value(state.X) for side in (-1, 1)]
        state.settle()
        assert bool(state.creases) == held == all(rises)
        if not held:  # off the crease, downhill: the gradient points back at it
            assert 0 < abs(state.X[0, 0]) < 1e-300
            assert state.gradient()[0, 0] * state.X[0, 0] < 0
