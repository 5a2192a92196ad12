"""SGD on samples of a teacher network: gradients, the link to the population loss, learning."""

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.teacher_student.sampled import (
    charge_energy,
    depth_width_grid,
    matching_error,
    network,
    numpy_activation,
    population_loss,
    random_network,
    relative_error,
    sgd,
)


def test_kinked_activations_act_elementwise_on_matrices():
    """Max and Min compile to numpy.maximum/minimum (SymPy 1.13's printer stacked them into amax)."""
    z = np.array([[-2.0, 3.0, 0.5], [0.25, -1.0, 0.0]])
    leaky = numpy_activation("leaky_relu")
    assert np.array_equal(leaky.value(z), np.where(z > 0, z, z / 100))
    assert np.array_equal(leaky.derivative(z[z != 0]), np.where(z[z != 0] > 0, 1, 1 / 100))


@pytest.mark.parametrize("spec", ["tanh", "relu"])
def test_backpropagation_matches_central_differences(spec):
    net = random_network(4, 5, 3, spec, seed=3)
    X = np.random.default_rng(4).normal(size=(50, 4))
    y = np.sin(X[:, 0])
    _, grads, grad_v = net.gradient(X, y)
    h = 1e-6
    for layer, analytic in [(0, grads[0]), (1, grads[1]), (2, grad_v)]:
        params = net.parameters()
        numeric = np.zeros_like(params[layer])
        for index in np.ndindex(params[layer].shape):
            values = []
            for shift in (h, -h):
                moved = [p.copy() for p in params]
                moved[layer][index] += shift
                values.append(network(moved[:-1], moved[-1], spec).gradient(X, y)[0])
            numeric[index] = (values[0] - values[1]) / (2 * h)
        assert np.allclose(analytic, numeric, rtol=1e-5, atol=1e-7), (spec, layer)


def _energy_and_samples(spec, sphere):
    """Eq. (2)–(4): the mean of (f̂ − f)² over samples estimates L(a, θ) of theory.dynamics.loss.Loss with
    a = −v̂, b = v, and the mean sampled W₁-gradient estimates ∇_θ L (Riemannian on the sphere);
    both must agree within 4 Monte-Carlo standard errors."""
    teacher = random_network(3, 2, 2, spec, seed=5, sphere=sphere)
    student = random_network(3, 2, 2, spec, seed=6, sphere=sphere)
    X = np.random.default_rng(7).normal(size=(200_000, 3))
    squares = (student(X) - teacher(X)) ** 2
    error = 4 * squares.std() / np.sqrt(len(X))
    assert abs(squares.mean() - population_loss(student, teacher)) < error
    assert error < 0.05 * squares.mean()  # the check has teeth
    theta = student.hidden[0]
    exact = charge_energy(teacher, "sphere" if sphere else "euclidean").gradient(theta, -student.output)
    chunks = np.array([student.gradient(part, teacher(part))[1][0] for part in np.array_split(X, 40)])
    if sphere:
        chunks = chunks - theta * np.einsum("cij,ij->ci", chunks, theta)[:, :, None]
    spread = 4 * np.std(chunks, axis=0) / np.sqrt(len(chunks))
    assert np.all(np.abs(chunks.mean(axis=0) - exact) < spread + 1e-12)


@pytest.mark.parametrize("spec", ["erf", "relu"])
def test_sampled_loss_and_gradient_agree_with_the_charge_energy_on_the_sphere(spec):
    _energy_and_samples(spec, sphere=True)


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["erf", "relu"])
def test_sampled_loss_and_gradient_agree_with_the_charge_energy_on_euclidean_space(spec):
    _energy_and_samples(spec, sphere=False)  # the ridge kernels take ≈ 15 s each to derive


def test_sgd_learns_a_two_layer_erf_teacher_and_its_neurons():
    teacher = random_network(5, 3, 2, "erf", seed=0, output=1.0)
    student = random_network(5, 3, 2, "erf", seed=1, output=1.0)
    run = sgd(student, teacher, steps=4000, batch=32, step_size=0.05, seed=2, record_every=500,
              train_output=False)
    assert run.matching_errors[0] > 0.5 and run.test_errors[0] > 0.5
    assert run.matching_errors[-1] < 1e-2 and run.test_errors[-1] < 1e-4
    assert run.samples(32)[-1] == 4000 * 32 and not run.diverged


def test_matching_error_ignores_exactly_the_symmetries_of_a_unit():
    X = np.random.default_rng(0).normal(size=(100, 3))
    relu = random_network(3, 3, 2, "relu", seed=8)
    rescaled = network([relu.hidden[0][[2, 0, 1]] * np.array([[2.0], [0.5], [3.0]])],
                       relu.output[[2, 0, 1]] / np.array([2.0, 0.5, 3.0]), "relu")
    assert np.allclose(rescaled(X), relu(X)) and matching_error(rescaled, relu) < 1e-12
    erf = random_network(3, 3, 2, "erf", seed=8)
    flipped = network([-erf.hidden[0]], -erf.output, "erf")
    assert np.allclose(flipped(X), erf(X)) and matching_error(flipped, erf) < 1e-12
    moved = network([erf.hidden[0] + 0.1], erf.output, "erf")
    assert matching_error(moved, erf) > 0.01 and relative_error(moved, erf, X) > 0


def test_a_diverging_step_size_is_reported():
    teacher, student = random_network(3, 4, 3, "linear", seed=0), random_network(3, 4, 3, "linear", seed=1)
    with np.errstate(all="ignore"):
        run = sgd(student, teacher, steps=200, batch=8, step_size=50.0, seed=0, record_every=10)
    assert run.diverged


@pytest.mark.parametrize("call, message", [
    (lambda: random_network(3, 2, 2, "sign", seed=0), "Dirac delta"),
    (lambda: random_network(3, 2, 1, "relu", seed=0), "depth must be an integer ≥ 2"),
    (lambda: network([np.ones((2, 3)), np.ones((4, 3))], np.ones(4), "relu"), "do not chain"),
    (lambda: sgd(random_network(3, 2, 2, "relu", seed=0), random_network(4, 2, 2, "relu", seed=0),
                 steps=1, batch=1, step_size=0.1, seed=0), "input dimension"),
    (lambda: population_loss(random_network(3, 2, 3, "relu", seed=0),
                             random_network(3, 2, 3, "relu", seed=0)), "depth-2"),
])
def test_bad_input_is_named(call, message):
    with pytest.raises(InputError, match=message):
        call()


def test_section_5_reproduction_runs_at_tiny_scale_and_only_with_experiments():
    from theory.proofs import all_claims
    from theory.proofs.electrodynamics import section_5

    records = depth_width_grid("erf", (2, 3), (5, 10), d=4, steps=200, batch=16, step_size=0.05)
    checks = section_5.checks_of("erf", records, {"d": 4, "steps": 200, "batch": 16, "step_size": 0.05})
    assert [c.subject for c in checks] == ["evidence"] * 4
    assert "3×5" in str(checks[0].evidence) and "(paper 0.0033)" in str(checks[0].evidence)
    assert all(r["test_error"] < r["initial_error"] for r in records)
    assert section_5.paper_trend(records, "width")[0] == 1.0  # 0.0033 < 0.0264 at depth 3
    claim = next(c for c in all_claims() if c.key == "sec5-table2")
    assert claim.experiment and claim.conjecture
