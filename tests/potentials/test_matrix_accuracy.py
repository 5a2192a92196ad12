"""Potential.matrix in float64 against 30-digit values on adversarial pairs, every registered closed form.

Adversarial: equal rows, rows 1e-7 apart, antiparallel and nearly antiparallel rows,
orthogonal rows, a tiny norm, and a pair 1e-9 off parallel with unequal norms. The
ReLU family used to lose 4e-8 on the diagonal (acos and the square root rounded apart).
"""

import mpmath
import numpy as np
import pytest

from theory import potential
from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.potentials import potential as potential_module
from theory.potentials.activations import REGISTRY

TOLERANCE = 2e-15  # relative to max(1, |Φ|)
SLOW = {"gelu"}    # its 30-digit closed form costs ~0.4 s a pair


def _adversarial() -> np.ndarray:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(4)
    x /= np.linalg.norm(x)
    y = rng.standard_normal(4)
    y -= (y @ x) * x
    y /= np.linalg.norm(y)
    shift = 1e-7 * rng.standard_normal(4)
    return np.stack([x, x + shift, -x, -x + shift, y, 1e-3 * x, 0.7 * x + 1e-9 * y])


def _worst_error(phi, points) -> float:
    gram = phi.matrix(points, points)
    worst = 0.0
    for i, p in enumerate(points):
        for j, q in enumerate(points):
            reference = float(phi.evaluate(p, q, dps=30))
            worst = max(worst, abs(gram[i, j] - reference) / max(1.0, abs(reference)))
    return worst


def _closed_ridge_forms():
    for name in REGISTRY:
        phi = potential(EXAMPLE_PARAMETERS.get(name, name))
        if phi.exact and phi.form == "ridge":
            marks = [pytest.mark.slow] if name in SLOW else []
            yield pytest.param(phi, id=name, marks=marks)


@pytest.mark.parametrize("phi", list(_closed_ridge_forms()))
def test_gram_matrix_is_accurate_on_adversarial_pairs(phi):
    assert _worst_error(phi, _adversarial()) <= TOLERANCE


@pytest.mark.parametrize("name", ["relu", "step", "relu_power(2)"])
def test_zonal_gram_matrix_is_accurate_for_nearly_parallel_unit_vectors(name):
    phi = potential(name).sphere()
    angles = np.array([0.0, 1e-9, 1e-7, np.pi / 2, np.pi - 1e-7, np.pi])
    rows = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    gram = phi.matrix(rows, rows)
    for i, p in enumerate(rows):
        for j, q in enumerate(rows):
            with mpmath.workdps(50):  # Φ(cos ∠(p, q)), the rows' exact angle (they are unit up to rounding)
                p_, q_ = ([mpmath.mpf(u) for u in row] for row in (p, q))
                inner = mpmath.fdot(p_, q_) / mpmath.sqrt(mpmath.fdot(p_, p_) * mpmath.fdot(q_, q_))
                inner = max(min(inner, 1), -1)
            reference = float(phi.at(inner, dps=30))
            assert abs(gram[i, j] - reference) <= TOLERANCE * max(1.0, abs(reference)), (i, j)


def test_the_arccos_form_alone_fails_on_the_diagonal(monkeypatch):
    # the check can fail: without the angle form the ReLU diagonal is off by ~1e-8
    rows = np.random.default_rng(1).standard_normal((20, 10))
    phi = potential("relu")
    exact = np.linalg.norm(rows, axis=1) ** 2 / 2          # Φ(θ, θ) = E[relu(θᵀx)²] = ‖θ‖²/2
    assert np.max(np.abs(np.diag(phi.matrix(rows, rows)) - exact)) < 1e-14
    monkeypatch.setattr(potential_module, "_angle_form", lambda expr, form: None)
    assert np.max(np.abs(np.diag(phi.matrix(rows, rows)) - exact)) > 1e-10
