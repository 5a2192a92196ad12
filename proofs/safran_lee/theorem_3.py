r"""Theorem 3, negative half: gradient descent on the weak class keeps the risk above 1/400 on D′_d.

The statement (re-read from the paper): for d ≥ 4 there is λ_d ∈ [1, 2] such that GD on the
architecture of Eq. (1), σ ∈ C² with Assumption 1, run for T ≥ 4 steps at a step η ≤ 2/L − 1/T
(L the smoothness of the objective on n samples) from θ₀ with ‖θ₀‖² ≤ p(d, r) with probability
≥ 1 − e^{−d}, has risk ε = E_{D′_d}(N_{θ_t}(x) − 1{‖x‖ ≤ λ_d})² > 1/400 at every t ≤ T, with
probability ≥ 1 − e^{−d}, unless the run takes time (max{r, T}) at least
c₁ exp(c₂ min{ε^{−1/2} ln(d√ε + 2), d ln(1/(d√ε) + 2)}), c₁, c₂ depending on σ only. D′_d is the law of
x₁ + x₂ for independent uniform points of the unit sphere (Eq. (5)). The proof of Theorem 5 takes
λ_d among thresholds with λ_d² ∈ [2 − 1/√d, 2]; ‖x‖² = 2 + 2⟨x₁, x₂⟩ has median 2, so λ = √2 (half the
mass inside, the best constant predictor's risk 1/4) is one end of that range, √(2 − 1/√d) the other.

The constants c₁, c₂ are not given, so no finite run proves or refutes the statement: this is evidence.
At every width r (and d, λ) the weak class (:mod:`theory.separation.weak`, erf, Assumption 7's
initialisation, which meets the norm hypothesis with p(d, r) = r(d + 1)/2 + 2) is trained by full-batch
GD on all parameters at η = ½(2/L̂₀ − 1/T), L̂₀ the Hessian's spectral norm at θ₀ estimated by power
iteration; L̂ is re-estimated at the recorded steps and a run that leaves η ≤ 2/L̂ − 1/T is redone at
half the new bound (:func:`~theory.separation.weak.train_within_hypothesis`). The strong class of
Eq. (2) is trained on the same points (:mod:`theory.separation.sweep`), and both risks are estimated on
one fresh sample with 95 % normal intervals. The check is SUPPORTED when every weak run's interval lies
above 1/400, NOT SUPPORTED when one lies below (the weak class reached 1/400 in the time given: a
finding), UNDECIDED otherwise. Two more checks concern the proof: the hypotheses held, and its Eq. (11),
‖θ_T − θ₀‖ ≤ (2T/L)√L(θ₀), held with L̂ in place of L (a larger true L only lowers the bound).

Note on the proof: it bounds L ≥ 2/k (k = r(d + 2) + 1) from ∂²L/∂b₀² = 2; the Rayleigh quotient
e₁ᵀHe₁ = 2 gives L ≥ 2 at once (every L̂ below is ≥ 2), which only strengthens the argument.
"""

from __future__ import annotations

import math

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Figure
from theory.separation.risk import best_constant_risk
from theory.separation.stall import THEOREM_3_LEVEL, grid
from theory.separation.sweep import Law

#: (dimensions, widths, steps, training points, test points, radii) of a quick, a default and an
#: --experiments run.
QUICK = ((4,), (4, 16), (30, 300), 500, 5000, "median")
DEFAULT = ((4, 8), (4, 16, 64), (100, 300, 1000), 1000, 20_000, "median")
EXPERIMENTS = ((4, 8, 16), (4, 16, 64, 128), (100, 1000, 3000, 10_000), 2000, 20_000, "both")


def radii(which: str):
    """d ↦ the radii λ: the median √2 of ‖x‖, or both ends √2 and √(2 − 1/√d) of the proof's range."""
    return lambda d: (math.sqrt(2),) if which == "median" else (math.sqrt(2), math.sqrt(2 - 1 / math.sqrt(d)))


def _interval(risk: dict) -> str:
    return f"{risk['mean']:.4f} [{risk['low']:.4f}, {risk['high']:.4f}]"


def stall_verdict(weak_runs: list[dict]) -> Verdict:
    """PROVEN (supported) when every recorded risk interval lies above 1/400, REFUTED when one lies below,
    UNDECIDED otherwise."""
    risks = [r for run in weak_runs for r in run["risk"]]
    if all(r["low"] > THEOREM_3_LEVEL for r in risks):
        return Verdict.PROVEN
    return Verdict.REFUTED if any(r["high"] < THEOREM_3_LEVEL for r in risks) else Verdict.UNDECIDED


def _stall_check(d: int, lam: float, pairs: list[dict]) -> Check:
    weak = [p["weak"] for p in pairs]
    rows = []
    for p in pairs:
        w, s = p["weak"], p["strong"]
        curve = ", ".join(f"{t}: {_interval(r)}"
                          for t, r in zip(w["recorded"][1:], w["risk"][1:], strict=True))
        rows.append(f"r = {w['width']} (n = {w['n']}, η = {w['step_size']:.3g}, max "
                    f"L̂ = {max(w['smoothness']):.3g}, {w['seconds']:.1f} s): weak {curve}; strong after "
                    f"{s['recorded'][-1]} steps {_interval(s['risk'][-1])}")
    below = [f"r = {w['width']}, step {t}" for w in weak
             for t, r in zip(w["recorded"], w["risk"], strict=True)
             if r["high"] < THEOREM_3_LEVEL]
    best = min((r["mean"], w["width"], t) for w in weak
               for t, r in zip(w["recorded"], w["risk"], strict=True))
    return Check(f"D'_d, d = {d}, λ = {lam:.4f}: GD on the weak class keeps the risk above 1/400 at "
                 "every width and step", stall_verdict(weak), Evidence(
                     Method.EXPERIMENT, f"risk [95 % interval] after t steps; {'; '.join(rows)}; lowest weak "
                     f"risk {best[0]:.4f} (r = {best[1]}, step {best[2]}); below 1/400: "
                     f"{', '.join(below) or 'none'}; the best constant predictor has risk "
                     f"{best_constant_risk(Law.SPHERE_SUM.make(d), lam):.4f} on D'_{d} at λ = {lam:.4f}",
                     {"pairs": pairs, "below": below, "lowest": best[0]}), "evidence")


def _hypotheses_check(pairs: list[dict]) -> Check:
    weak = [p["weak"] for p in pairs]
    outside = [f"d = {w['d']}, r = {w['width']}" for w in weak if not w["within_hypothesis"]]
    heavy = [f"d = {w['d']}, r = {w['width']}" for w in weak if w["initial_norm2"] > w["norm_bound"]]
    unlikely = [f"d = {w['d']}, r = {w['width']} ({w['initialisation_failure']:.2g} > e^-d)" for w in weak
                if w["initialisation_failure"] > math.exp(-w["d"])]
    lowest_l = min(min(w["smoothness"]) for w in weak)
    verdict = Verdict.PROVEN if not outside and not heavy and lowest_l >= 2 - 1e-6 else Verdict.UNDECIDED
    steps = ", ".join(f"d = {w['d']}, r = {w['width']}: η = {w['step_size']:.3g} ≤ 2/L̂ − 1/T = "
                      f"{2 / max(w['smoothness']) - 1 / w['recorded'][-1]:.3g}" for w in weak)
    return Check("Theorem 3's hypotheses hold along every weak run (T ≥ 4; η ≤ 2/L̂ − 1/T for the largest L̂ "
                 "met; ‖θ₀‖² ≤ p(d, r))", verdict, Evidence(
                     Method.EXPERIMENT, f"{steps}; runs outside the step bound: "
                     f"{', '.join(outside) or 'none'}; ‖θ₀‖² above p(d, r): {', '.join(heavy) or 'none'}; "
                     "widths where our Chernoff bound on P[‖θ₀‖² > p(d, r)] does not reach e^-d (the draw is "
                     f"within p, the probability is unproven): {', '.join(unlikely) or 'none'}; smallest L̂ "
                     f"{lowest_l:.3f} (≥ 2, the b₀-curvature)"),
                 "evidence")


def _displacement_check(pairs: list[dict]) -> Check:
    weak = [p["weak"] for p in pairs]
    ratios = [w["displacement"] / w["displacement_bound"] for w in weak]
    return Check("the proof's Eq. (11): ‖θ_T − θ₀‖ ≤ (2T/L̂)√L(θ₀) on every weak run",
                 Verdict.from_bool(max(ratios) <= 1), Evidence(
                     Method.EXPERIMENT, "‖θ_T − θ₀‖ / bound: " + ", ".join(
                         f"d = {w['d']}, r = {w['width']}: "
                         f"{w['displacement']:.3g}/{w['displacement_bound']:.3g}"
                         for w in weak) + f" (largest ratio {max(ratios):.3g})"), "evidence")


def evidence(dims, widths, steps, n, test, which, *, progress=None, name="sl-thm3") -> list[Check]:
    pairs = grid(Law.SPHERE_SUM, dims, widths, steps, radii(which), n=n, test=test, progress=progress)
    groups = {}
    for p in pairs:
        groups.setdefault((p["weak"]["d"], p["weak"]["lam"]), []).append(p)
    checks = [_stall_check(d, lam, cells) for (d, lam), cells in groups.items()]
    checks += [_hypotheses_check(pairs), _displacement_check(pairs)]
    from dataclasses import replace

    from theory.separation.figures import weak_against_strong
    (d, lam), cells = next(iter(groups.items()))
    figure = Figure(f"{name}-risk",
                    f"Theorem 3: risk against GD steps on D'_d (d = {d}, λ = {lam:.4f}) of the weak "
                    "class at several widths (solid) and the strong class on the same data (dashed), with 95 "
                    "% intervals and the level 1/400.", lambda: weak_against_strong(cells, THEOREM_3_LEVEL))
    checks[0] = replace(checks[0], figures=(figure,))
    return checks


def _check(settings) -> list[Check]:
    return evidence(*settings.choose(DEFAULT, QUICK))


HYPOTHESES = ("x ~ D'_d (Eq. (5)), d ≥ 4", "weak class of Eq. (1), σ = erf (C², Assumption 1)",
              "T ≥ 4, η ≤ 2/L − 1/T (L estimated)", "‖θ₀‖² ≤ p(d, r) (Assumption 7's scheme)",
              "λ_d² ∈ [2 − 1/√d, 2]")
CLAIMS = [
    Claim("sl-thm3",
          "Safran & Lee 2022, Theorem 3 (negative half): GD on depth-2 networks stays above 1/400 on D'_d",
          r"\mathbb{E}_{x\sim D'_d}\big(N_{\theta_t}(x) - \mathbb{1}\{\|x\| \le \lambda_d\}\big)^2 "
          r"> \tfrac{1}{400}"
          r"\ \text{for all } t \le T \text{ unless } \max\{r, T\} \ge c_1 e^{c_2 \min\{"
          r"\epsilon^{-1/2}\ln(d\sqrt\epsilon + 2),"
          r"\, d \ln(1/(d\sqrt\epsilon) + 2)\}}",
          check=_check, conjecture=True, hypotheses=HYPOTHESES),
    Claim("sl-thm3-grid",
          "Safran & Lee 2022, Theorem 3 (negative half): the larger grid (d up to 16, r up to 128, "
          "10⁴ steps, both ends of λ_d's range)", r"\text{as sl-thm3}",
          check=lambda: evidence(*EXPERIMENTS, progress=True, name="sl-thm3-grid"), conjecture=True,
          experiment=True, hypotheses=HYPOTHESES),
]
