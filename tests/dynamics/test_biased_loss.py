"""The biased loss: float64 value against the mpmath route and Monte Carlo, exact gradient against
finite differences of the 30-digit value, exact inputs, the flow learning a biased ReLU teacher."""

import itertools

import mpmath
import numpy as np
import pytest

from theory.core.errors import InputError
from theory.core.numeric import context
from theory.dynamics.biased_flow import biased_equilibrium, biased_flow
from theory.dynamics.biased_loss import BiasedLoss, BiasedRows, NotSmooth, orthant
from theory.dynamics.charges import FIXED, OPTIMAL, Fixed
from theory.dynamics.kinds import EquilibriumKind
from theory.potentials.biased import biased
from theory.potentials.biased import orthant as exact_orthant

RNG = np.random.default_rng(2)
W, G = RNG.normal(size=(2, 3)), RNG.normal(size=2)
X, B = RNG.normal(size=(3, 3)), RNG.normal(size=3)


def _case(name: str, X=X, B=B, W=W, G=G):
    """Electrons with one exact input each: the rows X, B edited."""
    Xc, Bc = X.copy(), B.copy()
    if name == "parallel":          # 2·w₀ with another bias: ρ = 1, h ≠ k
        Xc[1], Bc[1] = 2 * W[0], G[0] / 2
    elif name == "antipodal":       # ρ = −1
        Xc[1], Bc[1] = -W[1], 0.3
    elif name == "coincident":      # two equal electrons
        Xc[2], Bc[2] = Xc[0], Bc[0]
    elif name == "on proton":
        Xc[1], Bc[1] = W[1], G[1]
    elif name == "theta zero":
        Xc[0], Bc[0] = 0.0, 0.7
    elif name == "zero bias":
        Bc[:] = 0.0
    return Xc, Bc


CASES = ["generic", "parallel", "antipodal", "coincident", "on proton", "theta zero", "zero bias"]
CUSPED = ["step", "sign"]                # no gradient where two nodes coincide


def _difference_gradient(loss, Xc, Bc, eps=1e-6):
    """Central differences of the 20-digit value (rounding ~10⁻²⁰/ε, truncation ~ε²)."""
    grads = []
    for target in (Xc, Bc):
        g = np.zeros(target.shape)
        for idx in np.ndindex(target.shape):
            up, down = Xc.copy(), Xc.copy()
            bu, bd = Bc.copy(), Bc.copy()
            (up if target is Xc else bu)[idx] += eps
            (down if target is Xc else bd)[idx] -= eps
            g[idx] = float((loss.value(up, bu, dps=20) - loss.value(down, bd, dps=20)) / (2 * eps))
        grads.append(g)
    return grads


QUICK = [("relu", "coincident"), ("erf", "theta zero"), ("step", "parallel")]     # the rest: -m slow
EVERY = [*(("relu", case) for case in CASES), *itertools.product(["erf", "exp"], ["generic", "coincident",
                                                                                    "theta zero"]),
         *itertools.product(CUSPED, ["parallel", "antipodal", "theta zero"])]


@pytest.mark.parametrize("name,case", [pytest.param(*p, marks=[] if p in QUICK else [pytest.mark.slow])
                                       for p in EVERY])
def test_gradient_matches_differences_of_the_exact_value(name, case):
    loss = BiasedLoss(name, W, G)
    Xc, Bc = _case(case)
    grad = loss.gradient(Xc, Bc)
    reference = _difference_gradient(loss, Xc, Bc)
    scale, size = max(1.0, max(np.abs(g).max() for g in reference)), abs(loss.value(Xc, Bc))
    # differences of a 20-digit value: rounding |L|·10⁻²⁰/ε (exp's L reaches 6·10⁹ here)
    error = max(np.abs(g - r).max() for g, r in zip(grad, reference, strict=True))
    assert error <= 1e-9 * scale + 1e-13 * size
    assert abs(loss.value(Xc, Bc) - float(loss.value(Xc, Bc, dps=20))) <= 1e-13 * max(scale, size)


def test_float_value_matches_potential_at_pair_by_pair():
    """The float64 route (Owen's T) against a sum of BiasedPotential.at (Sheppard's integral at 25 digits)."""
    for name in ["relu", "step", "sign", "erf"]:
        phi = biased(name)
        nodes = [(x, b, -1.0) for x, b in zip(X, B, strict=True)] + \
            [(w, g, 1.0) for w, g in zip(W, G, strict=True)]
        with mpmath.workdps(30):
            # evaluate: ρ = 1 exactly on the diagonal
            total = mpmath.fsum(ci * cj * phi.evaluate(list(xi), bi, list(xj), bj, dps=25)
                                for (xi, bi, ci), (xj, bj, cj) in itertools.product(nodes, nodes))
        assert abs(BiasedLoss(phi, W, G).value(X, B) - float(total)) <= 1e-13 * abs(float(total))


def test_value_agrees_with_monte_carlo():
    """E[(Σ a σ(θᵀx + β) + Σ b σ(wᵀx + γ))²] sampled (10⁶ draws, seed 0): within 5 standard errors."""
    x = np.random.default_rng(0).normal(size=(10**6, 3))
    out = -np.maximum(x @ X.T + B, 0).sum(axis=1) + np.maximum(x @ W.T + G, 0).sum(axis=1)
    sample = out**2
    error = sample.std() / np.sqrt(len(sample))
    assert abs(BiasedLoss("relu", W, G).value(X, B) - sample.mean()) <= 5 * error


def test_loss_is_non_negative_and_zero_at_the_teacher():
    for name in ["relu", "step", "sign", "erf", "exp"]:
        loss = BiasedLoss(name, W, G)
        draws = np.random.default_rng(1)
        assert all(loss.value(draws.normal(size=(2, 3)), draws.normal(size=2)) >= 0 for _ in range(20))
        assert abs(loss.value(W[::-1], G[::-1])) <= 1e-13        # float64: the rounding of Σ c c Φ
        assert loss.value(W[::-1], G[::-1], dps=30) == 0           # exact cancellation, confirmed
        assert loss.value(W, G + 0.1) > 1e-4


def test_orthant_at_exact_inputs_matches_sheppards_integral():
    ctx = context(30)
    for h, k, rho in [(0, 0, 0.6), (0, 0.5, -0.3), (-1, 0, 0.2), (0.3, -0.7, 1), (0.3, -0.7, -1),
                      (0.3, -0.2, -1), (2, -3, 0.99), (1e-9, 0.3, 0.5), (0, 0, -1)]:
        r = np.sqrt((1 - rho) * (1 + rho))
        exact = exact_orthant(ctx, ctx.mpf(h), ctx.mpf(k), ctx.mpf(rho))
        assert abs(float(orthant(h, k, rho, r)) - float(exact)) <= 2e-16, (h, k, rho)


def test_electron_with_zero_weight_is_sigma_of_its_bias_times_a_mean():
    """θ = 0, β = 2: Φ(0, 2; w, γ) = relu(2)·E[relu(wᵀx + γ)]."""
    loss = BiasedLoss("relu", [[0.6, 0.8]], [0.0], proton_charges=[0.0])
    assert loss.value([[0.0, 0.0]], [2.0], [1.0]) == pytest.approx(4.0, abs=1e-15)      # relu(2)²
    cross = BiasedLoss("relu", [[0.6, 0.8]], [0.0])
    # L = 4 − 2·2·E[relu(Y)] + 1/2 with a = −1, E[relu(Y)] = 1/√(2π)
    assert cross.value([[0.0, 0.0]], [2.0]) == pytest.approx(4 - 4 / np.sqrt(2 * np.pi) + 0.5, abs=1e-14)


def test_where_phi_has_no_derivative_the_gradient_says_so():
    with pytest.raises(NotSmooth, match=r"electron 1 and proton 1.*cusp"):
        BiasedLoss("step", W, G).gradient(*_case("on proton"))
    with pytest.raises(NotSmooth, match="θ = 0 and β = 0"):
        BiasedLoss("relu", W, G).gradient([[0.0, 0.0, 0.0]], [0.0])
    assert np.isfinite(BiasedLoss("erf", W, G).gradient([[0.0, 0.0, 0.0]], [0.0])[0]).all()


def test_bad_input_is_named():
    loss = BiasedLoss("relu", W, G)
    with pytest.raises(InputError, match="one bias per row"):
        loss.value(X, B[:2])
    with pytest.raises(InputError, match=r"proton biases.*one bias per row"):
        BiasedLoss("relu", W, [0.1])
    with pytest.raises(InputError, match="finite"):
        loss.value(X, [0.1, np.nan, 0.2])
    with pytest.raises(InputError, match="finite"):
        loss.gradient([[np.nan, 0, 0]], [0.1])
    with pytest.raises(InputError, match="dimension 2 but protons 3"):
        loss.value([[1.0, 0.0]], [0.1])
    with pytest.raises(InputError, match=r"no float64 biased loss \(σ has kinks at 0.*ELU"):
        BiasedLoss("Max(t, 0) + tanh(Min(t, 0))", W, G).value(X, B)


def test_flow_learns_a_biased_relu_teacher():
    """d = 3, k = m = 2, a generic start: L ≤ 10⁻¹⁰ and (θ_i, β_i) = (w_π(i), γ_π(i)), within a budget."""
    draws = np.random.default_rng(0)
    W0, G0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    X0, B0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    loss = BiasedLoss("relu", W0, G0)
    run = biased_flow(loss, X0, B0, gtol=1e-9, evaluations=10_000)
    assert run.converged and run.evaluations <= 10_000
    assert run.losses[-1] <= 1e-10 and loss.value(run.positions[:, :3], run.positions[:, 3], dps=20) <= 1e-10
    teacher = np.hstack([W0, G0[:, None]])
    match = min(np.abs(run.positions - teacher[list(p)]).max() for p in itertools.permutations(range(2)))
    assert match <= 1e-6
    assert run.losses[0] > 0.1                      # it did have to learn


def test_flow_reports_a_spent_budget():
    loss = BiasedLoss("relu", W, G)
    run = biased_flow(loss, X[:2], B[:2], evaluations=50)
    assert not run.converged and "budget spent" in run.reason and run.evaluations <= 50


# ---------------------------------------------------------------------- the Hessian

def _dyadic(values):
    """Rounded to multiples of 2⁻³⁰: a displacement by 2⁻²⁴ × small integers is then exact in float64."""
    return np.round(np.asarray(values) * 2.0**30) / 2.0**30


DYADIC = {"W": _dyadic(W), "G": _dyadic(G), "X": _dyadic(X), "B": _dyadic(B)}


def _stacked_gradient(loss, y, k, d):
    Y = y.reshape(k, d + 1)
    grad_theta, grad_beta = loss.gradient(Y[:, :d], Y[:, d])
    return np.hstack([grad_theta, grad_beta[:, None]]).ravel()


def _gradient_differences(loss, Xc, Bc, eps):
    """Central differences of the exact float64 gradient, column by column."""
    k, d = Xc.shape
    y = np.hstack([Xc, Bc[:, None]]).ravel()
    columns = [_stacked_gradient(loss, y + eps * e, k, d) - _stacked_gradient(loss, y - eps * e, k, d)
               for e in np.eye(len(y))]
    return np.array(columns).T / (2 * eps)


def _second_difference(loss, Xc, Bc, u, v, eps):
    """uᵀ∇²L v from the 30-digit value, (L(+u+v) − L(+u−v) − L(−u+v) + L(−u−v))/(4ε²), at exact inputs."""
    k, d = Xc.shape
    y = np.hstack([Xc, Bc[:, None]]).ravel()
    values = {}
    for s, t in itertools.product((1, -1), repeat=2):
        Y = (y + s * eps * u + t * eps * v).reshape(k, d + 1)
        values[s, t] = loss.value(Y[:, :d], Y[:, d], dps=30)
    with mpmath.workdps(30):
        second = values[1, 1] - values[1, -1] - values[-1, 1] + values[-1, -1]
        return float(second / (4 * mpmath.mpf(eps) ** 2))


SMOOTH_HESSIAN = ["generic", "parallel", "antipodal", "theta zero", "zero bias"]
#: where two nodes coincide the ReLU Hessian is continuous with a kink (|δ|-like third derivatives):
#: differences converge at O(ε) there, O(ε²) elsewhere
KINKED = ["coincident", "on proton"]


HESSIANS = ["relu", "exp", "erf", *CUSPED]


@pytest.mark.parametrize("name", HESSIANS)
@pytest.mark.parametrize("case", CASES)
def test_hessian_matches_differences_of_the_gradient(name, case):
    loss = BiasedLoss(name, W, G)
    Xc, Bc = _case(case)
    if name in CUSPED and case in KINKED:       # Φ has a cusp where a node coincides with another
        with pytest.raises(NotSmooth, match="coincide up to scale"):
            loss.hessian(Xc, Bc)
        return
    H = loss.hessian(Xc, Bc)
    assert H.shape == (3 * 4, 3 * 4) and np.array_equal(H, H.T)
    kinked = case in KINKED and name == "relu"
    eps = 1e-6 if kinked else 1e-5
    reference = _gradient_differences(loss, Xc, Bc, eps)
    scale = max(1.0, np.abs(reference).max())
    tolerance = (0.5 * eps if kinked else 5e-9) * scale
    assert np.abs(H - reference).max() <= tolerance
    assert np.abs(reference - reference.T).max() <= tolerance     # the differences are symmetric too


QUICK_HESSIAN = (("relu", "generic"), ("relu", "on proton"))


@pytest.mark.parametrize("name,case", [pytest.param(*p, marks=[] if p in QUICK_HESSIAN else pytest.mark.slow)
                                       for p in itertools.product(["relu", "exp"], CASES)])
def test_hessian_matches_second_differences_of_the_30_digit_value(name, case):
    """uᵀHv for integer directions u, v against the 30-digit value at dyadic points displaced by 2⁻²⁴·u
    (exact inputs, so the differences see the value's 30 digits, not float64 rounding of the inputs)."""
    loss = BiasedLoss(name, DYADIC["W"], DYADIC["G"])
    Xc, Bc = _case(case, **DYADIC)
    H = loss.hessian(Xc, Bc)
    draws = np.random.default_rng(7)
    u, v = draws.integers(-3, 4, size=len(H)).astype(float), draws.integers(-3, 4, size=len(H)).astype(float)
    reference = _second_difference(loss, Xc, Bc, u, v, 2.0**-24)
    tolerance = 1e-6 if case in KINKED else 1e-11
    assert abs(u @ H @ v - reference) <= tolerance * max(1.0, abs(reference))


def _extrapolated_second_difference(loss, Xc, Bc, u, v):
    """uᵀ∇²L v from the 30-digit value with steps 2⁻²⁰ and 2⁻²⁴, Richardson-extrapolated (error O(ε⁴)), and
    the gap between the two: their truncation errors are ≈ gap·(256, 1)/255, so the gap bounds the digits."""
    coarse, fine = (_second_difference(loss, Xc, Bc, u, v, 2.0**-e) for e in (20, 24))
    return fine + (fine - coarse) / 255, abs(fine - coarse)


def _check_against_second_differences(loss, Xc, Bc):
    """uᵀHv for integer u, v (seed 7) within 10⁻¹³ of the extrapolated 30-digit second differences, whose
    two steps agree to 10⁻⁸ (relative to max(1, |uᵀHv|))."""
    H = loss.hessian(Xc, Bc)
    assert np.array_equal(H, H.T) and np.isfinite(H).all()
    draws = np.random.default_rng(7)
    u, v = (draws.integers(-3, 4, size=len(H)).astype(float) for _ in range(2))
    reference, gap = _extrapolated_second_difference(loss, Xc, Bc, u, v)
    scale = max(1.0, abs(reference))
    assert gap <= 1e-8 * scale
    assert abs(u @ H @ v - reference) <= 1e-13 * scale


@pytest.mark.parametrize("name,case", [
    pytest.param(*p, marks=[] if p == ("erf", "coincident") else [pytest.mark.slow])
    for p in [*itertools.product(["erf"], CASES), *itertools.product(CUSPED, SMOOTH_HESSIAN)]])
def test_orthant_hessian_matches_extrapolated_second_differences(name, case):
    """Step, sign, erf (the chain rule through (h, k, ρ)): uᵀHv against second differences of the 30-digit
    value at two steps, extrapolated (measured: 0–3.5e-15 relative; the raw differences' gap 4e-12–5e-10)."""
    _check_against_second_differences(BiasedLoss(name, DYADIC["W"], DYADIC["G"]), *_case(case, **DYADIC))


#: integer protons and electrons: an electron on a proton, two equal electrons, one antipodal to a proton
#: (ρ = −1), one with θ = 0, zero biases
EXACT_PROTONS, EXACT_PROTON_BIASES = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, -1.0]]), np.array([1.0, 0.0])
EXACT_ELECTRONS = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, -2.0, 1.0],
                            [0.0, 0.0, 0.0]])
EXACT_BIASES = np.array([1.0, 0.0, 0.0, 1.0, -1.0])
#: where step and sign are smooth: ρ = 1 with h ≠ k, ρ = −1 with h ≠ −k, θ = 0 with β ≠ 0
STEP_ELECTRONS = np.array([[2.0, 0.0, 0.0], [0.0, -2.0, 1.0], [0.0, 0.0, 0.0]])
STEP_BIASES = np.array([0.0, 1.0, -1.0])


def _exact_nodes(name: str):
    """erf at the integer nodes; step and sign (cusps at equal nodes) at ρ = 1 (h ≠ k), ρ = −1 (h ≠ −k),
    θ = 0 (β ≠ 0) and zero biases."""
    return (EXACT_ELECTRONS, EXACT_BIASES) if name == "erf" else (STEP_ELECTRONS, STEP_BIASES)


@pytest.mark.parametrize("name", ["erf", *CUSPED])
def test_hessian_at_integer_inputs_matches_differences_of_the_gradient(name):
    loss = BiasedLoss(name, EXACT_PROTONS, EXACT_PROTON_BIASES)
    X0, B0 = _exact_nodes(name)
    H = loss.hessian(X0, B0)
    reference = _gradient_differences(loss, X0, B0, 1e-5)
    scale = max(1.0, np.abs(reference).max())
    assert np.abs(H - reference).max() <= 5e-9 * scale


@pytest.mark.slow
@pytest.mark.parametrize("name", ["erf", *CUSPED])
def test_hessian_at_integer_inputs_matches_second_differences(name):
    """(measured: 2.6e-16, 6.1e-16, 3.9e-16 relative for erf, step, sign)"""
    loss = BiasedLoss(name, EXACT_PROTONS, EXACT_PROTON_BIASES)
    _check_against_second_differences(loss, *_exact_nodes(name))


@pytest.mark.parametrize("name", CUSPED)
@pytest.mark.parametrize("electron,bias,partner", [
    ([1.0, 0.0, 0.0], 1.0, "proton 0"),            # on a proton
    ([2.0, 0.0, 0.0], 2.0, "proton 0"),            # the proton scaled by 2: the same node (h = k, ρ = 1)
    ([0.0, -2.0, 1.0], 0.0, "proton 1"),           # antipodal with h = −k = 0
    ([0.0, 1.0, 0.0], 0.5, "electron 1")])         # two coincident electrons (the second equal to it)
def test_step_and_sign_hessian_refuses_coincident_nodes(name, electron, bias, partner):
    loss = BiasedLoss(name, EXACT_PROTONS, EXACT_PROTON_BIASES)
    with pytest.raises(NotSmooth, match=rf"electron 0 and {partner} are parallel with h = ρk"):
        loss.hessian([electron, [0.0, 1.0, 0.0]], [bias, 0.5])


def test_erf_teacher_is_a_strict_minimum():
    """Newton from 10⁻² off the biased erf teacher (d = 3, k = m = 2): every eigenvalue of the analytic
    Hessian > 0 (measured λ_min = 0.0530), also with optimal charges from a start with one unit's sign
    flipped (erf is odd: the unit is reported as (−ỹ, −a), matched to its proton)."""
    loss, teacher, _, _ = _teacher_demo("erf")
    start = teacher[::-1] + 1e-2 * np.random.default_rng(5).normal(size=teacher.shape)
    eq = biased_equilibrium(loss, start[:, :3], start[:, 3])
    assert eq.converged and eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched
    assert eq.eigenvalues[0] > 0.05 and eq.symmetry_zero_modes == 0 and "not certified" in eq.reason
    start[0] *= -1
    eq = biased_equilibrium(loss, start[:, :3], start[:, 3], "optimal")
    assert eq.converged and eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched
    assert np.abs(eq.charges + 1).max() <= 1e-12 and eq.eigenvalues[0] > 1e-3
    error = min(np.abs(eq.positions - teacher[list(p)]).max() for p in itertools.permutations(range(2)))
    assert error <= 1e-12


@pytest.mark.slow
def test_flow_then_equilibrium_learns_the_biased_erf_teacher():
    loss, _, X0, B0 = _teacher_demo("erf")
    run = biased_flow(loss, X0, B0, gtol=1e-9, evaluations=10_000)
    assert run.converged
    eq = biased_equilibrium(loss, run.positions[:, :3], run.positions[:, 3])
    assert eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched and eq.eigenvalues[0] > 0.05


def test_hessian_at_the_teacher_is_twice_the_gram_of_the_features():
    """At L = 0, ∇²L = 2E[∇f ∇fᵀ] (f = Σ a_i σ(ỹ_iᵀx̃) + Σ b_j σ(w̃_jᵀx̃) vanishes), here with ∇f =
    −1{u_i > 0}x̃ stacked: against 10⁶ Monte Carlo draws (seed 3), and positive definite."""
    loss = BiasedLoss("relu", W, G)
    H = loss.hessian(W[::-1], G[::-1])
    x = np.random.default_rng(3).normal(size=(10**6, 3))
    xt = np.hstack([x, np.ones((len(x), 1))])
    rows = np.hstack([W, G[:, None]])[::-1]
    features = np.hstack([-1.0 * (xt @ row > 0)[:, None] * xt for row in rows])
    sample = 2 * features.T @ features / len(x)
    assert np.abs(H - sample).max() <= 0.01
    assert np.linalg.eigvalsh(H)[0] > 0.01


def test_hessian_refuses_what_it_cannot_do():
    with pytest.raises(NotSmooth, match="θ = 0 and β = 0"):
        BiasedLoss("relu", W, G).hessian([[0.0, 0.0, 0.0]], [0.0])


# ---------------------------------------------------------------------- optimal charges

NO_COINCIDENCE = [case for case in CASES if case != "coincident"]


def _rows(case: str) -> np.ndarray:
    Xc, Bc = _case(case)
    return np.hstack([Xc, Bc[:, None]])


def _columns(f, y: np.ndarray, eps: float) -> np.ndarray:
    """Central differences of a vector function f of the flat rows, column by column."""
    return np.array([(f(y + eps * e) - f(y - eps * e)) / (2 * eps) for e in np.eye(len(y))]).T


@pytest.mark.parametrize("name", ["relu", "exp"])
@pytest.mark.parametrize("case", NO_COINCIDENCE)
def test_optimal_charges_minimise_and_their_derivatives_match_differences(name, case):
    rows, Y = BiasedRows(BiasedLoss(name, W, G)), _rows(case)
    k, n = Y.shape
    a = OPTIMAL.charges(rows, Y)
    gram, cross = rows.charge_system(Y)
    assert np.abs(gram @ a + cross).max() <= 1e-12 * max(1.0, np.abs(cross).max())  # ∂L/∂a = 2(Ga + c) = 0
    for e in np.eye(k):                                                              # a minimum in every a_j
        assert rows.value(Y, a + 1e-3 * e) > rows.value(Y, a)
    mixed = _columns(lambda b: rows.gradient(Y, b).ravel(), a, 1e-6)
    assert np.abs(rows.mixed_hessian(Y, a) - mixed).max() <= 1e-7 * max(1.0, np.abs(mixed).max())
    flat = Y.ravel()
    gradient = OPTIMAL.gradient(rows, Y).ravel()
    assert np.array_equal(gradient, rows.gradient(Y, a).ravel())                     # the envelope theorem
    if name == "relu":   # exp's Gram matrices are ill-conditioned here (a* up to 10³): a* in float64 is not
        u = np.random.default_rng(4).normal(size=len(flat))     # accurate enough for differences of ℓ
        with mpmath.workdps(30):   # the slope along u from the 20-digit reduced value
            slope = float((rows.reduced_value((flat + 1e-6 * u).reshape(k, n), dps=20)
                           - rows.reduced_value((flat - 1e-6 * u).reshape(k, n), dps=20)) / 2e-6)
        assert abs(gradient @ u - slope) <= 1e-8 * max(1.0, abs(slope))
    hessian = OPTIMAL.hessian(rows, Y)
    reference = _columns(lambda y: OPTIMAL.gradient(rows, y.reshape(k, n)).ravel(), flat, 1e-6)
    tolerance = 1e-6 if case in KINKED else 1e-8
    assert np.array_equal(hessian, hessian.T)
    assert np.abs(hessian - reference).max() <= tolerance * max(1.0, np.abs(reference).max())


def test_charge_policies_on_the_biased_loss():
    """Fixed charges give the plain derivatives; on the teacher a* = −b; coincident electrons are refused."""
    loss = BiasedLoss("relu", W, G)
    rows, Y = BiasedRows(loss), _rows("generic")
    assert np.array_equal(FIXED.hessian(rows, Y), loss.hessian(Y[:, :3], Y[:, 3]))
    half = loss.gradient(Y[:, :3], Y[:, 3], [-0.5] * 3)[1]
    assert np.array_equal(Fixed(-0.5).gradient(rows, Y)[:, 3], half)
    teacher = np.hstack([W, G[:, None]])[::-1]
    assert np.abs(OPTIMAL.charges(rows, teacher) + 1).max() <= 1e-12
    assert float(rows.reduced_value(teacher, dps=30)) <= 1e-25
    with pytest.raises(InputError, match=r"Gram matrix.*singular"):
        OPTIMAL.charges(rows, _rows("coincident"))
    with pytest.raises(InputError, match="float64"):
        OPTIMAL.hessian(rows, Y, dps=30)
    with pytest.raises(InputError, match="need 4 columns"):
        rows.gradient(Y[:, :3], [-1.0] * 3)


# ---------------------------------------------------------------------- equilibria

def _teacher_demo(name: str = "relu"):
    draws = np.random.default_rng(0)
    W0, G0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    X0, B0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    return BiasedLoss(name, W0, G0), np.hstack([W0, G0[:, None]]), X0, B0


@pytest.mark.parametrize("charges", [None, "optimal"])
def test_flow_then_equilibrium_is_a_strict_global_minimum_on_the_teacher(charges):
    """The biased ReLU teacher (d = 3, k = m = 2): flow, Newton, classification. Fixed charges: every
    eigenvalue > 0 (measured λ_min = 0.0104); optimal: ℓ is flat along each electron's ray (ReLU is
    positively homogeneous), two zero modes explained, the canonical rows |a_i|ỹ_i matched."""
    loss, teacher, X0, B0 = _teacher_demo()
    run = biased_flow(loss, X0, B0, charges, gtol=1e-9, evaluations=10_000)
    assert run.converged
    eq = biased_equilibrium(loss, run.positions[:, :3], run.positions[:, 3], charges)
    assert eq.converged and eq.kind is EquilibriumKind.GLOBAL_MINIMUM and eq.matched
    assert abs(eq.loss) <= 1e-15 and eq.gradient_norm <= 1e-11
    error = min(np.abs(eq.positions - teacher[list(p)]).max() for p in itertools.permutations(range(2)))
    assert error <= 1e-12 and np.array_equal(eq.charges, [-1.0, -1.0])
    zero_modes = 0 if charges is None else 2
    assert eq.symmetry_zero_modes == zero_modes and "not certified" in eq.reason
    assert min(eq.eigenvalues[zero_modes:]) > 1e-3
    assert all(abs(v) <= 1e-12 for v in eq.eigenvalues[:zero_modes])


def test_equilibrium_names_a_saddle_and_an_underparametrised_minimum():
    """Protons e₁, e₂ (γ = 0.2) symmetric under swapping the coordinates; starts on the diagonal stay there.
    One electron: the symmetric point is a minimum with L > 0 (k < m); two coincident electrons: a saddle
    (index 2; one more zero: a coincident ReLU pair is flat along s·ỹ, (2 − s)·ỹ)."""
    loss = BiasedLoss("relu", np.eye(2), [0.2, 0.2])
    one = biased_flow(loss, [[0.3, 0.3]], [0.1], gtol=1e-10, evaluations=5000)
    eq = biased_equilibrium(loss, one.positions[:, :2], one.positions[:, 2])
    assert eq.kind is EquilibriumKind.SPURIOUS_LOCAL_MINIMUM and eq.eigenvalues[0] > 0.1 and eq.loss > 0.1
    two = biased_flow(loss, [[0.3, 0.3]] * 2, [0.1, 0.1], gtol=1e-10, evaluations=5000)
    eq = biased_equilibrium(loss, two.positions[:, :2], two.positions[:, 2])
    assert eq.kind is EquilibriumKind.SADDLE and not eq.matched and "index 2" in eq.reason
    assert sum(v < -0.1 for v in eq.eigenvalues) == 2


def test_equilibrium_says_when_newton_did_not_converge():
    loss, _, X0, B0 = _teacher_demo()
    eq = biased_equilibrium(loss, X0, B0, steps=0)
    assert not eq.converged and eq.kind is EquilibriumKind.NOT_CONVERGED and eq.eigenvalues == []


def test_the_digits_value_weights_pairs_exactly():
    """Charges −1/3 (rounded to float64) on the teacher scaled by 3: L = E[f²] with f of order 10⁻¹⁷, so
    L ~ 10⁻³³ ≥ 0. Weights c_p c_q rounded in float64 gave −2.7·10⁻¹⁷ at a similar point of the demo."""
    loss = BiasedLoss("relu", W, G)
    value = loss.value(3 * W, 3 * G, [-1 / 3] * 2, dps=30)
    assert 0 <= value <= 1e-30


@pytest.mark.parametrize("name", ["relu", "exp"])
def test_hessian_with_charges_and_proton_charges(name):
    """Charges (−0.5, 2, −1) and proton charges (1.5, −0.7): against central differences of the gradient."""
    loss = BiasedLoss(name, W, G, proton_charges=[1.5, -0.7])
    a = np.array([-0.5, 2.0, -1.0])
    Xc, Bc = _case("generic")
    k, d = Xc.shape
    y = np.hstack([Xc, Bc[:, None]]).ravel()

    def gradient(z):
        Y = z.reshape(k, d + 1)
        grad_theta, grad_beta = loss.gradient(Y[:, :d], Y[:, d], a)
        return np.hstack([grad_theta, grad_beta[:, None]]).ravel()

    reference = _columns(gradient, y, 1e-5)
    assert np.abs(loss.hessian(Xc, Bc, a) - reference).max() <= 5e-9 * max(1.0, np.abs(reference).max())


def test_equilibrium_and_flow_name_bad_input():
    loss = BiasedLoss("relu", W, G)
    with pytest.raises(InputError, match="one bias per row"):
        biased_equilibrium(loss, X, B[:2])
    with pytest.raises(InputError, match=r"Gram matrix.*singular"):
        biased_flow(loss, [[0.3, 0.3, 0.3]] * 2, [0.1, 0.1], "optimal")
    with pytest.raises(InputError, match="no charges 'best'"):
        biased_equilibrium(loss, X, B, "best")


def test_a_sign_stop_is_classified_on_the_rays():
    """sign(su) = sign(u): L is constant on each ray ỹ_i ↦ sỹ_i whatever the charges, so the Hessian has k
    zero modes by symmetry. A biased sign flow (d = 3, k = m = 2, seed 3) stops at L ≈ 1.25: it used to be
    called degenerate; it is a spurious minimum (measured: the next eigenvalue 0.253), its rows unit."""
    draws = np.random.default_rng(3)
    W0, G0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    X0, B0 = draws.normal(size=(2, 3)), draws.normal(size=2) / 2
    loss = BiasedLoss("sign", W0, G0)
    run = biased_flow(loss, X0, B0, gtol=1e-9, evaluations=5000)
    eq = biased_equilibrium(loss, run.positions[:, :3], run.positions[:, 3])
    assert eq.converged and eq.kind is EquilibriumKind.SPURIOUS_LOCAL_MINIMUM and 1.2 < eq.loss < 1.3
    assert eq.symmetry_zero_modes == 2 and all(abs(v) <= 1e-12 for v in eq.eigenvalues[:2])
    assert eq.eigenvalues[2] > 0.1 and np.allclose(np.linalg.norm(eq.positions, axis=1), 1.0)
