r"""Proposition 21: the mean of a random erf feature with a truncated bias.

With U ~ N(0, I_d/4) and B ~ N(0, 1/4) independent (Assumption 7), the paper states for every x:

- B conditioned on B ≥ 0:      E[erf(⟨U, x⟩ + B)] = (2/π) arctan(1/√(2 + ‖x‖²));
- B conditioned on B ≥ 1/√2:   E[erf(⟨U, x⟩ + B)] = 4/(1 − erf 1) · T(√2, 1/√(2 + ‖x‖²)),

T(h, a) = (1/2π) ∫₀ᵃ e^{−h²(1+s²)/2}/(1 + s²) ds being Owen's T function.

Proof by exact algebra (SymPy), in two steps, with c = (1 + ‖x‖²/2)^{−1/2} so that
1/√(2 + ‖x‖²) = c/√2:

1. Gaussian smoothing of erf. For Z ~ N(0, s²), g(b) = E[erf(b + Z)] equals erf(b/√(1 + 2s²)): both
   are odd in b (erf is odd, Z symmetric), and their b-derivatives, a Gaussian integral, agree.
   ⟨U, x⟩ ~ N(0, ‖x‖²/4) gives 1 + 2s² = 1 + ‖x‖²/2 = c⁻², so E[erf(⟨U, x⟩ + B) | B] = erf(cB).
2. The bias. F_t(c) = E[erf(cB) | B ≥ t] vanishes at c = 0, as does each right-hand side
   (arctan 0 = 0, T(h, 0) = 0); their c-derivatives agree — F_t′ by differentiating under the
   integral (∂_c erf(cb) is at most 2b/√π in size, integrable against the Gaussian), T's by the fundamental theorem
   of calculus. So F_t equals the right-hand side for every c ∈ (0, 1], i.e. every x.

Independent checks: the two-dimensional integral over (⟨U, x⟩, B) by mpmath quadrature at two
precisions, and a seeded Monte Carlo estimate with its standard error (with its power: the smallest
deviation it would have detected).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp
from scipy.stats import truncnorm

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim

B_SCALE = sp.Rational(1, 2)            # B ~ N(0, 1/4)
RADII = (0, 1, 3)                      # ‖x‖ of the quadrature checks (a quick run: the first two)
_b, _z = sp.symbols("b z", real=True)
_c, _s = sp.symbols("c s", positive=True)


def _vanishes(expr: sp.Expr) -> bool:
    """expr ≡ 0, after merging exponentials and cancelling their exponents (SymPy leaves e^{u}−e^{v}
    with u = v unsimplified otherwise)."""
    merged = sp.powsimp(sp.expand(expr), combine="exp").replace(sp.exp, lambda a: sp.exp(sp.cancel(a)))
    return sp.simplify(merged) == 0


def _normal(v: sp.Expr, variance: sp.Expr) -> sp.Expr:
    return sp.exp(-v ** 2 / (2 * variance)) / sp.sqrt(2 * sp.pi * variance)


def owens_t_da(h: sp.Expr, a: sp.Expr) -> sp.Expr:
    """∂T(h, a)/∂a = e^{−h²(1+a²)/2} / (2π(1 + a²)) (the integrand of T at its upper limit)."""
    return sp.exp(-h ** 2 * (1 + a ** 2) / 2) / (2 * sp.pi * (1 + a ** 2))


def _smoothing_check() -> Check:
    left = sp.integrate(2 / sp.sqrt(sp.pi) * sp.exp(-(_b + _z) ** 2) * _normal(_z, _s ** 2), (_z, -sp.oo, sp.oo))
    right = sp.diff(sp.erf(_b / sp.sqrt(1 + 2 * _s ** 2)), _b)
    x = sp.symbols("x", nonnegative=True)
    same_c = _vanishes(1 / sp.sqrt(2 + x ** 2) - 1 / sp.sqrt(1 + x ** 2 / 2) / sp.sqrt(2))
    return Check("step 1: E[erf(b + Z)] = erf(b/√(1 + 2s²)) for Z ~ N(0, s²), and 1/√(2 + ‖x‖²) = c/√2",
                 Verdict.from_bool(_vanishes(left - right) and same_c),
                 Evidence(Method.EXACT, "the b-derivatives agree (a Gaussian integral), both sides are odd in b"))


def _bias_check(truncation: sp.Expr, stated_derivative, name: str) -> Check:
    mass = sp.integrate(_normal(_b, B_SCALE ** 2), (_b, truncation, sp.oo))
    derivative = sp.integrate(_b * 2 / sp.sqrt(sp.pi) * sp.exp(-_c ** 2 * _b ** 2) * _normal(_b, B_SCALE ** 2),
                              (_b, truncation, sp.oo)) / mass
    return Check(f"step 2, {name}: E[erf(cB) | B ≥ {truncation}] and the stated form agree at c = 0 and in c-derivative",
                 Verdict.from_bool(_vanishes(derivative - stated_derivative)), Evidence(
                     Method.EXACT, f"P[B ≥ {truncation}] = {sp.simplify(mass)}; derivatives differ by 0"))


TRUNCATIONS = (sp.Integer(0), 1 / sp.sqrt(2))


def _mp(value: sp.Expr) -> mpmath.mpf:
    """An exact SymPy number at mpmath's working precision."""
    return mpmath.mpf(value._to_mpmath(mpmath.mp.prec + 10))


def stated(truncation: sp.Expr, radius: float):
    """The paper's right-hand side at ‖x‖ = radius (mpmath, working precision)."""
    a = 1 / mpmath.sqrt(2 + mpmath.mpf(radius) ** 2)
    if truncation == 0:
        return 2 / mpmath.pi * mpmath.atan(a)
    h = mpmath.sqrt(2)
    owen = mpmath.quad(lambda s: mpmath.exp(-h ** 2 * (1 + s ** 2) / 2) / (1 + s ** 2), [0, a]) / (2 * mpmath.pi)
    return 4 / (1 - mpmath.erf(1)) * owen


def expectation(truncation: sp.Expr, radius: float):
    """E[erf(Z + B) | B ≥ t], Z ~ N(0, radius²/4), B ~ N(0, 1/4), as a 2-D quadrature (mpmath)."""
    s, t = mpmath.mpf(radius) / 2, _mp(truncation)
    density = lambda v, sd: mpmath.exp(-(v / sd) ** 2 / 2) / (sd * mpmath.sqrt(2 * mpmath.pi))
    mass = mpmath.erfc(t * 2 / mpmath.sqrt(2)) / 2
    if s == 0:
        inner = mpmath.erf
    else:
        inner = lambda b: mpmath.quad(lambda z: mpmath.erf(z + b) * density(z, s), [-mpmath.inf, -b, mpmath.inf])
    return mpmath.quad(lambda b: inner(b) * density(b, mpmath.mpf(1) / 2), [t, mpmath.inf]) / mass


def _quadrature_check(truncation: sp.Expr, digits: tuple[int, int], radii: tuple = RADII) -> Check:
    gaps, agree = [], []
    for radius in radii:
        values = []
        for dps in digits:
            with mpmath.workdps(dps):
                values.append((expectation(truncation, radius), stated(truncation, radius)))
        (low_e, low_s), (high_e, high_s) = values
        agree.append(abs(low_e - high_e) < mpmath.mpf(10) ** (3 - digits[0]))
        gaps.append(float(abs(high_e - high_s)))
    confirmed = all(agree)
    verdict = Verdict.from_bool(max(gaps) < 10.0 ** (3 - digits[0])) if confirmed else Verdict.UNDECIDED
    return Check(f"B ≥ {truncation}: 2-D quadrature against the stated form at ‖x‖ = {radii}", verdict,
                 Evidence(Method.NUMERIC, f"largest |difference| {max(gaps):.1e} at {digits[1]} digits; the two "
                          f"precisions {digits} {'agree' if confirmed else 'disagree'}", {"gaps": gaps}), "evidence")


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
                     Method.EXPERIMENT, f"mean {mean:.5f} ± {error:.1e} against {target:.5f} (z = {z:+.2f}); a "
                     f"deviation of {5 * error:.1e} ({5 * error / target:.1%}) would have been detected at 5σ",
                     {"mean": mean, "standard_error": error, "stated": target}), "evidence")


def _check(settings) -> list[Check]:
    root2 = sp.sqrt(2)
    at_zero = 2 / sp.pi * sp.atan(_c / root2)
    at_root = 4 / (1 - sp.erf(1)) * owens_t_da(root2, _c / root2) * sp.diff(_c / root2, _c)
    digits = settings.choose((20, 30), (15, 20))
    samples = settings.choose(400_000, 100_000)
    return [_smoothing_check(),
            _bias_check(sp.Integer(0), sp.diff(at_zero, _c), "B ≥ 0"),
            _bias_check(1 / root2, at_root, "B ≥ 1/√2"),
            *(_quadrature_check(t, digits, settings.choose(RADII, RADII[:2])) for t in TRUNCATIONS),
            *(_monte_carlo_check(t, samples) for t in TRUNCATIONS)]


CLAIMS = [Claim(
    "sl-prop21", "Safran & Lee 2022, Proposition 21 (mean of a random erf feature, truncated bias)",
    r"\mathbb{E}_{U,B}\!\left[\operatorname{erf}(\langle U, x\rangle + B) \,\middle|\, B \ge 0\right]"
    r" = \frac{2}{\pi}\arctan\frac{1}{\sqrt{2 + \|x\|^2}},\quad"
    r"\mathbb{E}_{U,B}\!\left[\operatorname{erf}(\langle U, x\rangle + B) \,\middle|\, B \ge \tfrac{1}{\sqrt 2}\right]"
    r" = \frac{4}{1 - \operatorname{erf} 1}\, T\!\left(\sqrt 2, \frac{1}{\sqrt{2 + \|x\|^2}}\right)",
    check=_check, hypotheses=("U ~ N(0, I_d/4), B ~ N(0, 1/4) independent (Assumption 7)",
                              "T is Owen's T function"))]
