r"""Radial laws on ℝ^d: x = R·θ with θ uniform on the unit sphere and R ≥ 0 independent of θ.

Each law is an object with the law of its radius R = ‖x‖ (density ``radius_pdf``, distribution
function ``radius_cdf``, float64 arrays in and out) and seeded samplers (``sample_radius``,
``sample``; ``rng`` a :class:`numpy.random.Generator`).

==================  ==========================================================================
 law                 radius R
==================  ==========================================================================
 ``Gaussian``        N(0, σ²I): R²/σ² ~ χ²_d
 ``RadialCauchy``    multivariate Cauchy (Student t, one degree of freedom) with scale s:
                     x = s·z/abs(g), z ~ N(0, I_d), g ~ N(0, 1), so R²/(d s²) ~ F(d, 1);
                     P[R ≥ t] ~ s·E‖z‖·√(2/π)/t as t → ∞
 ``BesselMixture``   D_d of Safran–Lee Eq. (4): ½ μ̄_d + ½ N(0, I/d), with the Bessel density
                     μ̄_d(x) = (R_d/‖x‖)^d J_{d/2}²(2πα√d R_d ‖x‖) of Eq. (3)
 ``SphereSum``       D′_d of Eq. (5): u + v, u, v independent uniform on S^{d−1}
==================  ==========================================================================

Radius of the Bessel part. R_d = Γ(d/2 + 1)^{1/d}/√π is the radius of the unit-volume ball and
k = 2πα√d R_d. With s = kR, the radius density of μ̄_d becomes (surface area(S^{d−1}) = 2π^{d/2}/Γ(d/2),
area(S^{d−1}) R_d^d = d)

    g(s) = d · J_ν(s)²/s,  ν = d/2,

a probability density since ∫₀^∞ J_ν(t)²/t dt = 1/(2ν) (a Weber–Schafheitlin integral; for even d
exactly by the closed form :func:`bessel_cdf_closed`, for odd d checked by the table's total). Its tail is
d/(πs) + O(ν²/s²), so P[R ≥ t] ~ d/(πkt): a 1/t tail.

Radius of the sphere sum. With t = ⟨u, v⟩, of density ∝ (1 − t²)^{(d−3)/2} on [−1, 1], R² = 2 + 2t, so
R²/4 = (1 + t)/2 ~ Beta((d−1)/2, (d−1)/2) and, on [0, 2],

    P[R ≤ r] = I_{r²/4}((d−1)/2, (d−1)/2),
    f(r) = r^{d−2}(1 − r²/4)^{(d−3)/2} / (2^{d−2} B((d−1)/2, (d−1)/2)).

For d = 2 the density is unbounded at r = 2 (an arcsine law); for d = 3, R is uniform on [0, 2].
"""

from __future__ import annotations

import abc
import functools
import math

import mpmath
import numpy as np
from scipy import special, stats
from scipy.interpolate import CubicHermiteSpline

from theory.core import validators


class RadialLaw(abc.ABC):
    """A rotation-invariant law on ℝ^d, given by the law of its radius."""

    name: str = ""
    latex: str = ""
    #: The radius is at most this (∞: the density is positive on the whole of (0, ∞)).
    support_end: float = math.inf

    def __init__(self, d: int, low: int = 1):
        self.d = validators.count(d, "d", low)

    @abc.abstractmethod
    def radius_pdf(self, r) -> np.ndarray:
        """Density of ‖x‖ at r (0 for r < 0)."""

    @abc.abstractmethod
    def radius_cdf(self, r) -> np.ndarray:
        """P[‖x‖ ≤ r]."""

    @abc.abstractmethod
    def sample_radius(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n independent radii."""

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n independent points, shape (n, d): radius × a uniform direction (a normalised Gaussian)."""
        n = validators.count(n, "n", 0)
        directions = rng.standard_normal((n, self.d))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        return self.sample_radius(n, rng)[:, None] * directions

    def __repr__(self) -> str:
        return f"{type(self).__name__}(d={self.d})"


def _radii(r) -> np.ndarray:
    return np.asarray(r, dtype=float)


class Gaussian(RadialLaw):
    """N(0, variance·I_d): ‖x‖²/variance ~ χ²_d."""

    def __init__(self, d: int, variance: float = 1.0):
        super().__init__(d)
        self.variance = validators.positive(variance, "variance")
        self.name, self.latex = f"N(0, {variance:g} I_{d})", rf"\mathcal N(0, {variance:g} I_{{{d}}})"

    @functools.cached_property
    def _chi(self):
        return stats.chi(self.d, scale=math.sqrt(self.variance))

    def radius_pdf(self, r):
        return self._chi.pdf(_radii(r))

    def radius_cdf(self, r):
        return self._chi.cdf(_radii(r))

    def sample_radius(self, n, rng):
        return np.sqrt(self.variance * rng.chisquare(self.d, validators.count(n, "n", 0)))


class RadialCauchy(RadialLaw):
    """The multivariate Cauchy law s·z/abs(g) (z ~ N(0, I_d), g ~ N(0, 1)): ‖x‖²/(d s²) ~ F(d, 1)."""

    def __init__(self, d: int, scale: float = 1.0):
        super().__init__(d)
        self.scale = validators.positive(scale, "scale")
        self.name, self.latex = f"Cauchy_{d}(scale {scale:g})", rf"\mathrm{{Cauchy}}_{{{d}}}({scale:g})"

    def _fisher(self):
        return stats.f(self.d, 1, scale=self.d * self.scale ** 2)

    def radius_pdf(self, r):
        r = _radii(r)
        return np.where(r > 0, 2 * r * self._fisher().pdf(r * r), 0.0)

    def radius_cdf(self, r):
        r = _radii(r)
        return np.where(r > 0, self._fisher().cdf(np.where(r > 0, r, 0.0) ** 2), 0.0)

    def sample_radius(self, n, rng):
        n = validators.count(n, "n", 0)
        return self.scale * np.sqrt(rng.chisquare(self.d, n)) / np.abs(rng.standard_normal(n))


class SphereSum(RadialLaw):
    """D′_d: u + v with u, v independent uniform on S^{d−1} (d ≥ 2); ‖u + v‖²/4 ~ Beta((d−1)/2, (d−1)/2)."""

    support_end = 2.0

    def __init__(self, d: int):
        super().__init__(d, low=2)
        self.name, self.latex = f"D'_{d}", rf"\mathcal D'_{{{d}}}"
        self._beta = stats.beta((d - 1) / 2, (d - 1) / 2, scale=4)

    def radius_pdf(self, r):
        r = _radii(r)
        inside = (r > 0) & (r < 2)
        return np.where(inside, 2 * r * self._beta.pdf(np.where(inside, r * r, 1.0)), 0.0)

    def radius_pdf_mp(self, r) -> mpmath.mpf:
        """The radius density at working precision: r^{d−2}(1 − r²/4)^{(d−3)/2} / (2^{d−2} B(a, a)),
        a = (d−1)/2."""
        r, a = mpmath.mpf(r), mpmath.mpf(self.d - 1) / 2
        if not 0 < r < 2:
            return mpmath.mpf(0)
        return r ** (self.d - 2) * (1 - r ** 2 / 4) ** (a - 1) / (2 ** (self.d - 2) * mpmath.beta(a, a))

    def radius_cdf(self, r):
        r = np.clip(_radii(r), 0.0, 2.0)
        return self._beta.cdf(r * r)

    def sample_radius(self, n, rng):
        return np.sqrt(self._beta.rvs(size=validators.count(n, "n", 0), random_state=rng))


# ---- the Bessel density of Eq. (3) ------------------------------------------------------------

#: Cell widths of the CDF table in s = kR: fine up to FINE_END(ν), coarse up to TABLE_END.
FINE_STEP, COARSE_STEP = math.pi / 64, math.pi / 16
TABLE_END = 20_000.0
#: Gauss–Legendre nodes per cell for the cumulative integral.
CELL_NODES = 12
#: Stated bound on the table's CDF error abs(G_table − G) (measured below it at random points, tested).
TABLE_ERROR = 1e-8


def fine_end(nu: float) -> float:
    """End of the fine part of the table: past the bulk, where J_ν² is in its oscillating regime."""
    return 4 * nu + 200.0


def bessel_density(s, nu: float) -> np.ndarray:
    """g(s) = 2ν J_ν(s)²/s, the law of s = kR under μ̄_d (ν = d/2; g(0) = 0 for ν > 1/2, 2/π for ν = 1/2)."""
    s = np.asarray(s, dtype=float)
    safe = np.where(s > 0, s, 1.0)
    at_zero = 2 / math.pi if nu == 0.5 else 0.0
    return np.where(s > 0, 2 * nu * special.jv(nu, safe) ** 2 / safe, at_zero)


def bessel_density_mp(s, nu) -> mpmath.mpf:
    """g(s) at mpmath's working precision."""
    s, nu = mpmath.mpf(s), mpmath.mpf(nu)
    return 2 * nu * mpmath.besselj(nu, s) ** 2 / s if s > 0 else mpmath.mpf(0)


def bessel_cdf_mp(s, nu) -> mpmath.mpf:
    """G(s) = ∫₀^s g by mpmath quadrature (split at multiples of π)."""
    s = mpmath.mpf(s)
    points = [mpmath.mpf(0), *(mpmath.pi * j for j in range(1, int(s / mpmath.pi) + 1)), s]
    return mpmath.quad(lambda t: bessel_density_mp(t, nu), points)


def bessel_cdf_closed(s, nu: int) -> mpmath.mpf:
    """G(s) for integer ν (even d), in closed form: 1 − J₀(s)² − 2 Σ_{k=1}^{ν−1} J_k(s)² − J_ν(s)².

    Its s-derivative telescopes (J_k′ = (J_{k−1} − J_{k+1})/2) to J_ν(J_{ν−1} + J_{ν+1}) = 2νJ_ν²/s = g,
    it vanishes at s = 0 and tends to 1 as s → ∞: so g is normalised, exactly, for even d.
    """
    s = mpmath.mpf(s)
    return 1 - mpmath.besselj(0, s) ** 2 - 2 * mpmath.fsum(mpmath.besselj(k, s) ** 2 for k in range(1, nu)) \
        - mpmath.besselj(nu, s) ** 2


class BesselTable:
    """G(s) = ∫₀^s g tabulated at cell ends (Gauss–Legendre in each cell), interpolated by a cubic
    Hermite spline with the exact slopes g; beyond TABLE_END a Pareto tail with the same mass,
    1 − G(s) ≈ (1 − G(S))·S/s (the tail is d/(πs) + O(ν²/s²)).

    Interpolation error: the Hermite remainder is at most h⁴/384 · max abs(g''') per cell; measured
    against :func:`bessel_cdf_mp` at random points it is below ``TABLE_ERROR`` (tests/separation),
    and the table's own total G(TABLE_END) + tail differs from 1 by ``normalisation_gap``.
    """

    def __init__(self, nu: float):
        self.nu = nu
        edges = np.unique(np.concatenate([np.arange(0.0, fine_end(nu), FINE_STEP),
                                          np.arange(fine_end(nu), TABLE_END, COARSE_STEP), [TABLE_END]]))
        x, w = np.polynomial.legendre.leggauss(CELL_NODES)
        left, width = edges[:-1, None], np.diff(edges)[:, None]
        nodes = left + width * (x + 1) / 2
        cells = (bessel_density(nodes, nu) * w).sum(axis=1) * np.diff(edges) / 2
        self.edges = edges
        self.values = np.concatenate([[0.0], np.cumsum(cells)])
        self.spline = CubicHermiteSpline(edges, self.values, bessel_density(edges, nu))
        self.tail_mass = 1.0 - self.values[-1]
        # the tail 2ν∫_S^∞ J²/t = 2ν/(πS)(1 + O(ν²/S)); the table's complement should match it
        self.normalisation_gap = abs(self.tail_mass - 2 * nu / (math.pi * TABLE_END))

    def cdf(self, s) -> np.ndarray:
        s = np.asarray(s, dtype=float)
        inside = np.clip(s, 0.0, TABLE_END)
        tail = 1.0 - self.tail_mass * TABLE_END / np.where(s > TABLE_END, s, TABLE_END)
        return np.where(s > TABLE_END, tail, np.where(s > 0, self.spline(inside), 0.0))

    def quantile(self, u) -> np.ndarray:
        """G⁻¹(u): linear inverse interpolation on the table, then Newton steps on the spline."""
        u = np.asarray(u, dtype=float)
        inside = u < self.values[-1]
        s = np.interp(np.where(inside, u, 0.0), self.values, self.edges)
        for _ in range(4):
            slope = np.maximum(bessel_density(s, self.nu), 1e-300)
            s = np.clip(s - (self.spline(s) - u) / slope, self.edges[0], TABLE_END)
        tail = TABLE_END * self.tail_mass / np.maximum(1.0 - u, 1e-300)
        return np.where(inside, s, tail)


@functools.lru_cache(maxsize=16)
def bessel_table(nu: float) -> BesselTable:
    """The (cached) CDF table of g for order ν."""
    return BesselTable(nu)


class BesselMixture(RadialLaw):
    """D_d of Safran–Lee Eq. (4): ½ μ̄_d + ½ N(0, I_d/d), μ̄_d the Bessel density of Eq. (3) with
    the constant α (Eldan–Shamir's absolute constant, α ≥ 1 in the paper; a parameter here)."""

    def __init__(self, d: int, alpha: float = 1.0):
        super().__init__(d)
        self.alpha = validators.positive(alpha, "alpha")
        self.nu = d / 2
        unit_ball_radius = math.exp(math.lgamma(d / 2 + 1) / d) / math.sqrt(math.pi)
        #: s = k·R maps the Bessel radius to the law g
        self.k = 2 * math.pi * self.alpha * math.sqrt(d) * unit_ball_radius
        self.name, self.latex = f"D_{d} (alpha {alpha:g})", rf"\mathcal D_{{{d}}}"
        self._gauss = Gaussian(d, 1.0 / d)

    def bessel_radius_pdf(self, r) -> np.ndarray:
        """The radius density of μ̄_d alone: k·g(k r)."""
        r = _radii(r)
        return np.where(r > 0, self.k * bessel_density(self.k * np.abs(r), self.nu), 0.0)

    def radius_pdf(self, r):
        return 0.5 * self.bessel_radius_pdf(r) + 0.5 * self._gauss.radius_pdf(r)

    def radius_pdf_mp(self, r) -> mpmath.mpf:
        """The radius density at working precision (k recomputed in mpmath)."""
        r, d = mpmath.mpf(r), self.d
        k = 2 * mpmath.pi * mpmath.mpf(self.alpha) * mpmath.sqrt(d) * mpmath.gamma(mpmath.mpf(d) / 2 + 1) ** (
            mpmath.mpf(1) / d) / mpmath.sqrt(mpmath.pi)
        if r <= 0:
            return mpmath.mpf(0)
        chi = 2 * (mpmath.mpf(d) / 2) ** (mpmath.mpf(d) / 2) * r ** (d - 1) * mpmath.exp(-d * r ** 2 / 2) / \
            mpmath.gamma(mpmath.mpf(d) / 2)
        return (k * bessel_density_mp(k * r, mpmath.mpf(d) / 2) + chi) / 2

    def radius_cdf(self, r):
        r = _radii(r)
        return 0.5 * bessel_table(self.nu).cdf(self.k * r) + 0.5 * self._gauss.radius_cdf(r)

    def sample_radius(self, n, rng):
        n = validators.count(n, "n", 0)
        bessel = rng.random(n) < 0.5
        radii = self._gauss.sample_radius(n, rng)
        radii[bessel] = bessel_table(self.nu).quantile(rng.random(int(bessel.sum()))) / self.k
        return radii
