r"""The objective of Safran & Lee's Eq. (6) and the population risk, for the target 1{‖x‖ ≤ λ}.

For predictions :math:`p_i = N(x_i)` and labels :math:`y_i = \mathbb{1}\{\|x_i\| \le \lambda\}` the
empirical objective is the mean squared error, with no factor ½,

.. math:: \hat F = \frac{1}{n} \sum_{i=1}^n (p_i - y_i)^2 ,

and the risk :math:`F = \mathbb{E}_{x \sim D}\,(N(x) - \mathbb{1}\{\|x\| \le \lambda\})^2` is estimated
by :math:`\hat F` on a fresh, seeded sample of the law, with a confidence interval (:class:`Interval`).

For a radial predictor f(x) = g(‖x‖) and a radial law whose radius has density γ, the risk is a
one-dimensional integral (x = Rθ, and f − y depends on R alone),

.. math:: F = \int_0^\infty \big(g(t) - \mathbb{1}\{t \le \lambda\}\big)^2 \gamma(t)\, dt ,

computed by quadrature (:func:`radial_risk`). Among constants c, E(c − y)² = c² − 2cP + P with
P = P[‖x‖ ≤ λ] is least at c = P, where it is P(1 − P) (:func:`best_constant_risk`).

>>> import numpy as np
>>> ball_indicator(np.array([[0.6, 0.8], [3.0, 4.0]]), 1.0)
array([1., 0.])
>>> objective(np.array([0.5, 0.0]), np.array([1.0, 0.0]))
0.125
"""

from __future__ import annotations

import enum
import itertools
import math
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from ..core import validators
from ..core.errors import InputError

#: Largest number of float64 entries (points × features) one block of a risk estimate holds.
BLOCK_ENTRIES = 2**22


def radius(value, name: str = "λ") -> float:
    """The radius λ of the target ball: a finite number in (0, ∞) (the paper takes λ ∈ [1, 2])."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) \
        and math.isfinite(value) and value > 0
    if not ok:
        raise InputError(f"{name} must be a finite positive radius, λ ∈ (0, ∞), got {value!r}")
    return float(value)


def level(value, name: str = "level") -> float:
    """A confidence level in (0, 1)."""
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and 0 < value < 1
    if not ok:
        raise InputError(f"{name} must be a confidence level in (0, 1), got {value!r}")
    return float(value)


def ball_indicator(X: np.ndarray, lam: float) -> np.ndarray:
    r"""The labels :math:`y_i = \mathbb{1}\{\|x_i\| \le \lambda\}` of the rows of ``X`` (float 0/1)."""
    return (np.linalg.norm(X, axis=1) <= radius(lam)).astype(float)


def objective(predictions: np.ndarray, y: np.ndarray) -> float:
    r""":math:`\hat F = \frac1n \sum_i (p_i - y_i)^2` (Eq. (6) when :math:`p_i = [w^\top \tilde x_i]_+^1`)."""
    return float(np.mean((np.asarray(predictions) - np.asarray(y)) ** 2))


class Interval(enum.Enum):
    """How a confidence interval for a mean loss is made.

    ``NORMAL``: the central limit theorem, mean ± z·s/√n with the sample standard deviation s
    (asymptotic). ``HOEFFDING``: mean ± √(ln(2/δ)/(2n)), δ = 1 − level, valid at every n for losses in
    [0, 1] (e.g. the strong class, whose clipped output keeps (p − y)² ≤ 1); refused otherwise.
    """

    NORMAL = "normal"
    HOEFFDING = "hoeffding"

    def half_width(self, losses: np.ndarray, confidence: float) -> float:
        n = len(losses)
        if self is Interval.HOEFFDING:
            if losses.min() < 0 or losses.max() > 1:
                raise InputError("a Hoeffding interval needs losses in [0, 1]; these reach "
                                 f"[{losses.min():.3g}, {losses.max():.3g}]: use Interval.NORMAL")
            return math.sqrt(math.log(2 / (1 - confidence)) / (2 * n))
        if n < 2:
            raise InputError("a normal interval needs at least 2 samples")
        return float(norm.ppf(0.5 + confidence / 2) * losses.std(ddof=1) / math.sqrt(n))


@dataclass(frozen=True)
class RiskEstimate:
    """A risk estimated on ``n`` fresh points: ``mean`` and the ``level`` interval [``low``, ``high``]."""

    mean: float
    low: float
    high: float
    n: int
    level: float
    interval: Interval

    def __str__(self) -> str:
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}]"

    def covers(self, value: float) -> bool:
        return self.low <= value <= self.high

    def to_json(self) -> dict:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n, "level": self.level,
                "interval": self.interval.value}


def estimate(losses: np.ndarray, confidence: float = 0.95,
             interval: Interval = Interval.NORMAL) -> RiskEstimate:
    """The mean of i.i.d. ``losses`` with its confidence interval (clipped to [0, ∞): losses are ≥ 0)."""
    losses = np.asarray(losses, dtype=float).ravel()
    if not len(losses):
        raise InputError("no losses to estimate a risk from")
    confidence = level(confidence)
    mean, half = float(losses.mean()), interval.half_width(losses, confidence)
    return RiskEstimate(mean, max(mean - half, 0.0), mean + half, len(losses), confidence, interval)


def population_risk(predict: Callable[[np.ndarray], np.ndarray], law, lam: float, n: int, seed: int, *,
                    width: int = 1, confidence: float = 0.95,
                    interval: Interval = Interval.NORMAL) -> RiskEstimate:
    r"""The risk :math:`\mathbb{E}_{x \sim D}(N(x) - \mathbb{1}\{\|x\| \le \lambda\})^2` of ``predict``,
    estimated on ``n`` fresh points of ``law`` drawn with ``seed``.

    ``predict`` maps an (m, d) array to m predictions; ``width`` (its number of features) sizes the
    blocks in which points are drawn and predicted, so that no block holds more than
    :data:`BLOCK_ENTRIES` float64 entries.
    """
    lam, n = radius(lam), validators.count(n, "n", 1, 10**9)
    rng = np.random.default_rng(validators.seed(seed))
    block = max(1, BLOCK_ENTRIES // max(width, law.d))
    losses = np.empty(n)
    for start in range(0, n, block):
        X = law.sample(min(block, n - start), rng)
        losses[start:start + len(X)] = (predict(X) - ball_indicator(X, lam)) ** 2
    return estimate(losses, confidence, interval)


@dataclass(frozen=True)
class RadialRisk:
    """The risk of a radial predictor by quadrature: ``value``, the sum of quad's ``error`` estimates,
    and the warnings quad raised (``notes``; empty when every piece converged)."""

    value: float
    error: float
    notes: tuple[str, ...] = ()


#: Where the last finite piece of an unbounded radius ends, in units of max(λ, 2).
TAIL_START = 10.0


def radial_risk(profile: Callable[[np.ndarray], np.ndarray], law, lam: float,
                breaks: tuple[float, ...] = ()) \
        -> RadialRisk:
    r"""The risk :math:`\int_0^\infty (g(t) - \mathbb{1}\{t \le \lambda\})^2 \gamma(t)\, dt` of the radial
    predictor x ↦ g(‖x‖), g = ``profile`` (radii in, values out), on a radial ``law`` (density γ of ‖x‖).

    ``scipy.integrate.quad`` on [0, λ] and (λ, end], end the law's support radius; an unbounded radius is
    cut again at T = 10·max(λ, 2), the last piece (T, ∞); ``breaks`` (kinks of g) split the pieces further.
    """
    from scipy.integrate import IntegrationWarning, quad

    lam, end = radius(lam), law.support_end
    cuts = {0.0, min(lam, end), end, *(float(b) for b in breaks if 0 < b < end)}
    if not math.isfinite(end):
        cuts.add(TAIL_START * max(lam, 2.0))
    cuts = sorted(cuts)

    def integrand(t):
        value = float(np.asarray(profile(np.asarray([t])), dtype=float).ravel()[0])
        miss = value - (1.0 if t <= lam else 0.0)
        return miss * miss * float(law.radius_pdf(t))

    value, error, notes = 0.0, 0.0, []
    for a, b in itertools.pairwise(cuts):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", IntegrationWarning)
            piece, piece_error = quad(integrand, a, b, limit=1000)
        value, error = value + piece, error + piece_error
        notes += [f"on ({a:g}, {b:g}]: {str(w.message).splitlines()[0]}" for w in caught]
    return RadialRisk(value, error, tuple(notes))


def best_constant_risk(law, lam: float) -> float:
    """P(1 − P), P = P[‖x‖ ≤ λ]: the least risk of a constant predictor (the constant P)."""
    mass = float(law.radius_cdf(radius(lam)))
    return mass * (1 - mass)
