"""The statistical error: the distance GD settles at falls like √(d log n / n).

Evidence, not proof. With noise ν = 0.5 the error of GD stops at a floor set by the sample; its
median over seeds against n is fitted by a power law C nᵖ. The theorem bounds the floor by
O(√(d log n / n)): the data agree with the bound when the interval for p reaches down to −1/2 or
below (a bound, so a faster fall agrees too); whether −1/2 lies inside says if the rate is tight.
The fit of floor/√(log n) removes the logarithm and is reported beside it.
"""

from __future__ import annotations

import numpy as np

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim

from ._runs import power_law, run

NOISE, ITERATIONS = 0.5, 300


def _evidence(ns: tuple[int, ...], seeds: int) -> Check:
    finals = np.array([[run(1, n, NOISE, seed, ITERATIONS)["errors"][-1] for seed in range(seeds)]
                       for n in ns])
    floors = np.median(finals, axis=1)
    p, low, high = power_law(ns, floors)
    q, q_low, q_high = power_law(ns, floors / np.sqrt(np.log(ns)))
    table = ", ".join(f"n = {n}: {f:.4f}" for n, f in zip(ns, floors, strict=True))
    return Check(f"d = K = 3, ν = {NOISE}: the floor falls at least like n^(−1/2) ({seeds} seeds per n)",
                 Verdict.from_bool(low <= -0.5), Evidence(
                     Method.EXPERIMENT,
                     f"median floor {table}; exponent p = {p:.3f}, 95% interval [{low:.3f}, {high:.3f}] "
                     f"(−1/2 {'inside' if low <= -0.5 <= high else 'outside'}); floor/√(log n): "
                     f"{q:.3f} [{q_low:.3f}, {q_high:.3f}]",
                     {"n": list(ns), "floors": floors.tolist(), "exponent": [p, low, high],
                      "exponent_without_log": [q, q_low, q_high]}), "evidence")


CLAIMS = [Claim(
    "zhang-floor", "Zhang et al. 2019, main theorem: statistical error of order √(d log n / n)",
    r"\lim_{t\to\infty}\|W_t - W^*\|_F = O\!\left(\sqrt{d\log n / n}\right)",
    check=lambda settings: [_evidence(settings.choose((2000, 4000, 8000, 16000, 32000),
                                                      (2000, 4000, 8000, 16000)), settings.choose(4, 3))],
    conjecture=True, hypotheses=("x ~ N(0, I_d)", "σ = ReLU", "noise ε ~ N(0, ν²) independent of x"))]
