"""The paper's predictions about end points, by Earnshaw class: the table ``theory verify`` checks.

:data:`TABLE` turns a classification (:mod:`theory.conditions.classify`) into a
:class:`~theory.verification.verify.Prediction` that names the result it rests on;
:func:`theory.verification.verify.verify` checks it against seeded runs.

==========================================  ==========================================
proven class (fixed charges a_i = −1)       prediction
==========================================  ==========================================
harmonic                                    Theorem 3.3: no strict local minimum with
                                            an electron off every proton and electron
strictly subharmonic                        Theorem 3.6: every local minimum is global
strictly subharmonic only for r > R         at every local minimum some electron lies
(radial Φ)                                  within R of some proton (the correlated-
                                            motion argument of Theorem 3.6)
anything else                               NO PREDICTION
==========================================  ==========================================

With free output weights (``charges="optimal"``) the dynamics runs on the reduced
loss ℓ(θ) = min_a L(a, θ) (a = a*(θ) throughout) and end points are classified
by the Hessian of ℓ:

==========================================  ==========================================
proven class (free output weights)          prediction
==========================================  ==========================================
harmonic                                    Theorem 3.3 as above (it needs no sign of a)
λ-harmonic, Φ(θ, θ) constant                Theorem 3.9 (by Lemma 3.8): no local
                                            minimum of ℓ with L > 0 has an electron off
                                            every proton and electron with a_i* ≠ 0
anything else (strictly subharmonic         NO PREDICTION (Theorem 3.6 rests on
included)                                   Assumption 1, fixed weights)
==========================================  ==========================================

A free-weight end point where a hypothesis of Theorem 3.9 fails (an electron
switched off, a_i* ≈ 0; two electrons merged) is counted apart, never as a
counter-example. The results speak of charges fixed at a_i = −1 (Assumption 1) or
optimised; other fixed charges get no prediction.

>>> from theory.conditions.classify import classify
>>> from theory.potentials.potential import given
>>> prediction, why = predict(classify(given("exp(-r^2/2)", "radial"), d=3), Fixed())
>>> prediction.rule.value, round(prediction.radius, 6)
('near', 1.732051)
>>> predict(classify(given("exp(-r)", "radial"), d=1), Optimal())[0].theorem
'Theorem 3.9'
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from theory.conditions.classify import Classification, EarnshawClass
from theory.core.verdict import Verdict
from theory.dynamics.charges import Fixed, Optimal
from theory.potentials.forms import Radial
from theory.verification.verify import REALIZABLE, SMOOTH, Prediction, Predictions, Rule

_FIXED = "Assumption 1: output weights fixed, a_i = −b_i = −1"
_DISTINCT = "electrons distinct from each other and from the protons, optimal weights a_i* ≠ 0"


def predict(classification: Classification, policy: Fixed | Optimal) -> tuple[Prediction | None, str]:
    """The prediction for fixed or free output weights (``policy``) and the reason it was (not) made."""
    c = classification
    if c[EarnshawClass.HARMONIC].verdict is Verdict.PROVEN:
        return Prediction("Theorem 3.3 (Earnshaw)", "no strict local minimum (λ_min > 0) has an "
                          "electron away from every proton and every other electron",
                          ("Φ harmonic on M", "Φ twice differentiable off the charges"), Rule.STRICT), \
            "Φ is harmonic"
    if policy.optimised:
        return _predict_free(c)
    sub = c[EarnshawClass.STRICTLY_SUBHARMONIC]
    if sub.verdict is Verdict.PROVEN:
        return Prediction("Theorem 3.6", "every local minimum is a global minimum (L = 0, every "
                          "electron on a proton)", ("Φ strictly subharmonic on M", SMOOTH, _FIXED,
                                                    REALIZABLE), Rule.GLOBAL), "Φ is strictly subharmonic"
    radius = _threshold(c, sub.region)
    if radius is None:
        return None, (f"no Earnshaw class holds on all of M (strictly subharmonic on {sub.region}) "
                      "and no region-restricted result applies")
    return Prediction("Theorem 3.6 (region-restricted)", f"at every local minimum some electron lies "
                      f"within {radius:.6g} of some proton (ΔΦ > 0 for r > {radius:.6g}, so moving all "
                      "electrons together lowers L when every pair is farther)",
                      (f"Φ strictly subharmonic for r > {radius:.6g}", "Φ translation invariant",
                       _FIXED, REALIZABLE), Rule.NEAR, radius), f"Φ is strictly subharmonic on {sub.region}"


def _predict_free(c: Classification) -> tuple[Prediction | None, str]:
    eigen = c[EarnshawClass.LAMBDA_HARMONIC]
    if eigen.verdict is Verdict.PROVEN and c.potential.form.isometry_invariant:
        return Prediction("Theorem 3.9", "no local minimum of ℓ(θ) = min_a L(a, θ) with L > 0 has an "
                          "electron away from every proton and every other electron carrying a_i* ≠ 0 "
                          "(Lemma 3.8: Δ_{θ_i} L = −2cλ(a_i*)² < 0 there), so under the hypotheses "
                          "every local minimum is global",
                          (f"Φ λ-harmonic on M (λ = {eigen.value})", "Φ(θ, θ) constant (radial or zonal Φ)",
                           _DISTINCT, REALIZABLE), Rule.CHARGED), f"Φ is λ-harmonic with λ = {eigen.value}"
    if c[EarnshawClass.STRICTLY_SUBHARMONIC].verdict is Verdict.PROVEN:
        return None, ("Φ is strictly subharmonic, but Theorem 3.6 needs fixed output weights (Assumption 1), "
                      "and Φ is neither harmonic nor λ-harmonic")
    return None, "Φ is neither harmonic nor λ-harmonic on M: no result covers free output weights"


def _threshold(c: Classification, region) -> float | None:
    """R when a radial Φ is strictly subharmonic exactly on (R, ∞)."""
    if not isinstance(c.potential.form, Radial) or not isinstance(region, sp.Interval) or region.sup != sp.oo:
        return None
    return float(region.inf) if region.inf.is_finite else None


def refuse(policy: Fixed | Optimal, k: int) -> str | None:
    """Why the paper predicts nothing for these charges: fixed, but not a_i = −1 (Assumption 1)."""
    if policy.optimised or np.all(policy.at(k) == -1):
        return None
    return (f"verify predicts for the paper's charges, fixed at a_i = −1 (Assumption 1) or "
            f"optimal, got {policy}; simulate runs other fixed charges")


#: The paper's table, as :func:`theory.verification.verify.verify` reads it.
TABLE = Predictions(predict, refuse, free_result="Theorem 3.9")
