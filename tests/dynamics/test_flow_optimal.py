"""Optimised output weights (charges="optimal"), Algorithms 3 and 4, and node-wise descent on cusps."""

from itertools import pairwise

import numpy as np
import pytest

from theory import equilibrium, simulate
from theory.core.errors import InputError
from theory.dynamics.flow import gradient_descent, nodewise, nodewise_optimal, run_algorithm, sgd
from theory.dynamics.kinds import EquilibriumKind
from theory.dynamics.loss import Loss
from theory.potentials.potential import given, potential

GAUSS = given("exp(-r^2/2)", "radial")
SIGN = potential("sign").sphere()
CIRCLE = np.c_[np.cos([0.3, 2.4, 4.4]), np.sin([0.3, 2.4, 4.4])]


def test_reduced_descent_lowers_the_reduced_loss_to_a_critical_point():
    loss = Loss(GAUSS, [[1.0, 0.0], [-1.0, 0.5]])
    run = gradient_descent(loss, [[0.4, 0.3], [-0.2, 0.6]], "optimal", step=0.5)
    assert run.converged, run.reason
    assert np.linalg.norm(loss.reduced_gradient(run.positions)) < 1e-10
    assert np.allclose(run.charges, loss.best_charges(run.positions))
    assert all(later <= earlier + 1e-12 for earlier, later in pairwise(run.losses))


def test_the_reduced_loss_has_its_own_saddle():
    """e^{−r²/2}, protons (±2, 0), one electron at 0 with a = a*: ℓ = const − c(θ)², c = Σ_j Φ(θ, w_j),
    so ∇²ℓ(0) = −2c∇²c = diag(−24, 8)·e^{−4} (with a fixed at −1 it is diag(−12, 4)·e^{−2})."""
    eq = equilibrium(GAUSS, [[0.0, 0.0]], [[2.0, 0.0], [-2.0, 0.0]], charges="optimal", dps=30)
    assert eq.kind == EquilibriumKind.SADDLE
    assert [float(v) for v in eq.eigenvalues] == pytest.approx([-24 * np.exp(-4), 8 * np.exp(-4)], rel=1e-12)
    assert float(eq.charges[0]) == pytest.approx(-2 * np.exp(-2), rel=1e-12)


def test_nodewise_on_a_cusp_potential_keeps_its_captures():
    """Regression: electrons captured on the cusp of sign's Φ = (2/π)asin ρ while descending
    one at a time were released into the joint descent, whose first gradient is infinite."""
    run = simulate(SIGN, d=2, k=3, manifold="sphere", protons=CIRCLE, algorithm="nodewise", seed=0, dps=20)
    assert run.converged and run.equilibrium.kind == EquilibriumKind.GLOBAL_MINIMUM
    assert sorted(j for _, j in run.trajectory.captured) == [0, 1, 2]


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["nodewise-optimal", "sgd"])
def test_paper_algorithms_learn_sign_on_the_sphere_with_optimised_weights(algorithm):
    run = simulate("sign", d=3, k=3, manifold="sphere", algorithm=algorithm, charges="optimal", seed=2,
                   dps=20, iterations=5000, seconds=None)
    assert run.converged and run.equilibrium.matched, run.trajectory.reason
    assert [float(a) for a in run.equilibrium.charges] == pytest.approx([-1, -1, -1])


def test_sgd_is_seeded_and_says_when_it_fails():
    loss = Loss(GAUSS, [[1.0, 0.0], [-1.0, 0.5]])
    start = [[0.4, 0.3], [-0.2, 0.6]]
    one, two, other = (sgd(loss, start, seed=s, step=0.05) for s in (3, 3, 4))
    assert one.converged and np.array_equal(one.positions, two.positions) and one.steps == two.steps
    assert one.steps != other.steps
    failed = sgd(loss, [[3.0, 3.0], [-3.0, 3.0]], seed=3, iterations=5)
    assert not failed.converged and failed.reason.startswith("FAIL")


def test_nodewise_optimal_draws_an_electron_that_feels_the_protons():
    """A start far from every proton has ∂L/∂a ≈ 0: Algorithm 3 draws again from its seed."""
    loss = Loss(GAUSS, [[0.5, 0.0]])
    run = nodewise_optimal(loss, [[40.0, 40.0]], seed=1)
    assert run.converged and np.allclose(run.positions, [[0.5, 0.0]], atol=1e-8)
    assert run.charges[0] == pytest.approx(-1)


def test_fixed_charge_algorithms_refuse_optimisation_by_name():
    loss = Loss(GAUSS, [[0.5, 0.0]])
    with pytest.raises(InputError, match="nodewise-optimal"):
        nodewise(loss, [[1.0, 1.0]], "optimal")
    with pytest.raises(InputError, match="charges"):
        run_algorithm(loss, [[1.0, 1.0]], "gd", "optimised")


def test_redraws_are_independent_of_the_protons_and_start(monkeypatch):
    """Algorithm 3's redraws come from their own stream: with the protons and start drawn
    from default_rng(seed) (simulate, random protons on R^10, where every electron needs a
    redraw), a shared stream put each redrawn electron exactly on a proton."""
    from theory.dynamics import flow
    from theory.dynamics.equilibrium import simulate

    draws, draw = [], flow._draw
    monkeypatch.setattr(flow, "_draw", lambda *args: draws.append(draw(*args)) or draws[-1])
    run = simulate("radial:exp(-r^2/2)", d=10, k=3, manifold="euclidean", protons="random",
                   algorithm="nodewise-optimal", seed=0, dps=20, iterations=5000, seconds=None)
    assert len(draws) == 3
    assert min(np.abs(run.protons - theta).max() for theta in draws) > 0.1
    assert min(np.abs(run.start - theta).max() for theta in draws[1:]) > 0.1
