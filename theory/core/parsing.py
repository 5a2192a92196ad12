"""Parse user formulas into SymPy without executing any Python.

``sympy.sympify`` and ``parse_expr`` call ``eval``, and so does nearly every
SymPy function handed a string (``simplify``, ``N``, ``Max``, ``erf``,
``expr.subs(x, text)``, ``sympify([text])``): a string such as
``"__import__('os').system('…')"`` would run. Here the string is parsed by
:mod:`ast` and rebuilt node by node from a whitelist: numbers, the allowed
symbols, arithmetic, and calls of named mathematical functions. Anything else
is an :class:`~theory.core.errors.InputError` that names the offending piece.

Every value a user hands the toolkit reaches SymPy through :func:`as_expression`
(formulas) or :func:`as_number` (numeric parameters), which accept SymPy
expressions, Python and NumPy numbers and strings, and nothing else.

Decimal literals become exact rationals (``0.1`` is 1/10), and ``^`` means
power. Numbers too large to build exactly (``1e999999999``, ``(9^200)^200^…``,
``gamma(10^9)``) are refused before they are built.

>>> from theory.core.symbols import t
>>> parse_expression("max(t, 0)^2 + 0.1*t", {"t": t})
t/10 + Max(0, t)**2
>>> parse_expression("__import__('os')", {"t": t})
Traceback (most recent call last):
...
theory.core.errors.InputError: expression "__import__('os')": calling '__import__' is not allowed; known functions: Abs, Heaviside, K0, Max, Min, abs, acos, asin, atan, besselk, cos, cosh, erf, erfc, exp, gamma, log, max, min, sign, sin, sinh, sqrt, step, tan, tanh
"""  # noqa: E501 - doctest output is verbatim

from __future__ import annotations

import ast
import decimal
import math
import numbers
from collections.abc import Callable, Mapping

import mpmath
import sympy as sp

from .errors import InputError

#: Names of functions a formula may call, mapped to their SymPy builders.
FUNCTIONS: dict[str, Callable[..., sp.Expr]] = {
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "erf": sp.erf, "erfc": sp.erfc, "gamma": sp.gamma,
    "abs": sp.Abs, "Abs": sp.Abs, "sign": sp.sign,
    "max": sp.Max, "Max": sp.Max, "min": sp.Min, "Min": sp.Min,
    "Heaviside": lambda arg: sp.Heaviside(arg, sp.S.Half),
    "step": lambda arg: sp.Heaviside(arg, sp.S.Half),
    "besselk": sp.besselk, "K0": lambda arg: sp.besselk(0, arg),
}

CONSTANTS: dict[str, sp.Expr] = {"pi": sp.pi, "E": sp.E, "e": sp.E}

_MAX_LENGTH = 2000
_MAX_EXPONENT = 200
_MAX_DIGITS = 60
#: Largest power of ten a decimal literal may carry (``1e400`` is an exact integer of 401 digits).
_MAX_SCALE = 400
#: Largest exact number a formula may build, in bits (about 30 000 decimal digits).
_MAX_BITS = 100_000
#: gamma of a rational is evaluated exactly (a factorial): the largest argument allowed.
_MAX_GAMMA = 1000
#: Deepest nesting of operations and calls (a chain ``a + b + c + …`` counts once): SymPy recurses.
_MAX_DEPTH = 60

_BINARY = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a**b,
}


def parse_expression(text: str, symbols: Mapping[str, sp.Symbol],
                     functions: Mapping[str, Callable[..., sp.Expr]] | None = None) -> sp.Expr:
    """Parse ``text`` into a SymPy expression over the given symbols only.

    The grammar: numbers, the ``symbols``, the constants ``pi`` and ``E``, the
    operators ``+ - * / ** ^`` and calls ``name(expression, …)`` of the
    :data:`FUNCTIONS` and of the caller's ``functions``. Chains of ``+``/``-``
    and of ``*``/``/`` are read without recursion, so their length is bounded
    only by the text's; other nesting is bounded by ``_MAX_DEPTH``, and no power
    of degree above ``_MAX_EXPONENT`` is built, even by ``(t**200)**200``.

    Parameters
    ----------
    text : str
        A formula such as ``"exp(-r**2/2)"``.
    symbols : mapping
        The names the formula may use, e.g. ``{"r": theory.core.symbols.r}``.
    functions : mapping, optional
        More callable names (the activations' registry uses it): each receives
        the built SymPy arguments and returns an expression, or raises
        :class:`InputError`; a name of :data:`FUNCTIONS` is tried there first.
    """
    if not isinstance(text, str):
        raise InputError(f"expected a formula as a string, got {type(text).__name__}")
    if len(text) > _MAX_LENGTH:
        raise InputError(f"expression is {len(text)} characters long; the limit is {_MAX_LENGTH}")
    if not text.strip():
        raise InputError("empty expression")
    source = text.strip().replace("^", "**")  # ^ is power, with the precedence of **
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise InputError(f"expression {text!r} is not a formula: {exc.msg}") from None
    depth = _depth(tree.body)
    if depth > _MAX_DEPTH:
        raise InputError(f"expression {text!r} nests operations more than {_MAX_DEPTH} deep "
                         "(chains such as a + b + c count once)")
    builder = _Builder(source, dict(symbols), dict(functions or {}))
    result = builder.build(tree.body)
    if not isinstance(result, sp.Expr):
        raise InputError(f"expression {text!r} does not describe a number")
    if result.has(sp.zoo, sp.nan):
        raise InputError(f"expression {text!r} is undefined (division by zero?)")
    return result


_CHAINS = ((ast.Add, ast.Sub), (ast.Mult, ast.Div))


def _chain(node: ast.AST) -> tuple[ast.AST, list[tuple[ast.operator, ast.AST]]]:
    """``a ∘ b ∘ c`` (left-associative ``+ -`` or ``* /``) as (a, [(∘, b), (∘, c)]), without recursion."""
    links: list[tuple[ast.operator, ast.AST]] = []
    while isinstance(node, ast.BinOp):
        group = next((g for g in _CHAINS if isinstance(node.op, g)), None)
        if group is None or (links and not isinstance(links[-1][0], group)):
            break
        links.append((node.op, node.right))
        node = node.left
    return node, links[::-1]


def _depth(root: ast.AST) -> int:
    """Nesting depth of a formula's tree, a chain ``a + b + …`` counting as one level."""
    deepest, stack = 0, [(root, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if level > _MAX_DEPTH:
            break
        first, links = _chain(node)
        if links:
            stack += [(first, level + 1)] + [(operand, level + 1) for _, operand in links]
        else:
            stack += [(child, level + 1) for child in ast.iter_child_nodes(node)
                      if isinstance(child, ast.expr)]
    return deepest


class _Builder:
    def __init__(self, text: str, symbols: dict[str, sp.Symbol],
                 functions: dict[str, Callable[..., sp.Expr]]):
        self.text = text
        self.symbols = symbols
        self.functions = functions

    def fail(self, message: str) -> InputError:
        return InputError(f"expression {self.text!r}: {message}")

    def build(self, node: ast.AST) -> sp.Expr:
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            first, links = _chain(node)
            if links:
                value = self.build(first)
                for op, operand in links:
                    value = self.checked(_BINARY[type(op)](value, self.build(operand)))
                return value
            left, right = self.build(node.left), self.build(node.right)
            self.check_power(left, right)
            return self.checked(left**right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self.call(node)
        piece = ast.get_source_segment(self.text, node) or type(node).__name__
        raise self.fail(f"{piece!r} is not allowed (only numbers, symbols, arithmetic "
                        "and named functions)")

    def number(self, node: ast.Constant) -> sp.Expr:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{value!r} is not a real number")
        source = ast.get_source_segment(self.text, node) or repr(value)
        if len(source) > _MAX_DIGITS:
            raise self.fail(f"number {source[:20]}… has too many digits")
        if isinstance(value, float) and abs(decimal.Decimal(source).adjusted()) > _MAX_SCALE:
            raise self.fail(f"number {source} is out of range (at most 10^±{_MAX_SCALE})")
        return sp.Rational(source) if isinstance(value, float) else sp.Integer(value)

    def name(self, identifier: str) -> sp.Expr:
        if identifier in self.symbols:
            return self.symbols[identifier]
        if identifier in CONSTANTS:
            return CONSTANTS[identifier]
        allowed = ", ".join(sorted(self.symbols)) or "none"
        raise self.fail(f"unknown symbol {identifier!r}; allowed symbols: {allowed}")

    def call(self, node: ast.Call) -> sp.Expr:
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in FUNCTIONS and name not in self.functions:
            called = ast.get_source_segment(self.text, node.func) or "?"
            known = ", ".join(sorted({*FUNCTIONS, *self.functions}))
            raise self.fail(f"calling {called!r} is not allowed; known functions: {known}")
        if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
            raise self.fail("keyword and starred arguments are not allowed")
        args = [self.build(arg) for arg in node.args]
        if name == "gamma" and args and args[0].is_Rational and abs(args[0]) > _MAX_GAMMA:
            raise self.fail(f"gamma({_short(args[0])}) is too large to evaluate exactly "
                            f"(|argument| ≤ {_MAX_GAMMA})")
        if name in FUNCTIONS:
            try:
                return self.checked(FUNCTIONS[name](*args))
            except (TypeError, ValueError) as exc:  # a wrong count; Max of an incomparable number
                if name not in self.functions:
                    raise self.fail(f"bad arguments to {name}: {exc}") from None
        try:
            return self.checked(self.functions[name](*args))
        except InputError as why:
            raise self.fail(str(why)) from None

    def checked(self, value: sp.Expr) -> sp.Expr:
        """``value``, unless it is undefined (``1/0``, ``log(0)``) or SymPy merged it into a power
        beyond the exponent limit (``t**200*t**200``)."""
        if value.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
            raise self.fail(f"{_short(value)} is undefined or infinite (division by zero?)")
        if isinstance(value, sp.Pow) and value.exp.is_number and value.exp.is_real \
                and abs(value.exp) > _MAX_EXPONENT and value.base.free_symbols:
            raise self.fail(f"the power {_short(value)} has an exponent beyond the limit {_MAX_EXPONENT}")
        return value

    def check_power(self, base: sp.Expr, exponent: sp.Expr) -> None:
        if exponent.is_number and exponent.is_real and abs(exponent) > _MAX_EXPONENT:
            raise self.fail(f"exponent {_short(exponent)} exceeds the limit {_MAX_EXPONENT}")
        if base.is_Rational and exponent.is_Rational:  # SymPy builds the power at once
            bits = max(abs(base.p).bit_length(), base.q.bit_length()) * abs(exponent)
            if bits > _MAX_BITS:
                raise self.fail(f"the power {_short(base)}**{_short(exponent)} has about "
                                f"{int(bits * 0.30103)} digits; the limit is {int(_MAX_BITS * 0.30103)}")


def _short(number: sp.Expr) -> str:
    text = str(number)
    return text if len(text) <= 24 else f"{text[:10]}…({len(text)} characters)"


def as_expression(value, symbols: Mapping[str, sp.Symbol], *, what: str = "value") -> sp.Expr:
    """A SymPy expression from a formula, a number or an expression, without ``eval``.

    Strings go through :func:`parse_expression` with the given ``symbols``;
    Python and NumPy integers and fractions and mpmath numbers become exact
    SymPy numbers, and a float becomes the decimal it prints as (``0.1`` is
    1/10, as in a formula);
    a SymPy expression is returned as it is. Anything else (lists, arbitrary
    objects, which ``sympify`` would take apart and evaluate) is refused.

    >>> from theory.core.symbols import t
    >>> as_expression("t/2", {"t": t}), as_expression(0.1, {}), as_expression(3, {})
    (t/2, 1/10, 3)
    >>> as_expression(["t"], {"t": t}, what="the slope")
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: the slope must be a number, a formula (string) or a SymPy expression, not list
    """  # noqa: E501 - doctest output is verbatim
    if isinstance(value, sp.Expr):
        return value
    if isinstance(value, str):
        return parse_expression(value, symbols)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return sp.Integer(int(value))
    if isinstance(value, numbers.Rational) and not isinstance(value, bool):
        return sp.Rational(int(value.numerator), int(value.denominator))
    if isinstance(value, mpmath.mpf) and mpmath.isfinite(value):
        mantissa, exponent = value.man_exp  # exactly the binary number it is
        return sp.Integer(mantissa) * sp.Integer(2) ** exponent
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            raise InputError(f"{what} must be finite, got {number}")
        return parse_expression(repr(number), {})
    raise InputError(f"{what} must be a number, a formula (string) or a SymPy expression, "
                     f"not {type(value).__name__}")


def as_number(value, *, what: str = "value") -> sp.Expr:
    """A real SymPy number (exact where the input is) from a number, a string or a SymPy number.

    >>> as_number("3/2"), as_number(0.25), as_number("sqrt(2)")
    (3/2, 1/4, sqrt(2))
    >>> as_number("__import__('os')", what="--at")
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: --at: expression "__import__('os')": calling '__import__' is not allowed; known functions: Abs, Heaviside, K0, Max, Min, abs, acos, asin, atan, besselk, cos, cosh, erf, erfc, exp, gamma, log, max, min, sign, sin, sinh, sqrt, step, tan, tanh
    """  # noqa: E501 - doctest output is verbatim
    try:
        number = as_expression(value, {}, what=what)
    except InputError as why:
        if not isinstance(value, str):
            raise
        raise InputError(f"{what}: {why}") from None
    if number.free_symbols or not number.is_number or number.is_extended_real is not True \
            or not number.is_finite:
        raise InputError(f"{what} must be a real number, got {number}")
    return number
