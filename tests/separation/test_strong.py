import numpy as np
import pytest

from theory.core.errors import InputError
from theory.separation.laws import Gaussian
from theory.separation.risk import ball_indicator, population_risk
from theory.separation.strong import (
    clip,
    empirical_objective,
    gradient,
    initialise,
    smoothness,
    theorem_8_step,
    train,
)


def _data(d=3, width=20, n=400, seed=0, lam=1.5):
    net = initialise(d, width, seed)
    X = Gaussian(d).sample(n, np.random.default_rng(seed + 1))
    return net, X, ball_indicator(X, lam)


def test_initialisation_follows_assumption_7():
    """U_j ~ N(0, I/4), b_j ~ N(0, 1/4), w ~ N(0, I/r²): sample variances within 5 % at r = 4000."""
    net = initialise(d=5, width=4000, seed=3)
    assert np.var(net.features.U) == pytest.approx(0.25, rel=0.05)
    assert np.var(net.features.b) == pytest.approx(0.25, rel=0.05)
    assert np.var(net.w) * 4000 ** 2 == pytest.approx(1, rel=0.05)


def test_gradient_matches_finite_differences():
    """Central differences of F̂ along random directions, at a w with no output near the kinks 0 and 1."""
    net, X, y = _data()
    features = net.features(X)
    rng = np.random.default_rng(5)
    w = rng.normal(scale=0.3, size=net.w.shape)
    z = features @ w
    h = 1e-6
    assert np.min(np.abs(z)) > 1e-3 and np.min(np.abs(z - 1)) > 1e-3   # h·‖x̃‖ ≤ 1e-5: no kink crossed
    for _ in range(5):
        v = rng.normal(size=w.shape)
        v /= np.linalg.norm(v)
        numeric = (empirical_objective(w + h * v, features, y)
                   - empirical_objective(w - h * v, features, y)) / (2 * h)
        assert gradient(w, features, y) @ v == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_gradient_vanishes_where_the_clip_is_flat():
    """With every output clipped (wᵀx̃ ∉ (0, 1)) the gradient is 0 although F̂ > 0: the flat pieces."""
    net, X, y = _data()
    features = net.features(X)
    w = 1000 * np.random.default_rng(2).normal(size=net.w.shape)
    z = features @ w
    assert not np.any((z > 0) & (z < 1))
    assert np.all(gradient(w, features, y) == 0) and empirical_objective(w, features, y) > 0.1


def test_zero_weights_give_the_ball_mass():
    net, _, _ = _data()
    zero = type(net)(net.features, np.zeros_like(net.w))
    law = Gaussian(3)
    risk = population_risk(zero, law, 1.5, 20_000, 9, width=20)
    assert risk.mean == pytest.approx(float(law.radius_cdf(1.5)), abs=4 * (risk.high - risk.low))


def test_training_decreases_the_objective_monotonically_at_step_one_over_L():
    """At η = 1/L every piece is L-smooth; F̂ falls at each of the recorded steps and by at least a third."""
    net, X, y = _data()
    run = train(net, X, y, steps=200, record=tuple(range(0, 201, 20)))
    values = np.array(run.objectives)
    assert run.recorded[0] == 0 and run.recorded[-1] == 200 and len(values) == 11
    assert np.all(np.diff(values) <= 1e-12) and values[-1] < values[0] * 2 / 3
    assert run.step_size == pytest.approx(1 / smoothness(net.features(X)))
    assert empirical_objective(run.network.w, net.features(X), y) == pytest.approx(values[-1])


def test_smoothness_bounds_the_hessian_of_every_piece():
    net, X, _ = _data()
    features = net.features(X)
    hessian = 2 / len(X) * features.T @ features
    assert smoothness(features) == pytest.approx(np.linalg.eigvalsh(hessian)[-1], rel=1e-6)


def test_output_is_clipped_and_profile_is_in_the_unit_interval():
    net, X, _ = _data()
    big = type(net)(net.features, 50 * net.w * net.features.width)
    out = big(X)
    assert np.all((out >= 0) & (out <= 1)) and np.any(out == 0) and np.any(out == 1)
    assert np.all(clip(np.array([-2.0, 0.5, 3.0])) == [0.0, 0.5, 1.0])
    profile = big.radial_profile(np.array([0.0, 1.0, 5.0]), directions=50, seed=0)
    assert profile.shape == (3,) and np.all((profile >= 0) & (profile <= 1))


def test_theorem_8_step_is_astronomically_small():
    """ν = (1/9)⁴·C·10⁻⁶/840 with C ≤ 1: below 2·10⁻¹³, so η < ν/(8r) is below 3·10⁻¹⁴/r."""
    assert theorem_8_step(1, 1.0) == pytest.approx((1 / 9) ** 4 * 1e-6 / 840 / 8)
    assert theorem_8_step(100, 0.5) < 3e-16


@pytest.mark.parametrize("kwargs, name", [({"d": 0}, "d"), ({"width": 0}, "width"), ({"width": 2.5}, "width"),
                                          ({"d": True}, "d"), ({"seed": -1}, "seed")])
def test_bad_network_sizes_are_refused(kwargs, name):
    with pytest.raises(InputError, match=name):
        initialise(**{"d": 3, "width": 4, "seed": 0, **kwargs})


@pytest.mark.parametrize("kwargs, name", [({"steps": 0}, "steps"), ({"steps": 1.5}, "steps"),
                                          ({"step": 0.0}, "step_size"), ({"step": float("inf")}, "step_size"),
                                          ({"step": -1.0}, "step_size")])
def test_bad_training_parameters_are_refused(kwargs, name):
    net, X, y = _data(n=10)
    with pytest.raises(InputError, match=name):
        train(net, X, y, **{"steps": 3, **kwargs})


def test_a_feature_matrix_beyond_memory_is_refused_with_its_size():
    net = initialise(d=1, width=10**6, seed=0)
    with pytest.raises(InputError, match=r"need .*(GiB|TiB)"):
        net.features(np.zeros((10**6, 1)))


def test_points_of_the_wrong_dimension_are_refused():
    net, _, _ = _data()
    with pytest.raises(InputError, match=r"\(n, 3\)"):
        net(np.zeros((4, 2)))


def test_risk_intervals_of_a_trained_network_cover_its_risk_at_the_stated_rate():
    """Reference risk from 400 000 fresh points (standard error ≈ 3·10⁻⁴); 100 independent 95 % intervals
    on 2000 points each cover it at least at 95 % less a binomial 3σ margin."""
    net, X, y = _data()
    trained = train(net, X, y, steps=100).network
    law = Gaussian(3)
    reference = population_risk(trained, law, 1.5, 400_000, 10**6, width=20)
    assert reference.high - reference.low < 2e-3
    covered = [population_risk(trained, law, 1.5, 2000, seed, width=20).covers(reference.mean)
               for seed in range(100)]
    assert np.mean(covered) >= 0.95 - 3 * np.sqrt(0.95 * 0.05 / 100)
