"""The loss minimised over the output weights: a*(θ), ∂²L/∂θ∂a and the Schur-complement Hessian,
checked against the reduced loss ℓ(θ) = min_a L(a, θ) written out independently in mpmath and
differentiated numerically at 40 digits."""

import mpmath
import numpy as np
import pytest

from theory.core.errors import InputError
from theory.dynamics import reduced
from theory.dynamics.loss import Loss
from theory.potentials.potential import given

DPS = 40


def _reduced(phi, thetas, protons):
    """ℓ = Σ b b Φ(w, w) − cᵀG⁻¹c with G = [Φ(θ_i, θ_j)], c = [Σ_j Φ(θ_i, w_j)] (b = 1)."""
    G = mpmath.matrix([[phi(x, y) for y in thetas] for x in thetas])
    c = mpmath.matrix([sum(phi(x, w) for w in protons) for x in thetas])
    constant = sum(phi(v, w) for v in protons for w in protons)
    return constant - (c.T * mpmath.lu_solve(G, c))[0]


def _hessian(f, n):
    return mpmath.matrix([[mpmath.diff(f, [0] * n, tuple(int(m == p) + int(m == q) for m in range(n)))
                           for q in range(n)] for p in range(n)])


def _close(ours, theirs, digits):
    ours = mpmath.matrix(np.asarray(ours).tolist())
    return mpmath.mnorm(ours - theirs, 1) < mpmath.mpf(10) ** -digits


def test_gaussian_in_the_plane():
    mpmath.mp.dps = DPS
    W = [mpmath.matrix([1, 0]), mpmath.matrix([-1, mpmath.mpf(1) / 2])]
    X = [mpmath.matrix([mpmath.mpf(3) / 10, mpmath.mpf(1) / 5]), mpmath.matrix([-mpmath.mpf(1) / 2, 0])]

    def phi(x, y):
        return mpmath.exp(-mpmath.norm(x - y) ** 2 / 2)

    def ell(*v):
        return _reduced(phi, [X[0] + mpmath.matrix(v[:2]), X[1] + mpmath.matrix(v[2:])], W)

    loss = Loss(given("exp(-r^2/2)", "radial"), [[1.0, 0.0], [-1.0, 0.5]])
    thetas = np.array([list(row) for row in X], dtype=object)
    assert abs(loss.reduced_value(thetas, dps=DPS) - ell(0, 0, 0, 0)) < mpmath.mpf(10) ** -30
    gradient = mpmath.matrix([mpmath.diff(ell, [0] * 4, tuple(int(m == p) for m in range(4)))
                              for p in range(4)])
    assert _close(loss.reduced_gradient(thetas, dps=DPS).ravel(), gradient, 25)
    assert _close(loss.reduced_hessian(thetas, dps=DPS), _hessian(ell, 4), 20)


def test_exponential_zonal_potential_on_the_sphere():
    """On S² in normal coordinates θ_i(v) = exp_{θ_i}(B_i v_i), where the coordinate Hessian is
    the Riemannian one; compared through the eigenvalues (independent of the tangent basis)."""
    mpmath.mp.dps = DPS
    W = [mpmath.matrix([1, 0, 0]), mpmath.matrix([0, 1, 0]), mpmath.matrix([0, 0, 1])]
    raw = [[2, 1, 2], [-1, 2, 2]]
    X = [mpmath.matrix(r) / mpmath.norm(mpmath.matrix(r)) for r in raw]
    bases = [_tangent(x) for x in X]

    def phi(x, y):
        return mpmath.exp((x.T * y)[0])

    def moved(x, basis, v):
        u = basis * mpmath.matrix(v)
        size = mpmath.norm(u)
        return x if size == 0 else mpmath.cos(size) * x + mpmath.sin(size) * u / size

    def ell(*v):
        return _reduced(phi, [moved(X[0], bases[0], v[:2]), moved(X[1], bases[1], v[2:])], W)

    loss = Loss(given("exp(rho)", "zonal"), np.eye(3))
    thetas = np.array([list(row) for row in X], dtype=object)
    ours = sorted(mpmath.eigsy(mpmath.matrix(loss.reduced_hessian(thetas, dps=DPS).tolist()),
                               eigvals_only=True))
    theirs = sorted(mpmath.eigsy(_hessian(ell, 4), eigvals_only=True))
    assert max(abs(p - q) for p, q in zip(ours, theirs, strict=True)) < mpmath.mpf(10) ** -20
    assert min(ours) < 0 < max(ours)  # a point with both signs, so the check is not vacuous


def _tangent(x):
    """An orthonormal basis (3 × 2) of the plane orthogonal to x, by Gram–Schmidt in mpmath."""
    vectors = []
    for e in ([1, 0, 0], [0, 1, 0], [0, 0, 1]):
        v = mpmath.matrix(e)
        for u in [x, *vectors]:
            v = v - (u.T * v)[0] * u
        if mpmath.norm(v) > mpmath.mpf(1) / 10 and len(vectors) < 2:
            vectors.append(v / mpmath.norm(v))
    return mpmath.matrix([[v[i] for v in vectors] for i in range(3)])


def test_float64_agrees_with_high_precision_and_the_gradient_of_a_star_vanishes():
    loss = Loss(given("exp(-r^2/2)", "radial"), [[1.0, 0.0], [-1.0, 0.5]])
    X = np.array([[0.3, 0.2], [-0.5, 0.1]])
    assert np.allclose(loss.reduced_hessian(X), loss.reduced_hessian(X, dps=30).astype(float), atol=1e-12)
    assert np.allclose(loss.charge_gradient(X, loss.best_charges(X)), 0, atol=1e-12)


def test_coinciding_electrons_make_a_star_ambiguous():
    loss = Loss(given("exp(-r^2/2)", "radial"), [[1.0, 0.0]])
    with pytest.raises(InputError, match="not unique"):
        loss.best_charges([[0.2, 0.0], [0.2, 0.0]])


def test_the_minimum_norm_a_star_at_coinciding_electrons_splits_the_charge():
    """Two electrons on one spot act as one of charge a₁ + a₂ = −Φ(θ, w)/Φ(θ, θ); the minimum-norm
    split is equal halves. It is a float64 least-squares answer, so a precision is refused."""
    loss = Loss(given("exp(-r^2/2)", "radial"), [[1.0, 0.0]])
    X = [[0.2, 0.0], [0.2, 0.0]]
    half = -np.exp(-0.32) / 2  # Φ(θ, θ) = 1, Φ(θ, w) = exp(−0.8²/2)
    assert np.allclose(reduced.best_charges(loss, X, unique=False), [half, half], atol=1e-12)
    assert np.array_equal(loss.optimal_charges(X), reduced.best_charges(loss, X, unique=False))
    with pytest.raises(InputError, match="float64 only"):
        reduced.best_charges(loss, X, dps=30, unique=False)
