"""The charge energy: Monte Carlo check of the potential form, exact derivatives."""

import mpmath
import numpy as np
import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.numeric import context
from theory.dynamics.arithmetic import arithmetic
from theory.dynamics.loss import Loss, kernel, single_node_loss
from theory.potentials import invariants
from theory.potentials.potential import given, potential

RELU = potential("relu")
GAUSS = given("exp(-r^2/2)", "radial")


def test_loss_is_the_population_risk_by_monte_carlo():
    """L(a, θ) = E(Σ a_i σ(θ_iᵀx) + Σ b_j σ(w_jᵀx))², x ~ N(0, I_3), 10⁶ samples."""
    rng = np.random.default_rng(7)
    thetas, protons = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    a, b = rng.normal(size=2), rng.normal(size=2)
    x = rng.normal(size=(10**6, 3))
    out = np.maximum(x @ thetas.T, 0) @ a + np.maximum(x @ protons.T, 0) @ b
    sample = out**2
    estimate, error = sample.mean(), sample.std() / np.sqrt(len(sample))
    value = Loss(RELU, protons, proton_charges=b).value(thetas, a)
    assert abs(value - estimate) < 5 * error
    assert error < 0.01 * estimate  # the test has power


def test_loss_vanishes_exactly_at_a_perfect_match():
    W = np.random.default_rng(1).normal(size=(3, 4))
    loss = Loss(RELU, W)
    assert abs(loss.value(W)) < 1e-12
    assert loss.value(W[::-1] * 1.1) > 1e-3


def test_self_interaction_of_relu_is_half_the_squared_norm():
    kern = kernel(RELU)
    G = kern.self_terms[0]
    (n1,) = G.free_symbols
    assert sp.expand(G - n1**2 / 2) == 0


def _mp_fd_gradient(loss, X, dps, h):
    arith = arithmetic(dps)
    Xm = arith.array(X)
    grad = np.empty(X.shape, dtype=object)
    for idx in np.ndindex(X.shape):
        plus, minus = Xm.copy(), Xm.copy()
        plus[idx] += h
        minus[idx] -= h
        grad[idx] = (loss.value(plus, dps=dps) - loss.value(minus, dps=dps)) / (2 * h)
    return grad


@pytest.mark.parametrize("phi", [RELU, potential("erf"), GAUSS], ids=["relu", "erf", "gauss"])
def test_gradient_matches_high_precision_finite_differences(phi):
    rng = np.random.default_rng(3)
    loss = Loss(phi, rng.normal(size=(2, 3)))
    X = rng.normal(size=(2, 3))
    h = mpmath.mpf(10) ** -15
    exact = loss.gradient(X, dps=40)
    fd = _mp_fd_gradient(loss, X, 40, h)
    assert max(abs(u - v) for u, v in zip(exact.ravel(), fd.ravel(), strict=True)) < mpmath.mpf(10) ** -20
    assert np.allclose(loss.gradient(X), exact.astype(float), rtol=1e-12, atol=1e-13)


def test_hessian_is_the_derivative_of_the_gradient():
    rng = np.random.default_rng(4)
    loss = Loss(RELU, rng.normal(size=(3, 3)))
    X = rng.normal(size=(2, 3))
    H = loss.hessian(X, dps=30)
    h = mpmath.mpf(10) ** -12
    arith = arithmetic(30)
    for column in range(6):
        shift = arith.array(np.zeros(6))
        shift[column] = h
        up = loss.gradient(arith.array(X) + shift.reshape(2, 3), dps=30).ravel()
        down = loss.gradient(arith.array(X) - shift.reshape(2, 3), dps=30).ravel()
        fd = (up - down) / (2 * h)
        assert max(abs(u - v) for u, v in zip(fd, H[:, column], strict=True)) < mpmath.mpf(10) ** -18


def test_riemannian_gradient_and_hessian_on_the_sphere():
    rng = np.random.default_rng(5)
    W = rng.normal(size=(2, 3))
    W /= np.linalg.norm(W, axis=1)[:, None]
    X = rng.normal(size=(2, 3))
    X /= np.linalg.norm(X, axis=1)[:, None]
    loss = Loss(RELU, W, manifold="sphere")
    g = loss.gradient(X)
    assert np.allclose((g * X).sum(axis=1), 0, atol=1e-15)  # tangent
    B = loss.tangent_basis(X)

    def along(v):
        Y = X + (B @ v).reshape(X.shape)
        return loss.value(Y / np.linalg.norm(Y, axis=1)[:, None])

    n, h = B.shape[1], 1e-4
    fd = np.array([[(along(h * (e + f)) - along(h * (e - f)) - along(h * (f - e)) + along(-h * (e + f)))
                    / (4 * h * h) for f in np.eye(n)] for e in np.eye(n)])
    assert np.allclose(loss.hessian(X), fd, atol=1e-6)
    assert np.allclose(B.T @ g.ravel(), [(along(h * e) - along(-h * e)) / (2 * h) for e in np.eye(n)],
                       atol=1e-8)


def test_derivatives_stay_finite_and_accurate_next_to_a_proton():
    """c = 1 − ρ² is computed from θ̂ − ŵ: no cancellation when θ is 1e-12 from w."""
    W = np.array([[1.0, 0.0, 0.0]])
    loss = Loss(RELU, W, manifold="sphere")
    X = np.array([[1.0, 1e-12, 0.0]])
    X /= np.linalg.norm(X)
    H = loss.hessian(X)
    assert np.all(np.isfinite(H))
    assert np.allclose(H, loss.hessian(X, dps=30).astype(float), atol=1e-9)


def test_optimal_charges_minimise_the_quadratic():
    rng = np.random.default_rng(6)
    loss = Loss(RELU, rng.normal(size=(2, 3)))
    X = rng.normal(size=(3, 3))
    a = loss.optimal_charges(X)
    assert np.allclose(loss.charge_gradient(X, a), 0, atol=1e-10)
    assert loss.value(X, a) <= loss.value(X, a + 0.01 * rng.normal(size=3))


def test_single_node_loss_is_one_electron():
    """On w₁, the electron cancels it: what is left is the energy Φ(w₂, w₂) = 1 of w₂."""
    W = [[1.0, 0.0], [0.0, 1.0]]
    assert single_node_loss(GAUSS, [1.0, 0.0], W) == pytest.approx(1.0, abs=1e-14)
    far = single_node_loss(GAUSS, [30.0, 30.0], W)  # no interaction: 1 + (2 + 2e^{-1})
    assert far == pytest.approx(3 + 2 * np.exp(-1), abs=1e-12)


@pytest.mark.parametrize("electrons, message", [
    ([[np.nan, 0.0]], "NaN"), ([[1.0, 0.0, 0.0]], "dimension"), (np.zeros((0, 2)), "non-empty"),
    ([[0.0, 0.0]], "origin")])
def test_bad_positions_are_input_errors(electrons, message):
    with pytest.raises(InputError, match=message):
        Loss(RELU, [[1.0, 0.0]]).gradient(electrons)


def test_electron_on_the_cusp_of_a_sign_proton_is_singular():
    loss = Loss(potential("sign"), [[1.0, 0.0]], manifold="sphere")
    with pytest.raises(InputError, match="singular"):
        loss.gradient([[1.0, 0.0]])


def test_euclidean_relu_gradient_is_accurate_next_to_a_proton():
    """(1 − ρ²)/√c terms are rewritten to √c: float64 agrees with 30 digits at distance 1e-9."""
    W = np.array([[1.0, 2.0, -0.5]])
    X = W + 1e-9 * np.array([[0.3, -0.2, 0.7]])
    loss = Loss(RELU, W)
    exact = loss.gradient(X, dps=30).astype(float)
    assert np.abs(loss.gradient(X) - exact).max() < 1e-14
    assert np.abs(exact).max() < 1e-8


# ---------------------------------------------------------------- float64 path against mpmath

FORMS = {
    "ridge relu": (RELU, "euclidean"),
    "zonal relu": (RELU, "sphere"),
    "zonal asin": (given("rho*asin(rho) + sqrt(1 - rho^2)", "zonal"), "sphere"),
    "radial laplace": (given("exp(-r)", "radial"), "euclidean"),
    "radial cauchy": (given("1/(1+r^2)", "radial"), "euclidean"),
    "product bump": (potential("gaussian_bump"), "euclidean"),
    "product laplace": (potential("bessel_k0"), "euclidean"),
}


def _configuration(seed: int, manifold: str, k: int = 4, m: int = 3, d: int = 3):
    """Random electrons and protons, one electron 1e-3 from a proton (the near-coincidence branch;
    closer, a cusp's gradient (θ − w)/‖θ − w‖ is ill-conditioned in any float64 formula)."""
    rng = np.random.default_rng(seed)
    X, W = rng.normal(size=(k, d)), rng.normal(size=(m, d))
    X[0] = W[1] + 1e-3 * rng.normal(size=d)
    if manifold == "sphere":
        X, W = X / np.linalg.norm(X, axis=1)[:, None], W / np.linalg.norm(W, axis=1)[:, None]
    return X, W, rng.normal(size=k), rng.normal(size=m)


@pytest.mark.parametrize("form", FORMS)
def test_float64_value_and_gradient_agree_with_mpmath(form):
    phi, manifold = FORMS[form]
    for seed in range(3):
        X, W, a, b = _configuration(seed, manifold)
        loss = Loss(phi, W, proton_charges=b, manifold=manifold)
        exact = loss.gradient(X, a, dps=30).astype(float)
        assert np.abs(loss.gradient(X, a) - exact).max() <= 1e-12 * max(1.0, np.abs(exact).max())
        value = float(loss.value(X, a, dps=30))
        assert abs(loss.value(X, a) - value) <= 1e-12 * max(1.0, abs(value))


@pytest.mark.parametrize("form", ["radial laplace", "radial cauchy"])
def test_large_radial_configurations_refine_near_pairs(form):
    """Past _DIRECT_DIFFERENCES entries q comes from one matrix product, recomputed from the
    differences for near pairs: with an electron 1e-3 from a proton (q ≈ 2e-5 against
    ‖θ‖² + ‖w‖² ≈ 40, where the product alone keeps only 9 digits of q) float64 still
    agrees with 30 digits to 12."""
    phi, manifold = FORMS[form]
    rng = np.random.default_rng(4)
    X, W = rng.normal(size=(20, 20)), rng.normal(size=(20, 20))
    X[0] = W[3] + 1e-3 * rng.normal(size=20)
    assert X.size * (len(X) + len(W)) > invariants._DIRECT_DIFFERENCES  # the matrix-product branch
    loss = Loss(phi, W, manifold=manifold)
    exact = loss.gradient(X, dps=30).astype(float)
    assert np.abs(loss.gradient(X) - exact).max() <= 1e-12 * np.abs(exact).max()


def test_unchecked_evaluation_agrees_with_the_checked_one():
    """validate=False (the flows' inner loop) skips only the input checks."""
    rng = np.random.default_rng(8)
    for phi, manifold in ((RELU, "euclidean"), (RELU, "sphere"), (GAUSS, "euclidean")):
        X, W, a, b = _configuration(5, manifold)
        loss = Loss(phi, W, proton_charges=b, manifold=manifold)
        assert np.array_equal(loss.gradient(X, a, validate=False), loss.gradient(X, a))
        assert loss.value(X, a, validate=False) == loss.value(X, a)
        assert np.array_equal(loss.best_charges(X, validate=False), loss.best_charges(X))
    loss = Loss(GAUSS, rng.normal(size=(2, 3)))
    with pytest.raises(InputError, match="not finite"):  # results are still checked
        loss.gradient(np.full((2, 3), np.nan), validate=False)


def test_gradient_follows_changing_charges():
    """The pair weights 2a_i(a, b)_j of the last charges are reused: a change of charges,
    or of their number, must not see stale ones."""
    rng = np.random.default_rng(9)
    W = rng.normal(size=(3, 3))
    loss = Loss(GAUSS, W)
    X = rng.normal(size=(4, 3))
    for a in (rng.normal(size=4), rng.normal(size=4), None):
        assert np.array_equal(loss.gradient(X, a), Loss(GAUSS, W).gradient(X, a))
    assert np.array_equal(loss.gradient(X[:2]), Loss(GAUSS, W).gradient(X[:2]))


# ---------------------------------------------------------------- product potentials

BUMP, LAPLACE = potential("gaussian_bump"), potential("bessel_k0")


@pytest.mark.parametrize("phi", [BUMP, LAPLACE], ids=["bump", "laplace"])
def test_product_loss_is_the_charge_energy_of_the_potential(phi):
    """L = Σ a_i a_j Φ + 2 Σ a_i b_j Φ + Σ b_i b_j Φ with Φ from Potential.evaluate (30 digits)."""
    rng = np.random.default_rng(11)
    X, W, a, b = rng.normal(size=(3, 2)), rng.normal(size=(2, 2)), rng.normal(size=3), rng.normal(size=2)
    points, charges = np.concatenate([X, W]), np.concatenate([a, b])
    ctx = context(35)
    direct = ctx.fsum(ctx.mpf(charges[i]) * ctx.mpf(charges[j])
                      * ctx.mpf(phi.evaluate(points[i], points[j], dps=30))
                      for i in range(5) for j in range(5))
    loss = Loss(phi, W, proton_charges=b)
    assert abs(loss.value(X, a, dps=30) - direct) < mpmath.mpf(10) ** -25
    assert loss.value(X, a) == pytest.approx(float(direct), rel=1e-13)


@pytest.mark.parametrize("phi", [BUMP, LAPLACE], ids=["bump", "laplace"])
def test_product_gradient_and_hessian_match_high_precision_finite_differences(phi):
    rng = np.random.default_rng(12)
    loss = Loss(phi, rng.normal(size=(2, 3)), proton_charges=rng.normal(size=2))
    X = rng.normal(size=(2, 3))
    a = [0.7, -1.3]
    h = mpmath.mpf(10) ** -15
    arith = arithmetic(40)
    Xm = arith.array(X)
    exact = loss.gradient(X, a, dps=40)
    H = loss.hessian(X, a, dps=40)
    for n, idx in enumerate(np.ndindex(X.shape)):
        plus, minus = Xm.copy(), Xm.copy()
        plus[idx] += h
        minus[idx] -= h
        fd = (loss.value(plus, a, dps=40) - loss.value(minus, a, dps=40)) / (2 * h)
        assert abs(fd - exact[idx]) < mpmath.mpf(10) ** -20
        column = (loss.gradient(plus, a, dps=40) - loss.gradient(minus, a, dps=40)).ravel() / (2 * h)
        assert max(abs(u - v) for u, v in zip(column, H[:, n], strict=True)) < mpmath.mpf(10) ** -20
    assert np.allclose(loss.hessian(X, a), H.astype(float), rtol=1e-12, atol=1e-13)


def test_laplace_product_in_one_dimension_is_the_radial_laplace_potential():
    """e^{−|θ−w|} on R¹ two ways: as a product of one factor and as a radial potential."""
    rng = np.random.default_rng(13)
    X, W, a = rng.normal(size=(3, 1)), rng.normal(size=(2, 1)), rng.normal(size=3)
    product, radial = Loss(LAPLACE, W), Loss(given("exp(-r)", "radial"), W)
    assert product.value(X, a) == pytest.approx(radial.value(X, a), rel=1e-14)
    assert np.allclose(product.gradient(X, a), radial.gradient(X, a), rtol=1e-13, atol=1e-15)
    assert np.allclose(product.hessian(X, a), radial.hessian(X, a), rtol=1e-12, atol=1e-14)


def test_product_kinks_and_cusp():
    assert kernel(LAPLACE).kinks == (0,) and float(kernel(LAPLACE).cusp) == 1.0
    assert kernel(BUMP).kinks == () and float(kernel(BUMP).cusp) == 0.0
    loss = Loss(LAPLACE, [[1.0, 2.0]])
    with pytest.raises(InputError, match="kink of h"):
        loss.gradient([[0.5, 2.0]])  # θ₂ = w₂: e^{−|s₂|} has no derivative
    with pytest.raises(InputError, match="kink of h"):
        loss.hessian([[0.5, 0.0], [0.5, 1.0]])  # two electrons share a coordinate
    assert np.all(np.isfinite(loss.gradient([[0.5, 1.5], [0.0, 0.0]])))  # self pairs are not kinks
    with pytest.raises(InputError, match="sphere"):
        Loss(BUMP, [[1.0, 0.0]], manifold="sphere")


@pytest.mark.parametrize("dps", [None, 30])
def test_one_sided_gradient_on_a_kink_is_the_limit_from_that_side(dps):
    """side=±1 at θ₂ = w₂ (and two electrons sharing θ₁) equals the gradient 1e-20 to that
    side at 40 digits, where h is smooth; with side=None the kink raises."""
    W, a = np.array([[1.0, 2.0], [-0.5, 0.3]]), np.array([-1.0, -0.7])
    X = np.array([[0.4, 2.0], [0.4, -1.1]])  # θ₁₂ = w₁₂; θ₁₁ = θ₂₁
    loss = Loss(LAPLACE, W)
    tiny = mpmath.mpf(10) ** -20
    for side in (-1, 1):
        shifted = arithmetic(40).array(X)
        shifted[0, 1] += side * tiny
        shifted[0, 0] += side * tiny  # θ₁₁ − θ₂₁ from the same side
        limit = loss.gradient(shifted, a, dps=40).astype(float)
        here = loss.gradient(X, a, dps=dps, side=side).astype(float)
        assert np.abs(here[0] - limit[0]).max() < 1e-14
    left, right = (loss.gradient(X, a, side=side)[0, 1] for side in (-1, 1))
    assert left < 0 < right  # the proton's V: a minimum along θ₁₂
    with pytest.raises(InputError, match="kink of h"):
        loss.gradient(X, a, dps=dps)


def test_gaussian_bump_flow_on_the_plane_reaches_the_protons():
    from theory.dynamics.flow import gradient_flow

    W = np.array([[1.0, 0.0], [-0.5, 0.8]])
    run = gradient_flow(Loss(BUMP, W), [[0.4, -0.3], [-0.9, 0.3]], gtol=1e-10, evaluations=5000, seconds=None)
    assert run.converged
    assert np.abs(run.positions - W).max() < 1e-8
    assert run.losses[-1] < 1e-15 < run.losses[0]


def test_an_activation_spec_is_its_potential():
    """Loss("relu", …) is Loss(potential("relu"), …) (it was an AttributeError); a bad spec is named."""
    W, X = [[1.0, 0.0], [0.0, 2.0]], [[0.5, 0.5], [1.0, -1.0]]
    assert Loss("relu", W).value(X) == Loss(RELU, W).value(X) > 0
    assert Loss("tanh", [[1.0, 0.0]], manifold="sphere").manifold == "sphere"
    with pytest.raises(InputError, match="nonsense"):
        Loss("nonsense(", W)
