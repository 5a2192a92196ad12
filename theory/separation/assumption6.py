r"""Assumption 6 of Safran & Lee for a sequence of radial laws {D_d}: its three conditions, the constants
found, and proofs for every d where they exist.

With γ_d the density of X_d = ‖x‖, x ~ D_d (re-read from the paper):

1. **mass**: there is C > 0 with ∫₀² γ_d ≥ C for all d;
2. **density**: γ_d(x) > 0 for x ≥ 0, and a polynomial q with γ_d(x) ≤ q(d) for all d and x ∈ [0.9, 2.05];
3. **tail**: there are c₁, c₂ > 0 with P[X_d ≥ x] ≤ c₂/x for all x ≥ c₁ and all d.

Condition 2's positivity is read on x > 0: for d ≥ 2 every law with a bounded density on ℝ^d has γ_d(0) = 0.

"For all d" is beyond computation, so two kinds of finding:

- a **survey** over a grid of d: each value certified in ball arithmetic (:mod:`theory.separation.balls`)
  where the law has a ball form, the constants the grid needs, and the trend in d judged numerically
  (a mass or a bound that collapses or blows up along the grid fails) — numeric evidence for all d;
- a **proof** for every d by exact algebra, per sequence: Markov and Chebyshev bounds on moments known in
  closed form, abs(J_ν) ≤ 1, Gautschi's inequality. Each proof's inequality is also checked against the
  survey's certified values in the tests.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from flint import arb

from theory.core.errors import InputError
from theory.core.verdict import Method, Verdict

from . import balls
from .laws import BesselMixture, Gaussian, RadialCauchy, RadialLaw, SphereSum

#: The interval of condition 2.
DENSITY_WINDOW = (0.9, 2.05)
#: A mass or tail constant that changes by more than this factor per doubling of d, steadily, fails the trend.
TREND = 1.3


class Condition(enum.Enum):
    """The three conditions of Assumption 6."""

    MASS = 1
    DENSITY = 2
    TAIL = 3

    @property
    def statement(self) -> str:
        return {Condition.MASS: "∃ C > 0 ∀ d: ∫₀² γ_d ≥ C",
                Condition.DENSITY: "γ_d > 0 on (0, ∞) and ∃ polynomial q ∀ d, x ∈ [0.9, 2.05]: γ_d(x) ≤ q(d)",
                Condition.TAIL: "∃ c₁, c₂ > 0 ∀ x ≥ c₁ ∀ d: P[X_d ≥ x] ≤ c₂/x"}[self]


@dataclass(frozen=True)
class Finding:
    """Whether a condition holds (``verdict``), how it was decided, and the constants found.

    ``every_d`` is True for a proof covering every d, False for a survey of some d."""

    condition: Condition
    verdict: Verdict
    method: Method
    detail: str
    constants: dict = field(default_factory=dict)
    every_d: bool = False

    def __str__(self) -> str:
        scope = "every d" if self.every_d else "surveyed d"
        return f"condition {self.condition.value} ({scope}): {self.verdict.value} — {self.detail}"


@dataclass(frozen=True)
class LawSequence:
    """A sequence d ↦ D_d of radial laws, with the proofs known for it."""

    key: str
    name: str
    make: Callable[[int], RadialLaw]
    proofs: Callable[[], list[Finding]] = list
    low: int = 2


# ---------------------------------------------------------------------------- the survey

def survey(sequence: LawSequence, dims: Sequence[int], *, c1: float = 1.0,
           x_max: float = 1e4) -> list[Finding]:
    """The three conditions on the laws ``sequence.make(d)``, d in ``dims`` (numeric evidence for all d)."""
    dims = sorted({int(d) for d in dims})
    if len(dims) < 3 or dims[0] < sequence.low:
        raise InputError(f"survey needs ≥ 3 dimensions ≥ {sequence.low}, got {dims}")
    laws = [sequence.make(d) for d in dims]
    return [_mass(laws, dims), _density(laws, dims), _tail(laws, dims, c1, x_max)]


def _certified(f: Callable, law: RadialLaw, fallback: Callable) -> tuple[float, bool]:
    """f(law) as the bound of a ball when the law has a ball form, else the float ``fallback`` (False)."""
    try:
        return f(law), True
    except InputError:
        return float(fallback(law)), False


def _steady_change(values: Sequence[float], dims: Sequence[int]) -> float:
    """The smallest factor per doubling of d over the last three grid steps (> 1: growth, < 1: decay)."""
    rates = [(values[i + 1] / values[i]) ** (math.log(2) / math.log(dims[i + 1] / dims[i]))
             for i in range(len(dims) - 1) if values[i] > 0 and values[i + 1] > 0]
    last = rates[-3:]
    if not last:
        return 0.0
    return min(last) if all(r > 1 for r in last) else (max(last) if all(r < 1 for r in last) else 1.0)


def _scope(certified: list[bool]) -> str:
    return "each value certified (arb)" if all(certified) else (
        "certified (arb) where the law has a ball form, float64 elsewhere" if any(certified) else "float64")


def _mass(laws: list[RadialLaw], dims: list[int]) -> Finding:
    pairs = [_certified(lambda law: float(balls.mass(law, 2).lower()), law, lambda law: law.radius_cdf(2.0))
             for law in laws]
    masses = [m for m, _ in pairs]
    change = _steady_change(masses, dims)
    collapses = change < 1 / TREND or masses[-1] <= 0
    detail = (f"∫₀² γ_d ≥ {', '.join(f'{m:.4g}' for m in masses)} at d = {dims} "
              f"({_scope([c for _, c in pairs])}); "
              + (f"falls by a factor {1 / change:.3g} per doubling of d: no C > 0 for all d" if collapses else
                 f"C = {min(masses):.4g} on the grid"))
    return Finding(Condition.MASS, Verdict.from_bool(not collapses), Method.NUMERIC, detail,
                   {"C": min(masses), "masses": dict(zip(dims, masses, strict=True))})


def _density(laws: list[RadialLaw], dims: list[int]) -> Finding:
    if any(math.isfinite(law.support_end) for law in laws):
        end = laws[0].support_end
        return Finding(Condition.DENSITY, Verdict.REFUTED, Method.EXACT,
                       f"γ_d = 0 on ({end:g}, ∞): the law is supported on the ball of radius {end:g}",
                       {"support_end": end}, every_d=True)
    low, high = DENSITY_WINDOW
    grid = np.linspace(low, high, 4001)
    pairs = [_certified(lambda law: float(balls.density_bound(law, low, high).upper()), law,
                        lambda law: np.max(law.radius_pdf(grid))) for law in laws]
    peaks = [p for p, _ in pairs]
    exponents = [math.log(peaks[i + 1] / peaks[i]) / math.log(dims[i + 1] / dims[i])
                 for i in range(len(dims) - 1)]
    degree = max(0.0, max(exponents))
    factor = max(p / d ** degree for p, d in zip(peaks, dims, strict=True))
    explodes = exponents[-1] > 2 * max(exponents[0], 1.0) and exponents[-1] > 4
    detail = (f"γ_d > 0 on (0, ∞) (its formula); max over [{low}, {high}] of "
              f"γ_d ≤ {', '.join(f'{p:.4g}' for p in peaks)} at d = {dims} "
              f"({_scope([c for _, c in pairs])}); local degrees {', '.join(f'{e:.2f}' for e in exponents)}; "
              + ("super-polynomial growth" if explodes
                 else f"q(d) = {factor:.3g}·d^{degree:.2f} covers the grid"))
    return Finding(Condition.DENSITY, Verdict.from_bool(not explodes), Method.NUMERIC, detail,
                   {"peaks": dict(zip(dims, peaks, strict=True)), "q_factor": factor, "q_degree": degree})


def _tail(laws: list[RadialLaw], dims: list[int], c1: float, x_max: float) -> Finding:
    far = x_max * np.array([10.0, 100.0, 1000.0])
    pairs = [_certified(lambda law: float(balls.tail_bound(law, c1, x_max).upper()), law,
                        lambda law: np.max(_float_tail(law, np.geomspace(c1, x_max, 2000)))) for law in laws]
    constants = [c for c, _ in pairs]
    beyond = [float(np.max(_float_tail(law, far))) for law in laws]
    change = _steady_change(constants, dims)
    grows, escapes = change > TREND, any(b > c for b, c in zip(beyond, constants, strict=True))
    verdict = Verdict.REFUTED if grows else (Verdict.UNDECIDED if escapes else Verdict.PROVEN)
    detail = (f"sup over x ∈ [{c1:g}, {x_max:g}] of "
              f"x·P[X_d ≥ x] ≤ {', '.join(f'{c:.4g}' for c in constants)} at d = {dims} "
              f"({_scope([c for _, c in pairs])}); at x up to {far[-1]:.0e} (float64): {max(beyond):.4g}; "
              + (f"grows by {change:.3g} per doubling of d: no c₂ for all d" if grows else
                                       f"c₁ = {c1:g}, c₂ = {max(constants):.4g} on the grid"))
    return Finding(Condition.TAIL, verdict, Method.NUMERIC, detail,
                   {"c1": c1, "c2": max(constants), "by_d": dict(zip(dims, constants, strict=True))})


def _float_tail(law: RadialLaw, x: np.ndarray) -> np.ndarray:
    return x * (1.0 - law.radius_cdf(x))


# ---------------------------------------------------------------------------- proofs for every d

def _exact(condition: Condition, holds: bool, detail: str, **constants) -> Finding:
    return Finding(condition, Verdict.from_bool(holds), Method.EXACT, detail, constants, every_d=True)


def _gaussian_scaled() -> list[Finding]:
    """N(0, I/d): E‖x‖² = 1."""
    return [_exact(Condition.MASS, True, "Markov: P[‖x‖² > 4] ≤ E‖x‖²/4 = 1/4, so ∫₀² γ_d ≥ 3/4", C=0.75),
            _exact(Condition.TAIL, True, "Markov: P[‖x‖ ≥ x] ≤ E‖x‖²/x² = 1/x² ≤ 1/x for x ≥ 1", c1=1.0,
                   c2=1.0)]


def _gaussian_unit() -> list[Finding]:
    """N(0, I): ‖x‖² ~ χ²_d, mean d, variance 2d."""
    return [_exact(Condition.MASS, False,
                   "Chebyshev: ∫₀² γ_d = P[χ²_d ≤ 4] ≤ 2d/(d − 4)² → 0, below any C > 0"),
            _exact(Condition.TAIL, False, "Chebyshev: P[χ²_d ≤ d/4] ≤ 32/(9d), so "
                   "x·P[X_d ≥ x] ≥ (√d/2)(1 − 32/(9d)) at x = √d/2, unbounded in d")]


def _cauchy_scaled() -> list[Finding]:
    """x = s z/abs(g), s = 1/√d."""
    c2 = math.sqrt(2 / math.pi)
    C = math.erfc(0.5) / 2
    return [_exact(Condition.MASS, True, "‖z‖² ≤ 2d (Markov, probability ≥ 1/2) and abs(g) ≥ 1/√2 "
                   f"(probability erfc(1/2)), independent, give ‖x‖ ≤ 2: ∫₀² γ_d ≥ erfc(1/2)/2 = {C:.4f}",
                   C=C),
            _exact(Condition.TAIL, True, f"P[‖x‖ ≥ x] = P[abs(g) ≤ s‖z‖/x] ≤ √(2/π) s E‖z‖/x ≤ √(2/π) s√d/x: "
                   f"c₂ = √(2/π) = {c2:.4f} for every x > 0", c1=0.0, c2=c2)]


def _cauchy_unit() -> list[Finding]:
    """x = z/abs(g)."""
    return [_exact(Condition.MASS, False,
                   "∫₀² γ_d ≤ P[χ²_d ≤ d/2] + P[4g² ≥ d/2] ≤ 8/d + 8/d (Chebyshev, Markov) → 0"),
            _exact(Condition.TAIL, False,
                   "P[‖x‖ ≥ √(d/2)] ≥ P[χ²_d ≥ d/2]·P[abs(g) ≤ 1] ≥ (1 − 8/d)·erf(1/√2), "
                   "so x·P[X_d ≥ x] at x = √(d/2) is unbounded in d")]


def _sphere_sum() -> list[Finding]:
    """u + v, u, v uniform on S^{d−1}: ‖u + v‖ ≤ 2."""
    return [_exact(Condition.MASS, True, "‖u + v‖ ≤ 2, so ∫₀² γ′_d = 1", C=1.0),
            _exact(Condition.TAIL, True, "P[‖u + v‖ ≥ x] = 0 for x > 2: any c₂ > 0 with c₁ = 2", c1=2.0,
                   c2=0.0)]


def _bessel_mixture() -> list[Finding]:
    """½ (the Bessel law of Eq. (3)) + ½ N(0, I/d)."""
    return [_exact(Condition.MASS, True,
                   "the Gaussian half alone: ½ P[‖N(0, I/d)‖ ≤ 2] ≥ ½ (1 − 1/4) = 3/8 (Markov)", C=0.375)]


SEQUENCES = (
    LawSequence("bessel", "D_d (Eq. (4), α = 1)", BesselMixture, _bessel_mixture),
    LawSequence("sphere-sum", "D′_d (Eq. (5))", SphereSum, _sphere_sum, low=3),
    LawSequence("cauchy-scaled", "multivariate Cauchy, scale 1/√d",
                lambda d: RadialCauchy(d, 1 / math.sqrt(d)), _cauchy_scaled),
    LawSequence("cauchy", "multivariate Cauchy, scale 1", RadialCauchy, _cauchy_unit),
    LawSequence("gaussian-scaled", "N(0, I/d)", lambda d: Gaussian(d, 1 / d), _gaussian_scaled),
    LawSequence("gaussian", "N(0, I)", Gaussian, _gaussian_unit),
)


def sequence(key: str) -> LawSequence:
    """The registered sequence called ``key``."""
    for seq in SEQUENCES:
        if seq.key == key:
            return seq
    raise InputError(f"unknown law sequence {key!r}; choose one of {', '.join(s.key for s in SEQUENCES)}")


# ---------------------------------------------------------------------------- the verdict

@dataclass(frozen=True)
class Assessment:
    """Assumption 6 for one sequence: per condition the deciding finding (a proof when there is one)."""

    sequence: LawSequence
    deciding: tuple[Finding, ...]
    surveyed: tuple[Finding, ...]

    @property
    def verdict(self) -> Verdict:
        return Verdict.all(f.verdict for f in self.deciding)

    @property
    def proven(self) -> bool:
        """Every condition decided for every d by exact algebra."""
        return all(f.every_d and f.method is Method.EXACT for f in self.deciding)

    def finding(self, condition: Condition) -> Finding:
        return next(f for f in self.deciding if f.condition is condition)


def assess(sequence: LawSequence, dims: Sequence[int], *, c1: float = 1.0) -> Assessment:
    """Assumption 6 for ``sequence``: a proof decides a condition where one exists, else the survey over
    ``dims``.

    A condition that fails (a proof that it fails, or an exact zero of the density) decides before
    one that holds."""
    surveyed = survey(sequence, dims, c1=c1)
    proofs = sequence.proofs()
    deciding = []
    for condition in Condition:
        mine = [f for f in [*proofs, *surveyed] if f.condition is condition]
        failed = [f for f in mine if f.verdict is Verdict.REFUTED and f.every_d]
        deciding.append(failed[0] if failed else mine[0])
    return Assessment(sequence, tuple(deciding), tuple(surveyed))


def sphere_sum_bound(d: int) -> arb:
    """The corrected bound of D′_d's density on [0, 2] for d ≥ 3: γ′_d ≤ 2Γ(d/2)/(√π Γ((d − 1)/2)) < √(2d/π).

    From r^{d−2}(1 − r²/4)^{(d−3)/2} = r·(r² − r⁴/4)^{(d−3)/2} ≤ 2·1 (r ≤ 2, and r² − r⁴/4 ≤ 1), and
    Gautschi's Γ(d/2)/Γ((d − 1)/2) < √(d/2) (DLMF 5.6.4)."""
    d = arb(d)
    return 2 * (d / 2).gamma() / (arb.pi().sqrt() * ((d - 1) / 2).gamma())
