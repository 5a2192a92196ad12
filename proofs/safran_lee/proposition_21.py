r"""Proposition 21: the mean of a random erf feature with a truncated bias.

With U ~ N(0, I_d/4) and B ~ N(0, 1/4) independent (Assumption 7), the paper states for every x:

- B conditioned on B ≥ 0:      E[erf(⟨U, x⟩ + B)] = (2/π) arctan(1/√(2 + ‖x‖²));
- B conditioned on B ≥ 1/√2:   E[erf(⟨U, x⟩ + B)] = 4/(1 − erf 1) · T(√2, 1/√(2 + ‖x‖²)),

T(h, a) = (1/2π) ∫₀ᵃ e^{−h²(1+s²)/2}/(1 + s²) ds being Owen's T function
(:class:`~theory.potentials.random_features.OwenT`).

Proof by exact algebra: the engine derives the left-hand side,
:func:`~theory.potentials.random_features.feature_mean` ``(erf, 1/2, 1/2, t)``, checking each step
in SymPy — Gaussian smoothing, E[erf(b + Z)] = erf(b/√(1 + 2s²)) (both odd in b, equal
b-derivatives), then E[erf(cB) | B ≥ t] = 4T(t/s_b, √2 s_b c)/erfc(t/(√2 s_b)) (both vanish at
c = 0, equal c-derivatives) — and its form minus the paper's simplifies to 0.

Independent checks: the two-dimensional integral over (⟨U, x⟩, B) by mpmath quadrature at two
precisions (a quick run: the one-dimensional integral over B of erf(cB), c = (1 + ‖x‖²/2)^{−1/2},
at two precisions, which rests on the smoothing step), and a seeded Monte Carlo estimate with its
standard error (with its power: the smallest deviation it would have detected).
"""


from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
from scipy.stats import truncnorm

from theory.core.symbols import r
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.potentials.random_features import OwenT, feature_mean, vanishes

B_SCALE = sp.Rational(1, 2)            # B ~ N(0, 1/4)
U_SCALE = sp.Rational(1, 2)            # U ~ N(0, I_d/4)
RADII = (0, 1, 3)                      # ‖x‖ of the quadrature checks
TRUNCATIONS = (sp.Integer(0), 1 / sp.sqrt(2))


def stated_form(truncation: sp.Expr) -> sp.Expr:
    """The paper's right-hand side as a SymPy expression in r = ‖x‖."""
    a = 1 / sp.sqrt(2 + r**2)
    if truncation == 0:
        return 2 / sp.pi * sp.atan(a)
    return 4 / (1 - sp.erf(1)) * OwenT(sp.sqrt(2), a)


def _exact_check(truncation: sp.Expr, stated_expr: sp.Expr) -> Check:
    derived = feature_mean("erf", U_SCALE, B_SCALE, truncation)
    name = f"B ≥ {truncation}: the engine's E[erf(⟨U, x⟩ + B) | B ≥ {truncation}] equals the stated form"
    if derived.expr is None:
        return Check(name, Verdict.UNDECIDED,
                     Evidence(Method.EXACT, f"no closed form derived ({derived.method})"))
    same = vanishes(derived.expr - stated_expr)
    return Check(name, Verdict.from_bool(same), Evidence(
        Method.EXACT, f"derived {derived.expr} ({'; '.join(derived.steps)}); minus the stated form: "
                      f"{'0' if same else 'not 0'}"))


def _mp(value: sp.Expr) -> mpmath.mpf:
    """An exact SymPy number at mpmath's working precision."""
    return mpmath.mpf(value._to_mpmath(mpmath.mp.prec + 10))


def stated(truncation: sp.Expr, radius: float):
    """The paper's right-hand side at ‖x‖ = radius (mpmath, working precision)."""
    a = 1 / mpmath.sqrt(2 + mpmath.mpf(radius) ** 2)
    if truncation == 0:
        return 2 / mpmath.pi * mpmath.atan(a)
    h = mpmath.sqrt(2)
    owen = mpmath.quad(lambda s: mpmath.exp(-h ** 2 * (1 + s ** 2) / 2) / (1 + s ** 2), [0, a]) \
        / (2 * mpmath.pi)
    return 4 / (1 - mpmath.erf(1)) * owen


def _density(v, sd):
    return mpmath.exp(-(v / sd) ** 2 / 2) / (sd * mpmath.sqrt(2 * mpmath.pi))


def _mass(t):
    return mpmath.erfc(t * 2 / mpmath.sqrt(2)) / 2


def expectation(truncation: sp.Expr, radius: float):
    """E[erf(Z + B) | B ≥ t], Z ~ N(0, radius²/4), B ~ N(0, 1/4), as a 2-D quadrature (mpmath)."""
    s, t = mpmath.mpf(radius) / 2, _mp(truncation)
    if s == 0:
        inner = mpmath.erf
    else:
        def inner(b):
            return mpmath.quad(lambda z: mpmath.erf(z + b) * _density(z, s), [-mpmath.inf, -b, mpmath.inf])
    return mpmath.quad(lambda b: inner(b) * _density(b, mpmath.mpf(1) / 2), [t, mpmath.inf]) / _mass(t)


def smoothed_expectation(truncation: sp.Expr, radius: float):
    """E[erf(cB) | B ≥ t], c = (1 + radius²/2)^{−1/2}, B ~ N(0, 1/4), as a 1-D quadrature (mpmath)."""
    c, t = 1 / mpmath.sqrt(1 + mpmath.mpf(radius) ** 2 / 2), _mp(truncation)
    return mpmath.quad(lambda b: mpmath.erf(c * b) * _density(b, mpmath.mpf(1) / 2),
                       [t, mpmath.inf]) / _mass(t)


def _quadrature_check(truncation: sp.Expr, digits: tuple[int, int], radii: tuple = RADII, *,
                      integral=expectation, kind: str = "2-D quadrature") -> Check:
    gaps, agree = [], []
    for radius in radii:
        values = []
        for dps in digits:
            with mpmath.workdps(dps):
                values.append((integral(truncation, radius), stated(truncation, radius)))
        (low_e, _low_s), (high_e, high_s) = values
        agree.append(abs(low_e - high_e) < mpmath.mpf(10) ** (3 - digits[0]))
        gaps.append(float(abs(high_e - high_s)))
    confirmed = all(agree)
    verdict = Verdict.from_bool(max(gaps) < 10.0 ** (3 - digits[0])) if confirmed else Verdict.UNDECIDED
    return Check(f"B ≥ {truncation}: {kind} against the stated form at ‖x‖ = {radii}", verdict,
                 Evidence(Method.NUMERIC, f"largest |difference| {max(gaps):.1e} at {digits[1]} digits; the "
                          f"two precisions {digits} {'agree' if confirmed else 'disagree'}",
                          {"gaps": gaps}), "evidence")


def _monte_carlo_check(truncation: sp.Expr, samples: int, d: int = 5, seed: int = 21) -> Check:
    rng = np.random.default_rng(seed)
    x = np.full(d, 1.5 / np.sqrt(d))                                  # ‖x‖ = 1.5
    U = rng.normal(scale=0.5, size=(samples, d))
    B = truncnorm.rvs(2 * float(truncation), np.inf, scale=0.5, size=samples, random_state=rng)
    from scipy.special import erf
    values = erf(U @ x + B)
    mean, error = values.mean(), values.std(ddof=1) / np.sqrt(samples)
    target = float(stated(truncation, 1.5))
    z = (mean - target) / error
    return Check(f"B ≥ {truncation}: Monte Carlo at ‖x‖ = 1.5, d = {d} ({samples} samples)",
                 Verdict.from_bool(abs(z) < 4), Evidence(
                     Method.EXPERIMENT, f"mean {mean:.5f} ± {error:.1e} against {target:.5f} (z = {z:+.2f}); "
                     f"a deviation of {5 * error:.1e} ({5 * error / target:.1%}) would "
                     "have been detected at 5σ",
                     {"mean": mean, "standard_error": error, "stated": target}), "evidence")


def _check(settings) -> list[Check]:
    digits = settings.choose((20, 30), (15, 20))
    samples = settings.choose(400_000, 100_000)
    independent = settings.choose({},
                                  {"integral": smoothed_expectation,
                                   "kind": "1-D quadrature over B of erf(cB)"})
    return [*(_exact_check(t, stated_form(t)) for t in TRUNCATIONS),
            *(_quadrature_check(t, digits, **independent) for t in TRUNCATIONS),
            *(_monte_carlo_check(t, samples) for t in TRUNCATIONS)]


CLAIMS = [Claim(
    "sl-prop21", "Safran & Lee 2022, Proposition 21 (mean of a random erf feature, truncated bias)",
    r"\mathbb{E}_{U,B}\!\left[\operatorname{erf}(\langle U, x\rangle + B) \,\middle|\, B \ge 0\right]"
    r" = \frac{2}{\pi}\arctan\frac{1}{\sqrt{2 + \|x\|^2}},\quad"
    r"\mathbb{E}_{U,B}\!\left[\operatorname{erf}(\langle U, x\rangle + B) \,\middle|\, "
    r"B \ge \tfrac{1}{\sqrt 2}\right]"
    r" = \frac{4}{1 - \operatorname{erf} 1}\, T\!\left(\sqrt 2, \frac{1}{\sqrt{2 + \|x\|^2}}\right)",
    check=_check, hypotheses=("U ~ N(0, I_d/4), B ~ N(0, 1/4) independent (Assumption 7)",
                              "T is Owen's T function"))]
