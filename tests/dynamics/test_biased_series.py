"""The float64 biased loss of smooth activations by Mehler's series (theory.potentials.biased_series).

The references are independent of the series: one-dimensional mpmath quadratures of σ itself at
ρ = ±1 and at a zero norm (confirmed at two precisions), and the 20-digit numeric route of
BiasedPotential (its own rule, confirmed at two precisions) at generic pairs."""

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory.core.errors import InputError, PrecisionError
from theory.core.symbols import t
from theory.dynamics.biased_flow import biased_equilibrium, biased_flow
from theory.dynamics.biased_loss import BiasedLoss, BiasedRows
from theory.dynamics.charges import FIXED, OPTIMAL
from theory.dynamics.kinds import EquilibriumKind
from theory.potentials.biased import biased
from theory.potentials.biased_series import smooth_series

SIGMAS = {"tanh": sp.tanh(t), "softplus": sp.log(1 + sp.exp(t)), "swish": t / (1 + sp.exp(-t))}


def _expectation(f, dps: int) -> float:
    """E[f(X)] for X standard normal by mpmath quadrature, to dps digits (two precisions agree)."""
    def at(work):
        with mpmath.workdps(work):
            density = lambda x: f(x) * mpmath.exp(-x * x / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
            return mpmath.quad(density, [-mpmath.inf, -4, 0, 4, mpmath.inf])
    low, high = at(dps), at(dps + 10)
    assert abs(low - high) <= mpmath.mpf(10) ** (-dps + 2) * (1 + abs(high))
    return float(high)


def _series_pair(name, a, beta, b, gamma, rho) -> float:
    series = smooth_series(SIGMAS[name])
    f, = series.coefficients([a], [beta], order=0)
    g, = series.coefficients([b], [gamma], order=0)
    return float(series.moment(f, g, [[rho]])[0, 0])


@pytest.mark.parametrize("name", SIGMAS)
@pytest.mark.parametrize(("a", "beta", "b", "gamma", "rho"), [
    (1.0, 0.3, 1.0, 0.3, 1.0),        # one node with itself: E[σ(u)²]
    (2.0, -0.7, 2.0, -0.7, 1.0),      # the largest norm of the tests
    (1.5, 0.2, 0.5, -1.0, -1.0),      # antiparallel
    (0.0, 0.8, 1.2, 0.4, 0.0),        # a zero norm: σ(β)E[σ(v)]
    (3.5, 0.4, 3.5, 0.4, 1.0),        # norms beyond the series (it raised): the rule directly
    (4.0, -0.5, 1.5, 0.9, -1.0),
])
def test_exact_configurations_agree_with_one_dimensional_quadrature(name, a, beta, b, gamma, rho):
    sigma = sp.lambdify(t, SIGMAS[name], "mpmath")
    reference = _expectation(lambda x: sigma(a * x + beta) * sigma(rho * b * x + gamma) if a
                             else sigma(beta) * sigma(b * x + gamma), 25)
    assert abs(_series_pair(name, a, beta, b, gamma, rho) - reference) <= 4e-15 * max(1.0, abs(reference))


@pytest.mark.parametrize(("name", "point"), [
    ("tanh", (1.0, 1.5, 0.6, 0.2, -0.3)),
    ("softplus", (0.8, 1.1, -0.5, -0.4, 0.9)),
    ("swish", (1.9, 0.7, 1.2, 1.0, 0.0)),
])
def test_generic_pairs_agree_with_the_20_digit_route(name, point):
    a, b, dot, beta, gamma = point
    reference = float(biased(name).at(a, b, dot, beta, gamma, dps=20))
    found = _series_pair(name, a, beta, b, gamma, dot / (a * b))
    assert abs(found - reference) <= 4e-15 * max(1, abs(reference))


def _teacher():
    return np.array([[1, 0, -1], [0, 1, 1]], dtype=float), np.array([0.5, -0.25])


@pytest.mark.parametrize("name", ["tanh", "sigmoid", "gelu"])
def test_gradient_is_the_derivative_of_the_value(name):
    """Central differences of the float64 value (h = 1e-5: truncation ~1e-10, rounding ~1e-11)."""
    W, G = _teacher()
    loss = BiasedLoss(name, W, G)
    X, B = np.array([[0.8, 0.3, -0.6], [0.1, 0.9, 1.2], [0.8, 0.3, -0.6]]), np.array([0.2, -0.1, 0.2])
    grad_theta, grad_beta = loss.gradient(X, B)
    h = 1e-5
    for i, j in itertools.product(range(3), range(4)):
        step = np.zeros((3, 4))
        step[i, j] = h
        up, down = (loss.value((X + s[:, :3]), B + s[:, 3]) for s in (step, -step))
        exact = grad_theta[i, j] if j < 3 else grad_beta[i]
        assert abs((up - down) / (2 * h) - exact) <= 1e-8


def test_the_teacher_is_a_zero_of_loss_and_gradient():
    """Integer rows, the electrons on the protons: L and ∇L vanish to rounding."""
    W, G = _teacher()
    loss = BiasedLoss("tanh", W, G)
    assert abs(loss.value(W, G)) <= 1e-15
    assert max(np.abs(part).max() for part in loss.gradient(W, G)) <= 1e-14


def test_the_value_at_n_digits_resolves_a_loss_far_below_its_terms():
    """Standard-normal rows (seed 0), k = m = 2, d = 3: the 20-digit value agrees with float64 (the old
    nested quadrature took over 10 minutes here); the permuted teacher is exactly 0; a bias 10⁻⁶ off the
    teacher leaves L ≈ 10⁻¹² from terms of size 1, and its L/δ² agrees with the curvature c₂ from
    float64 values at δ = ±10⁻³ (c₂ + O(δ²), so to about 10⁻⁶)."""
    draws = np.random.default_rng(0)
    W, G = draws.normal(size=(2, 3)), draws.normal(size=2)
    X, B = draws.normal(size=(2, 3)), draws.normal(size=2)
    loss = BiasedLoss("tanh", W, G)
    assert abs(float(loss.value(X, B, dps=20)) - loss.value(X, B)) <= 1e-13 * loss.value(X, B)
    assert loss.value(W[::-1], G[::-1], dps=20) == 0
    delta = (G + 1e-6) - G
    curvature = np.mean([loss.value(W, G + s * 1e-3) for s in (1, -1)]) / 1e-6
    assert abs(float(loss.value(W, G + delta, dps=15)) / (delta**2).mean() - curvature) <= 1e-5 * curvature
    with pytest.raises(InputError, match="at most 50 digits"):
        loss.value(X, B, dps=55)


def _learns(W, G, spread: float, seed: int) -> float:
    """The flow from the teacher plus spread × normal draws reaches it, and Newton with the analytic Hessian
    classifies the end as the global minimum: its λ_min."""
    loss = BiasedLoss("tanh", W, G)
    draws = np.random.default_rng(seed)
    X0, B0 = W + spread * draws.normal(size=W.shape), G + spread * draws.normal(size=len(G))
    run = biased_flow(loss, X0, B0, gtol=1e-9, evaluations=5000)
    assert run.converged and run.losses[0] > 1e-3 and run.losses[-1] <= 1e-14
    teacher = np.hstack([W, G[:, None]])
    assert min(np.abs(run.positions - teacher[list(p)]).max()
               for p in itertools.permutations(range(len(G)))) <= 1e-6
    eq = biased_equilibrium(loss, run.positions[:, :-1], run.positions[:, -1])
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.gradient_norm < 1e-11
    return eq.eigenvalues[0]


def test_flow_learns_a_biased_tanh_neuron():
    """(measured λ_min = 0.134)"""
    assert _learns(np.array([[1.0, -0.5]]), np.array([0.5]), 0.5, seed=0) > 0.1


@pytest.mark.slow
def test_flow_learns_a_biased_tanh_teacher():
    """(measured λ_min = 0.0490)"""
    assert _learns(*_teacher(), 0.3, seed=3) > 0.04


def test_norms_beyond_the_series_and_kinks_are_refused():
    W, G = _teacher()
    with pytest.raises(PrecisionError, match="norms are too large"):
        BiasedLoss("tanh", 4 * W, G).value(3 * W + [[0, 0.3, 0], [0.3, 0, 0]], G)    # ρ ≈ 0.995
    with pytest.raises(InputError, match="σ has kinks"):
        BiasedLoss("Max(t, 0) + tanh(Min(t, 0))", W, G).gradient(W, G)


# ---------------------------------------------------------------------- the Hessian

def _dyadic(values):
    """Rounded to multiples of 2⁻³⁰: a displacement by 2⁻¹⁶ × small integers is then exact in float64."""
    return np.round(np.asarray(values, dtype=float) * 2.0**30) / 2.0**30


ELECTRONS = _dyadic([[0.8, 0.3, -0.6], [0.1, 0.9, 1.2], [-0.5, 0.4, 0.2]])
ELECTRON_BIASES = _dyadic([0.2, -0.1, 0.6])


def _case(name: str):
    """Electrons with one exact input each (norms at most 1.8): the rows of ELECTRONS edited."""
    W, G = _teacher()
    X, B = ELECTRONS.copy(), ELECTRON_BIASES.copy()
    if name == "coincident":        # two equal electrons
        X[2], B[2] = X[0], B[0]
    elif name == "on proton":
        X[1], B[1] = W[1], G[1]
    elif name == "theta zero":      # θ = 0 with a bias
        X[0], B[0] = 0.0, 0.7
    elif name == "parallel":        # 1.25·w₀ with another bias: ρ = 1
        X[1], B[1] = 1.25 * W[0], -0.5
    elif name == "antiparallel":    # ρ = −1
        X[1], B[1] = -W[1], 0.3
    return X, B


HESSIAN_CASES = ["generic", "coincident", "on proton", "theta zero", "parallel", "antiparallel"]


def _flat_gradient(loss, y, shape, a=None):
    Y = y.reshape(shape)
    grad_theta, grad_beta = loss.gradient(Y[:, :-1], Y[:, -1], a)
    return np.hstack([grad_theta, grad_beta[:, None]]).ravel()


def _richardson(f, y, eps):
    """The Jacobian of f at y by central differences at steps ε and ε/2, extrapolated (error O(ε⁴))."""
    def columns(h):
        return np.array([(f(y + h * e) - f(y - h * e)) / (2 * h) for e in np.eye(len(y))]).T
    coarse, fine = columns(eps), columns(eps / 2)
    return fine + (fine - coarse) / 3


@pytest.mark.parametrize("name,case", [*(("tanh", case) for case in HESSIAN_CASES), ("softplus", "generic"),
                                       ("gelu", "coincident"), ("mish", "on proton")])
def test_hessian_matches_extrapolated_differences_of_the_gradient(name, case):
    """∇²L against central differences of the analytic gradient at ε = 10⁻³, 5·10⁻⁴, extrapolated
    (the gradient's rounding ~10⁻¹⁵/ε dominates): measured 2.2e-12 to 3.9e-12 relative."""
    W, G = _teacher()
    loss = BiasedLoss(name, W, G)
    X, B = _case(case)
    H = loss.hessian(X, B)
    y = np.hstack([X, B[:, None]]).ravel()
    reference = _richardson(lambda z: _flat_gradient(loss, z, (3, 4)), y, 1e-3)
    assert H.shape == (12, 12) and np.array_equal(H, H.T)
    assert np.abs(H - reference).max() <= 2e-11 * max(1.0, np.abs(reference).max())


def _second_difference(loss, X, B, u, eps):
    """uᵀ∇²L u from the 20-digit value: (L(y + εu) − 2L(y) + L(y − εu))/ε² at steps ε, 2ε, extrapolated
    (error O(ε⁴), rounding 10⁻²⁰/ε²), at exact inputs (the displacements are exact in float64)."""
    shape = (len(X), X.shape[1] + 1)
    y = np.hstack([X, B[:, None]]).ravel()
    values = {}
    for s in (-2, -1, 0, 1, 2):
        Y = (y + s * eps * u).reshape(shape)
        values[s] = loss.value(Y[:, :-1], Y[:, -1], dps=20)
    with mpmath.workdps(30):
        fine, coarse = ((values[s] - 2 * values[0] + values[-s]) / (s * mpmath.mpf(eps)) ** 2 for s in (1, 2))
        return float(fine + (fine - coarse) / 3)


SECOND_DIFFERENCES = {   # (electrons, biases, protons, proton biases): one electron, one proton, d = 2
    "generic": ([[0.75, -0.5]], [0.25], [[0.5, 1.0]], [-0.5]),
    "theta zero": ([[0.0, 0.0]], [0.75], [[0.5, 1.0]], [-0.5]),
    "on proton": ([[0.5, 1.0]], [-0.5], [[0.5, 1.0]], [-0.5]),
    "antiparallel": ([[-0.75, -1.5]], [0.25], [[0.5, 1.0]], [-0.5]),
}
#: the cases whose pair is exactly parallel: nearly parallel pairs cost minutes at 20 digits
PARALLEL = ("on proton", "antiparallel")


def _direction(case: str, W: np.ndarray) -> np.ndarray:
    """An integer direction (seed 7); for an exactly parallel pair only θ ↦ θ + εs·w and the bias move,
    so the pair stays parallel (ρ = ±1 exactly)."""
    draws = np.random.default_rng(7).integers(-3, 4, size=3).astype(float)
    return np.append(draws[0] * W[0], draws[2]) if case in PARALLEL else draws


@pytest.mark.parametrize("case", [pytest.param(c, marks=[] if c == "generic" else [pytest.mark.slow])
                                  for c in SECOND_DIFFERENCES])
def test_hessian_matches_second_differences_of_the_20_digit_value(case):
    """uᵀHu against extrapolated second differences of the 20-digit value at ε = 2⁻¹⁴ (error ~10⁻¹¹;
    measured 5e-16 to 4e-13 relative)."""
    X, B, W, G = (np.array(v, dtype=float) for v in SECOND_DIFFERENCES[case])
    loss = BiasedLoss("tanh", W, G)
    H = loss.hessian(X, B)
    u = _direction(case, W)
    reference = _second_difference(loss, X, B, u, 2.0**-14)
    assert abs(u @ H @ u - reference) <= 1e-10 * max(1.0, abs(reference))


def _eigenvalues_of_differences(policy, rows, Y):
    """The eigenvalues of the extrapolated differences of ``policy``'s gradient (symmetrised)."""
    reference = _richardson(lambda z: policy.gradient(rows, z.reshape(Y.shape)).ravel(), Y.ravel(), 1e-3)
    return np.linalg.eigvalsh((reference + reference.T) / 2)


def polished_teacher(loss: BiasedLoss, charges, flip: bool = False) -> list[float]:
    """Newton from 10⁻² off the teacher of ``loss`` (d = 3, k = m = 2; its rows reversed, the first one's sign
    flipped with ``flip``) with ``charges``, asserted to be the global minimum: every row within 10⁻¹⁰ of a
    proton, the charges −1, and each eigenvalue of the analytic Hessian within 10⁻⁹ of those of extrapolated
    differences of the gradient (Weyl: ``|Δλ|`` ≤ ‖ΔH‖). Returns the eigenvalues, sorted."""
    protons = loss.protons
    teacher = np.hstack([protons.positions, protons.biases[:, None]])
    start = teacher[::-1] + 1e-2 * np.random.default_rng(5).normal(size=teacher.shape)
    if flip:
        start[0] *= -1
    eq = biased_equilibrium(loss, start[:, :3], start[:, 3], charges)
    assert eq.converged and eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched
    assert np.abs(eq.charges + 1).max() <= 1e-10 and "not certified" in eq.reason
    error = min(np.abs(eq.positions - teacher[list(p)]).max() for p in itertools.permutations(range(2)))
    assert error <= 1e-10
    policy = OPTIMAL if charges else FIXED
    reference = _eigenvalues_of_differences(policy, BiasedRows(loss), eq.positions)
    assert np.abs(np.array(eq.eigenvalues) - reference).max() <= 1e-9
    return eq.eigenvalues


@pytest.mark.parametrize("charges", [None, "optimal"])
def test_biased_tanh_teacher_is_a_strict_minimum(charges):
    """The biased tanh teacher (optimal charges: one unit's sign flipped, reported as (−ỹ, −a) since tanh is
    odd) is the global minimum (:func:`polished_teacher`), every eigenvalue of the analytic Hessian > 0
    (measured λ_min = 0.0490 fixed, 0.0188 optimal; the differences' eigenvalues within 1.5e-12)."""
    eigenvalues = polished_teacher(BiasedLoss("tanh", *_teacher()), charges, flip=bool(charges))
    assert eigenvalues[0] > (0.04 if charges is None else 0.015)


def test_reduced_hessian_matches_differences_of_the_reduced_gradient():
    """Optimal charges off the teacher: the Schur complement ∇²ℓ against extrapolated differences of ∇ℓ."""
    W, G = _teacher()
    rows = BiasedRows(BiasedLoss("tanh", W, G))
    Y = np.hstack([ELECTRONS[:2], ELECTRON_BIASES[:2, None]])
    hessian = OPTIMAL.hessian(rows, Y)
    reference = _richardson(lambda z: OPTIMAL.gradient(rows, z.reshape(Y.shape)).ravel(), Y.ravel(), 1e-3)
    assert np.array_equal(hessian, hessian.T)
    assert np.abs(hessian - reference).max() <= 1e-9 * max(1.0, np.abs(reference).max())


def test_hessian_names_the_norms_beyond_the_series():
    """Norms 3.5 at ρ ≈ 0.9996: the truncation bound of the Hessian's moments is above its tolerance."""
    W, G = _teacher()
    loss = BiasedLoss("tanh", 2.5 * W, G)
    with pytest.raises(PrecisionError, match=r"norms 3\.537 and 3\.536.* > 1e-09 relative"):
        loss.hessian(2.5 * W + [[0, 0.1, 0], [0.1, 0, 0]], G)


def test_equilibrium_names_a_spurious_minimum_and_a_saddle_of_tanh():
    """Protons e₁, e₂ (γ = 0.2), symmetric under swapping the coordinates; Newton from points of the
    diagonal (found by the flow) stays there. One electron: a minimum with L > 0 (k < m; measured
    λ_min = 0.130, L = 0.105); two electrons, coincident to rounding (measured 1.2e-13): a saddle of index 2
    (measured λ = −0.315, −0.00189), its eigenvalues within 10⁻⁹ of those of extrapolated differences of
    the gradient (measured 2.7e-12)."""
    loss = BiasedLoss("tanh", np.eye(2), [0.2, 0.2])
    eq = biased_equilibrium(loss, [[0.97, 0.97]], [0.39])
    assert eq.kind is EquilibriumKind.SPURIOUS_LOCAL_MINIMUM and eq.eigenvalues[0] > 0.1 and eq.loss > 0.1
    eq = biased_equilibrium(loss, [[0.37, 0.37]] * 2, [0.148] * 2)
    assert eq.converged and np.abs(eq.positions[0] - eq.positions[1]).max() <= 1e-12
    assert eq.kind is EquilibriumKind.SADDLE and "index 2" in eq.reason and not eq.matched
    reference = _eigenvalues_of_differences(FIXED, BiasedRows(loss), eq.positions)
    assert np.abs(np.array(eq.eigenvalues) - reference).max() <= 1e-9
