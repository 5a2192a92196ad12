"""Moment (tensor) initialisation and gradient descent on noisy ReLU samples.

Model (Zhang, Yu, Wang & Gu 2019): x ~ N(0, I_d), y = Σ_j σ(w*_jᵀx) + ε,
ε ~ N(0, ν²), σ = ReLU, unit output weights; n samples; empirical risk

.. math::  \\hat L_n(W) = \\frac{1}{2n}\\sum_{i=1}^n\\Big(\\sum_j \\sigma(w_j^\\top x_i) - y_i\\Big)^2 .

Initialisation (in the spirit of Zhong, Song, Jain, Bartlett & Dhillon 2017).
With γ_m = E[σ(z) He_m(z)], z ~ N(0, 1), the moments
M_m = E[y He_m(x)] = Σ_j γ_m ‖w*_j‖ w̄_j^{⊗m} (He_m the Hermite tensor). For
ReLU γ₁ = 1/2, γ₂ = 1/√(2π), **γ₃ = 0** (so M₃ vanishes and cannot be used) and
γ₄ = −1/√(2π). We therefore use M₂ and M₄: M₂ = Σ_j α_j w̄_j w̄_jᵀ with
α_j = ‖w*_j‖/√(2π) > 0 gives the whitening T = U_k Λ_k^{−1/2} (top-k
eigenpairs), under which M₄(T, T, T, T) = Σ_j λ_j o_j^{⊗4} with orthonormal
o_j = √α_j Tᵀw̄_j and λ_j = γ₄‖w*_j‖/α_j² = −√(2π)/‖w*_j‖; a tensor power
method with deflation finds the o_j, and w_j = √(2π)‖p_j‖ p_j with
p_j = U_k Λ_k^{1/2} o_j = √α_j w̄_j, up to a sign that even moments cannot see and
M₁ = Σ_j w*_j / 2 fixes. (Zhong et al. use M₃ with a non-orthogonal
decomposition; that is unavailable for ReLU.) Needs k ≤ d and positive output
weights.

Variance reduction. σ(t) = ``(t + |t|)/2``, so y = ``xᵀM₁ + Σ_j |w*_jᵀx|/2 + ε``: a
constant, a linear part and an even part. Constants and linear functions are
orthogonal to He₂ and He₄ (E[He_m(x)] = E[x He_m(x)] = 0 for m = 2, 4), so they
add nothing to M₂ and M₄ but dominate the variance of their sample averages
(the fourth-order one most, and more so after whitening by an ill-conditioned
M₂). M̂₂ and M̂₄ are therefore averaged against the residual r = y − ȳ − xᵀM̂₁.

>>> X, y = teacher_samples(np.eye(2), 20000, 0.0, seed=0)
>>> bool(parameter_error(moment_initialisation(X, y, 2), np.eye(2)) < 0.3)
True
"""

from __future__ import annotations

import numpy as np
from scipy.stats import linregress, ortho_group

from ..core.errors import InputError
from ..dynamics.loss import positions
from ..dynamics.matching import match_rows

SQRT_2PI = np.sqrt(2 * np.pi)


def conditioned_teacher(k: int, d: int, kappa: float, seed: int = 0) -> np.ndarray:
    """W* = U diag(s) Vᵀ (k, d) with Haar-random U ∈ O(k), V ∈ O(d)[:k] and singular values
    s geometric from κ down to 1, so cond(W*) = κ (κ = 1: orthonormal rows)."""
    if not (isinstance(k, (int, np.integer)) and isinstance(d, (int, np.integer)) and 1 <= k <= d):
        raise InputError(f"need integers 1 ≤ k ≤ d, got k = {k!r}, d = {d!r}")
    if not (np.isfinite(kappa) and kappa >= 1):
        raise InputError(f"the condition number κ must be finite and ≥ 1, got {kappa!r}")
    rng = np.random.default_rng(seed)
    U = ortho_group.rvs(k, random_state=rng) if k > 1 else np.ones((1, 1))
    V = ortho_group.rvs(d, random_state=rng)[:k] if d > 1 else np.ones((1, 1))
    return (U * np.geomspace(kappa, 1, k)) @ V


def teacher_samples(W_star, n: int, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n samples (X (n, d), y (n,)) of y = Σ_j σ(w*_jᵀx) + N(0, noise²)."""
    W_star = positions(W_star, "teacher weights")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise InputError(f"the number of samples n must be an integer ≥ 2, got {n!r}")
    if not (np.isfinite(noise) and noise >= 0):
        raise InputError(f"the noise level must be finite and ≥ 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, W_star.shape[1]))
    return X, np.maximum(X @ W_star.T, 0).sum(axis=1) + noise * rng.normal(size=n)


def moment_initialisation(X, y, k: int, *, seed: int = 0, starts: int = 4,
                          iterations: int = 40) -> np.ndarray:
    """W₀ (k, d) from the empirical M₂ and whitened M₄ (module docstring)."""
    X, y = _data(X, y)
    if not (isinstance(k, (int, np.integer)) and 1 <= k <= X.shape[1]):
        raise InputError(f"k must be an integer in 1..d = {X.shape[1]}, got {k!r}")
    M1 = X.T @ y / len(y)
    r = y - y.mean() - X @ M1  # same M₂, M₄ in expectation, far smaller variance (module docstring)
    M2 = (X.T * r) @ X / len(y)
    values, vectors = np.linalg.eigh(M2)
    values, vectors = values[::-1][:k], vectors[:, ::-1][:, :k]
    if values[-1] <= 0:
        raise InputError("M₂ has fewer than k positive eigenvalues: too few samples for k units")
    Z = X @ (vectors / np.sqrt(values))
    O = _power_method(Z, r, k, np.random.default_rng(seed), starts, iterations)
    P = (vectors * np.sqrt(values)) @ O.T
    return _signed((SQRT_2PI * np.linalg.norm(P, axis=0) * P).T, M1)


def _signed(W: np.ndarray, M1: np.ndarray) -> np.ndarray:
    """Fix the signs even-order moments cannot see: M₁ = γ₁ Σ_j w_j = Σ_j w_j / 2, so
    s = sign of the least-squares c in Σ_j c_j w_j = 2M₁, and w_j ← s_j w_j."""
    c = np.linalg.lstsq(W.T, 2 * M1, rcond=None)[0]
    return np.where(c < 0, -1.0, 1.0)[:, None] * W


def _contract(Z, y, u, found) -> tuple[np.ndarray, float]:
    """R(u, u, u, ·) and R(u, u, u, u) for R = M̂₄(T, T, T, T) − Σ λ_l o_l^{⊗4}, from the
    whitened samples z = Tᵀx, S = TᵀT ≈ I:
    R(u,u,u,·) = E[y(a³z − 3acz − 3a²Su)] + 3c Su E[y], a = zᵀu, c = uᵀSu."""
    S = Z.T @ Z / len(y)  # E[zzᵀ] = TᵀT
    a, Su = Z @ u, S @ u
    c = u @ Su
    vector = (Z.T @ (y * (a ** 3 - 3 * a * c)) - 3 * (y * a * a).sum() * Su) / len(y) + 3 * c * y.mean() * Su
    for lam, o in found:
        vector = vector - lam * (o @ u) ** 3 * o
    return vector, float(vector @ u)


def _power_method(Z, y, k, rng, starts, iterations) -> np.ndarray:
    """k orthonormal components of the whitened M₄ (eigenvalues negative for ReLU)."""
    found: list[tuple[float, np.ndarray]] = []
    for _ in range(k):
        best = None
        for _ in range(starts):
            u = rng.normal(size=k)
            u /= np.linalg.norm(u)
            for _ in range(iterations):
                vector, _ = _contract(Z, y, u, found)
                u = -vector / np.linalg.norm(vector)
            _, value = _contract(Z, y, u, found)
            if best is None or value < best[0]:
                best = (value, u)
        found.append(best)
    return np.array([u for _, u in found])


def _data(X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if X.ndim != 2 or y.shape != (len(X),) or len(X) < 2:
        raise InputError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
    if not (np.all(np.isfinite(X)) and np.all(np.isfinite(y))):
        raise InputError("samples contain NaN or infinite values")
    return X, y


def empirical_gradient(W, X, y) -> np.ndarray:
    """∇L̂_n = (1/n) Σ_i r_i 1(w_jᵀx_i > 0) x_i, r_i = Σ_j σ(w_jᵀx_i) − y_i."""
    pre = X @ W.T
    residual = np.maximum(pre, 0).sum(axis=1) - y
    return ((pre > 0) * residual[:, None]).T @ X / len(y)


def gradient_descent(W0, X, y, *, step: float = 0.5, iterations: int = 300,
                     W_star=None) -> tuple[np.ndarray, list[float]]:
    """W ← W − η ∇L̂_n(W); returns the last W and, given ``W_star``, the error after each step."""
    X, y = _data(X, y)
    W, errors = np.array(W0, dtype=float), []
    for _ in range(iterations):
        W = W - step * empirical_gradient(W, X, y)
        if W_star is not None:
            errors.append(parameter_error(W, W_star))
    return W, errors


def parameter_error(W, W_star) -> float:
    """min over permutations π of ‖W_π − W*‖_F (optimal row assignment,
    :func:`~theory.dynamics.matching.match_rows`)."""
    W, W_star = np.asarray(W, dtype=float), np.asarray(W_star, dtype=float)
    return float(np.sqrt(np.sum([cost for *_, cost in match_rows(W, W_star, squared=True)])))


def sample_run(task: dict) -> dict:
    """One seeded :func:`run_all` task: samples, moment initialisation, GD; errors out."""
    W_star = np.asarray(task["teacher"], dtype=float)
    X, y = teacher_samples(W_star, task["n"], task["noise"], seed=task["seed"])
    W0 = moment_initialisation(X, y, len(W_star), seed=task["seed"])
    _, errors = gradient_descent(W0, X, y, step=task["step"], iterations=task["iterations"], W_star=W_star)
    return {"n": task["n"], "seed": task["seed"], "initial_error": parameter_error(W0, W_star),
            "errors": errors, "final_error": errors[-1]}


def contraction_rate(errors, floor: float) -> float:
    """Geometric rate ρ of e_t − floor ≈ C ρ^t, fitted while the excess is above 10·floor."""
    excess = np.asarray(errors) - floor
    steps = np.nonzero(excess > 10 * max(floor, 1e-300))[0]
    if len(steps) < 3:
        raise InputError("too few steps above the floor to fit a rate")
    return float(np.exp(linregress(steps, np.log(excess[steps])).slope))


def floor_exponent(ns, floors) -> tuple[float, float]:
    """Slope and its standard error of log(floor) against log(n)."""
    fit = linregress(np.log(ns), np.log(floors))
    return float(fit.slope), float(fit.stderr)
