import math

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.separation.laws import TABLE_ERROR, BesselMixture, Gaussian, RadialCauchy, SphereSum
from theory.separation.risk import (
    Interval,
    ball_indicator,
    best_constant_risk,
    estimate,
    objective,
    population_risk,
    radial_risk,
)


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

    def zero(X):
        return np.zeros(len(X))

    covered = [population_risk(zero, law, lam, 500, seed, interval=interval).covers(exact)
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


RADIAL_LAWS = [Gaussian(4), RadialCauchy(4), SphereSum(4), SphereSum(2), BesselMixture(4)]


def ramp(t):
    """A radial profile with kinks at 0.4 and 2.4: clip(1.2 − t/2, 0, 1)."""
    return np.clip(1.2 - np.asarray(t) / 2, 0.0, 1.0)


@pytest.mark.parametrize("law", RADIAL_LAWS, ids=repr)
def test_the_sampled_risk_of_a_radial_predictor_covers_its_radial_integral(law):
    """population_risk's 95 % interval (200 000 points, seeded) covers ∫(g − 1{t ≤ λ})²γ; the value shifted
    by twice the interval's width (≈ 7.8 standard errors) lies outside it, as it must unless the estimate
    is more than ≈ 5.9 standard errors off."""
    lam = 1.5
    exact = radial_risk(ramp, law, lam, breaks=(0.4, 2.4))
    assert exact.error < 1e-8 and not exact.notes
    sampled = population_risk(lambda X: ramp(np.linalg.norm(X, axis=1)), law, lam, 200_000, seed=11)
    assert sampled.covers(exact.value)
    shift = 2 * (sampled.high - sampled.low)
    assert not sampled.covers(exact.value + shift) and not sampled.covers(exact.value - shift)


@pytest.mark.parametrize("law", RADIAL_LAWS, ids=repr)
def test_constant_profiles_have_risk_c2_minus_2cp_plus_p_least_at_p(law):
    """Against P from the law's CDF (exact, or D_d's table within its stated TABLE_ERROR)."""
    lam, mass = 1.2, float(law.radius_cdf(1.2))
    slack = TABLE_ERROR if isinstance(law, BesselMixture) else 1e-12
    for c in (0.0, 0.3, mass, 1.0):
        risk = radial_risk(lambda t, c=c: np.full(np.shape(t), c), law, lam)
        assert abs(risk.value - (c * c - 2 * c * mass + mass)) <= risk.error + slack
    assert best_constant_risk(law, lam) == pytest.approx(mass * (1 - mass), rel=1e-15)
    assert best_constant_risk(law, lam) <= min(c * c - 2 * c * mass + mass for c in np.linspace(0, 1, 101))


def test_the_target_itself_has_risk_zero_and_a_support_past_lambda_is_respected():
    law = SphereSum(3)                                  # R uniform on [0, 2]
    inside = radial_risk(lambda t: (np.asarray(t) <= 1.0).astype(float), law, 1.0)
    assert inside.value == pytest.approx(0, abs=1e-12)
    # 1{t ≤ 3} against the ball of radius 3 ⊇ the support: the zero predictor misses everything, risk 1
    assert radial_risk(lambda t: np.zeros(np.shape(t)), law, 3.0).value == pytest.approx(1.0, abs=1e-10)


def test_an_oscillating_tail_reports_its_quadrature_trouble():
    """D_d's Bessel tail past T = 20 oscillates: quad may stop at its subdivision limit; it then says so
    and its error estimate still bounds the miss against the exact P(1 − P)."""
    law = BesselMixture(4)
    mass = float(law.radius_cdf(1.5))
    risk = radial_risk(lambda t: np.full(np.shape(t), mass), law, 1.5)
    assert abs(risk.value - best_constant_risk(law, 1.5)) <= risk.error < 1e-4
    assert all("(20, inf]" in note for note in risk.notes)
