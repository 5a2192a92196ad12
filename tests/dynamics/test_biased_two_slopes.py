"""The biased loss of σ = m·t + n·t₊ (leaky ReLU, abs, any two slopes) in float64: value against the
mpmath route, exact gradient against differences of the 20-digit value at exact inputs, the flow
learning a biased leaky-ReLU teacher."""

import itertools

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.dynamics.biased_flow import biased_flow
from theory.dynamics.biased_loss import BiasedLoss, NotSmooth
from theory.potentials.biased import Family

from tests.dynamics.test_biased_loss import CASES, G, W, _case, _difference_gradient

SLOPES = ["leaky_relu(1/5)", "abs", "2*t - 3*relu(t)"]
QUICK = [("abs", "parallel"), ("2*t - 3*relu(t)", "theta zero")]


@pytest.mark.parametrize("name,case", [pytest.param(*p, marks=[] if p in QUICK else [pytest.mark.slow])
                                       for p in itertools.product(SLOPES, CASES)])
def test_gradient_matches_differences_of_the_exact_value(name, case):
    loss = BiasedLoss(name, W, G)
    assert loss.potential.family is Family.TWO_SLOPE
    Xc, Bc = _case(case)
    grad = loss.gradient(Xc, Bc)
    reference = _difference_gradient(loss, Xc, Bc)
    scale = max(1.0, max(np.abs(g).max() for g in reference))
    assert max(np.abs(g - r).max() for g, r in zip(grad, reference, strict=True)) <= 1e-9 * scale
    assert abs(loss.value(Xc, Bc) - float(loss.value(Xc, Bc, dps=20))) <= 1e-13 * scale


def test_teacher_is_a_zero_of_the_loss_and_of_its_gradient():
    loss = BiasedLoss("leaky_relu(1/5)", W, G)
    assert loss.value(W, G) == 0 or abs(loss.value(W, G)) < 1e-15
    assert max(np.abs(g).max() for g in loss.gradient(W, G)) < 1e-14


def test_the_kink_at_zero_is_refused_and_other_families_are_named():
    loss = BiasedLoss("abs", W, G)
    with pytest.raises(NotSmooth, match="θ = 0 and β = 0"):
        loss.gradient(np.array([[0.0, 0.0, 0.0]]), [0.0])
    with pytest.raises(InputError, match="leaky ReLU and abs"):
        BiasedLoss("Max(t, 0) + tanh(Min(t, 0))", W, G).gradient(W, G)


def _teacher_run(seed: int):
    draws = np.random.default_rng(seed)
    W0, G0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    X0, B0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    loss = BiasedLoss("leaky_relu(1/5)", W0, G0)
    return loss, np.hstack([W0, G0[:, None]]), biased_flow(loss, X0, B0, gtol=1e-9, evaluations=20_000)


def test_flow_learns_a_biased_leaky_relu_teacher():
    """d = 3, k = m = 2: L ≤ 10⁻¹⁰ and (θ_i, β_i) = (w_π(i), γ_π(i)) within a budget."""
    _, teacher, run = _teacher_run(1)
    assert run.converged and run.losses[0] > 0.1 and run.losses[-1] <= 1e-10
    match = min(np.abs(run.positions - teacher[list(p)]).max() for p in itertools.permutations(range(2)))
    assert match <= 1e-6


@pytest.mark.slow
def test_another_start_ends_at_a_spurious_critical_point_not_an_artefact():
    """Seed 0 stops at L ≈ 3.07·10⁻³ with one electron shrunk to ‖θ‖ ≈ 0.11: the 20-digit value's
    differences confirm ∇L ≈ 0 there (numeric evidence of a spurious critical point, not a defect of
    the float64 gradient)."""
    loss, _, run = _teacher_run(0)
    assert run.converged and 3.0e-3 < run.losses[-1] < 3.1e-3
    Xc, Bc = run.positions[:, :3], run.positions[:, 3]
    assert max(np.abs(g).max() for g in _difference_gradient(loss, Xc, Bc)) < 1e-8
