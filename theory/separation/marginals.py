r"""Two-dimensional marginals of the random features (Safran & Lee, Theorem 10 and Appendix E).

The features of Assumption 7 are :math:`\tilde x_j = \operatorname{erf}(\langle U_j, x\rangle + B_j)`,
:math:`U_j \sim N(0, I_d/4)`, :math:`B_j \sim N(0, 1/4)`, x from a radial law. For w₁, w₂ ∈ ℝ^r
spanning a plane with orthonormal basis Q (r × 2), the marginal of x̃ on the plane is the law of
:math:`z = Q^\top\tilde x \in \mathbb R^2`; Theorem 10 bounds its density below by β = C·10⁻⁶ on the disc
‖z‖ ≤ α = 1/9, C = P[‖x‖ ≤ 2]. The marginal depends on the span only, not on w₁, w₂.

Two readings of "the law of x̃" are sampled here:

- **averaged** (the proof's): x, U and B all random. Given ‖x‖ = t, ⟨U_j, x⟩ + B_j ~ N(0, (1 + t²)/4)
  independently over j, so x̃_j = erf(s ξ_j), s = √(1 + t²)/2, ξ ~ N(0, I_r), and x̃_j has density

  .. math:: f(z \mid t) = \frac{\exp\!\big(\operatorname{erf}^{-1}(z)^2 (1 - \tfrac{2}{1 + t^2})\big)}
     {\sqrt{2 + 2t^2}}, \qquad z \in (-1, 1),

  (the paper's Eq. (40)); for w₁ = e₁, w₂ = e₂ the marginal density is exactly
  :math:`p(z) = \int_0^\infty f(z_1 \mid t) f(z_2 \mid t)\, \gamma(t)\, dt` (:func:`pair_density`).
- **frozen** (how Proposition 11 uses it, for the features of one network): U, B drawn once and held,
  x alone random (:func:`frozen_sample`). For two features, z = erf(U x + b) with U of full rank 2 lies
  in the disc only if ‖x‖ ≥ ‖U⁺b‖ − ‖U⁺‖ erf⁻¹(α) (as ‖erf⁻¹(z)‖ ≤ erf⁻¹(α) on the disc, erf⁻¹(t)/t
  increasing); past the support of a compactly supported law the density is then 0 on the whole disc
  (:func:`frozen_support_gap`).

Density bounds. The disc is partitioned into equal-area polar cells (:class:`Cells`); the count of n
points in a cell is Binomial(n, P), P the cell's mass, and P/area is the **average** density over the
cell. One-sided Clopper–Pearson bounds (``scipy.stats.beta``) at level 1 − δ/(2m) on each side, m the
family of cells (Bonferroni), give :class:`DensityBounds`, all of them true together with probability
≥ 1 − δ. Strata of the radius (‖x‖ ≤ 2 and ‖x‖ > 2, of known probabilities) are sampled apart and
their bounds added with these weights (the Bonferroni family grows by the number of strata): a
heavy-tailed law then still has many points in the disc. A lower bound above β says the cell average
is above β, not the density at every point; an upper bound below β says the density is below β
somewhere in the cell (the infimum is at most the average), which refutes the bound.

>>> import numpy as np
>>> Q = span_basis(np.array([1.0, 0.0, 0.0]), np.array([1.0, 1e-9, 0.0]))
>>> np.abs(Q).round(6).T.tolist()
[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from ..core import validators
from ..core.choices import Choice
from ..core.errors import InputError
from .strong import ALPHA, BETA_PER_C, RandomFeatures

#: Largest number of float64 feature entries (points × features) one sample holds.
SAMPLE_ENTRIES = 2**23
#: A pair of directions is refused as dependent when σ_min/σ_max of [w₁ w₂] is below this.
DEPENDENT = 1e-12
#: Nearly parallel pairs: w₂ = w₁ + TINY·v.
TINY = 1e-8
#: Upper end of the radius quadrature in :func:`pair_density`; the tail beyond is bounded, not computed.
CUTOFF = 20.0


def beta_bound(law) -> float:
    """β = C·10⁻⁶ with C = P[‖x‖ ≤ 2] (Assumption 6(1) for this law)."""
    return BETA_PER_C * float(law.radius_cdf(2.0))


def span_basis(w1, w2) -> np.ndarray:
    """An orthonormal basis (r × 2, by QR) of span(w₁, w₂); :class:`InputError` when the span is a line."""
    W = np.column_stack([np.asarray(w1, dtype=float), np.asarray(w2, dtype=float)])
    if W.ndim != 2 or W.shape[0] < 2:
        raise InputError(f"w1 and w2 must be vectors of one length r ≥ 2, got shape {W.shape[:1]}: for r = 1 "
                         "every span is a line and the marginal has no density on ℝ²")
    singular = np.linalg.svd(W, compute_uv=False)
    if not np.all(np.isfinite(W)) or singular[-1] <= DEPENDENT * singular[0]:
        raise InputError("w1 and w2 are linearly dependent: their span is a line, so the marginal of x̃ on it "
                         "has no density on ℝ²")
    return np.linalg.qr(W)[0]


class Pair(Choice):
    """The directions (w₁, w₂) of a check, for a width r ≥ 2."""

    SINGLE_FEATURES = "e1, e2"
    MEAN_FEATURE = "1/sqrt(r), e1"
    RANDOM = "random"
    NEARLY_PARALLEL = "w, w + 1e-8 v"

    def vectors(self, r: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        eye = np.eye(r)
        if self is Pair.SINGLE_FEATURES:
            return eye[0], eye[1]
        if self is Pair.MEAN_FEATURE:
            return np.ones(r) / math.sqrt(r), eye[0]
        w, v = rng.standard_normal(r), rng.standard_normal(r)
        return (w, v) if self is Pair.RANDOM else (w, w + TINY * v)


def conditional_density(z, t) -> np.ndarray:
    """f(z | t) of Eq. (40): the density of one averaged feature given ‖x‖ = t (0 outside (−1, 1))."""
    z, t = np.asarray(z, dtype=float), np.asarray(t, dtype=float)
    inside = np.abs(z) < 1
    y = special.erfinv(np.where(inside, z, 0.0))
    return np.where(inside, np.exp(y * y * (1 - 2 / (1 + t * t))) / np.sqrt(2 + 2 * t * t), 0.0)


@dataclass(frozen=True)
class Quadrature:
    """∫₀^end of a density at each point (``values``), quad_vec's ``error`` estimate (for all points
    together), and a bound on the rest beyond ``end`` at each point (``tail``)."""

    values: np.ndarray
    error: float
    tail: np.ndarray


def pair_density(Z: np.ndarray, law, cutoff: float = CUTOFF) -> Quadrature:
    """p(z) = ∫₀^∞ f(z₁ | t) f(z₂ | t) γ(t) dt at the rows of ``Z``: the averaged marginal on span(e₁, e₂).

    One adaptive quadrature for all points (``scipy.integrate.quad_vec``, split at 1 and 2) up to
    ``cutoff`` or the end of the law's support; the integrand is ≥ 0, so ``values`` are lower bounds up
    to the error estimate. The rest is at most P[‖x‖ > end]·exp(erf⁻¹(z₁)² + erf⁻¹(z₂)²)/(2 + 2 end²),
    as f(z | t) ≤ exp(erf⁻¹(z)²)/√(2 + 2t²).
    """
    from scipy.integrate import quad_vec

    Z = np.atleast_2d(np.asarray(Z, dtype=float))
    end = min(cutoff, law.support_end)
    values, error = quad_vec(lambda t: conditional_density(Z[:, 0], t) * conditional_density(Z[:, 1], t)
                             * float(law.radius_pdf(t)), 0.0, end, points=[p for p in (1.0, 2.0) if p < end],
                             epsabs=1e-9, epsrel=1e-7, limit=2000)
    peak = np.exp(special.erfinv(Z[:, 0]) ** 2 + special.erfinv(Z[:, 1]) ** 2) / (2 + 2 * end ** 2)
    return Quadrature(values, float(error), float(1 - law.radius_cdf(end)) * peak)


def stratum_radii(law, n: int, rng: np.random.Generator, low: float = 0.0,
                  high: float = math.inf) -> np.ndarray:
    """n radii of ``law`` conditioned on low < R ≤ high, by rejection (refused below mass 10⁻⁴)."""
    upper = law.radius_cdf(high) if math.isfinite(high) else 1
    mass = float(upper - law.radius_cdf(low))
    if mass < 1e-4:
        raise InputError(f"the radius of {law.name} has mass {mass:.2g} in ({low:g}, {high:g}]: "
                         "too little to sample")
    kept, total = [], 0
    while total < n:
        radii = law.sample_radius(int(1.2 * (n - total) / mass) + 16, rng)
        radii = radii[(radii > low) & (radii <= high)]
        kept.append(radii)
        total += len(radii)
    return np.concatenate(kept)[:n]


def averaged_sample(basis: np.ndarray, radii: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Points z = Qᵀx̃ (n × 2) of the averaged reading, one for each radius ‖x‖ in ``radii``, U and B fresh.

    Only the features where Q has a non-zero row are drawn (given ‖x‖ they are i.i.d. erf(sξ),
    s = √(1 + ‖x‖²)/2); the others do not move z.
    """
    rows = np.flatnonzero(np.any(basis != 0, axis=1))
    scale = np.sqrt(1 + np.asarray(radii, dtype=float) ** 2) / 2
    return special.erf(scale[:, None] * rng.standard_normal((len(scale), len(rows)))) @ basis[rows]


def frozen_sample(features: RandomFeatures, law, basis: np.ndarray, n: int,
                  rng: np.random.Generator) -> np.ndarray:
    """n points z = Qᵀ erf(U x + b) (n × 2) of the frozen reading: the layer fixed, x ~ law."""
    return features(law.sample(validators.count(n, "n", 1), rng)) @ basis


def frozen_support_gap(features: RandomFeatures, support: float) -> float:
    """For a layer of two features: ‖U⁺b‖ − ‖U⁺‖·erf⁻¹(α) − ``support``.

    Positive means every x with erf(U x + b) in the disc ‖z‖ ≤ α has ‖x‖ > ``support``: a law carried
    by the ball of that radius puts no mass near the disc, the marginal density is 0 there.
    """
    if features.width != 2:
        raise InputError(f"the support gap is for a layer of two features, got {features.width}")
    pseudo = np.linalg.pinv(features.U)
    return float(np.linalg.norm(pseudo @ features.b) - np.linalg.norm(pseudo, 2) * special.erfinv(ALPHA)
                 - support)


@dataclass(frozen=True)
class Cells:
    """The disc ‖z‖ ≤ α cut into ``rings`` equal-area annuli of ``sectors`` sectors each: m equal cells."""

    rings: int = 3
    sectors: int = 8
    radius: float = ALPHA

    @property
    def count(self) -> int:
        return self.rings * self.sectors

    @property
    def area(self) -> float:
        return math.pi * self.radius ** 2 / self.count

    def index(self, Z: np.ndarray) -> np.ndarray:
        """The cell of each row of ``Z`` (ring-major), −1 outside the disc."""
        r2 = (Z ** 2).sum(axis=1) / self.radius ** 2
        ring = np.minimum((r2 * self.rings).astype(int), self.rings - 1)
        turn = (np.arctan2(Z[:, 1], Z[:, 0]) + math.pi) / (2 * math.pi)
        sector = np.minimum((turn * self.sectors).astype(int), self.sectors - 1)
        return np.where(r2 <= 1, ring * self.sectors + sector, -1)

    def centres(self) -> np.ndarray:
        """A point of each cell (mid-area radius, mid angle), m × 2."""
        ring, sector = np.divmod(np.arange(self.count), self.sectors)
        rho = self.radius * np.sqrt((ring + 0.5) / self.rings)
        angle = (sector + 0.5) / self.sectors * 2 * math.pi - math.pi
        return np.column_stack([rho * np.cos(angle), rho * np.sin(angle)])


@dataclass(frozen=True)
class DensityBounds:
    """Per cell: the count of n points and bounds [``low``, ``high``] on the average density."""

    counts: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int
    area: float
    level: float

    @property
    def smallest_low(self) -> float:
        return float(self.low.min())

    @property
    def smallest_high(self) -> float:
        return float(self.high.min())

    def to_json(self) -> dict:
        return {"n": self.n, "cell_area": self.area, "level": self.level, "smallest_low": self.smallest_low,
                "smallest_high": self.smallest_high, "smallest_count": int(self.counts.min())}


def density_bounds(strata, cells: Cells = Cells(), confidence: float = 0.95,
                   family: int | None = None) -> DensityBounds:
    """Clopper–Pearson bounds on each cell's average density from ``strata``, pairs (weight, Z) of a
    stratum's probability and a sample of the law given the stratum: density = Σ weight·(stratum density).

    Each one-sided bound is at 1 − δ/(2·family·K), δ = 1 − ``confidence``, K strata, ``family`` the
    cells of the statement (default: these), so all bounds hold together with probability ≥ 1 − δ.
    """
    strata = [(float(weight), np.asarray(Z)) for weight, Z in strata]
    family = validators.count(family if family is not None else cells.count, "family")
    side = (1 - confidence) / (2 * family * len(strata))
    low, high, total = np.zeros(cells.count), np.zeros(cells.count), np.zeros(cells.count, dtype=int)
    for weight, Z in strata:
        n = len(Z)
        counts = np.bincount(cells.index(Z) + 1, minlength=cells.count + 1)[1:]
        low += weight * np.where(counts > 0, stats.beta.ppf(side, counts, n - counts + 1), 0.0)
        high += weight * np.where(counts < n, stats.beta.ppf(1 - side, counts + 1, n - counts), 1.0)
        total += counts
    n = sum(len(Z) for _, Z in strata)
    return DensityBounds(total, low / cells.area, high / cells.area, n, cells.area, confidence)
