"""Gaussian expectations E[f(U) g(V)] for a centred bivariate normal (U, V).

Var U = a², Var V = b², Cov(U, V) = c. For a ridge activation σ the potential is
Φ(θ, w) = E[σ(U)σ(V)] with a = ‖θ‖, b = ‖w‖, c = θᵀw.

An activation is first split into *families* of terms (see :func:`decompose`):

=========  ==========================  ====================================
family     term                        exact route
=========  ==========================  ====================================
``mono``   tᵐ                          bivariate moments (Isserlis)
``half``   tᵐ·1{t > 0} or tᵐ·1{t < 0}  orthant integrals in polar coordinates
``expq``   tᵐ·e^{αt + βt²} (α ∈ ℂ)     completing the square
``erf``    tᵐ·erf(s·t)                 Price's theorem, then integration in c
=========  ==========================  ====================================

The routes are tried from the most to the least structured. Each result is an
:class:`Expectation` that records the route (:attr:`Expectation.method`), the
conditions under which it holds, and the derivation steps.

Orthant integrals (``half`` family). With X = r cos φ, Y = r cos(φ − α),
α = arccos ρ, the quadrant {X > 0, Y > 0} is φ ∈ (α − π/2, π/2), so

.. math::

    E[X^m Y^n 1_{X>0} 1_{Y>0}] = \\frac{2^{(m+n)/2}\\,\\Gamma(\\tfrac{m+n}{2}+1)}{2\\pi}
        \\int_{\\alpha-\\pi/2}^{\\pi/2} \\cos^m\\varphi \\, \\cos^n(\\varphi-\\alpha)\\,d\\varphi .

>>> from theory.core.symbols import t, na, nb, dot
>>> expectation(t**2, t**2).expr
2*dot**2 + na**2*nb**2
>>> print(expectation(sp.Heaviside(t), sp.Heaviside(t)).method)
piecewise reduction: orthant integrals (exact)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import flint
import sympy as sp

from ..core.choices import Choice
from ..core.errors import DerivationError
from ..core.symbols import dot, na, nb, t
from ..core.timebound import bounded, budgeted
from .routes import Route

P, N = sp.symbols("P_pos N_neg", commutative=True)  # indicators 1{t>0}, 1{t<0}


class TermFamily(Choice):
    """The families of terms of the module table."""

    MONO = "mono"
    HALF = "half"
    EXPQ = "expq"
    ERF = "erf"


@dataclass(frozen=True)
class Term:
    """coeff · tᵐ · [family factor]. ``side`` is ±1 for ``half``; ``alpha, beta``
    give e^{αt+βt²} for ``expq``; ``alpha`` is the scale s of erf(s·t)."""

    coeff: sp.Expr
    family: TermFamily
    power: int = 0
    side: int = 0
    alpha: sp.Expr = sp.S.Zero
    beta: sp.Expr = sp.S.Zero

    def expr(self, var: sp.Symbol = t) -> sp.Expr:
        base = self.coeff * var**self.power
        if self.family == TermFamily.HALF:
            return base * sp.Heaviside(self.side * var, sp.S.Half)
        if self.family == TermFamily.EXPQ:
            return base * sp.exp(self.alpha * var + self.beta * var**2)
        if self.family == TermFamily.ERF:
            return base * sp.erf(self.alpha * var)
        return base


@dataclass(frozen=True)
class Expectation:
    """An exact expectation with its provenance."""

    expr: sp.Expr
    method: Route
    conditions: sp.Basic = sp.true
    steps: tuple[str, ...] = field(default=())


class Unsupported(DerivationError):
    """An expression falls outside every exact route."""


# --------------------------------------------------------------------------- decomposition

#: Most terms the expansion of σ may have, estimated before expanding (sin(t)**200*cos(t)**200 has 40 401).
MAX_EXPANDED_TERMS = 2000
#: Most pairs of terms an exact route takes on (about 35 ms each for exponentials): then Unsupported.
MAX_PAIRS = 900


def expanded_size(expr: sp.Expr) -> int:
    """An upper bound on the number of terms of ``expr`` expanded, sin/cos/sinh/cosh as two exponentials.

    A power uⁿ of a sum of k terms has at most C(n + k − 1, k − 1) terms.

    >>> expanded_size(sp.sin(t)**200 * sp.cos(t)**200)
    40401
    """
    if isinstance(expr, sp.Add):
        return sum(expanded_size(a) for a in expr.args)
    if isinstance(expr, sp.Mul):
        return math.prod(expanded_size(a) for a in expr.args)
    if isinstance(expr, sp.Pow) and expr.exp.is_Integer and expr.exp > 0:
        k = expanded_size(expr.base)
        return math.comb(int(expr.exp) + k - 1, k - 1)
    if isinstance(expr, (sp.sin, sp.cos, sp.sinh, sp.cosh, sp.erfc)) and expr.has(t):
        return 2
    return 1


def decompose(expr: sp.Expr) -> list[Term]:
    """Split σ(t) into family terms (see the module table).

    Raises :class:`Unsupported` when σ is outside the families, or when its
    expansion would exceed :data:`MAX_EXPANDED_TERMS` terms.

    >>> decompose(sp.Max(t, 0) + 2*t)  # doctest: +NORMALIZE_WHITESPACE
    [Term(coeff=3, family=<TermFamily.HALF: 'half'>, power=1, side=1, alpha=0, beta=0),
     Term(coeff=2, family=<TermFamily.HALF: 'half'>, power=1, side=-1, alpha=0, beta=0)]
    """
    size = expanded_size(expr)
    if size > MAX_EXPANDED_TERMS:
        raise Unsupported(f"expanding σ would give up to {size} terms; "
                          f"the exact routes stop at {MAX_EXPANDED_TERMS}")
    indicator_form = sp.expand(_indicators(expr))
    if not indicator_form.has(P, N):
        return _smooth_terms(indicator_form)
    smooth, pos, neg = _split_indicators(indicator_form)
    terms = []
    for part, side in ((smooth + pos, 1), (smooth + neg, -1)):
        for term in _smooth_terms(part):
            if term.family is not TermFamily.MONO:
                raise Unsupported(f"{term.expr()} on a half-line is outside the exact routes")
            terms.append(Term(term.coeff, TermFamily.HALF, term.power, side))
    return _merged(terms)


def _indicators(expr: sp.Expr) -> sp.Expr:
    """Rewrite Max/Min/Abs/sign/Heaviside/Piecewise with a kink at t = 0 in P, N."""

    def slope(arg: sp.Expr) -> sp.Expr:
        if not (arg.is_polynomial(t) and sp.Poly(arg, t).degree() == 1 and arg.subs(t, 0) == 0):
            raise Unsupported(f"kink of {arg} is not at t = 0")
        return sp.Poly(arg, t).LC()

    def positive_part(arg: sp.Expr) -> sp.Expr:
        k = slope(arg)
        return arg * (P if k > 0 else N)

    def rewrite(node: sp.Expr) -> sp.Expr:
        if not node.has(t) or node.is_Atom:
            return node
        args = [rewrite(a) for a in node.args]
        if isinstance(node, sp.Heaviside):
            return P if slope(node.args[0]) > 0 else N
        if isinstance(node, sp.sign):
            return (P - N) if slope(node.args[0]) > 0 else (N - P)
        if isinstance(node, sp.Abs):
            return node.args[0] * ((P - N) if slope(node.args[0]) > 0 else (N - P))
        if isinstance(node, (sp.Max, sp.Min)):
            return _max_min(node, args, positive_part)
        if isinstance(node, sp.Piecewise):
            return _piecewise(node, args)
        return node.func(*args)

    return rewrite(expr)


def _max_min(node, args, positive_part) -> sp.Expr:
    if len(args) != 2:
        raise Unsupported(f"{node} has more than two arguments")
    first, second = args
    if first.has(P, N) or second.has(P, N):
        raise Unsupported(f"nested kinks in {node}")
    biggest = second + positive_part(sp.expand(first - second))
    return biggest if isinstance(node, sp.Max) else first + second - biggest


#: The half-lines t > 0 and t < 0 that a comparison of t with 0 selects (t = 0 has measure zero).
_SIDES = {sp.StrictGreaterThan: (P,), sp.GreaterThan: (P,), sp.StrictLessThan: (N,), sp.LessThan: (N,)}


def _piecewise(node: sp.Piecewise, args) -> sp.Expr:
    """Σ piece·(indicator of the half-lines where it is the first true one), P for t > 0, N for t < 0.

    ``args`` are the rewritten (piece, condition) pairs; a condition must be True
    or a comparison of t with 0, and the pieces must cover both half-lines.
    """
    value, covered = sp.S.Zero, set()
    for (piece, _), (_, cond) in zip(args, node.args, strict=True):
        sides = {P, N} if cond is sp.true else set(_half_lines(cond, node))
        for side in sides - covered:
            value += piece * side
        covered |= sides
    if covered != {P, N}:
        raise Unsupported(f"{node} is undefined on a half-line")
    return value


def _half_lines(cond: sp.Basic, node: sp.Piecewise) -> tuple:
    if type(cond) not in _SIDES or {cond.lhs, cond.rhs} != {t, sp.S.Zero}:
        raise Unsupported(f"{node} does not switch at t = 0")
    flipped = {P: N, N: P}
    return _SIDES[type(cond)] if cond.lhs == t else tuple(flipped[s] for s in _SIDES[type(cond)])


def _split_indicators(expr: sp.Expr) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """A + B·P + C·N from a polynomial in P, N (P² = P, N² = N, PN = 0)."""
    smooth = pos = neg = sp.S.Zero
    for term in sp.Add.make_args(expr):
        powers = term.as_powers_dict()
        p, n = powers.get(P, 0), powers.get(N, 0)
        rest = term / (P**p * N**n)
        if p and n:
            continue
        if p:
            pos += rest
        elif n:
            neg += rest
        else:
            smooth += rest
    return smooth, pos, neg


def _smooth_terms(expr: sp.Expr) -> list[Term]:
    if expr == 0:
        return []
    expr = expr.replace(sp.cos, lambda u: (sp.exp(sp.I * u) + sp.exp(-sp.I * u)) / 2)
    expr = expr.replace(sp.sin, lambda u: (sp.exp(sp.I * u) - sp.exp(-sp.I * u)) / (2 * sp.I))
    expr = expr.replace(sp.cosh, lambda u: (sp.exp(u) + sp.exp(-u)) / 2)
    expr = expr.replace(sp.sinh, lambda u: (sp.exp(u) - sp.exp(-u)) / 2)
    expr = expr.replace(sp.erfc, lambda u: 1 - sp.erf(u))
    expr = sp.powsimp(sp.expand(expr), combine="exp")
    return _merged([_term(part) for part in sp.Add.make_args(expr)])


def _term(part: sp.Expr) -> Term:
    coeff, rest = part.as_independent(t, as_Add=False)
    power, exp_arg, erf_scale = 0, sp.S.Zero, None
    for factor in sp.Mul.make_args(rest):
        base, exponent = factor.as_base_exp()
        if base == t and exponent.is_Integer and exponent >= 0:
            power += int(exponent)
        elif isinstance(factor, sp.exp):
            exp_arg += factor.args[0]
        elif isinstance(factor, sp.erf) and erf_scale is None:
            erf_scale = _linear_scale(factor.args[0])
        elif factor != 1:
            raise Unsupported(f"factor {factor} is outside the exact families")
    if erf_scale is not None:
        if exp_arg != 0:
            raise Unsupported(f"{part}: erf times an exponential is outside the exact families")
        return Term(coeff, TermFamily.ERF, power, alpha=erf_scale)
    if exp_arg == 0:
        return Term(coeff, TermFamily.MONO, power)
    exp_arg = sp.expand(exp_arg)
    if not exp_arg.is_polynomial(t) or sp.Poly(exp_arg, t).degree() > 2:
        raise Unsupported(f"exponent {exp_arg} is not a quadratic in t")
    poly = sp.Poly(exp_arg, t)
    coeff = coeff * sp.exp(poly.coeff_monomial(1))
    return Term(coeff, TermFamily.EXPQ, power, alpha=poly.coeff_monomial(t), beta=poly.coeff_monomial(t**2))


def _linear_scale(arg: sp.Expr) -> sp.Expr:
    if arg.is_polynomial(t) and sp.Poly(arg, t).degree() == 1 and arg.subs(t, 0) == 0:
        return sp.Poly(arg, t).LC()
    raise Unsupported(f"erf({arg}) is not erf of a multiple of t")


def _merged(terms: Iterable[Term]) -> list[Term]:
    totals: dict[tuple, sp.Expr] = {}
    for term in terms:
        key = (term.family, term.power, term.side, term.alpha, term.beta)
        totals[key] = totals.get(key, 0) + term.coeff
    return [Term(sp.simplify(c) if c.has(sp.exp) else c, *key[:2], side=key[2], alpha=key[3],
                 beta=key[4]) for key, c in totals.items() if c != 0]


# --------------------------------------------------------------------------- moments

def _double_factorial(n: int) -> int:
    return 1 if n <= 0 else int(sp.factorial2(n))


def centred_moment(i: int, j: int, s11: sp.Expr, s12: sp.Expr, s22: sp.Expr) -> sp.Expr:
    """E[Z₁ⁱ Z₂ʲ] for a centred normal with covariance [[s11, s12], [s12, s22]] (Isserlis).

    .. math:: \\sum_k \\binom{i}{k}\\binom{j}{k} k!\\, s_{12}^k (i-k-1)!!\\, s_{11}^{(i-k)/2}
              (j-k-1)!!\\, s_{22}^{(j-k)/2}, \\quad i-k,\\ j-k \\text{ even.}
    """
    total = sp.S.Zero
    for k in range(min(i, j) + 1):
        if (i - k) % 2 or (j - k) % 2:
            continue
        total += (sp.binomial(i, k) * sp.binomial(j, k) * sp.factorial(k) * s12**k
                  * _double_factorial(i - k - 1) * s11 ** ((i - k) // 2)
                  * _double_factorial(j - k - 1) * s22 ** ((j - k) // 2))
    return total


def shifted_moment(i: int, j: int, mean: tuple, cov: tuple) -> sp.Expr:
    """E[Z₁ⁱ Z₂ʲ] for Z ~ N(mean, [[s11, s12], [s12, s22]]) by binomial expansion."""
    (m1, m2), (s11, s12, s22) = mean, cov
    return sp.Add(*[sp.binomial(i, p) * sp.binomial(j, q) * m1 ** (i - p) * m2 ** (j - q)
                    * centred_moment(p, q, s11, s12, s22)
                    for p in range(i + 1) for q in range(j + 1)])


def half_moment(m: int) -> sp.Expr:
    """E[Xᵐ 1{X > 0}] = 2^{m/2} Γ((m+1)/2) / (2√π) for X ~ N(0, 1)."""
    return 2 ** sp.Rational(m, 2) * sp.gamma(sp.Rational(m + 1, 2)) / (2 * sp.sqrt(sp.pi))


#: Polynomials of higher degree get Φ factored (:func:`taylor_in_covariance`), not expanded:
#: the expanded Φ of hermite(300) would have about a million monomials.
EXPANDED_DEGREE = 24


def taylor_in_covariance(terms_f: list[Term], terms_g: list[Term], a, b, c) -> sp.Expr:
    """E[f(U)g(V)] for polynomials f, g as its (finite) Taylor series in the covariance c.

    .. math:: E[f(U)g(V)] = \\sum_k \\frac{c^k}{k!}\\, E[f^{(k)}(U)]\\, E[g^{(k)}(V)]

    (Price's theorem at c = 0, where U and V are independent). Each mean is a
    polynomial in a², written in a² or in a² − 1, whichever has fewer terms: for
    the Hermite polynomial h_m, E[h_m^{(k)}(U)] ∝ (a² − 1)^{(m−k)/2}, so Φ has
    ⌊m/2⌋ + 1 terms. The arithmetic is exact (python-flint rational polynomials).
    """
    scale_f, means_f = _derivative_means(terms_f)
    scale_g, means_g = (scale_f, means_f) if terms_g == terms_f else _derivative_means(terms_g)
    total = sp.S.Zero
    for k in range(min(len(means_f), len(means_g))):
        if means_f[k] != 0 and means_g[k] != 0:
            total += c**k / sp.factorial(k) * _in_variance(means_f[k], a) * _in_variance(means_g[k], b)
    return scale_f * scale_g * total


def _derivative_means(terms: list[Term]) -> tuple[sp.Expr, list]:
    """(λ, [P_0, P_1, …]) with E[f^{(k)}(U)] = λ·P_k(a²), P_k a flint rational polynomial."""
    split = [term.coeff.as_coeff_Mul() for term in terms]  # (rational, the rest)
    scale = split[0][1]
    if any(rest != scale for _, rest in split):
        raise Unsupported("polynomial coefficients that are not rational multiples of one number")
    ratios = {term.power: rational for term, (rational, _) in zip(terms, split, strict=True)}
    degree = max(ratios)
    means = []
    for k in range(degree + 1):
        coefficients = [flint.fmpq(0)] * ((degree - k) // 2 + 1)
        for i, r in ratios.items():  # E[U^j] = (j − 1)!! a^j for even j
            j = i - k
            if j >= 0 and j % 2 == 0:
                weight = math.perm(i, k) * _odd_double_factorial(j - 1)
                coefficients[j // 2] += flint.fmpq(int(r.p) * weight, int(r.q))
        means.append(flint.fmpq_poly(coefficients))
    return scale, means


@functools.cache
def _odd_double_factorial(n: int) -> int:
    """n!! for odd n ≥ −1 (1 for n = −1), in Python integers."""
    return 1 if n <= 1 else n * _odd_double_factorial(n - 2)


def _in_variance(poly, a) -> sp.Expr:
    """poly(a²) as a SymPy expression in a² or in a² − 1, whichever is shorter."""
    shifted = poly(flint.fmpq_poly([1, 1]))  # poly(1 + s)
    terms = lambda p: sum(1 for q in p.coeffs() if q != 0)  # noqa: E731
    base, chosen = (a**2 - 1, shifted) if terms(shifted) < terms(poly) else (a**2, poly)
    monomials = (sp.Rational(int(q.p), int(q.q)) * base**j for j, q in enumerate(chosen.coeffs()) if q != 0)
    return sp.Add(*monomials)


# --------------------------------------------------------------------------- orthant route

_A, _S, _R = sp.symbols("alpha_angle s_sine rho_cos", real=True)  # α, sin α, cos α


@functools.cache
def orthant_moment(m: int, n: int) -> sp.Expr:
    """E[Xᵐ Yⁿ 1{X>0} 1{Y>0}] for standard (X, Y) with correlation cos α.

    Returned as a polynomial in the placeholders α (``alpha_angle``), sin α
    (``s_sine``) and cos α (``rho_cos``); see :func:`orthant_in_rho`.
    """
    angular_re = angular_im = sp.S.Zero
    for j in range(m + 1):
        for l in range(n + 1):
            weight = sp.binomial(m, j) * sp.binomial(n, l) / sp.Integer(2) ** (m + n)
            p, q = m - 2 * j, n - 2 * l
            re, im = _angular_piece(p + q, q)
            angular_re += weight * re
            angular_im += weight * im
    if sp.expand(angular_im.subs(_S**2, 1 - _R**2)) != 0:
        raise AssertionError("orthant integral is not real")  # pragma: no cover
    radial = 2 ** sp.Rational(m + n, 2) * sp.gamma(sp.Rational(m + n, 2) + 1)
    value = radial * angular_re / (2 * sp.pi)
    return sp.expand(_reduce_sine(sp.expand(value)))


def _exp_i(k: int) -> tuple[sp.Expr, sp.Expr]:
    """(cos kα, sin kα) as polynomials in cos α and sin α (Chebyshev)."""
    if k == 0:
        return sp.S.One, sp.S.Zero
    sign = 1 if k > 0 else -1
    k = abs(k)
    return sp.chebyshevt(k, _R), sign * _S * sp.chebyshevu(k - 1, _R)


def _angular_piece(s: int, q: int) -> tuple[sp.Expr, sp.Expr]:
    """Real and imaginary parts of ∫_{α−π/2}^{π/2} e^{isφ} e^{−iqα} dφ."""
    if s == 0:
        c, sn = _exp_i(-q)
        return (sp.pi - _A) * c, (sp.pi - _A) * sn
    # (i^s e^{-iqα} - (-i)^s e^{i(s-q)α}) / (i s)
    total = sp.I**s * _complex(_exp_i(-q)) - (-sp.I) ** s * _complex(_exp_i(s - q))
    value = sp.expand(total / (sp.I * s))
    return sp.re(value), sp.im(value)


def _complex(pair: tuple[sp.Expr, sp.Expr]) -> sp.Expr:
    return pair[0] + sp.I * pair[1]


def _reduce_sine(expr: sp.Expr) -> sp.Expr:
    """Replace sin²α by 1 − cos²α so that sin α appears at most linearly."""
    poly = sp.Poly(expr, _S)
    return sp.Add(*[coeff * (1 - _R**2) ** (k // 2) * _S ** (k % 2)
                    for (k,), coeff in poly.terms()])


def orthant_in_rho(m: int, n: int, sign: int, a: sp.Expr, b: sp.Expr, c: sp.Expr) -> sp.Expr:
    """a^m b^n · E[Xᵐ Yⁿ 1{X>0}1{Y>0}] at correlation sign·c/(ab), in (a, b, c).

    cos α → sign·c/(ab), sin α → √(a²b² − c²)/(ab), α → arccos(sign·c/(ab)).
    """
    value = orthant_moment(m, n)
    if sign < 0:  # arccos(−ρ) = π − arccos ρ
        value = value.subs({_A: sp.pi - _A, _R: -_R})
    rho_ = c / (a * b)
    value = value.subs({_R: rho_, _S: sp.sqrt(a**2 * b**2 - c**2) / (a * b), _A: sp.acos(rho_)})
    return sp.expand(a**m * b**n * value)


def _orthant_pair(t1: Term, t2: Term, a, b, c) -> sp.Expr:
    """E[coeff·Uᵐ·1{side·U>0} · coeff'·Vⁿ·1{side'·V>0}] via orthant moments."""
    sign = t1.side * t2.side
    parity = (t1.side if t1.power % 2 else 1) * (t2.side if t2.power % 2 else 1)
    return t1.coeff * t2.coeff * parity * orthant_in_rho(t1.power, t2.power, sign, a, b, c)


# --------------------------------------------------------------------------- Gaussian integrals

_D = sp.Symbol("D_det", positive=True)  # placeholder for det(I − 2ΣB)


@dataclass(frozen=True)
class _Quadratic:
    """D(c) = A − B·c², the determinant det(I − 2ΣB) as a function of c."""

    A: sp.Expr
    B: sp.Expr

    def at(self, c: sp.Expr) -> sp.Expr:
        return self.A - self.B * c**2


def _expq_parts(t1: Term, t2: Term, a, b, c) -> tuple[sp.Expr, _Quadratic, sp.Basic]:
    """E[U^m V^n e^{α₁U+β₁U²+α₂V+β₂V²}] by completing the square, with D kept symbolic.

    With Σ the covariance and B = diag(β₁, β₂): D = det(I − 2ΣB),
    S = (I − 2ΣB)⁻¹Σ, and the value is D^{-1/2} e^{αᵀSα/2} E[Z₁ᵐZ₂ⁿ], Z ~ N(Sα, S).
    Returns the value in the placeholder ``D_det``, D(c), and the conditions.
    """
    a1, b1 = (t1.alpha, t1.beta) if t1.family is TermFamily.EXPQ else (0, 0)
    a2, b2 = (t2.alpha, t2.beta) if t2.family is TermFamily.EXPQ else (0, 0)
    sigma = sp.Matrix([[a**2, c], [c, b**2]])
    shaped = sp.eye(2) - 2 * sigma * sp.diag(b1, b2)
    quadratic = _Quadratic(sp.expand((1 - 2 * b1 * a**2) * (1 - 2 * b2 * b**2)),
                           sp.expand(4 * b1 * b2))
    cov = (shaped.adjugate() * sigma).applyfunc(lambda e: sp.expand(e) / _D)
    alpha = sp.Matrix([a1, a2])
    mean_ = cov * alpha
    quad = sp.expand((alpha.T * cov * alpha)[0, 0])
    moment = shifted_moment(t1.power, t2.power, (mean_[0], mean_[1]),
                            (cov[0, 0], cov[0, 1], cov[1, 1]))
    value = t1.coeff * t2.coeff * _D ** sp.Rational(-1, 2) * sp.exp(quad / 2) * sp.expand(moment)
    if quadratic.A == 1 and quadratic.B == 0:
        value = value.subs(_D, 1)
    confining = all(sp.sympify(beta, strict=True).is_nonpositive for beta in (b1, b2))  # always integrable
    conditions = sp.true if confining else sp.And(quadratic.at(c) > 0, *[
        sp.Gt(1 - 2 * beta * var, 0) for beta, var in ((b1, a**2), (b2, b**2)) if beta != 0])
    return value, quadratic, conditions


def _expq_pair(t1: Term, t2: Term, a, b, c) -> tuple[sp.Expr, sp.Basic]:
    """The value of :func:`_expq_parts` with D substituted."""
    value, quadratic, conditions = _expq_parts(t1, t2, a, b, c)
    return value.subs(_D, sp.factor(quadratic.at(c))), conditions


def mean(expr: sp.Expr, a: sp.Expr = na) -> sp.Expr:
    """E[f(U)] for U ~ N(0, a²), f built from the exact families.

    >>> mean(t**4, 2)
    48
    """
    return sp.Add(*[_mean_term(term, a) for term in decompose(expr)])


def _mean_term(term: Term, a) -> sp.Expr:
    if term.family is TermFamily.MONO:
        return term.coeff * centred_moment(term.power, 0, a**2, 0, 1)
    if term.family is TermFamily.HALF:
        parity = term.side if term.power % 2 else 1
        return term.coeff * parity * a**term.power * half_moment(term.power)
    if term.family is TermFamily.EXPQ:
        value, _ = _expq_pair(term, Term(sp.S.One, TermFamily.MONO), a, 1, 0)
        return value
    # erf: E[Uᵐ erf(sU)] = a²[(m−1)E[U^{m−2} erf] + E[U^{m−1} erf'(sU)]] (Stein), E[erf] = 0
    m, s = term.power, term.alpha
    if m % 2 == 0:
        return sp.S.Zero
    derivative = Term(term.coeff * 2 * s / sp.sqrt(sp.pi), TermFamily.EXPQ, m - 1, beta=-s**2)
    lower = Term(term.coeff, TermFamily.ERF, m - 2, alpha=s) if m >= 2 else None
    return a**2 * ((m - 1) * _mean_term(lower, a) if lower else 0) + a**2 * _mean_term(derivative, a)


# --------------------------------------------------------------------------- the engine

@budgeted()
def expectation(f: sp.Expr, g: sp.Expr | None = None, a: sp.Expr = na, b: sp.Expr = nb,
                c: sp.Expr = dot, *, seconds: float = 10.0) -> Expectation:
    """E[f(U) g(V)] exactly, with Var U = a², Var V = b², Cov = c.

    Raises :class:`Unsupported` when no exact route applies and
    :class:`~theory.core.errors.Timeout` when one symbolic integration of the Price
    route overruns ``seconds`` or the whole derivation its ``budget`` (default 60 s).
    """
    g = f if g is None else g
    terms_f = decompose(f)
    terms_g = terms_f if g == f else decompose(g)
    families = {term.family for term in terms_f + terms_g}
    if len(terms_f) * len(terms_g) > MAX_PAIRS and not families <= {TermFamily.MONO}:
        raise Unsupported(f"{len(terms_f)}·{len(terms_g)} pairs of terms; "
                          f"the exact routes stop at {MAX_PAIRS}")
    if families <= {TermFamily.MONO}:
        try:
            if max(term.power for term in terms_f + terms_g) > EXPANDED_DEGREE:
                return Expectation(taylor_in_covariance(terms_f, terms_g, a, b, c), Route.MOMENTS)
        except Unsupported:
            pass  # coefficients of unrelated irrationals: the expanded sum below
        value = sp.Add(*[u.coeff * v.coeff * centred_moment(u.power, v.power, a**2, c, b**2)
                         for u in terms_f for v in terms_g])
        return Expectation(sp.expand(value), Route.MOMENTS)
    if TermFamily.HALF in families:
        if not families <= {TermFamily.HALF, TermFamily.MONO}:
            raise Unsupported("half-line pieces mixed with non-polynomial terms")
        value = sp.Add(*[_orthant_pair(u, v, a, b, c)
                         for u in _as_halves(terms_f) for v in _as_halves(terms_g)])
        return Expectation(_tidy(value), Route.ORTHANT)
    if TermFamily.ERF not in families:
        return _gaussian_integral(terms_f, terms_g, a, b, c)
    return _price(f, g, a, b, c, seconds)


def _as_halves(terms: list[Term]) -> list[Term]:
    halves = []
    for term in terms:
        if term.family is TermFamily.MONO:
            halves += [Term(term.coeff, TermFamily.HALF, term.power, side) for side in (1, -1)]
        else:
            halves.append(term)
    return halves


def _gaussian_integral(terms_f, terms_g, a, b, c) -> Expectation:
    value, conditions = sp.S.Zero, sp.true
    for u in terms_f:
        for v in terms_g:
            piece, condition = _expq_pair(u, v, a, b, c)
            value += piece
            conditions = sp.And(conditions, condition)
    return Expectation(_real_part(value), Route.GAUSSIAN_INTEGRAL,
                       conditions)


def _real_part(value: sp.Expr) -> sp.Expr:
    if not value.has(sp.I):
        return _tidy(value)
    real, imaginary = sp.expand(value).as_real_imag()
    if sp.simplify(imaginary) != 0:
        raise DerivationError(f"expectation has a non-zero imaginary part {imaginary}")
    return _tidy(real)


def _tidy(value: sp.Expr) -> sp.Expr:
    """A readable canonical form: exponentials combined, common factors pulled out."""
    if value.has(sp.exp):
        value = sp.factor_terms(sp.powsimp(sp.expand(value), combine="exp"))
    elif value.has(sp.acos):
        value = sp.collect(sp.expand(value), list(value.atoms(sp.acos)))
    return value


def radical_normal_form(expr: sp.Expr) -> sp.Expr:
    """Collect ``expr`` over its square roots and inverse trigonometric atoms.

    Each √B becomes a symbol R with R² = B, so every term is a rational function
    times R₁^{p₁}⋯ (pᵢ ∈ {0, 1}) times a monomial in the asin/acos atoms; the
    rational coefficient of each such monomial is then cancelled. This turns the
    long sums Price's route produces into a few readable terms.

    >>> from theory.core.symbols import dot
    >>> radical_normal_form(dot/sp.sqrt(1 - dot**2) - dot**3/sp.sqrt(1 - dot**2))
    dot*sqrt(1 - dot**2)
    """
    roots = {}
    for power in expr.atoms(sp.Pow):
        if power.exp.is_Rational and power.exp.q == 2:
            roots.setdefault(sp.expand(power.base), sp.Dummy("R", positive=True))
    angles = {atom: sp.Dummy("A") for atom in expr.atoms(sp.asin, sp.acos, sp.atan)}
    squares = {symbol: base for base, symbol in roots.items()}
    replaced = expr.subs(angles).replace(
        lambda e: e.is_Pow and e.exp.is_Rational and e.exp.q == 2,
        lambda e: roots[sp.expand(e.base)] ** e.exp.p)
    groups: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(sp.expand(replaced)):
        coeff, monomial = sp.S.One, sp.S.One
        for base, exponent in term.as_powers_dict().items():
            if base in squares:
                quotient, parity = divmod(int(exponent), 2)
                coeff *= squares[base] ** quotient
                monomial *= base**parity
            elif base in angles.values():
                monomial *= base**exponent
            else:
                coeff *= base**exponent
        groups[monomial] = groups.get(monomial, 0) + coeff
    inverse = {symbol: atom for atom, symbol in angles.items()}
    inverse.update({symbol: sp.sqrt(base) for symbol, base in squares.items()})
    return sp.Add(*[sp.factor(sp.cancel(coeff)).subs(inverse) * monomial.subs(inverse)
                    for monomial, coeff in groups.items()])


def _price(f, g, a, b, c, seconds: float) -> Expectation:
    """Price's theorem: ∂ⁿ/∂cⁿ E[f(U)g(V)] = E[f⁽ⁿ⁾(U) g⁽ⁿ⁾(V)].

    For each pair of terms, differentiate until no erf is left (n = 1 + the power
    multiplying erf), take the Gaussian integral of the n-th derivatives, and
    integrate n times from c = 0 (Cauchy's formula for repeated integrals),
    adding the Taylor terms E[f⁽ʲ⁾(U)]E[g⁽ʲ⁾(V)] cʲ/j!.
    """
    total, conditions = sp.S.Zero, sp.true
    for u in decompose(f):
        for v in decompose(g):
            if TermFamily.ERF not in (u.family, v.family):
                piece, condition = _expq_pair(u, v, a, b, c)
            else:
                piece, condition = _price_pair(u, v, a, b, c, seconds)
            total += piece
            conditions = sp.And(conditions, condition)
    return Expectation(_real_part(total), Route.PRICE, conditions,
                       ("Price's theorem per pair of terms, integrals in c by reduction formulas",))


def _price_pair(u: Term, v: Term, a, b, c, seconds: float) -> tuple[sp.Expr, sp.Basic]:
    order = 1 + max(term.power for term in (u, v) if term.family is TermFamily.ERF)
    fu, gv = u.expr(), v.expr()
    taylor = sp.Add(*[mean(sp.diff(fu, t, j), a) * mean(sp.diff(gv, t, j), b) * c**j
                      / sp.factorial(j) for j in range(order)])
    du, dv = decompose(sp.diff(fu, t, order)), decompose(sp.diff(gv, t, order))
    integral, conditions = sp.S.Zero, sp.true
    for p in du:
        for q in dv:
            value, quadratic, condition = _expq_parts(p, q, a, b, c)
            integral += _repeated_integral(value, quadratic, c, order, seconds)
            conditions = sp.And(conditions, condition)
    return taylor + integral, conditions


def _repeated_integral(value: sp.Expr, quadratic: _Quadratic, c: sp.Expr, order: int,
                       seconds: float) -> sp.Expr:
    """∫₀^c (c − u)^{n−1}/(n−1)! · value(u) du, value a sum of p(u)·D(u)^{-k/2}."""
    u = sp.Dummy("u", real=True)
    kernel = sp.expand((c - u) ** (order - 1) / sp.factorial(order - 1))
    integrand = sp.expand(value.subs(c, u) * kernel)
    if integrand.has(sp.exp) or not integrand.has(_D):
        if integrand.has(sp.exp):
            return bounded(_sympy_integral, integrand.subs(_D, quadratic.at(u)), u, c,
                           seconds=seconds, what="Price integration")
        return sp.integrate(integrand, (u, 0, c))
    total = sp.S.Zero
    for term in sp.Add.make_args(integrand):
        coeff, rest = term.as_independent(u, _D, as_Add=False)
        powers = rest.as_powers_dict()
        i, half = int(powers.get(u, 0)), -2 * powers.get(_D, 0)
        total += coeff * _reduction(i, int(half), quadratic.A, quadratic.B, c)
    return total


def _sympy_integral(integrand: sp.Expr, u: sp.Symbol, c: sp.Expr) -> sp.Expr:
    result = sp.integrate(integrand, (u, 0, c), conds="none")
    if result.has(sp.Integral):
        raise Unsupported("SymPy could not integrate the Price integrand")
    return result


@functools.cache
def _reduction(i: int, k: int, A: sp.Expr, B: sp.Expr, c: sp.Expr) -> sp.Expr:
    """J(i, k) = ∫₀^c uⁱ (A − B u²)^{−k/2} du for A > 0, B ≥ 0, |c| < √(A/B), k odd.

    Reduction formulas: J(i, k) = (A·J(i−2, k) − J(i−2, k−2))/B for i ≥ 2;
    J(1, k) = [(A − Bu²)^{1−k/2} / (B(k − 2))]₀^c;
    J(0, k) = c·D^{1−k/2}/(A(k − 2)) + (k − 3)/(A(k − 2))·J(0, k − 2) for k ≥ 3;
    J(0, 1) = asin(c√(B/A))/√B; J(0, −1) = c√D/2 + A/2·J(0, 1).
    """
    D = A - B * c**2
    if B == 0:
        return c ** (i + 1) / (i + 1) * A ** sp.Rational(-k, 2)
    if i >= 2:
        return sp.expand((A * _reduction(i - 2, k, A, B, c) - _reduction(i - 2, k - 2, A, B, c)) / B)
    if i == 1:
        if k == 2:
            return -sp.log(D / A) / (2 * B)
        return (D ** sp.Rational(2 - k, 2) - A ** sp.Rational(2 - k, 2)) / (B * (k - 2))
    if k == 1:
        return sp.asin(c * sp.sqrt(B) / sp.sqrt(A)) / sp.sqrt(B)
    if k == -1:
        return c * sp.sqrt(D) / 2 + A / 2 * _reduction(0, 1, A, B, c)
    if k >= 3:
        return (c * D ** sp.Rational(2 - k, 2) / (A * (k - 2))
                + sp.Rational(k - 3, k - 2) / A * _reduction(0, k - 2, A, B, c))
    raise Unsupported(f"no reduction formula for ∫ u^{i} D^(-{k}/2)")  # pragma: no cover
