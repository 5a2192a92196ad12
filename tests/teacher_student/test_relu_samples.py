"""Moment initialisation and gradient descent on noisy ReLU samples."""

import numpy as np
import pytest
from scipy.stats import ortho_group

from theory.core.errors import InputError
from theory.teacher_student.relu_samples import (
    contraction_rate,
    empirical_gradient,
    floor_exponent,
    gradient_descent,
    moment_initialisation,
    parameter_error,
    sample_run,
    teacher_samples,
)
from theory.verification.executor import run_all

TEACHER = np.hstack([np.diag([1.0, 1.5, 2.0]), np.zeros((3, 2))])  # k = 3 units in d = 5


def test_initialisation_recovers_signs_and_norms_from_noiseless_moments():
    X, y = teacher_samples(TEACHER, 60_000, 0.0, seed=0)
    assert parameter_error(moment_initialisation(X, y, 3), TEACHER) < 0.35  # ‖W*‖_F ≈ 2.7


def test_initialisation_of_a_rotated_teacher_from_few_samples():
    """Five unit rows in general position (not axis-aligned) from 10⁴ samples: averaging the
    moments against the residual y − ȳ − xᵀM̂₁ keeps the error at a fraction of ‖W*‖_F = √5
    (with y itself the fourth moment is too noisy: the relative error was 0.8 here)."""
    W_star = ortho_group.rvs(5, random_state=7)
    X, y = teacher_samples(W_star, 10_000, 0.0, seed=5)
    assert parameter_error(moment_initialisation(X, y, 5), W_star) < 0.3 * np.sqrt(5)


def test_empirical_gradient_matches_finite_differences():
    X, y = teacher_samples(TEACHER, 500, 0.1, seed=1)
    W, h = TEACHER + 0.3 * np.random.default_rng(2).normal(size=TEACHER.shape), 1e-6

    def risk(V):
        return ((np.maximum(X @ V.T, 0).sum(axis=1) - y) ** 2).sum() / (2 * len(y))

    E = np.zeros_like(W)
    E[1, 2] = 1
    assert abs((risk(W + h * E) - risk(W - h * E)) / (2 * h) - empirical_gradient(W, X, y)[1, 2]) < 1e-6


def test_descent_from_the_moments_converges_linearly_to_a_floor():
    X, y = teacher_samples(TEACHER, 20_000, 0.1, seed=3)
    W0 = moment_initialisation(X, y, 3)
    _, errors = gradient_descent(W0, X, y, iterations=300, W_star=TEACHER)
    assert errors[-1] < 0.02 < errors[0]
    assert contraction_rate(errors, errors[-1]) < 0.97


def test_run_all_task_is_seeded():
    task = {"teacher": TEACHER.tolist(), "n": 4000, "noise": 0.1, "seed": 4, "step": 0.5, "iterations": 50}
    first, again = run_all(sample_run, [task, task])
    assert first == again and len(first["errors"]) == 50


@pytest.mark.parametrize("call", [
    lambda: teacher_samples(TEACHER, 1, 0.1),
    lambda: teacher_samples(TEACHER, 100, -0.1),
    lambda: teacher_samples(np.ones(3), 100, 0.1),
    lambda: moment_initialisation(np.ones((10, 2)), np.ones(10), 3),
    lambda: moment_initialisation(np.ones((10, 2)), np.ones(9), 1),
], ids=["n", "noise", "teacher-shape", "k>d", "y-shape"])
def test_bad_input_is_refused(call):
    with pytest.raises(InputError):
        call()


@pytest.mark.slow
def test_statistical_floor_falls_like_one_over_root_n():
    ns = [2000, 8000, 32000, 128000]
    tasks = [{"teacher": TEACHER.tolist(), "n": n, "noise": 0.5, "seed": s, "step": 0.5, "iterations": 400}
             for n in ns for s in range(3)]
    finals = np.array([r["final_error"] for r in run_all(sample_run, tasks)]).reshape(len(ns), 3)
    slope, stderr = floor_exponent(ns, np.median(finals, axis=1))
    assert abs(slope + 0.5) < 0.15 + 3 * stderr
