"""The loss of a numeric ridge potential (tanh) on R^d in float64: the value against tensor
Gauss–Legendre in balls (:mod:`theory.potentials.ball_quadrature`, nothing shared with the
Hermite series), the gradient against central differences, and a short descent.

The evaluator of the default norms [1/4, 2] takes minutes to build in the tests' fresh cache, so
here ``Potential.numpy`` gives the one for [1/2, 1] (the tests of hermite_norms build it too);
:func:`~theory.dynamics.kernel.kernel` chooses and wires it exactly as it does the default."""

import math
from fractions import Fraction

import numpy as np
import pytest

from theory import potential
from theory.core.errors import DerivationError
from theory.dynamics.flow import gradient_descent
from theory.dynamics.kernel import NumericKernel
from theory.dynamics.loss import Loss
from theory.potentials import ball_quadrature, hermite_norms
from theory.potentials.potential import Potential

NORMS = (0.5, 1.0)
PROTONS = np.array([[1.0, 0.0, 0.0], [0.0, 3.0, 4.0]]) / np.array([[1.0], [5.0]])
ELECTRONS = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.9], [0.6, 0.0, 0.0]])   # the last parallel to w₁


@pytest.fixture(scope="module")
def tanh_loss():
    def narrow(phi):
        act = phi.activation
        return hermite_norms.float64_ridge(act.expr, act.kinks, act.parity, norms=NORMS)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Potential, "numpy", narrow)
        return Loss(potential("tanh"), PROTONS)


def reference(x: np.ndarray, y: np.ndarray) -> float:
    """Φ(x, y) = E[tanh(xᵀg) tanh(yᵀg)] at the float64 norms, ρ exact from the float vectors."""
    a, b = math.sqrt(x @ x), math.sqrt(y @ y)
    rho = sum(Fraction(p) * Fraction(q) for p, q in zip(x, y, strict=True)) / (Fraction(a) * Fraction(b))
    rho = max(Fraction(-1), min(Fraction(1), rho))
    return float(ball_quadrature.pair_mean(lambda v: v.tanh(), a, b, rho, 20).mid())


def test_a_numeric_ridge_potential_on_rd_gets_the_float64_kernel(tanh_loss):
    assert isinstance(tanh_loss.kernel, NumericKernel)


def test_the_loss_value_agrees_with_an_independent_quadrature(tanh_loss):
    a, b = tanh_loss.default_charges(len(ELECTRONS)), tanh_loss.proton_charges
    points, charges = np.concatenate([ELECTRONS, PROTONS]), np.concatenate([a, b])
    gram = np.zeros((len(points), len(points)))
    for i, j in zip(*np.triu_indices(len(points)), strict=True):
        gram[i, j] = gram[j, i] = reference(points[i], points[j])
    exact = charges @ gram @ charges
    f = tanh_loss.kernel.evaluator
    norms = np.linalg.norm(points, axis=1)
    bound = np.abs(charges) @ f.bound(norms[:, None], norms[None, :]) @ np.abs(charges)
    assert abs(tanh_loss.value(ELECTRONS) - exact) <= bound + 1e-15


def test_the_gradient_agrees_with_central_differences(tanh_loss):
    gradient = tanh_loss.gradient(ELECTRONS)
    h = 1e-5
    difference = np.zeros_like(ELECTRONS)
    for index in np.ndindex(ELECTRONS.shape):
        step = np.zeros_like(ELECTRONS)
        step[index] = h
        difference[index] = (tanh_loss.value(ELECTRONS + step) - tanh_loss.value(ELECTRONS - step)) / (2 * h)
    assert np.abs(gradient).max() > 0.1
    assert np.abs(gradient - difference).max() <= 1e-9


def test_a_short_descent_lowers_the_loss(tanh_loss):
    run = gradient_descent(tanh_loss, ELECTRONS, step=0.02, iterations=20, seconds=None)
    assert len(run.losses) > 10 and run.losses[-1] < run.losses[0] - 1e-3
    assert all(later <= earlier for earlier, later in zip(run.losses, run.losses[1:], strict=False))


def test_other_precisions_and_the_hessian_are_refused(tanh_loss):
    with pytest.raises(DerivationError, match="float64 only"):
        tanh_loss.value(ELECTRONS, dps=30)
    with pytest.raises(DerivationError, match="no Hessian"):
        tanh_loss.hessian(ELECTRONS)
