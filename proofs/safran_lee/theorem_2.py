r"""Theorem 2, negative half: on D_d no efficient algorithm returns a depth-2 network with risk below c/d⁴.

The statement (re-read from the paper): there are universal c₁, …, c₄ > 0 and λ_d ∈ [1, 2] such that for
d ≥ c₁ any algorithm returning a network of Eq. (1) (σ with Assumption 1) has
E_{D_d}(N(x) − 1{‖x‖ ≤ λ_d})² ≥ c₂/d⁴ unless it runs for time ≥ c₃ exp(c₄ d); D_d is the mixture of
Eq. (4), half the Bessel law of Eq. (3), half N(0, I_d/d). It rests on Theorem 4, an approximation
bound (width ≥ c₃ exp(c₄ d)) reduced from Eldan & Shamir (2016); λ_d comes out of that reduction and
is not given, nor are the constants.

So this is evidence about one algorithm only: the weak class trained by GD on all parameters
(:mod:`theory.separation.stall`, as for Theorem 3) at growing widths, at λ = 1.5, for several d, with
the strong class on the same data. The lower bound can only be contradicted by a risk that falls with d
faster than d⁻⁴: the check fits log(lowest risk over widths and steps) = a + p log d (least squares,
95 % Student-t interval) and is SUPPORTED when the interval lies above −4, NOT SUPPORTED when below,
UNDECIDED otherwise. A risk that does not fall with d at all (p ≥ 0) is the expected outcome and is
much weaker than the theorem: it says the weak class, at these sizes, is nowhere near c/d⁴ for any
c of moderate size — see the numbers.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import linregress
from scipy.stats import t as student_t

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.separation.risk import best_constant_risk
from theory.separation.stall import grid
from theory.separation.sweep import Law

LAM = 1.5
#: The exponent of the bound c/d⁴.
BOUND_RATE = -4
#: (dimensions, widths, steps, training points, test points) of a quick, a default and an --experiments run.
QUICK = ((4, 8, 16), (4, 16), (30, 300), 500, 5000)
DEFAULT = ((4, 8, 16), (4, 16, 64), (100, 300, 1000), 1000, 20_000)
EXPERIMENTS = ((4, 8, 16, 32, 64), (4, 16, 64, 128), (100, 1000, 3000, 10_000), 2000, 20_000)


def lowest(runs: list[dict]) -> dict:
    """The lowest risk estimate over the runs and their recorded steps, with the width and step."""
    return min(({**r, "width": run["width"], "step": t} for run in runs
                for t, r in zip(run["recorded"], run["risk"], strict=True)), key=lambda r: r["mean"])


def dimension_rate(dims, risks, level: float = 0.95) -> tuple[float, float, float]:
    """Slope p of log risk ≈ a + p log d by least squares, with its ``level`` Student-t interval
    (nan: < 3 d)."""
    if len(dims) < 3:
        return float("nan"), float("nan"), float("nan")
    fit = linregress(np.log(dims), np.log(risks))
    half = student_t.ppf(0.5 + level / 2, len(dims) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)


def evidence(dims, widths, steps, n, test, *, progress=None) -> list[Check]:
    pairs = grid(Law.BESSEL_MIXTURE, dims, widths, steps, lambda d: (LAM,), n=n, test=test, progress=progress)
    rows, best = [], []
    for d in dims:
        mine = [p for p in pairs if p["weak"]["d"] == d]
        weak, strong = lowest([p["weak"] for p in mine]), lowest([p["strong"] for p in mine])
        best.append(weak["mean"])
        mass = float(Law.BESSEL_MIXTURE.make(d).radius_cdf(LAM))
        rows.append(f"d = {d} (best constant P(1 − P) = {mass * (1 - mass):.4f}): weak {weak['mean']:.4f} "
                    f"[{weak['low']:.4f}, {weak['high']:.4f}] (r = {weak['width']}, "
                    f"step {weak['step']}), strong {strong['mean']:.4f} [{strong['low']:.4f}, "
                    f"{strong['high']:.4f}] (r = {strong['width']}, step {strong['step']})")
    p, low, high = dimension_rate(list(dims), best)
    baseline = ", ".join(f"{best_constant_risk(Law.BESSEL_MIXTURE.make(d), LAM):.4f}" for d in dims)
    undecided = np.isnan(p) or low <= BOUND_RATE <= high
    verdict = Verdict.UNDECIDED if undecided else Verdict.from_bool(low > BOUND_RATE)
    steps_used = ", ".join(f"d = {q['weak']['d']}, r = {q['weak']['width']}: "
                           f"η = {q['weak']['step_size']:.3g}, max L̂ = {max(q['weak']['smoothness']):.3g}, "
                           f"within 2/L̂ − 1/T: {q['weak']['within_hypothesis']}" for q in pairs)
    return [Check(f"D_d, λ = {LAM}: the lowest risk GD reaches on the weak class falls no faster than d⁻⁴",
                  verdict, Evidence(
                      Method.EXPERIMENT, f"lowest risk [95 % interval] over widths {tuple(widths)} and steps "
                      f"{tuple(steps)}: {'; '.join(rows)}; risk ∝ d^p with p = {p:.3f}, 95 % interval "
                      f"[{low:.3f}, {high:.3f}] (the bound's exponent −4); the best constant predictor has "
                      f"risk {baseline} on D_d at λ = {LAM} "
                      f"(d = {', '.join(map(str, dims))}); steps: {steps_used}",
                      {"pairs": pairs, "exponent": [p, low, high],
                       "lowest": dict(zip(dims, best, strict=True))}),
                  "evidence")]


def _check(settings) -> list[Check]:
    return evidence(*settings.choose(DEFAULT, QUICK))


HYPOTHESES = ("x ~ D_d (Eq. (4), α = 1)", "weak class of Eq. (1), σ = erf, trained by GD on all parameters",
              "λ = 1.5 standing for the unknown λ_d ∈ [1, 2]")
CLAIMS = [
    Claim("sl-thm2",
          "Safran & Lee 2022, Theorem 2 (negative half): depth-2 networks cannot reach c/d⁴ on D_d "
          "efficiently",
          r"\mathbb{E}_{x\sim D_d}\big(N(x) - \mathbb{1}\{\|x\| \le \lambda_d\}\big)^2 \ge \frac{c_2}{d^4}"
          r"\ \text{unless time} \ge c_3 e^{c_4 d}", check=_check, conjecture=True, hypotheses=HYPOTHESES),
    Claim("sl-thm2-grid",
          "Safran & Lee 2022, Theorem 2 (negative half): the larger grid (d up to 64, r up to 128, "
          "10⁴ steps)",
          r"\text{as sl-thm2}", check=lambda: evidence(*EXPERIMENTS, progress=True), conjecture=True,
          experiment=True, hypotheses=HYPOTHESES),
]
