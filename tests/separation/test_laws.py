"""The radial laws of theory.separation.laws: samplers against their distribution functions (KS, with
power), densities against distribution functions, the Bessel CDF table against mpmath, exact edges."""

import math

import mpmath
import numpy as np
import pytest
from scipy import stats

from theory.core.errors import InputError
from theory.separation.laws import (
    TABLE_ERROR,
    BesselMixture,
    Gaussian,
    RadialCauchy,
    SphereSum,
    bessel_cdf_closed,
    bessel_cdf_mp,
    bessel_table,
)

LAWS = [Gaussian(3), Gaussian(2, variance=4), RadialCauchy(1), RadialCauchy(4, scale=2), SphereSum(2),
        SphereSum(4), SphereSum(7), BesselMixture(2), BesselMixture(5), BesselMixture(20, alpha=2)]


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_sampler_passes_ks_and_a_wrong_cdf_fails(law):
    radii = law.sample_radius(4000, np.random.default_rng(6))
    assert stats.kstest(radii, law.radius_cdf).pvalue > 1e-3

    def wrong(r):  # the law of R/1.25: 25 % off in scale
        return law.radius_cdf(np.asarray(r) * 1.25)

    assert stats.kstest(radii, wrong).pvalue < 1e-6


@pytest.mark.parametrize("law", LAWS, ids=repr)
def test_density_is_the_derivative_of_the_cdf(law):
    a, b = 0.3, 1.7
    x, w = np.polynomial.legendre.leggauss(400)
    mass = (law.radius_pdf((b - a) / 2 * x + (a + b) / 2) * w).sum() * (b - a) / 2
    assert mass == pytest.approx(law.radius_cdf(b) - law.radius_cdf(a), abs=1e-7)


@pytest.mark.parametrize("law", [SphereSum(4), SphereSum(9), BesselMixture(3), BesselMixture(6)], ids=repr)
def test_pdf_integrates_to_one_mpmath(law):
    with mpmath.workdps(20):
        if isinstance(law, SphereSum):
            total = mpmath.quad(law.radius_pdf_mp, [0, 1, 2])
        else:   # the mixture's mass on [0, 3], plus its tails beyond 3: Bessel (the table), Gaussian
            total = mpmath.quad(law.radius_pdf_mp, np.linspace(0, 3, 61).tolist()) \
                + (1 - bessel_table(law.nu).cdf(3 * law.k)) / 2 \
                + (1 - Gaussian(law.d, 1 / law.d).radius_cdf(3)) / 2
    assert float(total) == pytest.approx(1, abs=1e-7)


def test_sample_is_radial_with_the_right_radius():
    points = SphereSum(4).sample(3000, np.random.default_rng(2))
    assert points.shape == (3000, 4)
    assert np.abs(points.mean(axis=0)).max() < 0.1                   # symmetric: mean 0 (sd ≈ 0.02)
    assert stats.kstest(np.linalg.norm(points, axis=1), SphereSum(4).radius_cdf).pvalue > 1e-3


def test_sphere_sum_against_simulated_unit_vectors():
    rng = np.random.default_rng(3)
    u, v = (rng.standard_normal((4000, 5)) for _ in range(2))
    radii = np.linalg.norm(u / np.linalg.norm(u, axis=1)[:, None] + v / np.linalg.norm(v, axis=1)[:, None],
                           axis=1)
    assert stats.kstest(radii, SphereSum(5).radius_cdf).pvalue > 1e-3


def test_sphere_sum_exact_edges():
    # d = 2: arcsine law, P[R ≤ r] = (2/π) arcsin(r/2);
    # d = 4: density r²(1 − r²/4)^{1/2}/(4·B(3/2, 3/2)) = (2/π) r² √(1 − r²/4)
    r = np.array([0.0, 0.5, 1.0, 2 * math.sin(math.pi / 8), 2.0])
    assert SphereSum(2).radius_cdf(r) == pytest.approx(2 / math.pi * np.arcsin(r / 2), abs=1e-14)
    assert SphereSum(4).radius_pdf(1.0) == pytest.approx(2 / math.pi * math.sqrt(0.75), rel=1e-13)
    assert SphereSum(4).radius_cdf([0.0, 2.0, 2.5]).tolist() == [0.0, 1.0, 1.0]
    # uniform on [0, 2]
    assert SphereSum(3).radius_pdf([0.0, 1.0, 2.0, 2.1]) == pytest.approx([0, 0.5, 0, 0], abs=1e-14)


@pytest.mark.parametrize("nu", [1, 2, 5])
def test_bessel_closed_form_cdf_is_the_integral(nu):
    with mpmath.workdps(25):
        for s in (0.4, 3.0, 12.5):
            assert abs(bessel_cdf_closed(s, nu) - bessel_cdf_mp(s, nu)) < 1e-20
        assert abs(bessel_cdf_closed(0, nu)) == 0


@pytest.mark.parametrize("nu", [1, 1.5, 3, 10])
def test_bessel_table_error_within_the_stated_bound(nu):
    table, rng = bessel_table(nu), np.random.default_rng(int(2 * nu))
    far = rng.uniform(40, 19_000, 3) if nu == int(nu) else []     # mpmath quadrature only on short ranges
    points = np.concatenate([rng.uniform(0, 40, 6), far])
    with mpmath.workdps(20):
        exact = [bessel_cdf_closed(s, int(nu)) if nu == int(nu) else bessel_cdf_mp(s, nu) for s in points]
    assert max(abs(float(table.cdf(s)) - float(e)) for s, e in zip(points, exact, strict=True)) < TABLE_ERROR
    assert table.normalisation_gap < 1e-7                     # the tabulated mass + the 1/s tail = 1


def test_bessel_quantile_inverts_the_table():
    table = bessel_table(2.5)
    u = np.array([1e-9, 0.1, 0.5, 0.9, 0.999, 1 - 1e-6])
    assert table.cdf(table.quantile(u)) == pytest.approx(u, abs=1e-10)


def test_bessel_mixture_has_a_one_over_t_tail():
    law = BesselMixture(4)
    t = np.array([1e3, 1e4])
    assert (1 - law.radius_cdf(t)) * t == pytest.approx(law.d / (2 * math.pi * law.k), rel=2e-2)


@pytest.mark.parametrize("make, message", [
    (lambda: Gaussian(0), "d must be an integer ≥ 1"), (lambda: SphereSum(1), "d must be an integer ≥ 2"),
    (lambda: Gaussian(2.5), "d must be an integer"), (lambda: Gaussian(2, variance=0), "variance"),
    (lambda: RadialCauchy(2, scale=-1), "scale"), (lambda: BesselMixture(3, alpha=float("nan")), "alpha"),
    (lambda: Gaussian(2).sample(-1, np.random.default_rng()), "n must be")])
def test_bad_input_is_an_input_error(make, message):
    with pytest.raises(InputError, match=message):
        make()
