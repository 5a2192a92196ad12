"""Exact derivatives where charges coincide (issue 17): limits, must-show points, bad input."""

from collections import Counter

import mpmath
import numpy as np
import pytest

from theory import equilibrium
from theory.core.errors import InputError
from theory.core.numeric import context
from theory.dynamics.kinds import EquilibriumKind
from theory.dynamics.loss import Loss, NotSmooth
from theory.potentials.potential import potential
from theory.teacher_student.relu import teacher_hessian, tian_collapsed_point

RELU = potential("relu")
ERF = potential("erf(t/sqrt(2))")  # g = erf(x/√2): Φ = (2/π) asin(θᵀw/√((1+‖θ‖²)(1+‖w‖²)))


def erf_collapsed_point(K: int, dps: int) -> np.ndarray:
    """The erf committee's collapsed point: every student at r(1, …, 1), r = 1/√(K(2K − 1))."""
    ctx = context(dps)
    return np.array([[1 / ctx.sqrt(K * (2 * K - 1))] * K for _ in range(K)], dtype=object)


def largest(values) -> float:
    return float(max(abs(v) for v in np.ravel(values)))


def clusters(eigenvalues, digits: int = 25) -> list[tuple[float, int]]:
    """(value, multiplicity) of eigenvalues equal to ``digits`` digits (zero below 10^-digits)."""
    rounded = Counter(0.0 if abs(v) < mpmath.mpf(10) ** -digits else float(mpmath.nstr(v, digits))
                      for v in eigenvalues)
    return sorted(rounded.items())


def finite_difference_hessian(loss: Loss, X, dps: int, exponent: int) -> np.ndarray:
    """Central differences of the exact gradient along a random orthonormal basis Q (so every
    evaluation point is off the coincidence set), Richardson over h and h/2 (the gradient of a
    C² loss with a ~φ³ term is only O(h)-accurate by plain central differences): H ≈ D Qᵀ."""
    ctx = context(dps)
    n, h = X.size, ctx.mpf(10) ** -exponent
    Q = np.linalg.qr(np.random.default_rng(7).normal(size=(n, n)))[0]
    Qmp = np.array([[ctx.mpf(v) for v in row] for row in Q], dtype=object)
    X = np.array([[ctx.mpf(v if hasattr(v, "_mpf_") else float(v)) for v in row] for row in X], dtype=object)
    columns = []
    for p in range(n):
        step = Qmp[:, p].reshape(X.shape)

        def central(t, step=step):
            forward, backward = loss.gradient(X + t * step, dps=dps), loss.gradient(X - t * step, dps=dps)
            return (forward - backward).ravel() / (2 * t)
        columns.append(2 * central(h / 2) - central(h))
    # Q is orthogonal in float64 only
    inverse = np.array(ctx.inverse(ctx.matrix(Qmp.tolist())).tolist(), dtype=object)
    return np.array(columns).T @ inverse


# ---------------------------------------------------------------------- coincidences

@pytest.mark.parametrize("dps", [None, 40])
def test_identity_has_finite_exact_derivatives(dps):
    loss = Loss(RELU, np.eye(3, dtype=int), manifold="euclidean")
    assert loss.value(np.eye(3, dtype=int), dps=dps) == 0
    assert largest(loss.gradient(np.eye(3, dtype=int), dps=dps)) == 0
    H = loss.hessian(np.eye(3, dtype=int), dps=dps)
    assert largest(H.astype(float) - teacher_hessian(np.eye(3), dps=40).astype(float)) < 1e-15


@pytest.mark.parametrize("name, exponent", [("relu", 1), ("relu_power(2)", 2)])
@pytest.mark.parametrize("sign", [1, -1])
def test_hessian_at_a_coincident_pair_is_the_limit_of_nearby_hessians(name, exponent, sign):
    """Two electrons on each other (sign +1) or antiparallel (−1), and a parallel electron–proton
    pair of different norms: the Hessian there is the limit of the Hessians at distance δ
    (|H(δ) − H(0)| = O(δ)), in float64 and at 40 digits alike. ReLU²'s kernel has a removable
    0/0 in √c that is cancelled symbolically."""
    loss = Loss(potential(name), [[2, 0, 0], [0, 1, 1]], manifold="euclidean")
    X = np.array([[1, 1, 0], [sign, sign, 0], [3, 0, 0]])
    exact = loss.hessian(X, dps=40)
    assert largest(loss.hessian(X).astype(float) - exact.astype(float)) < 1e-13
    ctx = context(40)
    for delta in (ctx.mpf(10) ** -12, ctx.mpf(10) ** -20):
        near = np.array(X, dtype=object) + np.array([[0, 0, 0], [0, 0, delta], [0, delta, 0]], dtype=object)
        assert largest(loss.hessian(near, dps=40) - exact) < 50 * delta


def test_sign_at_a_coincidence_is_reported_not_smooth():
    loss = Loss(potential("sign"), np.eye(3), manifold="sphere")
    with pytest.raises(NotSmooth, match=r"electron 0 sits on proton 0.*not C1"):
        loss.hessian(np.eye(3))
    assert loss.value(np.eye(3)) == 0  # the value has its limit


# ---------------------------------------------------------------------- must show: W = V = I_k

def identity_spectrum_holds(k: int) -> None:
    """W = V = I_k is a global minimum; its spectrum: 1/2 − 1/π with multiplicity k(k−1)/2,
    1/2 + 1/π with k(k−3)/2, two eigenvalues of multiplicity k − 1 and two simple ones; the
    eigenvalues agree with the engine-independent Gauss–Newton Hessian 2M(w_i, w_j)."""
    eq = equilibrium(RELU, np.eye(k, dtype=int), np.eye(k, dtype=int), manifold="euclidean", dps=40)
    assert eq.kind == EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.loss == 0
    ctx = context(40)
    found = clusters(eq.eigenvalues)
    multiplicity = dict(found)
    assert multiplicity[float(mpmath.nstr(1 / ctx.mpf(2) - 1 / ctx.pi, 25))] == k * (k - 1) // 2
    if k > 3:
        assert multiplicity[float(mpmath.nstr(1 / ctx.mpf(2) + 1 / ctx.pi, 25))] == k * (k - 3) // 2
    rest = sorted(m for v, m in found if m not in (k * (k - 1) // 2, k * (k - 3) // 2))
    assert rest == [1, 1, k - 1, k - 1] and found[0][0] > 0
    hessian = ctx.matrix(teacher_hessian(np.eye(k), dps=40).tolist())
    independent = sorted(ctx.eigsy(hessian, eigvals_only=True))
    assert max(abs(a - b) for a, b in zip(eq.eigenvalues, independent, strict=True)) < ctx.mpf(10) ** -35


@pytest.mark.parametrize("k", [3, 4, 5, 6])
def test_identity_is_a_global_minimum_with_its_spectrum(k):
    identity_spectrum_holds(k)


@pytest.mark.slow
@pytest.mark.parametrize("k", [7, 8, 9, 10])
def test_identity_is_a_global_minimum_with_its_spectrum_large(k):
    identity_spectrum_holds(k)


# ---------------------------------------------------------------------- must show: collapsed points

@pytest.mark.parametrize("K", [2, 3, 4, 5, 6])
def test_tian_formula_is_a_critical_point_at_two_precisions(K):
    for dps in (40, 60):
        g = Loss(RELU, np.eye(K), manifold="euclidean").gradient(tian_collapsed_point(K, dps=dps), dps=dps)
        assert largest(g) < 10.0 ** -(dps - 2)


@pytest.mark.parametrize("K", [2, 3, 4, 5, 6])
def test_erf_formula_is_a_critical_point_at_two_precisions(K):
    for dps in (40, 60):
        g = Loss(ERF, np.eye(K), manifold="euclidean").gradient(erf_collapsed_point(K, dps), dps=dps)
        assert largest(g) < 10.0 ** -(dps - 2)


def test_tian_formula_is_the_only_collapsed_critical_point_nearby():
    """Off by 10⁻⁶, the gradient is not small: the formula, not the test, makes it vanish."""
    X = tian_collapsed_point(4, dps=40) * (1 + mpmath.mpf(10) ** -6)
    assert largest(Loss(RELU, np.eye(4), manifold="euclidean").gradient(X, dps=40)) > 1e-8


@pytest.mark.parametrize("K", [2, 3, 4, 5, 6])
def test_tian_point_is_a_saddle_of_morse_index_k_minus_one_squared(K):
    """Morse index (K − 1)² and K − 1 zero eigenvalues: collinear ReLU students act as one of
    summed norm, so redistributing the norms (Σ‖θ_i‖ fixed) is an exactly flat family."""
    eq = equilibrium(RELU, tian_collapsed_point(K, dps=40), np.eye(K, dtype=int), manifold="euclidean",
                     dps=40)
    assert eq.kind == EquilibriumKind.SADDLE and not eq.matched
    found = clusters(eq.eigenvalues, 30)
    assert sum(m for v, m in found if v < 0) == (K - 1) ** 2
    assert dict(found)[0.0] == K - 1
    flat = np.zeros((K, K))
    flat[0], flat[1] = 1, -1  # θ_0 grows along (1, …, 1), θ_1 shrinks
    H = Loss(RELU, np.eye(K), manifold="euclidean").hessian(tian_collapsed_point(K, dps=40), dps=40)
    assert largest(H @ flat.ravel()) < 1e-35


@pytest.mark.parametrize("K", [2, 3, 4, 5, 6])
def test_erf_collapsed_point_is_a_saddle(K):
    eq = equilibrium(ERF, erf_collapsed_point(K, 40), np.eye(K, dtype=int), manifold="euclidean", dps=40)
    assert eq.kind == EquilibriumKind.SADDLE and not eq.matched
    found = clusters(eq.eigenvalues, 30)
    assert sum(m for v, m in found if v < 0) == (K - 1) ** 2
    assert dict(found)[0.0] == K - 1


# ---------------------------------------------------------------------- finite differences

def assert_matches_finite_differences(phi, X, protons) -> None:
    """The exact Hessian at 40 digits against Richardson central differences of the exact
    gradient at 40 (h = 10⁻¹²) and at 50 digits (h = 10⁻¹⁵): both agree with it to 10⁻²⁰."""
    loss = Loss(phi, protons, manifold="euclidean")
    exact = loss.hessian(X, dps=40)
    for dps, exponent in ((40, 12), (50, 15)):
        assert largest(finite_difference_hessian(loss, X, dps, exponent) - exact) < 1e-20


def test_identity_hessian_matches_finite_differences():
    assert_matches_finite_differences(RELU, np.eye(3, dtype=int), np.eye(3))


def test_tian_hessian_matches_finite_differences():
    assert_matches_finite_differences(RELU, tian_collapsed_point(3, dps=60), np.eye(3))


def test_erf_collapsed_hessian_matches_finite_differences():
    assert_matches_finite_differences(ERF, erf_collapsed_point(3, 60), np.eye(3))


@pytest.mark.slow
@pytest.mark.parametrize("K", [4, 5, 6])
def test_collapsed_hessians_match_finite_differences_large(K):
    assert_matches_finite_differences(RELU, tian_collapsed_point(K, dps=60), np.eye(K))
    assert_matches_finite_differences(ERF, erf_collapsed_point(K, 60), np.eye(K))
    assert_matches_finite_differences(RELU, np.eye(K, dtype=int), np.eye(K))


# ---------------------------------------------------------------------- not C²

def test_sign_identity_is_a_global_minimum_without_a_hessian():
    eq = equilibrium(potential("sign"), np.eye(3, dtype=int), np.eye(3), manifold="sphere")
    assert eq.kind == EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.eigenvalues == []
    assert "not C1" in eq.reason and len(eq.one_sided) == 12


@pytest.mark.parametrize("name", ["sign", "step"])
def test_electron_pair_on_a_cusp_proton_is_a_non_smooth_critical_point(name):
    """Two electrons on one proton (L > 0): moving either cancels its cusp against the other's,
    so every one-sided slope is 0 and the point is reported as non-smooth critical."""
    eq = equilibrium(potential(name), [[1, 0, 0], [1, 0, 0]], [[1, 0, 0]], manifold="sphere")
    assert eq.kind == EquilibriumKind.NON_SMOOTH and eq.loss > 0
    assert max(abs(slope) for _, _, slope, _ in eq.one_sided) < 1e-15


def test_electron_antipodal_to_its_sign_proton_is_not_critical():
    eq = equilibrium(potential("sign"), [[1, 0, 0], [0, -1, 0]], [[1, 0, 0], [0, 1, 0]], manifold="sphere")
    assert eq.kind == EquilibriumKind.NOT_CONVERGED and not eq.converged
    assert min(slope for _, _, slope, _ in eq.one_sided) < -0.1


# ---------------------------------------------------------------------- bad input

@pytest.mark.parametrize("electrons, message", [
    ([[1.0, np.nan], [0.0, 1.0]], "NaN or infinite"),
    ([[1.0, np.inf], [0.0, 1.0]], "NaN or infinite"),
    ([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], "dimension 3 but protons 2"),
    ([1.0, 0.0], "non-empty \\(k, d\\) array"),
    ([["a", 0.0], [0.0, 1.0]], "real numbers"),
])
def test_equilibrium_and_loss_refuse_bad_electrons(electrons, message):
    with pytest.raises(InputError, match=message):
        equilibrium(RELU, electrons, np.eye(2), manifold="euclidean")
    with pytest.raises(InputError, match=message):
        Loss(RELU, np.eye(2), manifold="euclidean").hessian(electrons)


def test_bad_protons_are_refused():
    with pytest.raises(InputError, match="NaN or infinite"):
        equilibrium(RELU, np.eye(2), [[np.nan, 0.0], [0.0, 1.0]], manifold="euclidean")


def test_a_potential_without_second_derivative_at_the_point_is_a_clear_error():
    loss = Loss(potential("step"), [[1.0, 0.0, 0.0]], manifold="sphere")
    with pytest.raises(InputError, match=r"sits on proton 0.*no derivative"):
        loss.hessian([[1.0, 0.0, 0.0]], dps=30)
