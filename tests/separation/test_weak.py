"""The weak class of Eq. (1): exact gradient, smoothness estimate, GD, refused inputs."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.separation.weak import (
    SmoothActivation,
    WeakNetwork,
    initial_norm_bound,
    initialisation_failure,
    initialise,
    smoothness,
    theorem_3_step,
    train,
    train_within_hypothesis,
)


def _data(n=60, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    return X, (np.linalg.norm(X, axis=1) <= 1.5).astype(float)


def _objective_at(net, theta, X, y):
    return net.with_parameters(theta).objective(X, y)


@pytest.mark.parametrize("activation", list(SmoothActivation))
def test_gradient_matches_central_differences_in_every_parameter(activation):
    X, y = _data()
    net = initialise(3, 4, seed=1, activation=activation)
    net = net.with_parameters(net.parameters
                              + np.random.default_rng(2).normal(scale=0.3, size=net.parameters.size))
    theta, exact = net.parameters, net.gradient(X, y)
    h = 1e-6
    numeric = np.array([(_objective_at(net, theta + h * e, X, y) - _objective_at(net, theta - h * e, X, y))
                        / (2 * h) for e in np.eye(theta.size)])
    assert np.max(np.abs(numeric - exact)) < 1e-7 * (1 + np.max(np.abs(exact)))


def test_activation_derivatives_match_differences_and_bounds_hold():
    z = np.linspace(-30, 30, 601)
    for activation in SmoothActivation:
        numeric = (activation(z + 1e-6) - activation(z - 1e-6)) / 2e-6
        assert np.max(np.abs(numeric - activation.derivative(z))) < 1e-8
        c, alpha = activation.bound
        assert np.all(np.abs(activation(z)) <= c * (1 + np.abs(z) ** alpha))


def test_smoothness_at_zero_residual_is_the_gauss_newton_eigenvalue():
    """With labels y = N(x) the residual vanishes, so the Hessian of L is (2/n) JᵀJ, J the Jacobian of the
    outputs in θ (computed here by hand): the estimate must find its largest eigenvalue."""
    X, _ = _data(n=40, d=2)
    net = WeakNetwork(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0.0, 1.0, -1.0]),
                      np.array([1.0, -2.0, 1.0]), 0.0, SmoothActivation.TANH)
    y = net(X)                                   # zero residual: the Hessian is the Gauss–Newton matrix
    Z = X @ net.U.T + net.b
    s = SmoothActivation.TANH.derivative(Z) * net.w
    J = np.hstack([(s[:, :, None] * X[:, None, :]).reshape(len(X), -1), np.tanh(Z), s, np.ones((len(X), 1))])
    exact = np.linalg.eigvalsh(2 / len(X) * J.T @ J).max()
    assert smoothness(net, X, y) == pytest.approx(exact, rel=1e-3)


def test_smoothness_is_at_least_two_the_b0_curvature():
    X, y = _data()
    assert smoothness(initialise(3, 5, seed=3), X, y) >= 2 - 1e-6


def test_gd_below_two_over_l_decreases_the_objective_at_every_recorded_step():
    X, y = _data(n=200)
    run = train(initialise(3, 8, seed=4), X, y, steps=200, record=tuple(range(0, 200, 20)))
    assert all(b < a for a, b in itertools.pairwise(run.objectives))
    assert run.step_size <= 2 / run.smoothness[0] - 1 / 200
    assert run.displacement <= run.displacement_bound


def test_a_step_far_above_two_over_l_does_not_decrease():
    X, y = _data(n=200)
    net = initialise(3, 8, seed=4)
    run = train(net, X, y, steps=20, step=10 / smoothness(net, X, y))
    assert run.objectives[-1] > run.objectives[0] or not np.isfinite(run.objectives[-1])


def test_a_run_that_leaves_the_step_bound_is_redone_within_it():
    """On a sum of two sphere points (d = 4) the curvature doubles along this run, past the default step."""
    rng = np.random.default_rng(1)
    X = sum(v / np.linalg.norm(v, axis=1, keepdims=True)
            for v in (rng.normal(size=(300, 4)) for _ in range(2)))
    y = (np.linalg.norm(X, axis=1) <= np.sqrt(2)).astype(float)
    net = initialise(4, 16, seed=1)
    first = train(net, X, y, 1000, record=(100, 300))
    assert not first.within_hypothesis
    again = train_within_hypothesis(net, X, y, 1000, record=(100, 300))
    assert again.within_hypothesis and again.step_size < first.step_size


def test_exact_inputs_duplicate_neurons_stay_duplicates():
    """Two equal rows (u, b) with equal w get equal gradients, so GD keeps them equal; integer weights."""
    X, y = _data(n=50, d=2)
    net = WeakNetwork(np.array([[1.0, 2.0], [1.0, 2.0], [-1.0, 0.0]]), np.array([0.0, 0.0, 1.0]),
                      np.array([1.0, 1.0, -1.0]), 1.0, SmoothActivation.ERF)
    end = train(net, X, y, steps=30, step=0.05).network
    assert np.array_equal(end.U[0], end.U[1]) and end.b[0] == end.b[1] and end.w[0] == end.w[1]


def test_zero_network_predicts_its_bias_and_its_gradient_is_the_residual():
    X, y = _data(n=30, d=2)
    net = WeakNetwork(np.zeros((2, 2)), np.zeros(2), np.zeros(2), 0.0, SmoothActivation.TANH)
    grad = net.gradient(X, y)
    assert np.all(net(X) == 0)
    assert grad[-1] == pytest.approx(-2 * y.mean())
    assert np.all(grad[:2 * 2] == 0) and np.all(grad[-3:-1] == 0)   # u and b: w = 0 kills them


def test_initialisation_is_seeded_and_within_the_polynomial():
    a, b = initialise(5, 50, seed=9), initialise(5, 50, seed=9)
    assert np.array_equal(a.parameters, b.parameters)
    assert np.sum(a.parameters ** 2) <= initial_norm_bound(5, 50)


@pytest.mark.parametrize("call", [
    lambda: initialise(0, 4, 0), lambda: initialise(3, -1, 0), lambda: initialise(3, 2.5, 0),
    lambda: initialise(3, 10**7, 0), lambda: initialise(3, 4, -1), lambda: initialise(3, 4, 0, "erf"),
    lambda: initialise(10**5, 10**6, 0),
    lambda: train(initialise(3, 2, 0), *_data(), steps=0),
    lambda: train(initialise(3, 2, 0), *_data(), steps=1.5),
    lambda: train(initialise(3, 2, 0), *_data(), steps=5, step=0.0),
    lambda: train(initialise(3, 2, 0), *_data(), steps=5, step=-1e-3),
    lambda: train(initialise(3, 2, 0), *_data(), steps=5, step=float("inf")),
    lambda: train(initialise(3, 2, 0), *_data(), steps=5, safety=2),
    lambda: train(initialise(3, 2, 0), _data()[0], _data()[1][:-1], steps=5),
    lambda: initialise(3, 2, 0)(np.zeros((4, 2))),
    lambda: initialise(3, 2, 0).with_parameters(np.zeros(3)),
    lambda: theorem_3_step(4.0, 1),
])
def test_bad_input_is_refused(call):
    with pytest.raises(InputError):
        call()


def test_memory_refusal_names_the_figure():
    net = initialise(2, 10**6, 0)
    with pytest.raises(InputError, match="iB"):
        net(np.zeros((10**6, 2)))


def test_activations_are_named_by_value_and_others_refused():
    assert SmoothActivation.named("tanh") is SmoothActivation.TANH
    with pytest.raises(InputError, match="erf, tanh, softplus"):
        SmoothActivation.named("relu")


def test_the_initialisation_bound_is_a_probability_bound_that_monte_carlo_respects():
    d, r = 4, 2
    draws = np.array([np.sum(initialise(d, r, seed).parameters ** 2) for seed in range(4000)])
    frequency = np.mean(draws > initial_norm_bound(d, r))
    assert 0 < frequency <= initialisation_failure(d, r)
    assert initialisation_failure(4, 16) < np.exp(-4) < initialisation_failure(4, 4)
