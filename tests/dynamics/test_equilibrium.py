"""Equilibria: refinement, classification (Definition 3.2), matching."""

import numpy as np
import pytest

from theory import equilibrium, simulate
from theory.core.errors import InputError
from theory.dynamics.kinds import EquilibriumKind
from theory.potentials.potential import given, potential

SIGN = potential("sign").sphere()
#: Three protons on S^1, well apart (k = 3 > d = 2, so "orthonormal-ish").
ANGLES = np.array([0.3, 2.4, 4.4])
CIRCLE = np.c_[np.cos(ANGLES), np.sin(ANGLES)]


def test_sign_potential_on_the_circle_is_two_over_pi_asin():
    import sympy as sp

    from theory.core.symbols import rho
    assert sp.simplify((SIGN.expr - 2 * sp.asin(rho) / sp.pi).rewrite(sp.asin)) == 0


@pytest.mark.parametrize("seed", [0, 1, 3, 4])
def test_sign_on_the_circle_descends_onto_the_protons(seed):
    run = simulate(SIGN, d=2, k=3, manifold="sphere", protons=CIRCLE, algorithm="gd", seed=seed,
                   step=0.05, iterations=1000, seconds=None)
    assert run.converged and run.equilibrium.matched
    assert run.equilibrium.kind == EquilibriumKind.GLOBAL_MINIMUM
    assert sorted(j for _, j, _ in run.equilibrium.matching) == [0, 1, 2]


def test_sign_on_the_circle_can_trap_an_antipodal_pair_of_electrons():
    """Seed 2: two electrons end antipodal (by oddness of sign, a cancelling ±
    pair) where the remaining forces balance: descent stalls, and it is reported
    as not converged, never as matched."""
    run = simulate(SIGN, d=2, k=3, manifold="sphere", protons=CIRCLE, algorithm="gd", seed=2,
                   step=0.05, iterations=1000, seconds=None)
    assert not run.converged and not run.equilibrium.matched
    assert run.trajectory.reason.startswith("step size collapsed")
    angles = np.arctan2(run.trajectory.positions[:, 1], run.trajectory.positions[:, 0])
    gaps = np.abs(np.angle(np.exp(1j * (angles[:, None] - angles[None, :]))))
    assert np.isclose(gaps.max(), np.pi, atol=1e-6)


def test_relu_on_the_sphere_from_a_seed_converges_and_is_classified():
    run = simulate("relu", d=3, k=3, manifold="sphere", protons="orthonormal", seed=1, dps=30)
    eq = run.equilibrium
    assert run.converged
    assert eq.kind == EquilibriumKind.GLOBAL_MINIMUM and eq.matched
    assert eq.gradient_norm < 1e-25
    assert len(eq.eigenvalues) == 3 * 2 and min(eq.eigenvalues) > 0.1


def test_gaussian_single_proton_electron_ends_on_it():
    run = simulate("radial:exp(-r^2/2)", d=2, k=1, manifold="euclidean",
                   protons=np.array([[0.5, -1.0]]), seed=3, dps=40)
    eq = run.equilibrium
    assert eq.matched and eq.kind == EquilibriumKind.GLOBAL_MINIMUM
    assert eq.matching[0][2] < 1e-30
    assert [float(v) for v in eq.eigenvalues] == pytest.approx([2.0, 2.0])


def test_a_saddle_is_classified_as_saddle():
    """e^{−r²/2} in R², protons (±2, 0), one electron at the origin: critical by
    symmetry, L'' = −12e^{−2} along the axis and +4e^{−2} across it."""
    eq = equilibrium(given("exp(-r^2/2)", "radial"), [[0.0, 0.0]], [[2.0, 0.0], [-2.0, 0.0]], dps=30)
    assert eq.converged and eq.kind == EquilibriumKind.SADDLE and not eq.matched
    assert [float(v) for v in eq.eigenvalues] == pytest.approx([-12 * np.exp(-2), 4 * np.exp(-2)])


def test_relu_sphere_antipode_of_two_protons_is_a_maximum_not_a_minimum():
    W = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    eq = equilibrium(potential("relu"), [[0.0, 0.0, 1.0]], W, manifold="sphere", dps=30)
    assert eq.kind == EquilibriumKind.SADDLE and max(eq.eigenvalues) < 0


def test_symmetry_zero_modes_are_not_called_degenerate():
    """Gaussian in R^3 with a single proton: rotations about it fix the proton; at the
    global minimum they fix the electron too, so no zero mode appears."""
    eq = equilibrium(given("exp(-r^2/2)", "radial"), [[0.1, 0.0, 0.0]], [[0.0, 0.0, 0.0]])
    assert eq.symmetry_zero_modes == 0 and eq.kind == EquilibriumKind.GLOBAL_MINIMUM


def test_unconverged_runs_never_match():
    run = simulate("relu", d=3, k=3, manifold="sphere", seed=1, algorithm="gd", iterations=3)
    assert not run.converged and not run.equilibrium.matched
    assert run.equilibrium.kind == EquilibriumKind.NOT_CONVERGED


@pytest.mark.parametrize("kwargs, message", [
    ({"d": 3, "k": 0}, "k must"), ({"d": 2, "k": 3}, "do not fit"),
    ({"d": 3, "k": 2, "protons": "lattice"}, "protons must")])
def test_bad_simulation_input(kwargs, message):
    with pytest.raises(InputError, match=message):
        simulate("relu", **kwargs)


def test_potentials_with_a_cusp_at_coincidence_run():
    """Regression: the self pair of a cusped radial Φ used to give 0·∞ in the gradient."""
    from theory.dynamics.equilibrium import simulate

    laplace = simulate("radial:exp(-r)", d=1, k=2, manifold="euclidean", protons=[[1.0], [-1.0]],
                       algorithm="gd", seed=0, dps=20, iterations=1000, seconds=None)
    assert laplace.equilibrium.kind == EquilibriumKind.GLOBAL_MINIMUM and laplace.equilibrium.matched
    distance = simulate("radial:r", d=2, k=1, manifold="euclidean", protons=[[1.0, 0.0]],
                        algorithm="gd", seed=0, dps=20, iterations=300, seconds=None)
    assert not distance.converged and "300 iterations" in distance.trajectory.reason
    assert distance.trajectory.losses[-1] < -100  # the electron flees: L = −2‖θ − w‖ + const


def test_a_kind_is_looked_up_by_its_printed_name_and_an_unknown_one_names_the_choices():
    assert EquilibriumKind("spurious-local-minimum") is EquilibriumKind.SPURIOUS_LOCAL_MINIMUM
    assert EquilibriumKind("NON_SMOOTH") is EquilibriumKind.NON_SMOOTH
    with pytest.raises(InputError,
                       match=r"no equilibrium kind 'maximum': choose global minimum, .* or failed"):
        EquilibriumKind("maximum")
    assert [kind.claim for kind in EquilibriumKind][:4] == ["minimum", "minimum", "saddle", None]


@pytest.mark.parametrize("start", ["scaled", "near"])
def test_optimal_charges_of_a_homogeneous_sigma_are_classified_on_the_rays(start):
    """ReLU on R^d with a = a*(θ): ℓ(sθ_i) = ℓ(θ). 2w_j (a* = −½) is the proton w_j, reported as its
    canonical row; from 10⁻³ off the teacher Newton used to slide along the rays and stop short
    (‖∇ℓ‖ = 1.8e-20 > 1e-25), and 2W was called degenerate and unmatched."""
    W = np.random.default_rng(1).normal(size=(2, 3))
    X = 2 * W[::-1] if start == "scaled" else W[::-1] + 1e-3 * np.random.default_rng(5).normal(size=W.shape)
    eq = equilibrium(potential("relu"), X, W, charges="optimal")
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.symmetry_zero_modes == 2
    assert np.abs(eq.positions.astype(float) - W[::-1]).max() <= 1e-20
    assert [float(v) for v in eq.charges] == [-1.0, -1.0]
    assert all(abs(v) <= 1e-25 for v in eq.eigenvalues[:2]) and eq.eigenvalues[2] > 0.1


@pytest.mark.parametrize("name", ["abs", "t**2"])
@pytest.mark.parametrize("manifold", ["sphere", "euclidean"])
def test_an_even_sigma_matches_an_electron_on_the_antipode(name, manifold):
    """σ(−t) = σ(t): electrons on −w_j are the teacher's network (L = 0). They used to be called a
    spurious local minimum (abs) or degenerate (t²), unmatched; now the global minimum, matched, the
    rows reported as the protons."""
    W = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
    eq = equilibrium(potential(name), -W, W, manifold=manifold)
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.loss == 0
    assert np.abs(eq.positions.astype(float) - W).max() == 0


def test_zero_loss_off_the_protons_is_a_global_minimum_not_a_spurious_one():
    """σ = t² on R²: L depends on Σθ_iθ_iᵀ only, so a rotated pair of electrons (by π/4) has L = 0 off the
    protons: a global minimum, not matched."""
    W = np.array([[1.0, 0.0], [0.0, 1.0]])
    c = np.sqrt(0.5)
    eq = equilibrium(potential("t**2"), [[c, c], [-c, c]], W, manifold="euclidean")
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and not eq.matched and abs(eq.loss) < 1e-25
