import math

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.separation.laws import Gaussian
from theory.separation.risk import Interval, ball_indicator, estimate, objective, population_risk


def test_objective_has_no_half():
    assert objective(np.array([1.0, 0.0]), np.array([0.0, 0.0])) == 0.5


def test_indicator_includes_the_sphere():
    X = np.array([[3.0, 4.0], [3.0, 4.0 + 1e-12], [0.0, 0.0]])
    assert ball_indicator(X, 5).tolist() == [1.0, 0.0, 1.0]


@pytest.mark.parametrize("interval", list(Interval))
def test_zero_network_risk_is_the_ball_mass(interval):
    """w = 0 predicts 0, so the risk is P[‖x‖ ≤ λ], exact from the χ CDF; the 95 % intervals of
    200 seeds cover it at least at the stated rate (up to a binomial 3σ margin)."""
    law, lam = Gaussian(3), 1.5
    exact = float(law.radius_cdf(lam))
    covered = [population_risk(lambda X: np.zeros(len(X)), law, lam, 500, seed, interval=interval).covers(exact)
               for seed in range(200)]
    assert np.mean(covered) >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / 200)


def test_intervals_shrink_like_one_over_root_n():
    """The normal interval of a Bernoulli(p) loss has half-width 1.96·√(p(1 − p)/n); Hoeffding's is wider."""
    law, lam = Gaussian(3), 1.5
    p = float(law.radius_cdf(lam))
    normal = population_risk(lambda X: np.zeros(len(X)), law, lam, 20_000, 1)
    hoeffding = population_risk(lambda X: np.zeros(len(X)), law, lam, 20_000, 1, interval=Interval.HOEFFDING)
    assert (normal.high - normal.low) / 2 == pytest.approx(1.96 * math.sqrt(p * (1 - p) / 20_000), rel=0.02)
    assert hoeffding.high - hoeffding.low > normal.high - normal.low


def test_seeded_and_blocked_estimates_are_reproducible():
    law = Gaussian(2)
    one = population_risk(lambda X: np.full(len(X), 0.5), law, 1.0, 1000, 7)
    assert one == population_risk(lambda X: np.full(len(X), 0.5), law, 1.0, 1000, 7)
    assert one.mean == pytest.approx(0.25)          # (½ − y)² = ¼ for y ∈ {0, 1}


def test_hoeffding_refuses_unbounded_losses():
    with pytest.raises(InputError, match="Hoeffding"):
        estimate(np.array([0.5, 2.0]), interval=Interval.HOEFFDING)


@pytest.mark.parametrize("lam", [0, -1, float("inf"), float("nan"), "1", True])
def test_bad_radius_is_refused(lam):
    with pytest.raises(InputError, match="λ"):
        ball_indicator(np.zeros((1, 2)), lam)


@pytest.mark.parametrize("n", [0, -3, 2.5])
def test_bad_sample_size_is_refused(n):
    with pytest.raises(InputError, match="n must"):
        population_risk(lambda X: np.zeros(len(X)), Gaussian(2), 1.0, n, 0)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, float("nan")])
def test_bad_level_is_refused(confidence):
    with pytest.raises(InputError, match="level"):
        estimate(np.ones(3), confidence)
