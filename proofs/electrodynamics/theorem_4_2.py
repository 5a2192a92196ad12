"""Theorem 4.2: the Gaussian potential e^{−‖θ−w‖²/2} on R^d.

Checked: the Laplacian (r² − d)e^{−r²/2}, so Φ is strictly subharmonic exactly
where r² > d — the theorem's 2d < r² is sufficient but not sharp; for one
electron and one proton the Hessian of −Φ has a negative eigenvalue exactly
where r > 1 (radial direction), sharper still. And the hypothesis on the
proton scale, kc²e^{−c} ≤ e^{−2d} "for some constant c > 2", cannot hold for a
constant c as d grows: it forces c ≥ 2d + 2 log c + log k. The figure shows ΔΦ
for d = 2 and 5 with the sharp threshold √d and the theorem's √(2d).
"""

from __future__ import annotations

from dataclasses import replace

import sympy as sp

from theory.conditions.classify import EarnshawClass, classify
from theory.conditions.laplacian import radial_laplacian
from theory.core.symbols import d, r
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Figure
from theory.paper.compare import identity
from theory.paper.plots import radial_laplacian_sign
from theory.potentials.potential import given

GAUSSIAN = sp.exp(-r**2 / 2)


def _checks() -> list[Check]:
    lap = identity(radial_laplacian(GAUSSIAN, d), (r**2 - d) * GAUSSIAN, {r: [sp.Rational(3, 2)], d: [3, 7]},
                   name="ΔΦ = (r² − d)e^{−r²/2}")
    figure = Figure("thm4.2-laplacian",
                    "Theorem 4.2: the Laplacian (r² − d)e^{−r²/2} of the Gaussian potential "
                    "for d = 2 and 5; it is positive (shaded) exactly beyond r = √d, well before "
                    "the theorem's √(2d).",
                    lambda: radial_laplacian_sign(GAUSSIAN, (2, 5), marks={"r = √d": sp.sqrt(d),
                                                                           "r = √(2d)": sp.sqrt(2 * d)}))
    checks = [replace(lap, figures=(figure,))]
    for dim in (2, 5):
        region = classify(given(GAUSSIAN, "radial"), d=dim)[EarnshawClass.STRICTLY_SUBHARMONIC].region
        sharp = region == sp.Interval.open(sp.sqrt(dim), sp.oo)
        checks.append(Check(f"d = {dim}: strictly subharmonic exactly on r > √d (the theorem asks r² > 2d)",
                            Verdict.from_bool(sharp), Evidence(Method.EXACT, f"certified region {region}"),
                            "corrected"))
    radial_curvature = sp.factor(sp.diff(-GAUSSIAN, r, 2))
    checks.append(Check("one proton: ∂²(−Φ)/∂r² = (1 − r²)e^{−r²/2} < 0 exactly for r > 1",
                        Verdict.from_bool(sp.simplify(radial_curvature - (1 - r**2) * GAUSSIAN) == 0),
                        Evidence(Method.EXACT, f"∂²(−Φ)/∂r² = {radial_curvature}"), "corrected"))
    c = sp.Symbol("c", positive=True)
    dims = [10, 50]  # k = 1: the largest root of log(c²) − c = −2d is the smallest admissible c
    needed = [sp.nsolve(sp.log(c**2) - c + 2 * dim, c, 3 * dim) for dim in dims]
    constant = all(n > 2 * dim for n, dim in zip(needed, dims, strict=True))
    checks.append(Check("kc²e^{−c} ≤ e^{−2d} with a constant c > 2 for all d",
                        Verdict.from_bool(not constant),
                        Evidence(Method.COUNTEREXAMPLE, "even for k = 1 the smallest admissible c is "
                                 + ", ".join(f"{float(n):.1f} at d = {dim}"
                                             for n, dim in zip(needed, dims, strict=True))
                                 + ": c must grow like 2d")))
    return checks


CLAIMS = [Claim("thm4.2", "Theorem 4.2 (Gaussian potential)",
                r"\Phi = e^{-\|\theta-w\|^2/2},\ 2d < \|\theta_i - w_j\|^2 < O(d) \Rightarrow "
                r"e^{-O(d)}\text{-strict};\ w_j \sim N(0, cI),\ kc^2e^{-c} \le e^{-2d},\ c \text{ constant}",
                check=_checks, hypotheses=("M = R^d", "Assumption 1 (fixed charges)"),
                correction=r"c \ge 2d + 2\log c + \log k \text{ (c grows with d)}; "
                           r"\text{ strict subharmonicity already for } \|\theta - w\|^2 > d")]
