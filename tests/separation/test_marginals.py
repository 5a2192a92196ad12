"""The random features' 2-D marginals: bases of a span, the averaged sampler against literal draws of
U and B, the exact e₁, e₂ marginal against the sampler, Clopper–Pearson cell bounds, the frozen-layer gap."""

import math

import numpy as np
import pytest
from scipy import stats
from scipy.integrate import quad
from scipy.special import erf

from theory.core.errors import InputError
from theory.separation.laws import Gaussian, RadialCauchy, SphereSum
from theory.separation.marginals import (
    ALPHA,
    Cells,
    Pair,
    averaged_sample,
    beta_bound,
    conditional_density,
    density_bounds,
    frozen_sample,
    frozen_support_gap,
    pair_density,
    span_basis,
    stratum_radii,
)
from theory.separation.strong import RandomFeatures


def test_a_basis_is_orthonormal_and_spans_the_pair():
    rng = np.random.default_rng(0)
    w1, w2 = rng.standard_normal(7), rng.standard_normal(7)
    Q = span_basis(w1, w2)
    assert np.allclose(Q.T @ Q, np.eye(2), atol=1e-12)
    assert np.allclose(Q @ (Q.T @ w1), w1) and np.allclose(Q @ (Q.T @ w2), w2)


def test_a_nearly_parallel_pair_spans_the_same_plane_as_its_difference():
    rng = np.random.default_rng(1)
    w1, w2 = Pair.NEARLY_PARALLEL.vectors(16, rng)
    Q, R = span_basis(w1, w2), span_basis(w1, (w2 - w1))
    assert np.allclose(Q @ Q.T, R @ R.T, atol=1e-6)     # the same projection, to the loss of 8 digits


@pytest.mark.parametrize("w1, w2", [(np.ones(1), 2 * np.ones(1)), (np.eye(3)[0], 3 * np.eye(3)[0]),
                                    (np.zeros(3), np.eye(3)[1])])
def test_dependent_pairs_are_refused(w1, w2):
    with pytest.raises(InputError, match="line"):
        span_basis(w1, w2)


@pytest.mark.parametrize("t", [0.0, 0.5, 1.0, 3.0, 30.0])
def test_the_conditional_density_is_the_law_of_erf_of_a_normal(t):
    """With z = erf(y), f(z | t)·erf′(y) is the N(0, (1 + t²)/4) density of the pre-activation y; at t = 1
    f is ½ on (−1, 1): uniform there, not on [−½, ½] as Appendix E says."""
    y = np.linspace(-3, 3, 61)      # erf⁻¹(erf y) keeps ~8 digits at |y| = 3
    pulled_back = conditional_density(erf(y), t) * 2 / math.sqrt(math.pi) * np.exp(-y * y)
    assert np.allclose(pulled_back, stats.norm(scale=math.sqrt(1 + t * t) / 2).pdf(y), rtol=1e-6, atol=0)
    total, _ = quad(lambda z: float(conditional_density(z, 0.5)), -1, 1)
    assert total == pytest.approx(1, abs=1e-8)
    if t == 1.0:
        assert np.allclose(conditional_density(np.linspace(-0.99, 0.99, 9), 1.0), 0.5)


def test_the_averaged_sampler_is_the_law_of_literal_draws_of_u_and_b():
    """z from radii alone (Lemma 20) against erf(⟨U_j, x⟩ + B_j) with U, B drawn afresh per point: a
    two-sample KS test does not separate them, and does separate a sampler with the wrong scale."""
    law, n, r, d = Gaussian(3), 20_000, 3, 3
    rng = np.random.default_rng(2)
    X = law.sample(n, rng)
    U, B = rng.normal(scale=0.5, size=(n, r, d)), rng.normal(scale=0.5, size=(n, r))
    literal = erf(np.einsum("nrd,nd->nr", U, X) + B)
    basis = span_basis(np.array([1.0, 1.0, 0.0]), np.array([0.0, 1.0, 2.0]))
    radii = law.sample_radius(n, rng)
    ours = averaged_sample(basis, radii, rng)
    wrong = averaged_sample(basis, 2 * np.sqrt(radii ** 2 + 3) / 2, rng)
    for k in range(2):
        assert stats.ks_2samp((literal @ basis)[:, k], ours[:, k]).pvalue > 1e-3
        assert stats.ks_2samp((literal @ basis)[:, k], wrong[:, k]).pvalue < 1e-6


@pytest.mark.parametrize("law", [SphereSum(4), RadialCauchy(2)], ids=repr)
def test_the_exact_pair_density_lies_in_every_cell_bound_and_a_wrong_one_does_not(law):
    """The e₁, e₂ marginal by quadrature (nearly flat on the disc: its cell averages are its values at the
    cells' points to 1 %) against the sampler's 95 % simultaneous bounds; 1.5 × the density is excluded."""
    cells, rng = Cells(2, 6), np.random.default_rng(3)
    Z = averaged_sample(np.eye(2), law.sample_radius(400_000, rng), rng)
    bounds = density_bounds([(1.0, Z)], cells)
    exact = pair_density(cells.centres(), law)
    assert exact.error < 1e-6 and np.ptp(exact.values) < 0.01 * exact.values.min()
    assert np.all((bounds.low <= exact.values) & (exact.values <= bounds.high + exact.tail))
    assert np.any(1.5 * exact.values > bounds.high)


def test_cells_partition_the_disc_into_equal_areas():
    cells, rng = Cells(3, 5), np.random.default_rng(4)
    Z = rng.uniform(-ALPHA, ALPHA, size=(200_000, 2))
    index = cells.index(Z)
    inside = np.hypot(*Z.T) <= ALPHA
    assert np.array_equal(index >= 0, inside) and set(index[inside]) == set(range(cells.count))
    counts = np.bincount(index[inside])
    assert stats.chisquare(counts).pvalue > 1e-3                          # equal areas
    assert np.array_equal(cells.index(cells.centres()), np.arange(cells.count))


def test_bounds_cover_a_known_density_and_strata_add_with_their_weights():
    """Uniform on the square [−α, α]² has density 1/(4α²) on the disc; a 30/70 mixture of it with a
    uniform law on twice the square has density 0.3/(4α²) + 0.7/(16α²). Over 200 seeds every cell's
    bounds hold together at least at the stated 95 % (up to a binomial 3σ margin); 20 % too high is
    excluded in most cells."""
    one, mixed = 1 / (4 * ALPHA ** 2), 0.3 / (4 * ALPHA ** 2) + 0.7 / (16 * ALPHA ** 2)
    covered, excluded = [], []
    for seed in range(200):
        rng = np.random.default_rng(seed)

        def square(n, s, rng=rng):
            return rng.uniform(-s * ALPHA, s * ALPHA, size=(n, 2))

        plain = density_bounds([(1.0, square(20_000, 1))])
        both = density_bounds([(0.3, square(20_000, 1)), (0.7, square(20_000, 2))])
        covered.append(bool(np.all((plain.low <= one) & (one <= plain.high))
                            and np.all((both.low <= mixed) & (mixed <= both.high))))
        excluded.append(np.mean(both.high < 1.2 * mixed))
    assert np.mean(covered) >= 0.95 - 3 * math.sqrt(0.95 * 0.05 / 200)
    assert np.mean(excluded) > 0.5


def test_a_larger_family_widens_the_bounds():
    Z = np.random.default_rng(5).uniform(-ALPHA, ALPHA, size=(50_000, 2))
    assert density_bounds([(1.0, Z)], family=10**4).smallest_low < density_bounds([(1.0, Z)]).smallest_low


def test_stratum_radii_are_conditioned_and_scarce_strata_refused():
    radii = stratum_radii(RadialCauchy(16), 5000, np.random.default_rng(6), 0.0, 2.0)
    assert len(radii) == 5000 and radii.max() <= 2.0
    with pytest.raises(InputError, match="mass"):
        stratum_radii(SphereSum(4), 10, np.random.default_rng(0), 2.0)


def test_a_frozen_layer_whose_disc_misses_the_support_has_no_mass_there():
    """erf(x + b) near 0 needs x ≈ −b: with ‖b‖ = 3 that is outside D′_d's ball of radius 2, so the gap is
    positive and no point lands in the disc; with b = 0 the gap is negative and points do land."""
    far, near = RandomFeatures(np.eye(2), np.array([3.0, 0.0])), RandomFeatures(np.eye(2), np.zeros(2))
    assert frozen_support_gap(far, 2.0) > 0 > frozen_support_gap(near, 2.0)
    rng = np.random.default_rng(7)

    def count(layer):
        return int((np.hypot(*frozen_sample(layer, SphereSum(2), np.eye(2), 50_000, rng).T) <= ALPHA).sum())

    assert count(far) == 0 and count(near) > 100
    with pytest.raises(InputError, match="two features"):
        frozen_support_gap(RandomFeatures(np.eye(3), np.zeros(3)), 2.0)


def test_beta_is_c_times_ten_to_the_minus_six():
    assert beta_bound(SphereSum(5)) == pytest.approx(1e-6)
    assert beta_bound(Gaussian(2)) == pytest.approx(1e-6 * (1 - math.exp(-2)))
