"""Theorem 3.6: a strictly subharmonic Φ with ‖∇²Φ‖ ≤ B and fixed charges (eq. 9) has no
spurious local minimum.

The proof moves all electrons together by v: for a translation-invariant Φ the
electron–electron terms are constant and Tr ∇²_v L = −2 Σ_ij ΔΦ(θ_i, w_j) < 0.
That step is checked exactly. The conclusion fails: the hypotheses never let the
matched configuration θ_i = w_π(i) be a minimum, so "no local minimum but the
global one" holds only vacuously and Algorithm 1 cannot converge to θ = w.
Φ = −(1 + ‖θ − w‖²)^{−1/2} on R³ meets the hypotheses (ΔΦ = 3(1 + r²)^{−5/2} > 0
everywhere, B = 1), yet moving both electrons of a matched pair of protons
together lowers L (certified in ball arithmetic), and Algorithm 1 carries the
electrons away from the protons. In general a bounded Hessian makes ΔΦ ≥ 0
across θ = w too, so the correlated move has negative trace at every critical
point when k ≥ 2, and for k = 1 the maximum principle forbids a maximum of
Φ(·, w) at w: L has no local minimum at all. A realizable (positive-definite)
translation-invariant Φ has its maximum at θ = w, so no realizable potential
meets the hypotheses: among the candidates surveyed, the realizable ones are
subharmonic only far from w, the subharmonic ones are not positive definite or
are singular. On S^{d−1} the hypotheses are empty: ∫ΔΦ dσ = 0.
"""

from __future__ import annotations

import flint
import mpmath
import numpy as np
import sympy as sp

from theory.conditions.classify import EarnshawClass, classify
from theory.conditions.laplacian import radial_laplacian, zonal_laplacian
from theory.conditions.realizability import radial_realizable
from theory.conditions.signs import sign_chart
from theory.core.numeric import context
from theory.core.symbols import coordinates, d, r, rho
from theory.core.verdict import Evidence, Method, Verdict
from theory.dynamics.flow import gradient_descent
from theory.dynamics.loss import Loss
from theory.dynamics.matching import nearest
from theory.paper.claims import Check, Claim
from theory.paper.compare import identity
from theory.potentials.potential import given

#: Negated Plummer potential: strictly subharmonic on all of R³ with ‖∇²Φ‖ ≤ 1, not positive definite.
PLUMMER = -1 / sp.sqrt(1 + r**2)
#: Two protons and the correlated move v = t·e₂ used as a counter-example.
PROTONS = ((0, 0, 0), (2, 0, 0))
MOVE = sp.Rational(1, 2)
CANDIDATES = {"Gaussian e^{−r²/2}": sp.exp(-r**2 / 2), "Laplace e^{−r}": sp.exp(-r),
              "inverse multiquadric (1 + r²)^{−1/2}": -PLUMMER, "negated Plummer −(1 + r²)^{−1/2}": PLUMMER,
              "r²": r**2, "Riesz r^{−(d−2+ε)}, ε = 1/2": r ** sp.Rational(-3, 2)}


def _distance(x, y):
    return sp.sqrt(sum((u - v) ** 2 for u, v in zip(x, y, strict=True)))


def _correlated_trace() -> Check:
    """Tr ∇²_v L(θ + v) at v = 0 for (9) with two electrons and two protons in R³, Φ = PLUMMER."""
    v = coordinates("v", 3)
    thetas, protons = ((1, 2, -1), (0, 3, 1)), ((-2, 1, 2), (1, -1, 0))

    def h(x, y):
        return PLUMMER.subs(r, _distance(x, y))

    moved = [[t + vi for t, vi in zip(theta, v, strict=True)] for theta in thetas]
    loss = 2 * h(*moved) - 2 * sum(h(x, w) for x in moved for w in protons)
    trace = sum(sp.diff(loss, vi, 2) for vi in v).subs(dict.fromkeys(v, 0))
    lap = radial_laplacian(PLUMMER, 3)
    expected = -2 * sum(lap.subs(r, _distance(x, w)) for x in thetas for w in protons)
    return identity(trace, expected, {}, name="correlated move: Tr ∇²_v L = −2 Σ_ij ΔΦ(θ_i, w_j) "
                    "(the electron–electron terms drop)")


def _hypotheses() -> Check:
    """−(1 + r²)^{−1/2} on R³: ΔΦ > 0 for all r and the Hessian eigenvalues h'', h'/r lie in [−1, 1]."""
    sub = classify(given(PLUMMER, "radial"), d=3)[EarnshawClass.STRICTLY_SUBHARMONIC]
    lap_at_zero = sp.limit(radial_laplacian(PLUMMER, 3), r, 0)
    radial, tangential = sp.diff(PLUMMER, r, 2), sp.simplify(sp.diff(PLUMMER, r) / r)
    half_line = sp.Interval.open(0, sp.oo)
    bounded = all(sign_chart(sp.simplify(1 - e), r, half_line).negative.is_empty
                  for e in (radial**2, tangential**2))
    holds = sub.verdict is Verdict.PROVEN and sub.region == half_line and lap_at_zero > 0 and bounded
    return Check("Φ = −(1 + ‖θ − w‖²)^{−1/2} on R³ meets the hypotheses: ΔΦ > 0 everywhere, ‖∇²Φ‖ ≤ B = 1",
                 Verdict.from_bool(holds), Evidence(Method.EXACT, (
                     f"ΔΦ = {sp.simplify(radial_laplacian(PLUMMER, 3))} (at r = 0: {lap_at_zero}); "
                     f"Hessian eigenvalues h'' = {sp.simplify(radial)}, h'/r = {tangential}, squares ≤ 1 "
                     f"on r > 0 ({'certified' if bounded else 'not certified'})")))


def _arb_loss(thetas, protons) -> flint.arb:
    """The loss (9), 2Σ_{i<j}Φ(θ_i, θ_j) − 2Σ_ij Φ(θ_i, w_j), Φ = PLUMMER, in ball arithmetic."""

    def phi(x, y):
        return -1 / (1 + sum((u - v) ** 2 for u, v in zip(x, y, strict=True))).sqrt()

    pairs = sum(phi(thetas[i], thetas[j]) for i in range(len(thetas)) for j in range(i + 1, len(thetas)))
    return 2 * pairs - 2 * sum(phi(x, w) for x in thetas for w in protons)


def _matched_is_not_minimal() -> Check:
    with flint.ctx.workprec(200):
        protons = [[flint.arb(c) for c in w] for w in PROTONS]
        moved = [[w[0], w[1] + flint.arb(MOVE.p) / MOVE.q, w[2]] for w in protons]
        drop = _arb_loss(moved, protons) - _arb_loss(protons, protons)
        certified = bool(drop < 0)
    ctx = context(30)   # independent: the library's loss at 30 digits (it adds a constant, which cancels)
    loss = Loss(given(PLUMMER, "radial"), np.array(PROTONS, dtype=float))
    shifted = np.array([[ctx.mpf(c) for c in w] for w in PROTONS], dtype=object)
    shifted[:, 1] += ctx.mpf(MOVE.p) / MOVE.q
    library = loss.value(shifted, dps=30) - loss.value(np.array(PROTONS, dtype=object), dps=30)
    agree = abs(library - ctx.mpf(drop.mid().str(40, radius=False))) < ctx.mpf(10) ** -25
    return Check("θ_i = w_i (claimed global minimum) is not a local minimum: moving both electrons by "
                 f"{MOVE}·e₂ lowers L", Verdict.REFUTED if certified and agree else Verdict.UNDECIDED,
                 Evidence(
                     Method.COUNTEREXAMPLE, f"w₁ = {PROTONS[0]}, w₂ = {PROTONS[1]}: L(w + v) − L(w) = "
                     f"{drop.str(20)} (arb, 200 bits); Loss.value at 30 digits: {mpmath.nstr(library, 20)}",
                     {"protons": PROTONS, "move": str(MOVE)}))


def drift(seeds=(0, 1, 2), iterations: int = 300) -> Check:
    """Algorithm 1 (α = 1/(4k²B) = 1/16) from electrons near the protons: do they stay?"""
    loss, W = Loss(given(PLUMMER, "radial"), np.array(PROTONS, dtype=float)), np.array(PROTONS, dtype=float)
    moves = []
    for seed in seeds:
        start = W + 0.3 * np.random.default_rng(seed).normal(size=W.shape)
        end = gradient_descent(loss, start, step=1 / 16, iterations=iterations).positions
        moves.append(tuple(float(nearest(X, W)[1].max()) for X in (start, end)))
    away = all(after > 2 * before for before, after in moves)
    return Check(f"Algorithm 1 from {len(seeds)} random starts near the protons: electrons drift away",
                 Verdict.from_bool(away), Evidence(Method.EXPERIMENT, "largest distance to a proton, start → "
                                                   f"after {iterations} steps: " + ", ".join(
                                                       f"{a:.2f} → {b:.2f}" for a, b in moves)), "evidence")


def _sphere_is_empty() -> Check:
    """(1 − ρ²)^{(d−3)/2} Δf = d/dρ[(1 − ρ²)^{(d−1)/2} f'], so ∫_{S^{d−1}} ΔΦ dσ = 0 when f' is bounded."""
    f = sp.Function("f")
    weight = (1 - rho**2) ** ((d - 3) / 2)
    flux = sp.diff((1 - rho**2) ** ((d - 1) / 2) * sp.diff(f(rho), rho), rho)
    # 1 − ρ² > 0 inside the sphere's chart, so powers of it may be merged
    divergence = identity(zonal_laplacian(f(rho), d), sp.powsimp(sp.expand(flux / weight), force=True), {},
                          name="divergence form")
    ctx = context(30)
    example = sp.lambdify(rho, zonal_laplacian(sp.exp(3 * (rho - 1)), 5) * (1 - rho**2), modules=[ctx])
    integral = ctx.quad(example, [-1, 1])
    verdict = Verdict.all([divergence.verdict, Verdict.from_bool(abs(integral) < ctx.mpf(10) ** -25)])
    return Check("M = S^{d−1}: ∫ΔΦ dσ = 0 for every zonal Φ with bounded Φ', so none is strictly "
                 "subharmonic — the statement is empty on the sphere", verdict, Evidence(
                     Method.EXACT, f"{divergence.evidence.detail} for (1 − ρ²)^((d−3)/2)Δf = "
                     f"d/dρ[(1 − ρ²)^((d−1)/2) f']; check f = e^(3(ρ−1)), d = 5: "
                     f"∫ΔΦ(1 − ρ²)dρ = {mpmath.nstr(integral, 3)} (30-digit quadrature)"))


def _singular() -> Check:
    """Dropping ‖∇²Φ‖ ≤ B: the Riesz potential r^{−(d−2+ε)} peaks (to +∞) at w and is
    strictly subharmonic off it."""
    riesz = CANDIDATES["Riesz r^{−(d−2+ε)}, ε = 1/2"]
    sub = classify(given(riesz, "radial"), d=3)[EarnshawClass.STRICTLY_SUBHARMONIC]
    holds = sub.verdict is Verdict.PROVEN and sub.region == sp.Interval.open(0, sp.oo)
    return Check("singular Φ = ‖θ − w‖^{−3/2} on R³: strictly subharmonic off w, so by the correlated move "
                 "no local minimum of (9) has every electron off the protons", Verdict.from_bool(holds),
                 Evidence(Method.EXACT, f"ΔΦ = {sp.simplify(radial_laplacian(riesz, 3))} > 0 on "
                          f"{sub.region}; its self-energy Φ(θ, θ) is infinite, so the library's "
                          "loss (5) cannot run it"),
                 "corrected")


def _bounded_hessian(h: sp.Expr) -> bool:
    """h'' and h'/r (the Hessian eigenvalues of a radial potential) stay finite as r → 0⁺ and r → ∞."""
    return all(sp.limit(e, r, end, "+" if end == 0 else "-").is_finite
               for e in (sp.diff(h, r, 2), sp.diff(h, r) / r) for end in (0, sp.oo))


def survey(candidates=CANDIDATES) -> Check:
    """Which radial potentials on R³ are strictly subharmonic off w, of bounded Hessian and realizable?"""
    rows, complete = [], []
    for name, h in candidates.items():
        sub = classify(given(h, "radial"), d=3)[EarnshawClass.STRICTLY_SUBHARMONIC]
        everywhere = sub.verdict is Verdict.PROVEN
        bounded, realizable = _bounded_hessian(h), radial_realizable(h, 3).verdict is not Verdict.REFUTED
        rows.append(f"{name}: subharmonic on {sub.region}, Hessian {'bounded' if bounded else 'unbounded'}, "
                    f"{'realizability not refuted' if realizable else 'not realizable'}")
        if everywhere and bounded and realizable:
            complete.append(name)
    return Check("no surveyed potential is strictly subharmonic off w, of bounded Hessian and realizable",
                 Verdict.from_bool(not complete), Evidence(Method.EXACT, "; ".join(rows) + (
                     ". Reason: |h(r)| ≤ h(0) puts the maximum of a realizable Φ(·, w) at w, and a "
                     "subharmonic function with bounded Hessian has no interior maximum"),
                                                           {"complete": complete}),
                 "evidence")


CLAIMS = [Claim("thm3.6", "Theorem 3.6 (strictly subharmonic potentials, fixed charges)",
                r"\Delta_\theta\Phi > 0 \ (\theta \ne w),\ \|\nabla^2\Phi\| \le B,\ a_i = -1, b_j = 1 "
                r"\;\Rightarrow\; \text{every local minimum of (9) is global; Algorithm 1 with } "
                r"\alpha = 1/(4k^2B) \text{ converges to it}",
                check=lambda: [_correlated_trace(), _hypotheses(), _matched_is_not_minimal(),
                               _sphere_is_empty(), drift(), survey(), _singular()],
                hypotheses=("Φ translation invariant (used by the proof)", "Assumption 1 (fixed charges)",
                            "‖∇²Φ‖ ≤ B"),
                correction=r"\text{with } \|\nabla^2\Phi\| \le B \text{ the matched configuration is never a "
                           r"minimum; } \Phi \text{ must be singular at } \theta = w")]
