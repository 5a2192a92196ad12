r"""Assumption 6 for the paper's data laws: D_d (Eq. (4)), D′_d (Eq. (5)) and "heavy-tailed laws
such as Cauchy".

The paper states that D_d satisfies Assumption 6 (used for Theorem 2's positive half) and proves it for D′_d
in an appendix (for Theorem 3's); it remarks that the assumption admits Cauchy. Each condition is decided
by :func:`theory.separation.assumption6.assess`: a proof for every d where one exists (exact algebra),
otherwise a survey over d whose values are certified in ball arithmetic and whose trend in d is numeric
evidence.

The appendix bounds D′_d's density on [0, 2] by

    x^{d−2}(1 − x²/4)^{(d−3)/2} = (x²)^{(d−2)/2}(1 − x²/4)^{(d−3)/2} ≤ (x² − x⁴/4)^{(d−3)/2} ≤ 1,

whose first inequality needs x ≤ 1. It is checked as stated (an exact counter-example) and in a corrected
form, x^{d−2}(1 − x²/4)^{(d−3)/2} = x·(x² − x⁴/4)^{(d−3)/2} ≤ 2, which keeps the conclusion γ′_d ≤ √d
(:func:`~theory.separation.assumption6.sphere_sum_bound`).
"""

from __future__ import annotations

import sympy as sp
from flint import arb

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Subject
from theory.separation import assumption6, balls
from theory.separation.laws import SphereSum

#: Dimensions of the survey (D_d's tail has a ball form for even d only).
DIMS = (4, 8, 16, 32, 64)
QUICK_DIMS = (4, 8, 16)


def _condition_checks(key: str, dims, subject: Subject = Subject.AS_STATED) -> list[Check]:
    """One check per condition, for every d: a proof decides; a condition only surveyed is UNDECIDED for
    every d, and the survey (certified values, numeric trend) follows as evidence."""
    seq = assumption6.sequence(key)
    checks = []
    for f in assumption6.assess(seq, dims).deciding:
        name = f"{seq.name}: condition {f.condition.value}, {f.condition.statement}"
        if f.every_d:
            checks.append(Check(name, f.verdict, Evidence(f.method, "for every d: " + f.detail,
                                                          {"constants": f.constants}), subject))
            continue
        checks.append(Check(name, Verdict.UNDECIDED, Evidence(
            Method.INCONCLUSIVE, f"no proof for every d; the survey at d = {tuple(dims)} "
            f"{'agrees' if f.verdict is Verdict.PROVEN else 'disagrees'} (below)"), subject))
        checks.append(Check(f"{name}: survey", f.verdict,
                            Evidence(f.method, f.detail, {"constants": f.constants}), "evidence"))
    return checks


def _proof_step_check() -> Check:
    """The appendix's (x²)^{(d−2)/2}(1 − x²/4)^{(d−3)/2} ≤ 1, at d = 4, x² = 8/3 (the maximiser)."""
    x2 = sp.Rational(8, 3)
    value = x2 * sp.sqrt(1 - x2 / 4)
    holds = bool(value <= 1)
    return Check("D′_d appendix: x^{d−2}(1 − x²/4)^{(d−3)/2} ≤ 1 on [0, 2] (the step behind γ′_d ≤ √d)",
                 Verdict.from_bool(holds), Evidence(
                     Method.EXACT, f"at d = 4, x² = 8/3 it equals 8/(3√3) = {float(value):.6f} > 1; the step "
                     "(x²)^{(d−2)/2} ≤ (x²)^{(d−3)/2} holds only for x ≤ 1"))


def _corrected_bound_check(dims) -> Check:
    """γ′_d ≤ 2Γ(d/2)/(√π Γ((d−1)/2)) < √d for d ≥ 3, against the certified maximum of the density."""
    rows, ok = [], True
    for d in dims:
        proved = assumption6.sphere_sum_bound(d)
        certified = balls.density_bound(SphereSum(d), 0.9, 2.0, cells=200)
        below_root = proved.upper() < arb(d).sqrt().lower()
        ok &= bool(below_root)
        rows.append(f"d = {d}: max γ′_d ≤ {float(certified.upper()):.4f} ≤ bound "
                    f"{float(proved.upper()):.4f} < √d")
    return Check("D′_d appendix (corrected step x·(x² − x⁴/4)^{(d−3)/2} ≤ 2): γ′_d ≤ √d on [0, 2] for d ≥ 3",
                 Verdict.from_bool(ok), Evidence(
                     Method.EXACT, "for every d ≥ 3 by the corrected step and Gautschi's "
                     "Γ(d/2)/Γ((d−1)/2) < √(d/2); the bound √(2d/π) < √d; against the certified "
                     "density maximum (arb): " + "; ".join(rows)),
                 "corrected")


def _bessel(settings) -> list[Check]:
    return _condition_checks("bessel", settings.choose(DIMS, QUICK_DIMS))


def _sphere_sum(settings) -> list[Check]:
    dims = settings.choose(DIMS, QUICK_DIMS)
    return [*_condition_checks("sphere-sum", dims), _proof_step_check(), _corrected_bound_check(dims)]


def _cauchy(settings) -> list[Check]:
    dims = settings.choose(DIMS, QUICK_DIMS)
    return [*_condition_checks("cauchy-scaled", dims), *_condition_checks("cauchy", dims, "evidence")]


CLAIMS = [
    Claim("sl-asm6-bessel", "Safran & Lee 2022, Assumption 6 for D_d (Eq. (4), with Theorem 2)",
          r"\{\mathcal D_d\}_{d \ge 2} \text{ satisfies Assumption 6}", check=_bessel,
          hypotheses=("D_d = ½ μ_d + ½ N(0, I_d/d), μ_d the Bessel law of Eq. (3) with α = 1",
                      "condition 2's positivity read on x > 0")),
    Claim("sl-asm6-sphere-sum",
          "Safran & Lee 2022, Assumption 6 for D′_d (Eq. (5), Appendix, with Theorem 3)",
          r"\{\mathcal D'_d\}_{d \ge 3} \text{ satisfies Assumption 6}", check=_sphere_sum,
          correction=(r"\text{the density of } \mathcal D'_d \text{ vanishes on all of } (2, \infty)"
                      r"\text{, not only at the boundary; mixing in a law of positive density "
                      r"repairs condition 2. "
                      r"The step } x^{d-2}(1 - x^2/4)^{(d-3)/2} \le 1 \text{ fails for } x > 1"
                      r"\text{; corrected, } x^{d-2}(1 - x^2/4)^{(d-3)/2} "
                      r"= x\,(x^2 - x^4/4)^{(d-3)/2} \le 2"
                      r"\text{ gives } \gamma'_d \le \frac{2\Gamma(d/2)}{\sqrt\pi\,\Gamma((d-1)/2)} "
                      r"< \sqrt d"),
          hypotheses=("d ≥ 3 (D′_2 has an unbounded density at 2)",)),
    Claim("sl-asm6-cauchy", "Safran & Lee 2022, Assumption 6 admits heavy-tailed laws such as Cauchy",
          r"\text{the multivariate Cauchy law (scale } 1/\sqrt d) \text{ satisfies Assumption 6}",
          check=_cauchy,
          hypotheses=("x = s z/|g|, z ~ N(0, I_d), g ~ N(0, 1); "
                      "s = 1/√d (a fixed s fails conditions 1 and 3)",)),
]
