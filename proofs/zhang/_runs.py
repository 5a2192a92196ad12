"""Seeded teacher–student runs shared by the claims: samples, moment initialisation, GD."""

from __future__ import annotations

import numpy as np
from scipy.stats import linregress
from scipy.stats import t as student_t

from theory.core.errors import InputError
from theory.teacher_student.relu_samples import (
    conditioned_teacher,
    gradient_descent,
    moment_initialisation,
    parameter_error,
    teacher_samples,
)

STEP = 0.5   # η on the empirical risk (1/2n) Σ (f̂ − y)²
K = D = 3


def teacher(kappa: float, seed: int) -> np.ndarray:
    """Orthonormal rows (the identity) for κ = 1, else a seeded W* with cond(W*) = κ."""
    return np.eye(K, D) if kappa == 1 else conditioned_teacher(K, D, kappa, seed)


def run(kappa: float, n: int, noise: float, seed: int, iterations: int) -> dict:
    """One run: ‖W₀ − W*‖_F of the moment initialisation and the GD errors after it."""
    W_star = teacher(kappa, seed)
    X, y = teacher_samples(W_star, n, noise, seed=seed)
    try:
        W0 = moment_initialisation(X, y, K, seed=seed)
    except InputError as why:  # the sample's M̂₂ has fewer than K positive eigenvalues: the method fails
        return {"kappa": kappa, "n": n, "seed": seed, "initial": float("nan"), "errors": [float("nan")],
                "failed": str(why)}
    _, errors = gradient_descent(W0, X, y, step=STEP, iterations=iterations, W_star=W_star)
    return {"kappa": kappa, "n": n, "seed": seed, "initial": parameter_error(W0, W_star),
            "errors": errors}


def power_law(ns, values, level: float = 0.95) -> tuple[float, float, float]:
    """Exponent p of values ≈ C nᵖ (least squares in log–log) and its ``level`` confidence interval."""
    fit = linregress(np.log(ns), np.log(values))
    half = student_t.ppf(0.5 + level / 2, len(ns) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def envelope_rate(errors, low: float = 1e-9) -> float:
    """The least ρ with e_t ≤ e_0 ρᵗ at every step t ≥ 1 where e_t > low: max_t (e_t/e_0)^{1/t}."""
    errors = np.asarray(errors, dtype=float)
    steps = np.nonzero(errors[1:] > low)[0] + 1
    if not len(steps) or not errors[0] > 0:
        return float("nan")
    return float(np.max((errors[steps] / errors[0]) ** (1 / steps)))


def geometric_rate(errors, low: float = 1e-9) -> tuple[float, float]:
    """ρ of e_t ≈ C ρᵗ and R² of the log-linear fit, over the steps with low < e_t < e_0/10."""
    errors = np.asarray(errors)
    steps = np.nonzero((errors > low) & (errors < errors[0] / 10))[0]
    if len(steps) < 10:
        return float("nan"), float("nan")
    fit = linregress(steps, np.log(errors[steps]))
    return float(np.exp(fit.slope)), float(fit.rvalue ** 2)
