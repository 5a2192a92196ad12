"""Earnshaw conditions: classify a potential by the sign of its Laplacian in θ.

For Φ(·, w) away from θ = w (and away from the kinks of Φ) the classes are

==========================  =====================
harmonic                    ΔΦ = 0
strictly subharmonic        ΔΦ > 0
superharmonic               ΔΦ < 0
λ-harmonic                  ΔΦ = λΦ, λ > 0 constant
==========================  =====================

Each class gets a :class:`~theory.core.verdict.Verdict` on the whole domain, the
region where it holds, and the evidence (exact algebra, a certified ball
bound, or a counter-example point with a certified sign — see
:mod:`theory.conditions.signs`). Nothing is decided by sampling.

>>> from theory.potentials.potential import given
>>> c = classify(given("exp(-r^2/2)", "radial"), d=3)
>>> c.laplacian
(r**2 - 3)*exp(-r**2/2)
>>> c["strictly subharmonic"].verdict, c["strictly subharmonic"].region
(<Verdict.REFUTED: 'refuted'>, Interval.open(sqrt(3), oo))
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import sympy as sp

from ..core.choices import Choice, spelling
from ..core.errors import InputError, Timeout
from ..core.latex import Typeset
from ..core.latex import latex as house_latex
from ..core.symbols import coordinates, s
from ..core.symbols import d as d_symbol
from ..core.timebound import bounded, budgeted
from ..core.verdict import Evidence, Method, Verdict
from ..potentials.forms import Form, Geometry
from ..potentials.manifolds import SPHERE
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential
from .laplacian import (
    dimension,
    laplacian,
    pieces,
    product_ratio,
)
from .signs import SignChart, certified_sign, sample_points, sign_chart, witness


class EarnshawClass(Choice):
    """The Earnshaw classes, by the sign of ΔΦ in θ (a string enum: each prints as its name).

    ``EarnshawClass(name)`` accepts the name as printed (``"strictly subharmonic"``), the
    member's (``"STRICTLY_SUBHARMONIC"``, any case, ``_`` or ``-`` for the space) and
    ``"lambda-harmonic"``; an unknown name is an :class:`~theory.core.errors.InputError`
    naming the choices.

    >>> EarnshawClass("strictly_subharmonic"), EarnshawClass("lambda-harmonic").relation
    (<EarnshawClass.STRICTLY_SUBHARMONIC: 'strictly subharmonic'>, 'ΔΦ = λΦ, λ > 0')
    >>> EarnshawClass("subharmonic")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: no Earnshaw class 'subharmonic': ... (ΔΦ > 0 is 'strictly subharmonic')
    """

    HARMONIC = "harmonic"
    STRICTLY_SUBHARMONIC = "strictly subharmonic"
    SUPERHARMONIC = "superharmonic"
    LAMBDA_HARMONIC = "λ-harmonic"

    @property
    def relation(self) -> str:
        """The defining relation, e.g. ``ΔΦ > 0``."""
        return _RELATIONS[self]

    @classmethod
    def noun(cls) -> str:
        return "Earnshaw class"

    @classmethod
    def _missing_(cls, value):
        """:meth:`Choice._missing_`, with "lambda harmonic" for λ and a hint for "subharmonic"."""
        key = spelling(value) if isinstance(value, str) else None
        if key == "lambda harmonic":
            return cls.LAMBDA_HARMONIC
        try:
            return super()._missing_(value)
        except InputError as why:
            if key != "subharmonic":
                raise
            raise InputError(f"{why} (ΔΦ > 0 is 'strictly subharmonic')") from None


_RELATIONS = {EarnshawClass.HARMONIC: "ΔΦ = 0", EarnshawClass.STRICTLY_SUBHARMONIC: "ΔΦ > 0",
              EarnshawClass.SUPERHARMONIC: "ΔΦ < 0", EarnshawClass.LAMBDA_HARMONIC: "ΔΦ = λΦ, λ > 0"}
# the sign classes as relations of ΔΦ (or of q = h''/h) to 0
_SIGN = {EarnshawClass.HARMONIC: sp.Eq, EarnshawClass.STRICTLY_SUBHARMONIC: sp.StrictGreaterThan,
         EarnshawClass.SUPERHARMONIC: sp.StrictLessThan}


@dataclass(frozen=True)
class Condition:
    """One Earnshaw class: its verdict on the whole domain and where it holds."""

    name: EarnshawClass
    verdict: Verdict
    region: sp.Basic | None
    evidence: tuple[Evidence, ...]
    value: sp.Expr | None = None  # λ for the λ-harmonic class

    def __repr__(self) -> str:
        return f"<Condition {self.name}: {self.verdict.value}, region {self.region}>"

    def to_json(self) -> dict:
        record = {"name": self.name, "verdict": self.verdict.value,
                  "region": None if self.region is None else str(self.region),
                  "evidence": [e.to_json() for e in self.evidence]}
        if self.value is not None:
            record["lambda"] = str(self.value)
        return record


@dataclass(frozen=True)
class Classification(Typeset):
    """The Laplacian of a potential and its Earnshaw classes.

    Index by an :class:`EarnshawClass` or its name for a :class:`Condition`; :attr:`verdict`
    is PROVEN when some class is.

    >>> from theory.potentials.potential import given
    >>> c = classify(given("rho^2", "zonal"), d=3)
    >>> c  # doctest: +ELLIPSIS
    <Classification of Φ[rho**2, zonal] = rho**2, d = 3: harmonic refuted, ..., λ-harmonic refuted>
    >>> c["strictly subharmonic"].region
    Interval.open(-sqrt(3)/3, sqrt(3)/3)
    """

    potential: Potential
    d: int | sp.Expr  # a dimension or the symbol d
    laplacian: sp.Expr | None
    variable: sp.Symbol | None
    domain: sp.Set | None
    conditions: tuple[Condition, ...]
    notes: tuple[str, ...] = field(default=())

    def __getitem__(self, name: EarnshawClass | str) -> Condition:
        return {c.name: c for c in self.conditions}[EarnshawClass(name)]

    @property
    def verdict(self) -> Verdict:
        """PROVEN if some class is proven, REFUTED if every class is refuted."""
        verdicts = [c.verdict for c in self.conditions]
        if Verdict.PROVEN in verdicts:
            return Verdict.PROVEN
        return Verdict.REFUTED if set(verdicts) == {Verdict.REFUTED} else Verdict.UNDECIDED

    @property
    def main(self) -> Condition | None:
        """The first proven class, if any."""
        return next((c for c in self.conditions if c.verdict is Verdict.PROVEN), None)

    def latex(self) -> str:
        """``\\Delta \\Phi = …``: the Laplacian in θ on R^d, the Laplace–Beltrami operator on S^{d−1}.

        >>> from theory.potentials.potential import given
        >>> print(classify(given("rho^2", "zonal"), d=3).latex())
        \\Delta_{S^{2}} \\Phi = 2 - 6 \\rho^{2}
        """
        body = r"\text{(numeric)}" if self.laplacian is None else house_latex(self.laplacian)
        if self.potential.manifold.codimension:  # the Laplace–Beltrami operator of S^{d−1}
            return rf"\Delta_{{S^{{{house_latex(self.d - 1)}}}}} \Phi = {body}"
        return rf"\Delta_\theta \Phi = {body}"

    def to_json(self) -> dict:
        lap = None if self.laplacian is None else {"sympy": str(self.laplacian), "latex": self.latex()}
        return {"potential": str(self.potential.expr), "form": str(self.potential.form),
                "manifold": self.potential.manifold, "d": str(self.d), "laplacian": lap,
                "domain": str(self.domain), "classes": [c.to_json() for c in self.conditions],
                "verdict": self.verdict.value, "notes": list(self.notes)}

    def to_markdown(self) -> str:
        lines = [f"**Φ** = `{self.potential.expr}` ({self.potential.form}, d = {self.d})", "",
                 f"**ΔΦ** = `{self.laplacian}`", "", "| class | verdict | region | evidence |",
                 "|---|---|---|---|"]
        for c in self.conditions:
            evidence = "; ".join(str(e) for e in c.evidence).replace("|", "\\|")
            lines.append(f"| {c.name} | {c.verdict.value} | {c.region} | {evidence} |")
        lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        lines = [f"potential   {self.potential.expr}  ({self.potential.form}, d = {self.d})",
                 f"Laplacian   {self.laplacian}", f"domain      {self.domain}"]
        for c in self.conditions:
            extra = f"  λ = {c.value}" if c.value is not None else ""
            lines.append(f"{c.name:<22}{c.verdict.value:<10} region {c.region}{extra}")
            lines += [f"    {e}" for e in c.evidence]
        lines += [f"note: {n}" for n in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        classes = ", ".join(f"{c.name} {c.verdict.value}" for c in self.conditions)
        return f"<Classification of {self.potential}, d = {self.d}: {classes}>"

    def to_text(self) -> str:
        return str(self)

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2)


def _timed_out(why, phi, *, d=d_symbol, **_) -> Classification:
    """Every class UNDECIDED, the evidence saying that the budget ran out."""
    reason = f"{why}: nothing was decided"
    conditions = tuple(Condition(name, Verdict.UNDECIDED, None, (Evidence(Method.TIMEOUT, reason),))
                       for name in EarnshawClass)
    return Classification(phi, d, None, None, None, conditions, (reason,))


@budgeted(timed_out=_timed_out)
def classify(phi: Potential, *, d=d_symbol, manifold: str | None = None, domain: sp.Set | None = None,
             seconds: float = 3.0) -> Classification:
    """Classify Φ(·, w) as harmonic, strictly subharmonic, superharmonic or λ-harmonic.

    Parameters
    ----------
    phi : Potential
        A radial, zonal or product potential; a ridge potential is restricted to
        the sphere (``manifold="sphere"``, the default for ridge activations).
    d : int or sympy.Symbol
        The dimension of the ambient space R^d (the sphere is S^{d−1}).
    domain : sympy.Set, optional
        Restrict the one variable (r, ρ or s) to this subset of its domain.
    seconds : float
        Time budget of each symbolic step and of the ball-arithmetic bisection.
    budget : float
        Seconds the whole classification may take (default 60); when they run
        out every class is UNDECIDED with :attr:`~theory.core.verdict.Method.TIMEOUT`
        evidence saying so.

    Examples
    --------
    >>> from theory.potentials.potential import given
    >>> classify(given("2*asin(rho)/pi", "zonal"), d=2).main.name
    <EarnshawClass.HARMONIC: 'harmonic'>
    >>> classify(given("r", "radial"), d=3)["strictly subharmonic"].verdict
    <Verdict.PROVEN: 'proven'>
    """
    if not isinstance(phi, Potential):
        raise InputError(f"classify takes a Potential (theory.potential(…) or given(…)), "
                         f"not {type(phi).__name__}")
    phi = _on_manifold(phi, manifold)
    d = dimension(d, sphere=phi.manifold.codimension > 0)
    if phi.expr is None:
        return _undecided(phi, d, "the potential is numeric (no closed form): no symbolic Laplacian")
    variable = phi.form.variable
    if variable is None:
        return _undecided(phi, d, "a ridge potential on R^d depends on ‖θ‖, ‖w‖ and θᵀw; "
                                  "only its restriction to the sphere is classified", laplacian(phi, d))
    parts = pieces(phi.expr, variable, _domain(phi.form, variable, domain))
    notes = _kink_notes(phi, parts)
    if phi.form.geometry is Geometry.COORDINATES:
        return _classify_product(phi, d, parts, notes, seconds)
    laps = [(piece, f, _simplified(_laplacian_on(phi, f, d), seconds)) for piece, f in parts]
    lap = laps[0][2] if len(laps) == 1 else laplacian(phi, d)
    charts = [sign_chart(g, variable, piece, seconds=seconds) for piece, _, g in laps]
    chart = _joined(charts, sp.Union(*[p for p, _ in parts]))
    conditions = _sign_conditions(chart, variable, lambda u: [(g, p) for p, _, g in laps])
    conditions.append(_lambda_condition(laps, chart.domain, variable, seconds))
    return Classification(phi, d, lap, variable, chart.domain, tuple(conditions), tuple(notes))


# --------------------------------------------------------------------------- pieces

def _on_manifold(phi: Potential, spec: str | None) -> Potential:
    """Φ on the manifold named ``spec``; by default on the sphere if Φ has a restriction
    to it (a ridge potential), else on its own manifold."""
    default = SPHERE if phi.form.restriction else phi.manifold
    manifold = default if spec is None else manifold_named(spec)
    if phi.form.restriction:
        phi = manifold.restrict(phi)
    if manifold is not phi.manifold:
        raise InputError(f"a {phi.form} potential lives on the {phi.manifold} manifold, not {manifold}")
    return phi


def _domain(form: Form, variable: sp.Symbol, domain: sp.Set | None) -> sp.Set:
    natural = form.domain
    if domain is None:
        return natural
    if not isinstance(domain, sp.Set):
        raise InputError(f"domain must be a SymPy set such as sympy.Interval(0, 1), not {domain!r}")
    if not sp.Complement(domain, natural).is_empty:
        raise InputError(f"the region {domain} leaves the domain {natural} of {variable}"
                         + form.domain_note)
    if domain.is_empty or domain.measure == 0:
        raise InputError(f"the region {domain} is empty or has no interior; nothing to classify")
    return domain


def _laplacian_on(phi: Potential, smooth: sp.Expr, d) -> sp.Expr:
    return phi.form.laplacian(smooth, d)


def _kink_notes(phi: Potential, parts) -> list[str]:
    if len(parts) == 1:
        return []
    cuts = sorted({p.sup for p, _ in parts[:-1]}, key=float)
    variable, where = phi.form.variable, phi.form.kink_sets
    return [f"Φ is not smooth at {variable} = {', '.join(map(str, cuts))} ("
            + where.format(", ".join(map(str, cuts))) + "); the classes hold off these sets only, "
            "and the distributional Laplacian has a singular part there (e.g. h = e^{−|s|}: "
            "h'' = h − 2δ, superharmonic mass on the kink)"]


def _joined(charts: list[SignChart], domain: sp.Set) -> SignChart:
    methods = {c.method for c in charts}
    method = next((m for m in (Method.INTERVAL, Method.TIMEOUT) if m in methods), Method.EXACT)
    return SignChart(domain, sp.Union(*[c.positive for c in charts]), sp.Union(*[c.negative for c in charts]),
                     sp.Union(*[c.zero for c in charts]), method, "; ".join(c.detail for c in charts))


# --------------------------------------------------------------------------- conditions

def _sign_conditions(chart: SignChart, variable: sp.Symbol, functions, label: str = "ΔΦ") -> list[Condition]:
    """harmonic / strictly subharmonic / superharmonic from a sign chart.

    ``functions(region)`` gives the (expression, piece) pairs used to certify a
    counter-example point in ``region``. Where the sign depends on a parameter
    such as the symbol d, the region is the condition set {label ⋛ 0}.
    """
    specs = [(EarnshawClass.HARMONIC, chart.zero, sp.Union(chart.positive, chart.negative)),
             (EarnshawClass.STRICTLY_SUBHARMONIC, chart.positive, sp.Union(chart.negative, chart.zero)),
             (EarnshawClass.SUPERHARMONIC, chart.negative, sp.Union(chart.positive, chart.zero))]
    conditions = []
    for name, holds, against in specs:
        evidence = [chart.evidence]
        if sp.Complement(chart.domain, holds).is_empty:
            verdict = Verdict.PROVEN
        else:
            found = _counterexample(functions, against, variable, label)
            verdict = Verdict.REFUTED if found else Verdict.UNDECIDED
            evidence += [found] if found else [Evidence(chart.method, f"not decided on {chart.unknown}")]
            holds = _parametric(name, functions(chart.domain), variable, holds)
        conditions.append(Condition(name, verdict, holds, tuple(evidence)))
    return conditions


def _parametric(name, functions, variable, holds):
    """{variable : Δ ⋛ 0} as a condition set when Δ has parameters (e.g. a symbolic d)."""
    if len(functions) != 1 or not functions[0][0].free_symbols - {variable}:
        return holds
    expr, piece = functions[0]
    return sp.ConditionSet(variable, _SIGN[name](expr, 0), piece)


def _counterexample(functions, region: sp.Set, var: sp.Symbol, label: str) -> Evidence | None:
    if region.is_empty:
        return None
    for expr, piece in functions(region):
        inside = sp.Intersection(region, piece)
        found = witness(expr, var, inside) if not inside.is_empty else None
        if found:
            point, sign, value = found
            return Evidence(Method.COUNTEREXAMPLE if sign else Method.EXACT,
                            f"{label} at {var} = {point} is {value}",
                            {"point": str(point), "value": value, "sign": sign})
    return None


def _simplified(expr: sp.Expr, seconds: float) -> sp.Expr:
    """``sp.simplify(expr)`` within the time budget, else ``expr`` unchanged."""
    try:
        return bounded(sp.simplify, expr, seconds=seconds, what="simplify")
    except Timeout:
        return expr


def _lambda_condition(laps, domain, variable, seconds) -> Condition:
    """Δ = λΦ with a constant λ > 0: exact ratio ΔΦ/Φ, else two certified unequal ratios."""
    ratios = []
    for piece, f, g in laps:
        try:
            ratio = bounded(lambda a, b: sp.simplify(a / b), g, f, seconds=seconds, what="ratio ΔΦ/Φ")
        except Timeout as why:
            return Condition(EarnshawClass.LAMBDA_HARMONIC, Verdict.UNDECIDED, None,
                             (Evidence(Method.TIMEOUT, str(why)),))
        ratios.append((piece, ratio))
    return _lambda_from_ratios(ratios, variable, domain, "ΔΦ/Φ")


def _lambda_from_ratios(ratios, variable, domain, label, scale=1) -> Condition:
    constants = {sp.simplify(scale * q) for _, q in ratios if not q.has(variable)}
    if len(constants) == 1 and all(not q.has(variable) for _, q in ratios):
        lam = constants.pop()
        evidence = (Evidence(Method.EXACT, f"{label} = {lam} is constant"),)
        verdict = Verdict.from_bool(lam.is_positive)
        region = domain if verdict is Verdict.PROVEN else sp.EmptySet
        return Condition(EarnshawClass.LAMBDA_HARMONIC, verdict, region, evidence, lam)
    first = None
    for piece, q in ratios:
        for point in sample_points(piece):
            if first is None:
                first = (point, q.subs(variable, point))
                continue
            found = certified_sign(q - first[1], variable, point)
            if found:
                return Condition(EarnshawClass.LAMBDA_HARMONIC, Verdict.REFUTED, sp.EmptySet, (Evidence(
                    Method.COUNTEREXAMPLE, f"{label} differs at {variable} = {first[0]} and "
                    f"{point} (certified sign {found[0]} of the difference)"),))
    return Condition(EarnshawClass.LAMBDA_HARMONIC, Verdict.UNDECIDED, None,
                     (Evidence(Method.INCONCLUSIVE, f"{label} is not a constant SymPy could identify"),))


# --------------------------------------------------------------------------- product form

def _classify_product(phi, d, parts, notes, seconds) -> Classification:
    """Φ = ∏ h(sᵢ), h > 0: ΔΦ = Φ·Σ q(sᵢ) with q = h''/h; the sign on all of R^d is that of q
    (take every sᵢ equal), and Δ = λΦ iff q ≡ λ/d."""
    lap = laplacian(phi, d)
    domain = sp.Union(*[p for p, _ in parts])
    h_chart = _joined([sign_chart(f, s, p, seconds=seconds) for p, f in parts], domain)
    ratios = [(p, product_ratio(f)) for p, f in parts]
    q_chart = _joined([sign_chart(q, s, p, seconds=seconds) for p, q in ratios], domain)
    if not sp.Complement(domain, h_chart.positive).is_empty:
        return _undecided(phi, d, "h > 0 is not certified, so ΔΦ/Φ = Σ q(sᵢ) cannot be used", lap)
    conditions = _sign_conditions(q_chart, s, lambda region: [(q, p) for p, q in ratios], "q = h''/h")
    if len(ratios) == 1 and not isinstance(d, sp.Symbol):
        conditions = [_lifted(c, ratios[0][1], d) for c in conditions]
    conditions.append(_lambda_from_ratios(ratios, s, domain, "ΔΦ/Φ = d·q", scale=d))
    notes = [*notes, ("product form: ΔΦ = Φ·Σᵢ q(sᵢ), q = h''/h; a verdict about q at s₀ is one "
                      "about ΔΦ at θ − w = (s₀, …, s₀)")]
    return Classification(phi, d, lap, s, domain, tuple(conditions), tuple(notes))


def _lifted(condition: Condition, q: sp.Expr, d: int) -> Condition:
    """The region {Σ q(sᵢ) ⋛ 0} of ΔΦ in s1…sd in place of the region of q in s."""
    total = sp.Add(*[q.subs(s, si) for si in coordinates("s", d)])
    return replace(condition, region=_SIGN[condition.name](total, 0))


def _undecided(phi, d, reason, lap=None) -> Classification:
    evidence = (Evidence(Method.INCONCLUSIVE, reason),)
    conditions = tuple(Condition(name, Verdict.UNDECIDED, None, evidence) for name in EarnshawClass)
    return Classification(phi, d, lap, None, None, conditions, (reason,))


