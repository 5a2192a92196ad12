"""The loss of ELU on R^d in float64 (:class:`~theory.dynamics.kernel.NumericKernel` on
:class:`~theory.potentials.elu.Float64Elu`): the value against arb enclosures of the conditional
integral, the gradient against central differences of that enclosure, the Hessian against differences of
the gradient, a teacher–student descent and a teacher classified as a strict minimum."""

from fractions import Fraction

import numpy as np
import pytest

from theory import potential
from theory.dynamics.equilibrium import EquilibriumKind, equilibrium
from theory.dynamics.flow import gradient_descent
from theory.dynamics.kernel import NumericKernel
from theory.dynamics.loss import Loss
from theory.potentials.elu import Float64Elu

from tests.potentials.test_elu import enclosure

PROTONS = np.array([[1.0, 0.0], [0.0, 1.5]])
ELECTRONS = np.array([[0.75, 0.5], [-0.25, 2.0]])


@pytest.fixture(scope="module")
def elu_loss():
    return Loss(potential("elu"), PROTONS)


def exact_loss(electrons: list, charges: np.ndarray):
    """cᵀGc with G = [Φ(x_i, x_j)] from :func:`enclosure` (an arb ball), for exact rational rows."""
    from flint import arb, ctx

    def ball(x: Fraction):
        return arb(x.numerator) / x.denominator

    points = [*electrons, *([Fraction(v) for v in w] for w in PROTONS)]
    saved, ctx.prec, total = ctx.prec, 160, arb(0)
    try:
        for i, x in enumerate(points):
            for j, y in enumerate(points[i:], start=i):
                xx, yy, xy = (sum(p * q for p, q in zip(u, v, strict=True))
                              for u, v in ((x, x), (y, y), (x, y)))
                a, b = ball(xx).sqrt(), ball(yy).sqrt()
                rho = 1 if i == j else ball(xy) / (a * b)
                weight = (1 if i == j else 2) * float(charges[i]) * float(charges[j])
                total += weight * enclosure(a, b, rho, 25)
        return total
    finally:
        ctx.prec = saved


def test_elu_on_rd_gets_the_float64_kernel(elu_loss):
    assert isinstance(elu_loss.kernel, NumericKernel) and isinstance(elu_loss.kernel.evaluator, Float64Elu)


def test_the_gradient_agrees_with_central_differences_of_the_enclosure(elu_loss):
    charges = np.concatenate([elu_loss.default_charges(len(ELECTRONS)), elu_loss.proton_charges])
    exact = [[Fraction(v) for v in x] for x in ELECTRONS]
    assert abs(elu_loss.value(ELECTRONS) - float(exact_loss(exact, charges).mid())) <= 1e-13
    h = Fraction(1, 10**10)
    difference = np.zeros_like(ELECTRONS)
    for i, k in np.ndindex(ELECTRONS.shape):
        ahead, behind = ([row.copy() for row in exact] for _ in range(2))
        ahead[i][k] += h
        behind[i][k] -= h
        step = (exact_loss(ahead, charges) - exact_loss(behind, charges)) / (2 * float(h))
        difference[i, k] = float(step.mid())
    gradient = elu_loss.gradient(ELECTRONS)
    assert np.abs(gradient).max() > 0.1
    assert np.abs(gradient - difference).max() <= 1e-13


def test_a_teacher_student_descent_from_nearby_reaches_zero_loss():
    teacher = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
    loss = Loss(potential("elu"), teacher)
    start = teacher + 0.1 * np.array([[0.3, -0.2, 0.5], [-0.4, 0.1, 0.2]])
    run = gradient_descent(loss, start, step=1.0, iterations=400, gtol=1e-9, seconds=None)
    assert run.converged and abs(run.losses[-1]) <= 1e-13 < run.losses[0]
    assert np.abs(run.positions - teacher).max() <= 1e-7


def gradient_differences(loss: Loss, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the analytic gradient, row-major (error ~ h²L⁗/6 + 1e-16/h)."""
    columns = []
    for k in range(X.size):
        step = np.zeros(X.size)
        step[k] = h
        ahead, behind = (loss.gradient((X.ravel() + sign * step).reshape(X.shape)) for sign in (1, -1))
        columns.append(((ahead - behind) / (2 * h)).ravel())
    return np.array(columns)


@pytest.mark.parametrize("electrons, h", [(ELECTRONS, 1e-6), (PROTONS[[0, 0]], 1e-6),
                                          (np.array([[1.0, 0.0], [0.25, 0.5]]), 1e-6),
                                          (np.array([[-1.0, 0.0], [0.0, -1.5]]), 1e-6),
                                          (np.array([[1e-3, 0.0], [0.0, 1.5]]), 1e-7)],
                         ids=["generic", "equal rows", "on a proton", "antipodal", "tiny norm"])
def test_the_hessian_is_differences_of_the_analytic_gradient(elu_loss, electrons, h):
    """(At a tiny norm n the third derivative grows like 1/n, so the step shrinks.)"""
    hessian = elu_loss.hessian(electrons)
    assert np.abs(hessian - hessian.T).max() <= 1e-15 and np.abs(hessian).max() > 0.5
    assert np.abs(hessian - gradient_differences(elu_loss, electrons, h)).max() <= 1e-8


def test_a_teacher_is_a_strict_minimum_classified_in_float64():
    teacher = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
    start = teacher + 0.02 * np.array([[1.0, -1.0, 0.5], [-0.5, 1.0, 1.0]])
    eq = equilibrium(potential("elu"), start, teacher)
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.converged
    assert abs(eq.loss) < 1e-14 and eq.gradient_norm < 1e-11 and np.abs(eq.positions - teacher).max() < 1e-10
    assert len(eq.eigenvalues) == 6 and eq.eigenvalues[0] > 0.1
    assert "numeric evidence" in eq.reason and "not certified" in eq.reason
