"""Assumption 6: the ball forms of the radial laws, the proofs for every d, and the verdicts."""

import math

import numpy as np
import pytest
from flint import arb

from theory.core.errors import InputError
from theory.core.verdict import Method, Verdict
from theory.separation import assumption6, balls
from theory.separation.assumption6 import Condition
from theory.separation.laws import BesselMixture, Gaussian, RadialCauchy, RadialLaw, SphereSum

LAWS = [Gaussian(4), Gaussian(8, 1 / 8), RadialCauchy(4), RadialCauchy(16, 0.25), SphereSum(3), SphereSum(6),
        BesselMixture(4), BesselMixture(16)]


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_the_ball_survival_function_contains_scipys(law):
    for x in (0.3, 1.0, 1.9, 2.0, 7.5, 300.0):
        ball = balls.survival(law, x)
        reference = 1.0 - float(law.radius_cdf(x))
        assert abs(float(ball.mid()) - reference) < 1e-8 + 1e-6 * reference
        assert ball.rad() < 1e-20
        assert balls.mass(law, x).overlaps(1 - ball)


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_density_and_tail_bounds_lie_above_the_sampled_maximum_and_close_to_it(law):
    grid = np.linspace(0.9, 2.05, 20001)
    peak = float(np.max(law.radius_pdf(grid)))
    bound = float(balls.density_bound(law, 0.9, 2.05).upper())
    assert peak <= bound <= 1.1 * peak
    x = np.geomspace(1.0, 100.0, 4001)
    sampled = float(np.max(x * (1 - law.radius_cdf(x))))
    tail = float(balls.tail_bound(law, 1.0, 100.0).upper())
    assert sampled <= tail <= 1.1 * sampled


def test_the_proofs_constants_hold_at_certified_values():
    for d in (3, 5, 8, 17, 40, 64):
        assert balls.mass(Gaussian(d, 1 / d), 2).lower() >= 0.75
        cauchy = RadialCauchy(d, 1 / math.sqrt(d))
        assert balls.mass(cauchy, 2).lower() >= math.erfc(0.5) / 2
        assert all((x * balls.survival(cauchy, x)).upper() <= math.sqrt(2 / math.pi)
                   for x in (0.1, 1, 10, 1e4))
        assert balls.mass(RadialCauchy(d), 2).upper() <= 16 / d
        if d > 4:
            assert balls.mass(Gaussian(d), 2).upper() <= 2 * d / (d - 4) ** 2
        if d % 2 == 0:
            assert balls.mass(BesselMixture(d), 2).lower() >= 3 / 8
        proved = assumption6.sphere_sum_bound(d)
        assert balls.density_bound(SphereSum(d), 0.9, 2.0).upper() <= proved.upper() < math.sqrt(d)


def test_the_appendix_step_fails_and_the_corrected_one_holds():
    d, x = 4, math.sqrt(8 / 3)
    value = x ** (d - 2) * (1 - x * x / 4) ** ((d - 3) / 2)
    assert value > 1.5                                      # the stated ≤ 1 fails
    r = np.linspace(0, 2, 10001)
    for d in (3, 4, 7, 30):
        corrected = r ** (d - 2) * (1 - r * r / 4) ** ((d - 3) / 2)
        assert corrected.max() <= 2 and np.allclose(corrected, r * (r * r - r ** 4 / 4) ** ((d - 3) / 2))


@pytest.mark.parametrize("key,verdicts,proven", [
    ("bessel", (Verdict.PROVEN, Verdict.PROVEN, Verdict.PROVEN), False),
    ("sphere-sum", (Verdict.PROVEN, Verdict.REFUTED, Verdict.PROVEN), True),
    ("cauchy-scaled", (Verdict.PROVEN, Verdict.PROVEN, Verdict.PROVEN), False),
    ("cauchy", (Verdict.REFUTED, Verdict.PROVEN, Verdict.REFUTED), False),
    ("gaussian-scaled", (Verdict.PROVEN, Verdict.PROVEN, Verdict.PROVEN), False),
    ("gaussian", (Verdict.REFUTED, Verdict.PROVEN, Verdict.REFUTED), False),
])
def test_each_sequence_gets_its_verdict_per_condition(key, verdicts, proven):
    assessment = assumption6.assess(assumption6.sequence(key), (4, 8, 16, 32))
    assert tuple(f.verdict for f in assessment.deciding) == verdicts
    assert assessment.proven is proven
    assert assessment.verdict is Verdict.all(verdicts)


def test_the_survey_alone_sees_the_failures_the_proofs_establish():
    for key in ("cauchy", "gaussian"):
        surveyed = assumption6.survey(assumption6.sequence(key), (4, 8, 16, 32))
        assert [f.verdict for f in surveyed if f.condition is not Condition.DENSITY] == [Verdict.REFUTED] * 2
        assert all(f.method is Method.NUMERIC and not f.every_d for f in surveyed)


def test_the_constants_found_for_the_bessel_mixture():
    assessment = assumption6.assess(assumption6.sequence("bessel"), (4, 8, 16))
    mass, density, tail = assessment.surveyed
    assert 0.9 < mass.constants["C"] < 1 and assessment.finding(Condition.MASS).constants["C"] == 0.375
    assert 0.2 < tail.constants["c2"] < 0.5 and 0 < density.constants["q_degree"] < 2
    assert "each value certified" in tail.detail


def test_odd_dimensions_of_the_bessel_mixture_fall_back_to_float64():
    with pytest.raises(InputError, match="even d"):
        balls.survival(BesselMixture(5), 1.0)
    (_, _, tail) = assumption6.survey(assumption6.sequence("bessel"), (4, 5, 8))
    assert "float64 elsewhere" in tail.detail


def test_bad_input_names_the_problem():
    with pytest.raises(InputError, match="choose one of bessel, sphere-sum"):
        assumption6.sequence("student")
    with pytest.raises(InputError, match="≥ 3 dimensions"):
        assumption6.survey(assumption6.sequence("bessel"), (4, 8))
    with pytest.raises(InputError, match="start above 0"):
        balls.density_bound(Gaussian(3), 0, 1)
    with pytest.raises(InputError, match="unbounded"):
        balls.density_bound(SphereSum(2), 0.9, 2.05)
    methods = {"radius_pdf": None, "radius_cdf": None, "sample_radius": None}
    uniform = type("Uniform", (RadialLaw,), methods)(3)
    with pytest.raises(InputError, match="no ball-arithmetic form"):
        balls.survival(uniform, arb(1))
