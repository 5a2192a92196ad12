"""The loss of a numeric ridge potential (tanh) on R^d in float64: the value against tensor
Gauss–Legendre in balls (:mod:`theory.potentials.ball_quadrature`, nothing shared with the
Hermite series), the gradient against central differences, a short descent, the Hessian against
differences of the gradient (and, under ``-m slow``, against second differences of the 30-digit
value), and the float64 classification of a teacher.

The evaluator of the default norms [1/4, 2] takes minutes to build in the tests' fresh cache, so
here ``Potential.numpy`` gives the one for [1/2, 1] (the tests of hermite_norms build it too);
:func:`~theory.dynamics.kernel.kernel` chooses and wires it exactly as it does the default."""

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory import potential
from theory.core.errors import DerivationError
from theory.core.symbols import t
from theory.dynamics.equilibrium import equilibrium
from theory.dynamics.flow import gradient_descent
from theory.dynamics.kernel import NumericKernel
from theory.dynamics.kinds import EquilibriumKind
from theory.dynamics.loss import Loss
from theory.potentials import ball_quadrature, hermite_norms, hermite_series
from theory.potentials.potential import Potential

NORMS = (0.5, 1.0)
TANH = sp.tanh(t)
PROTONS = np.array([[1.0, 0.0, 0.0], [0.0, 3.0, 4.0]]) / np.array([[1.0], [5.0]])
ELECTRONS = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 0.9], [0.6, 0.0, 0.0]])   # the last parallel to w₁


@pytest.fixture(scope="module")
def tanh_loss():
    def narrow(phi):
        act = phi.activation
        return hermite_norms.float64_ridge(act.expr, act.kinks, act.parity, norms=NORMS)

    with pytest.MonkeyPatch.context() as patch:     # for the module: equilibrium() builds its own Loss
        patch.setattr(Potential, "numpy", narrow)
        yield Loss(potential("tanh"), PROTONS)


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


def test_other_precisions_are_refused(tanh_loss):
    with pytest.raises(DerivationError, match="float64 only"):
        tanh_loss.value(ELECTRONS, dps=30)
    with pytest.raises(DerivationError, match="float64 only"):
        tanh_loss.hessian(ELECTRONS, dps=30)


def gradient_differences(loss: Loss, X: np.ndarray, h: float) -> np.ndarray:
    """Central differences of the gradient, one column per coordinate."""
    columns = []
    for index in np.ndindex(X.shape):
        step = np.zeros_like(X)
        step[index] = h
        columns.append(((loss.gradient(X + step) - loss.gradient(X - step)) / (2 * h)).ravel())
    return np.array(columns).T


#: Generic electrons; exact ones: two equal rows, a row on a proton, a row antiparallel to one
#: (entries k/8: exact in binary), all with norms inside [1/2, 1] with room for the steps.
CONFIGURATIONS = [ELECTRONS, np.array([[0.5, 0.5, 0.0], [0.5, 0.5, 0.0]]),
                  np.array([[0.75, 0.0, 0.0], [0.0, 0.5, 0.5]]),
                  np.array([[-0.75, 0.0, 0.0], [0.0, 0.0, 0.625]])]


@pytest.mark.parametrize("X", CONFIGURATIONS, ids=["generic", "equal rows", "on a proton", "antiparallel"])
def test_the_hessian_agrees_with_differences_of_the_gradient_and_is_symmetric(teacher_loss, X):
    """The gradient is checked against differences of the value above; two steps bound the
    differences' own error (h² terms), which must be small beside the tolerance."""
    H = teacher_loss.hessian(X)
    coarse, fine = (gradient_differences(teacher_loss, X, h) for h in (2e-5, 1e-5))
    assert np.abs(coarse - fine).max() < 1e-8                    # the differences are converged
    assert np.abs(H).max() > 0.1 and np.abs(H - fine).max() < 1e-8
    assert np.abs(H - H.T).max() <= 1e-14                          # symmetric to rounding


@pytest.fixture(scope="module")
def teacher_loss(tanh_loss):
    """Protons of norm 3/4 (inside the evaluator's interval [1/2, 1], with room for the steps)."""
    return Loss(tanh_loss.potential, TEACHER)


TEACHER = np.array([[0.75, 0.0, 0.0], [0.0, 0.45, 0.6]])


def test_a_tanh_teacher_is_a_strict_minimum_classified_in_float64(teacher_loss):
    start = TEACHER + 0.02 * np.array([[1.0, -1.0, 0.5], [-0.5, 1.0, 1.0]])
    eq = equilibrium(teacher_loss.potential, start, TEACHER)
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.converged
    assert abs(eq.loss) < 1e-13 and eq.gradient_norm < 1e-11
    assert np.abs(eq.positions - TEACHER).max() < 1e-10
    assert len(eq.eigenvalues) == 6 and eq.eigenvalues[0] > 1e-2 and eq.symmetry_zero_modes == 0
    assert "numeric evidence" in eq.reason and "not certified" in eq.reason
    with pytest.raises(DerivationError, match="float64"):
        equilibrium(teacher_loss.potential, start, TEACHER, certify=True)


def series_loss(x: list, w: list, digits: int, shifted: bool, terms: int = 64):
    """L(θ) − Φ(w, w) = Φ(θ, θ) − 2Φ(θ, w) for one electron (charge −1) and one proton, from the Mehler
    series at ``digits``: Φ(θ, θ) = E[tanh(‖θ‖X)²] and Φ(θ, w) = Σ_k c_k(‖θ‖)c_k(‖w‖)ρ^k (|ρ| < 0.4
    here: 64 terms leave less than 0.4^64 < 1e-25 of it out)."""
    ctx = mpmath.MPContext()
    ctx.dps = digits
    x, w = [ctx.mpf(v) for v in x], [ctx.mpf(v) for v in w]
    a, b = ctx.sqrt(ctx.fdot(x, x)), ctx.sqrt(ctx.fdot(w, w))
    rho = ctx.fdot(x, w) / (a * b)
    ca, second = hermite_series.coefficients(TANH, (), a, terms, digits, shifted)
    cb, _ = hermite_series.coefficients(TANH, (), b, terms, digits, shifted)
    return second - 2 * ctx.fsum(p * q * rho**k for k, (p, q) in enumerate(zip(ca, cb, strict=True)))


@pytest.mark.slow
def test_the_hessian_agrees_with_second_differences_of_the_30_digit_loss(tanh_loss):
    """One electron, one proton in d = 2; the 30-digit loss by two rules (30 digits, and 38 on a shifted
    grid) that agree to 1e-25, its second differences at h and h/2 agreeing to 1e-11."""
    w, x = [0.75, 0.0], [0.25, 0.625]                    # exact in binary; ρ = 0.371…, ‖θ‖ = 0.673…
    H = Loss(tanh_loss.potential, [w]).hessian([x])
    mp = mpmath.MPContext()
    mp.dps = 40

    def hessian(h, digits, shifted):
        def L(p, q, i, j):
            y = [mp.mpf(v) for v in x]
            y[i] += p * h
            y[j] += q * h
            return series_loss(y, w, digits, shifted)
        out = np.zeros((2, 2))
        for i, j in ((0, 0), (1, 1), (0, 1)):
            if i == j:
                value = (L(1, 0, i, i) - 2 * L(0, 0, i, i) + L(-1, 0, i, i)) / h**2
            else:
                value = (L(1, 1, i, j) - L(1, -1, i, j) - L(-1, 1, i, j) + L(-1, -1, i, j)) / (4 * h**2)
            out[i, j] = out[j, i] = float(value)
        return out

    h = mp.mpf("1e-6")
    coarse, fine = hessian(h, 30, False), hessian(h / 2, 30, False)
    assert abs(series_loss(x, w, 30, False) - series_loss(x, w, 38, True)) < 1e-25
    assert np.abs(coarse - fine).max() < 1e-11
    assert np.abs(H - fine).max() < 1e-9
