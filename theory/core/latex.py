"""House LaTeX: print formulas in the notation of the paper and read the printed text back.

:class:`HousePrinter` is SymPy's LaTeX printer with the house names of
:mod:`theory.core.symbols` (‖θ‖, ‖w‖, θᵀw, ρ, ‖θ − w‖) and the paper's ``\\arccos``
(SymPy's ``inv_trig_style="full"``) instead of ``\\operatorname{acos}``; :func:`latex`
prints with it, and ``sympy.latex`` of a toolkit object, its Jupyter display and
the report all go through it; :func:`readable` is the same notation for a terminal
(ρ, √, ^, ≈). :func:`parse` inverts it for the right-hand side of
``\\Phi(…) = …``: the house names are swapped for placeholders, SymPy's ANTLR
LaTeX parser reads the text, and the result is accepted only if every symbol and
function in it is known. What that parser cannot read raises :class:`InputError`
instead of coming back as a product of letters: ``cases`` (a Piecewise), and
functions it lacks — erf, Bessel K₀, Max/Min. The parser runs in strict mode:
the lenient one silently drops whatever follows a syntax error. Every closed-form potential of the registry
reads back (``tests/test_latex.py``). Only the ANTLR backend is used: in SymPy 1.14 the Lark backend fails on
``\\pi`` and on implicit products such as ``2 \\pi \\rho``.

>>> from theory.core.symbols import rho
>>> text = latex(sp.acos(rho) * sp.exp(rho))
>>> text
'e^{\\\\rho} \\\\arccos{\\\\left(\\\\rho \\\\right)}'
>>> parse(text, (rho,))
exp(rho)*acos(rho)
>>> parse(latex(sp.erf(rho)), (rho,))
Traceback (most recent call last):
...
theory.core.errors.InputError: cannot read \\operatorname{erf} back: SymPy's LaTeX parser does not know erf
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import sympy as sp
from sympy.printing.latex import LatexPrinter

from .errors import InputError
from .symbols import LATEX_NAMES

#: SymPy prints these as ``\\operatorname{…}``; the parser knows them under their TeX names.
_OPERATOR_NAMES = {"asin": r"\arcsin", "acos": r"\arccos", "atan": r"\arctan"}
_OPERATOR = re.compile(r"\\operatorname\{(\w+)\}")
#: A symbol or a closed group before ``\\left(`` is a product; made explicit, or the parser reads a call.
_IMPLICIT_PRODUCT = re.compile(r"(?<=[\w})|])\s*\\left\(")
_CONSTANTS = {sp.Symbol("e"): sp.E, sp.Symbol("pi"): sp.pi}
_NOT_READABLE = {r"\begin{cases}": "a Piecewise", r"\text{(numeric)}": "a numeric potential (no formula)",
                 r"\sum_{k \ge 0}": "a Hermite series (a numeric potential, no formula)",
                 r"\max": "a Max", r"\min": "a Min"}


class HousePrinter(LatexPrinter):
    """SymPy's LaTeX printer in house notation: canonical symbols by their house names, inverse
    trigonometric functions as ``\\arccos``, a :class:`~theory.Potential` as its equation.

    >>> from theory.core.symbols import rho
    >>> HousePrinter().doprint(sp.asin(rho) / 2)
    '\\\\frac{\\\\arcsin{\\\\left(\\\\rho \\\\right)}}{2}'
    """

    _default_settings: ClassVar[dict] = {**LatexPrinter._default_settings, "inv_trig_style": "full",
                                         "symbol_names": LATEX_NAMES}

    def _print_Potential(self, potential) -> str:
        return potential.latex()


class Typeset:
    """SymPy's printer protocol (``sympy.latex(obj)``) and Jupyter's LaTeX display for an object
    with a ``latex()`` method (which prints with :class:`HousePrinter`); ``delimiter`` is ``$``
    (inline) or ``$$`` (display)."""

    delimiter = "$"

    def latex(self) -> str:
        """The LaTeX of the object (each class using the mixin defines it)."""
        raise NotImplementedError

    def _latex(self, printer) -> str:
        return self.latex()

    def _repr_latex_(self) -> str:
        return f"{self.delimiter}{self.latex()}{self.delimiter}"


def latex(expr: sp.Basic, **settings) -> str:
    """``expr`` in house LaTeX (:class:`HousePrinter`; ``settings`` as for ``sympy.latex``).

    >>> from theory.core.symbols import na, nb, dot
    >>> latex(dot / (na * nb))
    '\\\\frac{\\\\theta^{\\\\top} w}{\\\\|\\\\theta\\\\| \\\\|w\\\\|}'
    """
    return HousePrinter(settings).doprint(expr)


def right_hand_side(text: str) -> str:
    """The text after the last ``=`` of an equation (all of ``text`` if it has none)."""
    return text.rsplit("=", 1)[-1].strip()


def parse(text: str, variables: Sequence[sp.Symbol]) -> sp.Expr:
    """Read house LaTeX back into a SymPy expression in ``variables``.

    ``text`` is a formula or an equation ``\\Phi(…) = formula`` as printed by
    :meth:`theory.Potential.latex`; its only free symbols may be ``variables``
    (printed in house notation), ``e`` (Euler's number) and ``\\pi``.

    Raises
    ------
    InputError
        If the text has a construct the parser cannot read, or reads to an
        unknown symbol or function.

    Examples
    --------
    >>> from theory.core.symbols import na, nb, dot
    >>> parse(r"\\Phi(\\theta, w) = \\frac{\\theta^{\\top} w}{\\|\\theta\\| \\|w\\|}", (na, nb, dot))
    dot/(na*nb)
    """
    body = right_hand_side(text)
    for construct, what in _NOT_READABLE.items():
        if construct in body:
            raise InputError(f"cannot read {what} back from LaTeX: "
                             f"{construct} is not in the parser's grammar")
    body = _OPERATOR.sub(_operator, body).replace(r"\left|", "|").replace(r"\right|", "|")
    placeholders = {}
    for index, variable in sorted(enumerate(variables), key=lambda p: -len(LATEX_NAMES.get(p[1], ""))):
        placeholders[sp.Symbol(f"V_{{{index}}}")] = variable
        body = body.replace(LATEX_NAMES.get(variable, variable.name), f"V_{{{index}}}")
    expr = _parse_latex(_IMPLICIT_PRODUCT.sub(r" \\cdot \\left(", body))
    unknown = {f for f in expr.atoms(sp.Function) if isinstance(f.func, sp.core.function.UndefinedFunction)}
    unknown |= expr.free_symbols - set(placeholders) - set(_CONSTANTS)
    if unknown:
        names = ", ".join(sorted(map(str, unknown)))
        raise InputError(f"LaTeX {body!r} reads to unknown symbols or functions {names}")
    return expr.subs(placeholders | _CONSTANTS)


def _operator(match: re.Match) -> str:
    name = match.group(1)
    if name not in _OPERATOR_NAMES:
        raise InputError(rf"cannot read \operatorname{{{name}}} back: "
                         f"SymPy's LaTeX parser does not know {name}")
    return _OPERATOR_NAMES[name]


def _parse_latex(body: str) -> sp.Expr:
    from sympy.parsing.latex import LaTeXParsingError, parse_latex

    depth = 0
    for char in body.replace(r"\{", "").replace(r"\}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            break
    if depth:
        raise InputError(f"LaTeX {body!r} has unbalanced braces")
    try:  # strict: the lenient mode drops what follows a parse error ("1 + 2 )))" reads as 1 + 2);
        return parse_latex("{" + body + "}", strict=True)  # the group lets strict mode start with \left(
    except LaTeXParsingError as why:
        raise InputError(f"SymPy's LaTeX parser cannot read {body!r}: {str(why).splitlines()[0]}") from why


_UNICODE_NAMES = {"rho": "ρ", "pi": "π", "oo": "∞", "theta": "θ", "sigma": "σ", "lambda": "λ"}


def readable(text: str) -> str:
    """SymPy's text form made readable on a terminal: ρ, π, ∞, √, ^ and · for products, − for minus,
    a long exact fraction to 12 digits with ≈.

    >>> readable("sqrt(3)*rho**2 - 2*pi at rho = -1798992308069366290978025/2814295227803368749357813")
    '√3·ρ^2 − 2·π at ρ ≈ −0.639233684617'
    """
    text = re.sub(r"(-?\d{10,})/(\d{10,})", _approximately, text)
    text = re.sub(r"sqrt\((\w+)\)", r"√\1", text).replace("sqrt(", "√(").replace("**", "^").replace("*", "·")
    text = re.sub(r"\b(" + "|".join(_UNICODE_NAMES) + r")\b", lambda m: _UNICODE_NAMES[m.group()], text)
    text = re.sub(r"(^|[\s(\[,])-", r"\1−", text).replace(" - ", " − ")
    return text.replace("= ≈", "≈ ")


def _approximately(fraction: re.Match) -> str:
    return f"≈{int(fraction.group(1)) / int(fraction.group(2)):.12g}".replace("-", "−")
