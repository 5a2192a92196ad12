"""The ReLU teacher–student landscape: loss, Tian's gradient, Hessian, strong convexity."""

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.core.numeric import context
from theory.teacher_student import relu

RNG = np.random.default_rng(7)
TEACHER, STUDENT = RNG.normal(size=(3, 4)), RNG.normal(size=(3, 4))
V, U = RNG.normal(size=3), RNG.normal(size=3)


def _monte_carlo_loss(W, W_star, v, u, n=400_000, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, W.shape[1]))
    residual = np.maximum(x @ W.T, 0) @ v - np.maximum(x @ W_star.T, 0) @ u
    return residual @ residual / n, np.std(residual ** 2) / np.sqrt(n)


def test_loss_matches_monte_carlo():
    mean, error = _monte_carlo_loss(STUDENT, TEACHER, V, U)
    assert abs(relu.population_loss(STUDENT, TEACHER, V, U) - mean) < 5 * error


def test_loss_vanishes_on_the_teacher_up_to_permutation():
    assert abs(relu.population_loss(TEACHER[::-1], TEACHER, U[::-1], U)) < 1e-12
    silent = relu.population_loss(TEACHER, TEACHER, 0 * U, U)  # E f*² > 0
    assert silent > 0.1
    assert abs(relu.population_loss(TEACHER, TEACHER, -U, U) - 4 * silent) < 1e-12


@pytest.mark.parametrize("weights", [(None, None), (V, U)], ids=["unit", "free"])
def test_gradient_is_tians_formula(weights):
    engine = relu.gradient(STUDENT, TEACHER, *weights)
    assert np.abs(engine - relu.tian_gradient(STUDENT, TEACHER, *weights)).max() < 1e-12


def test_gradient_matches_mpmath_finite_differences():
    ctx, h = context(40), 1e-15
    W = STUDENT.astype(object)
    exact = relu.gradient(STUDENT, TEACHER, V, U, dps=40)
    for i, j in [(0, 0), (2, 3)]:
        plus, minus = W.copy(), W.copy()
        plus[i, j], minus[i, j] = ctx.mpf(W[i, j]) + h, ctx.mpf(W[i, j]) - h
        fd = (relu.population_loss(plus, TEACHER, V, U, dps=40)
              - relu.population_loss(minus, TEACHER, V, U, dps=40)) / (2 * h)
        assert abs(fd - exact[i, j]) < 1e-20


def test_output_gradient_matches_finite_differences():
    h = 1e-6
    fd = [(relu.population_loss(STUDENT, TEACHER, V + h * e, U)
           - relu.population_loss(STUDENT, TEACHER, V - h * e, U)) / (2 * h) for e in np.eye(3)]
    assert np.allclose(relu.output_gradient(STUDENT, TEACHER, V, U), fd, atol=1e-7)


def test_hessian_matches_finite_differences_of_the_gradient():
    h, H = 1e-6, relu.hessian(STUDENT, TEACHER, V, U)
    column = [(relu.gradient(STUDENT + h * E, TEACHER, V, U) - relu.gradient(STUDENT - h * E, TEACHER, V, U))
              .ravel() / (2 * h) for E in np.eye(12).reshape(12, 3, 4)[:3]]
    assert np.allclose(H[:, :3], np.array(column).T, atol=1e-6)


def test_orthant_moment_matches_monte_carlo():
    w, w2 = TEACHER[0], TEACHER[1]
    x = np.random.default_rng(1).normal(size=(400_000, 4))
    active = (x @ w > 0) & (x @ w2 > 0)
    sample = (x[active].T @ x[active]) / len(x)
    assert np.abs(relu.orthant_moment(w, w2).astype(float) - sample).max() < 5e-3


def test_teacher_hessian_agrees_with_the_engine_next_to_the_minimum():
    # exactly on the teacher the engine's ridge formulas are 0/0; the Hessian is continuous there
    near = TEACHER + 1e-8 * RNG.normal(size=TEACHER.shape)
    engine = relu.hessian(near, TEACHER, U, U)
    assert np.abs(engine - relu.teacher_hessian(TEACHER, U).astype(float)).max() < 1e-6


@pytest.mark.parametrize("k", [2, 3, 5])
def test_orthonormal_teacher_strong_convexity_is_half_minus_one_over_pi(k):
    ctx = context(40)
    value = relu.strong_convexity(np.eye(k), dps=40)
    assert abs(value - (ctx.mpf(1) / 2 - 1 / ctx.pi)) < ctx.mpf(10) ** -35


def test_strong_convexity_ignores_norms_and_falls_with_conditioning():
    assert abs(relu.strong_convexity(np.diag([1.0, 1.0, 30.0])) - relu.strong_convexity(np.eye(3))) < 1e-25
    values = [relu.strong_convexity(relu.conditioned_teacher(3, kappa), dps=20) for kappa in (1, 4, 100)]
    assert values[0] > values[1] > values[2] > 0


@pytest.mark.parametrize("call", [
    lambda: relu.population_loss(np.ones((2, 3)), np.ones((2, 4))),
    lambda: relu.gradient(np.ones((2, 3)), np.ones((2, 3)), v=np.ones(3)),
    lambda: relu.hessian(np.ones(3), np.ones((2, 3))),
    lambda: relu.population_loss(np.ones((2, 3)), np.ones((2, 3)), u=[1.0, np.nan]),
    lambda: relu.conditioned_teacher(3, 0.5),
    lambda: relu.conditioned_teacher(0, 2.0),
], ids=["dimensions", "student-weights", "not-a-matrix", "nan-weight", "kappa", "k"])
def test_bad_input_is_refused(call):
    with pytest.raises(InputError):
        call()
