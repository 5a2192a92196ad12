r"""Theorem 10: the two-dimensional marginals of the random features have density ≥ β near 0.

The statement (re-read from the paper): if the radial laws satisfy Assumption 6(1) with C
(P[‖x‖ ≤ 2] ≥ C) and the layer is drawn by Assumption 7, then for any w₁ ≠ w₂ ∈ ℝ^r the marginal of
x̃ = erf(U x + B) on span(w₁, w₂), as a law on ℝ², has a density p with inf_{‖z‖ ≤ α} p(z) ≥ β,
α = 1/9, β = C·10⁻⁶.

What is random. The proof (Appendix E) computes the law of X̃_j = erf(⟨U_j, X⟩ + B_j) with X ~ D_d,
U_j and B_j all random, and uses that given ‖X‖ the X̃_j are independent with density f(z | t) of its
Eq. (40): that holds only when U and B are random too. So the statement is read here for the law of
x̃ **averaged over the initialisation** (x, U, B random), claim ``sl-thm10``. Proposition 11 and
Theorem 8 apply it to the features of one network whose layer is drawn once and frozen, with w, v
chosen after the draw; that **frozen** reading (x alone random) is a different statement, checked as
``sl-thm10-frozen``.

Checks of ``sl-thm10`` (all numerical evidence, never proof):

- per law (D_d, D′_d, radial Cauchy) and d: points z = Qᵀx̃ (:mod:`theory.separation.marginals`) for
  widths r ≥ 2 and pairs e₁, e₂ (two single features), 1/√r·𝟙 with e₁ (the mean feature), random, and
  w, w + 10⁻⁸v (nearly parallel; the marginal depends on the span only); the disc is cut into equal
  polar cells and Clopper–Pearson bounds on each cell's **average** density, Bonferroni over every cell
  of the check, hold together at 95 %. SUPPORTED when the smallest lower bound is ≥ β, REFUTED when an
  upper bound is < β (the density is then below β somewhere in that cell), UNDECIDED otherwise;
- per law and d, the exact marginal on span(e₁, e₂), p(z) = ∫ f(z₁|t) f(z₂|t) γ(t) dt, by quadrature
  at the cell points, the centre and the boundary circle;
- as stated, "w₁ ≠ w₂" is not enough: for dependent w₁ ≠ w₂ (w₂ = 2w₁, and every pair when r = 1)
  the span is a line, the marginal is carried by a line and has no density on ℝ²; the checks above
  read the statement for independent w₁, w₂ (the correction).

Check of ``sl-thm10-frozen``, per d, on D′_d (carried by the ball ‖x‖ ≤ 2): seeded frozen layers of two
features (the pair e₁, e₂ of any wider layer) for which ‖U⁺b‖ − ‖U⁺‖ erf⁻¹(1/9) > 2, so that the
marginal's density is 0 on the whole disc (:func:`~theory.separation.marginals.frozen_support_gap`,
float64 with the margin shown, confirmed by a sample with no point in the disc). REFUTED (not
supported) when one is found, UNDECIDED when none of the layers drawn is such.

Notes on the proof. f(z | 1) = ½ on all of (−1, 1): the law of X̃_j given ‖X‖ = 1 is uniform on
(−1, 1) (variance 1/3), not on [−½, ½] (density ½ there has mass ½). Lemma 24 rescales the wrong way:
for Y = X/ρ isotropic, p(x) = ρ⁻² q(x/ρ), so Lovász–Vempala's bound gives p ≥ ρ⁻²2⁻¹⁶ on
‖x‖ ≤ ρ/9, not ρ²2⁻¹⁶ on ‖x‖ ≤ 1/(9ρ); with ρ² = 1/3 that disc has radius 0.064 < 1/9. The
numbers below are far above β all the same.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
from scipy import stats

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.separation.laws import SphereSum
from theory.separation.marginals import (
    Cells,
    Pair,
    averaged_sample,
    beta_bound,
    density_bounds,
    frozen_sample,
    frozen_support_gap,
    pair_density,
    span_basis,
    stratum_radii,
)
from theory.separation.strong import ALPHA, initialise
from theory.separation.sweep import Law

CELLS = Cells(rings=2, sectors=6)
LEVEL = 0.95
#: Laws whose mass C = P[‖x‖ ≤ 2] is below this are sampled in the strata ‖x‖ ≤ 2 and ‖x‖ > 2.
STRATIFY_BELOW = 0.5
#: (dimensions, widths, points per sample, largest points × features of a sample, frozen layers) of a
#: quick and a default run.
QUICK = ((4,), (1, 2, 16, 256), 50_000, 2**22, 50)
DEFAULT = ((2, 4, 16), (1, 2, 16, 256), 100_000, 2**22, 200)


def bound_verdict(low: float, high: float, beta: float) -> Verdict:
    """PROVEN (supported) when the smallest lower bound is ≥ β, REFUTED when an upper bound is < β."""
    return Verdict.PROVEN if low >= beta else Verdict.REFUTED if high < beta else Verdict.UNDECIDED


def _strata(law) -> list[tuple[float, tuple[float, float]]]:
    """(weight, (low, high]) of the radius strata a law is sampled in."""
    mass = float(law.radius_cdf(2.0))
    if mass >= STRATIFY_BELOW:
        return [(1.0, (0.0, math.inf))]
    return [(mass, (0.0, 2.0)), (1 - mass, (2.0, math.inf))]


def _pair_strata(pool, pair: Pair, width: int, entries: int, rng) -> list[tuple[float, np.ndarray]]:
    """(weight, z sample) per radius stratum for one pair, on the stratum's pool of radii: only the
    features the pair's basis touches are drawn, at most ``entries`` of them per stratum, ≥ 1000 points."""
    basis = span_basis(*pair.vectors(width, rng))
    points = max(1000, entries // int(np.any(basis != 0, axis=1).sum()))
    return [(weight, averaged_sample(basis, radii[:points], rng)) for weight, radii in pool]


def _density_check(law_name: Law, d: int, widths, n: int, entries: int, seed: int = 0) -> Check:
    law, rng = law_name.make(d), np.random.default_rng(seed)
    beta = beta_bound(law)
    wide = [r for r in widths if r >= 2]
    family = CELLS.count * len(wide) * len(Pair)
    rows, lows, highs, data = [], [], [], []
    # one pool of radii per stratum, shared by the cases (the Bonferroni bound needs no independence)
    pool = [(weight, stratum_radii(law, n, rng, *bounds)) for weight, bounds in _strata(law)]
    for width in wide:
        for pair in Pair:
            bounds = density_bounds(_pair_strata(pool, pair, width, entries, rng), CELLS, LEVEL, family)
            lows.append(bounds.smallest_low)
            highs.append(bounds.smallest_high)
            rows.append(f"r = {width}, {pair.value}: {bounds.smallest_low:.3g} (n = {bounds.n})")
            data.append({"width": width, "pair": pair.value, **bounds.to_json()})
    low, high = min(lows), min(highs)
    verdict = bound_verdict(low, high, beta)
    strata = "two radius strata, ‖x‖ ≤ 2 and > 2, " if len(_strata(law)) > 1 else ""
    return Check(f"{law_name.value}, d = {d}: the averaged marginal's density on ‖z‖ ≤ 1/9 is ≥ β = C·10⁻⁶ "
                 f"= {beta:.3g} for widths {tuple(wide)} and pairs {', '.join(p.value for p in Pair)}",
                 verdict, Evidence(
                     Method.EXPERIMENT, f"smallest lower bound on a cell's average density, {CELLS.count} "
                     f"equal polar cells, {strata}Clopper–Pearson, all {2 * family} one-sided bounds "
                     f"together at {LEVEL:.0%}: {'; '.join(rows)}; smallest {low:.3g} = {low / beta:.3g} β "
                     f"(smallest upper bound {high:.3g}); the bound is on cell averages, not on the infimum",
                     {"cases": data, "beta": beta, "smallest_low": low, "smallest_high": high}), "evidence")


def _probe_points() -> np.ndarray:
    """The cell points, the centre and 32 points on the circle ‖z‖ = α."""
    angle = np.linspace(0, 2 * math.pi, 32, endpoint=False)
    return np.vstack([CELLS.centres(), [[0.0, 0.0]], ALPHA * np.column_stack([np.cos(angle), np.sin(angle)])])


def _quadrature_check(law_name: Law, d: int) -> Check:
    law = law_name.make(d)
    beta, quad = beta_bound(law), pair_density(_probe_points(), law)
    low = float(quad.values.min() - quad.error)
    high = float((quad.values + quad.tail).min() + quad.error)
    verdict = bound_verdict(low, high, beta)
    return Check(f"{law_name.value}, d = {d}: the exact averaged marginal on span(e₁, e₂), "
                 "p(z) = ∫ f(z₁|t) f(z₂|t) γ(t) dt, is ≥ β at the probe points", verdict, Evidence(
                     Method.NUMERIC, f"adaptive quadrature (quad_vec) at {len(quad.values)} points of the "
                     f"disc (cell points, centre, boundary circle): smallest p = {quad.values.min():.4g} (at "
                     f"‖z‖ = {np.linalg.norm(_probe_points()[quad.values.argmin()]):.3f}), largest "
                     f"{quad.values.max():.4g}; error estimate {quad.error:.1e}, tail beyond the "
                     f"cut-off ≤ {quad.tail.max():.1e}; β = {beta:.3g}; a grid, not the infimum over the "
                     "disc",
                     {"values": quad.values.tolist(), "error": quad.error, "beta": beta}), "evidence")


def _dependent_check() -> Check:
    refused = []
    for w1, w2 in ((np.ones(1), 2 * np.ones(1)), (np.eye(4)[0], 2 * np.eye(4)[0])):
        try:
            span_basis(w1, w2)
        except Exception as why:  # the refusal is the finding
            refused.append(str(why))
    return Check("as stated, for any w₁ ≠ w₂: dependent pairs (w₂ = 2w₁; every pair when r = 1) span a line",
                 Verdict.from_bool(not refused), Evidence(
                     Method.EXACT, "for w₂ = c·w₁, c ≠ 1, span(w₁, w₂) = ℝw₁ and the projected features lie "
                     "on a line of ℝ², a Lebesgue-null set: no density on ℝ², so no inf over a disc; for "
                     "r = 1 every pair is dependent (the one feature lies in (−1, 1)). The statement needs "
                     "w₁, w₂ linearly independent (r ≥ 2); span_basis refuses both examples "
                     f"({len(refused)} of 2)",
                     {"refusals": refused}),
                 "as stated")


def evidence(dims, widths, n, entries) -> list[Check]:
    checks = [_dependent_check()]
    for law in Law:
        for d in dims:
            checks += [_density_check(law, d, widths, n, entries), _quadrature_check(law, d)]
    return checks


# ---- the frozen reading -----------------------------------------------------------------------

def _frozen_check(d: int, layers: int, n: int) -> Check:
    gaps = np.array([frozen_support_gap(initialise(d, 2, seed).features, 2.0) for seed in range(layers)])
    failing = np.flatnonzero(gaps > 0)
    low, high = stats.binomtest(len(failing), layers).proportion_ci(LEVEL, "exact")
    wide = initialise(d, 16, 0).features
    pairs = [(j, k) for j in range(16) for k in range(j + 1, 16)]
    dead = sum(frozen_support_gap(replace(wide, U=wide.U[[j, k]], b=wide.b[[j, k]]), 2.0) > 0
               for j, k in pairs)
    confirm = ""
    if len(failing):
        features = initialise(d, 2, int(failing[0])).features
        Z = frozen_sample(features, SphereSum(d), np.eye(2), n, np.random.default_rng(0))
        confirm = (f"; layer seed {failing[0]} (gap {gaps[failing[0]]:.3f}): "
                   f"{int((np.hypot(*Z.T) <= ALPHA).sum())} of {n} sampled points in the disc")
    verdict = Verdict.REFUTED if len(failing) else Verdict.UNDECIDED
    return Check(f"D'_d, d = {d}, one frozen layer (x alone random), pair e₁, e₂: the marginal's density on "
                 "‖z‖ ≤ 1/9 is ≥ β = 10⁻⁶", verdict, Evidence(
                     Method.NUMERIC, "‖U⁺b‖ − ‖U⁺‖ erf⁻¹(1/9) > 2 (the disc's preimage misses the support "
                     f"‖x‖ ≤ 2 of D'_d, so the density is 0 on the whole disc) for {len(failing)} of "
                     f"{layers} seeded layers of two features (95 % Clopper–Pearson interval for the "
                     f"probability [{low:.3f}, {high:.3f}]); in one layer of width 16, {dead} of "
                     f"{len(pairs)} pairs (e_j, e_k) have a zero-density disc{confirm}",
                     {"gaps": gaps.tolist(), "dead_pairs": int(dead)}),
                 "evidence")


def frozen_evidence(dims, layers, n) -> list[Check]:
    return [_frozen_check(d, layers, n) for d in dims]


def _check(settings) -> list[Check]:
    dims, widths, n, entries, _ = settings.choose(DEFAULT, QUICK)
    return evidence(dims, widths, n, entries)


def _frozen(settings) -> list[Check]:
    dims, _, n, _, layers = settings.choose(DEFAULT, QUICK)
    return frozen_evidence(dims, layers, n)


CLAIMS = [
    Claim("sl-thm10",
          "Safran & Lee 2022, Theorem 10: the random features' 2-D marginals have density ≥ C·10⁻⁶ "
          "on the disc of radius 1/9", r"\inf_{\|z\| \le 1/9} p_{w_1, w_2}(z) \ge C \cdot 10^{-6}"
          r"\ \text{for all } w_1 \ne w_2 \in \mathbb{R}^r",
          check=_check, conjecture=True,
          correction="w₁, w₂ linearly independent (so r ≥ 2): a dependent pair spans a line",
          hypotheses=("radial data with P[‖x‖ ≤ 2] ≥ C (Assumption 6(1)): D_d, D'_d, radial Cauchy",
                      "Assumption 7 initialisation",
                      "the law of the features averaged over x, U and B (the proof's reading)")),
    Claim("sl-thm10-frozen",
          "Safran & Lee 2022, Theorem 10 read for one frozen layer (as Proposition 11 uses it)",
          r"\inf_{\|z\| \le 1/9} p^{U,B}_{w_1, w_2}(z) \ge C \cdot 10^{-6} \text{ for the drawn } U, B",
          check=_frozen, conjecture=True,
          hypotheses=("x ~ D'_d", "U, B drawn by Assumption 7 once and fixed; x alone random")),
]
