"""The loss of a numeric potential on the sphere (tanh, ELU: no closed form) in float64: the Mehler
series' derivatives against exact Gaussian means at ρ = ±1, the value against tensor
Gauss–Legendre in balls (nothing shared with the Hermite series) or ELU's arb enclosure, the
Riemannian gradient and Hessian against differences along retractions, at generic and exact inputs
(equal rows, an electron on a proton, an antipodal pair), and teachers classified as strict global
minima."""

import math
from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import DerivationError
from theory.core.symbols import t
from theory.dynamics.equilibrium import equilibrium
from theory.dynamics.flow import gradient_descent
from theory.dynamics.kernel import ZonalNumericKernel
from theory.dynamics.kinds import EquilibriumKind
from theory.dynamics.loss import Loss
from theory.potentials import ball_quadrature
from theory.potentials.elu import Float64Elu
from theory.potentials.quadrature import gaussian_mean

from tests.potentials.test_elu import enclosure

PROTONS = np.array([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])
GENERIC = np.array([[0.6, 0.8, 0.0], [0.0, 0.6, -0.8], [0.48, 0.6, 0.64]])
EXACT = {"generic": GENERIC,
         "equal rows": np.array([[0.6, 0.8, 0.0], [0.6, 0.8, 0.0]]),
         "on a proton": np.array([[0.0, 0.6, 0.8], [0.8, 0.0, 0.6]]),
         "antipodal": np.array([[-1.0, 0.0, 0.0], [0.0, 0.8, 0.6]])}


@pytest.fixture(scope="module")
def tanh_loss():
    return Loss(potential("tanh"), PROTONS, manifold="sphere")


@pytest.fixture(scope="module")
def elu_loss():
    return Loss(potential("elu"), PROTONS, manifold="sphere")


def test_a_numeric_potential_on_the_sphere_gets_the_series_kernel(tanh_loss, elu_loss):
    assert isinstance(tanh_loss.kernel, ZonalNumericKernel)
    assert tanh_loss.kernel.evaluator.error_bound < 1e-15
    assert isinstance(elu_loss.kernel, ZonalNumericKernel)
    assert isinstance(elu_loss.kernel.evaluator, Float64Elu)


@pytest.mark.parametrize("name", ["tanh", "softplus"])
def test_the_series_derivatives_at_rho_one_are_gaussian_means_of_derivatives(name):
    """Φ′(1) = Σ k c_k² = E[σ′(X)²] and Φ″(1) = E[σ″(X)²], Φ′(−1), Φ″(−1) by parity: the largest tails."""
    sigma = {"tanh": sp.tanh(t), "softplus": sp.log(1 + sp.exp(t))}[name]
    evaluator = potential(name).sphere().numpy()
    jet, bounds = evaluator.jet(np.array([1.0, -1.0])), evaluator.derivative_bounds
    first, second = (float(gaussian_mean(sp.diff(sigma, t, m) ** 2, dps=25)) for m in (1, 2))
    assert abs(jet[(0,)][0] - first) <= bounds[0] and abs(jet[(0, 0)][0] - second) <= bounds[1]
    if name == "tanh":                                       # odd σ: Φ odd, Φ′ even, Φ″ odd
        assert abs(jet[(0,)][1] - first) <= bounds[0] and abs(jet[(0, 0)][1] + second) <= bounds[1]


def _reference(x: np.ndarray, y: np.ndarray, name: str) -> float:
    """E[σ(xᵀg) σ(yᵀg)] at unit norms, ρ exact from the float vectors: tensor Gauss–Legendre for tanh,
    the arb enclosure of the conditional integral for ELU."""
    rho = sum(Fraction(p) * Fraction(q) for p, q in zip(x, y, strict=True))
    rho = max(Fraction(-1), min(Fraction(1), rho))
    if name == "elu":
        return float(enclosure(1, 1, rho, 20).mid())
    return float(ball_quadrature.pair_mean(lambda v: v.tanh(), 1.0, 1.0, rho, 20).mid())


@pytest.mark.parametrize("name, case", [("tanh", "generic"), ("tanh", "on a proton"), ("tanh", "antipodal"),
                                        ("elu", "generic"), ("elu", "antipodal")])
def test_the_loss_value_agrees_with_an_independent_quadrature(request, name, case):
    loss, X = request.getfixturevalue(f"{name}_loss"), EXACT[case]
    points = np.concatenate([X, PROTONS])
    charges = np.concatenate([loss.default_charges(len(X)), loss.proton_charges])
    gram = np.array([[_reference(p, q, name) for q in points] for p in points])
    bound = loss.kernel.evaluator.error_bound * np.abs(charges).sum() ** 2
    assert abs(loss.value(X) - charges @ gram @ charges) <= bound + 1e-15


def _along(loss: Loss, X: np.ndarray, B: np.ndarray):
    """v ↦ L(R_X(Bv)) with the retraction R_X(V) = (X + V)/‖X + V‖ row by row (second order)."""
    def value(v):
        Y = X + (B @ v).reshape(X.shape)
        return loss.value(Y / np.linalg.norm(Y, axis=1)[:, None])
    return value


@pytest.mark.parametrize("name", ["tanh", "elu"])
@pytest.mark.parametrize("case", EXACT)
def test_the_riemannian_gradient_and_hessian_agree_with_differences(request, name, case):
    loss, X = request.getfixturevalue(f"{name}_loss"), EXACT[case]
    g, H, B = loss.gradient(X), loss.hessian(X), loss.tangent_basis(X)
    along, n = _along(loss, X, B), B.shape[1]
    assert np.abs((g * X).sum(axis=1)).max() <= 1e-15              # tangent
    h = 1e-5
    slopes = [(along(h * e) - along(-h * e)) / (2 * h) for e in np.eye(n)]
    assert np.abs(B.T @ g.ravel() - slopes).max() <= 1e-9
    h = 1e-4
    fd = np.array([[(along(h * (e + f)) - along(h * (e - f)) - along(h * (f - e)) + along(-h * (e + f)))
                    / (4 * h * h) for f in np.eye(n)] for e in np.eye(n)])
    assert np.abs(H).max() > 0.1 and np.abs(H - fd).max() <= 1e-6
    assert np.abs(H - H.T).max() <= 1e-14


def test_a_descent_on_the_sphere_lowers_the_loss(tanh_loss):
    run = gradient_descent(tanh_loss, GENERIC[:2], step=0.05, iterations=30, seconds=None)
    assert run.losses[-1] < run.losses[0] - 1e-2
    assert np.abs(np.linalg.norm(run.positions, axis=1) - 1).max() <= 1e-14


@pytest.mark.parametrize("name", ["tanh", "elu"])
def test_a_teacher_on_the_sphere_is_a_strict_global_minimum(request, name):
    loss = request.getfixturevalue(f"{name}_loss")
    start = PROTONS + 0.05 * np.array([[0.0, 1.0, -0.5], [1.0, 0.2, -0.15]])
    start /= np.linalg.norm(start, axis=1)[:, None]
    eq = equilibrium(loss.potential, start, PROTONS)
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.converged
    assert abs(eq.loss) < 1e-13 and np.abs(eq.positions - PROTONS).max() < 1e-8
    assert len(eq.eigenvalues) == 4 and eq.eigenvalues[0] > 1e-2
    assert "numeric evidence" in eq.reason


def test_other_precisions_and_kinked_sigma_are_refused(tanh_loss):
    with pytest.raises(DerivationError, match="float64 only"):
        tanh_loss.value(GENERIC, dps=30)
    with pytest.raises(DerivationError, match="on the sphere"):
        Loss(potential("Max(t, 0) + tanh(Min(t, 0))"), PROTONS, manifold="sphere")
    assert math.isfinite(tanh_loss.value(GENERIC))
