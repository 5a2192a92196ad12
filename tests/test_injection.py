"""Nothing a user passes is ever executed.

Every way text reaches the toolkit (activation names and their parameters,
formulas, LaTeX, evaluation points, regions, command-line arguments) is fed a
corpus of payloads that would create a file if SymPy's ``eval``-based parser saw
them. Each must end in an InputError (exit code 2 on the command line), the
file must not exist, and SymPy's ``eval`` must never have been handed the text.
A second test walks the package's syntax trees for eval-like calls and accepts
only the vetted ones.
"""

import ast
import pathlib

import pytest
import sympy as sp
import sympy.parsing.sympy_parser as sympy_parser

import theory
from theory import testing
from theory.cli import main
from theory.conditions.realizability import fourier_realizable, radial_realizable, taylor_realizable
from theory.conditions.signs import certified_sign
from theory.core.errors import InputError
from theory.core.latex import parse as parse_latex
from theory.core.symbols import rho
from theory.potentials.potential import Potential, given

ROOT = pathlib.Path(__file__).resolve().parents[1]

#: Payloads, each creating the file named by ``{marker}`` if it runs.
CORPUS = [
    "__import__('pathlib').Path('{marker}').touch()",
    "__import__('os').system('touch {marker}')",
    "t + __import__('os').system('touch {marker}')",
    "1/2 + __import__('os').system('touch {marker}')",
    "(lambda: __import__('os').system('touch {marker}'))()",
    "open('{marker}', 'w')",
    "exec(\"open('{marker}', 'w')\")",
    "eval(\"open('{marker}', 'w')\")",
    "1 if open('{marker}', 'w') else 2",
    "[open('{marker}', 'w') for t in (1,)]",
    "t.__class__.__init__.__globals__['__builtins__']['open']('{marker}', 'w')",
    "ｅｘｅｃ(\"open('{marker}', 'w')\")",  # full-width letters: Python's parser reads them as exec
]

_RADIAL = given("exp(-r^2/2)", "radial")
_ZONAL = given("rho", "zonal")

#: Every public way a string reaches SymPy, as a function of the payload.
PATHS = {
    "activation(formula)": lambda p: theory.activation(p),
    **{f"activation({name!r}, p)": lambda p, name=name: theory.activation(name, p)
       for name in ("hermite", "leaky_relu", "erf", "relu_power")},
    **{f"activation('{name}(p)')": lambda p, name=name: theory.activation(f"{name}({p})")
       for name in ("hermite", "leaky_relu", "erf", "relu_power")},
    "activation(name, [p])": lambda p: theory.activation("leaky_relu", [p]),
    "Activation(p)": lambda p: theory.activation("relu")(p),
    "potential(p)": lambda p: theory.potential(p),
    **{f"given(p, {form!r})": lambda p, form=form: given(p, form)
       for form in ("ridge", "zonal", "radial", "product")},
    "given([p])": lambda p: given([p], "radial"),
    "Potential.from_latex": lambda p: Potential.from_latex(p, "zonal"),
    "latex.parse": lambda p: parse_latex(rf"\Phi(\rho) = {p}", (rho,)),
    "Potential.at": lambda p: _ZONAL.at(p),
    "classify(p)": lambda p: theory.classify(p),
    "classify(domain=p)": lambda p: theory.classify(_RADIAL, d=3, domain=p),
    "classify(d=p)": lambda p: theory.classify(_RADIAL, d=p),
    "laplacian(d=p)": lambda p: theory.laplacian(_RADIAL, d=p),
    "fourier_realizable": lambda p: fourier_realizable(p),
    "radial_realizable": lambda p: radial_realizable(p, 3),
    "taylor_realizable": lambda p: taylor_realizable(p),
    "certified_sign": lambda p: certified_sign(rho, rho, p),
    "assert_condition(region=p)": lambda p: testing.assert_condition(_RADIAL, "harmonic", d=3, region=p),
    "assert_identical": lambda p: testing.assert_identical(p, "rho", rho),
    "assert_agree": lambda p: testing.assert_agree(p, 1, digits=3),
    "simulate('radial:p')": lambda p: theory.simulate(f"radial:{p}", d=2, k=1, manifold="euclidean"),
    "verify('zonal:p')": lambda p: theory.verify(f"zonal:{p}", manifold="sphere", d=2, k=1),
}

#: The same through the command line (an InputError is exit code 2).
COMMANDS = {
    "derive p": lambda p: ["derive", p],
    "derive --at p": lambda p: ["derive", "relu", "--at", p],
    "derive --at 1,p,0": lambda p: ["derive", "relu", "--at", f"1,{p},0"],
    "check p": lambda p: ["check", p],
    "check --potential p": lambda p: ["check", "--potential", p],
    "check --d p": lambda p: ["check", "relu", "--d", p],
    "simulate radial:p": lambda p: ["simulate", f"radial:{p}", "--d", "2", "--k", "1", "--manifold",
                                    "euclidean"],
    "verify zonal:p": lambda p: ["verify", f"zonal:{p}", "--manifold", "sphere", "--d", "2", "--k", "1"],
}


@pytest.fixture
def payloads(tmp_path, monkeypatch):
    """The corpus aimed at a marker file, with SymPy's eval trapped for any text that names it."""
    marker = tmp_path / "payload-ran"
    evaluated = []
    original = sympy_parser.eval_expr

    def trapped(code, local_dict, global_dict):
        if marker.name in code:
            evaluated.append(code)
            raise AssertionError(f"user text reached SymPy's eval: {code!r}")
        return original(code, local_dict, global_dict)

    monkeypatch.setattr(sympy_parser, "eval_expr", trapped)
    yield [text.format(marker=marker) for text in CORPUS]
    assert not marker.exists(), "a payload ran"
    assert not evaluated, f"SymPy's eval was handed user text: {evaluated[0]!r}"


@pytest.mark.parametrize("path", PATHS)
def test_no_payload_runs_through_the_python_api(path, payloads):
    for payload in payloads:
        with pytest.raises(InputError):
            PATHS[path](payload)


@pytest.mark.parametrize("command", COMMANDS)
def test_no_payload_runs_through_the_command_line(command, payloads, capsys):
    for payload in payloads:
        assert main(COMMANDS[command](payload)) == 2, payload
        assert "error:" in capsys.readouterr().err


def test_parameters_given_apart_from_the_name_are_exact_numbers():
    assert theory.activation("leaky_relu", 0.1).expr == theory.activation("leaky_relu(0.1)").expr
    assert theory.activation("hermite", "3") == theory.activation("hermite(3)")
    with pytest.raises(InputError, match="registered name"):
        theory.activation("t**2", 3)


def test_no_payload_runs_through_the_quadrature(payloads):
    from theory.potentials.quadrature import bivariate, gaussian_mean

    relu = sp.Max(sp.Symbol("t"), 0)
    calls = (lambda p: bivariate(relu, kinks=[p], dps=15), lambda p: bivariate(relu, None, p, 1, 0, dps=15),
             lambda p: bivariate(relu, None, 1, 1, p, dps=15), lambda p: bivariate(p, dps=15),
             lambda p: gaussian_mean(relu, p, dps=15), lambda p: gaussian_mean(p, dps=15))
    for payload in payloads:
        for call in calls:
            with pytest.raises(InputError):
                call(payload)


# ---------------------------------------------------------------------- the class

#: Calls that evaluate text or build code, wherever they appear in the package.
EVAL_LIKE = {"sympify", "S", "eval", "exec", "compile", "parse_expr", "parse_latex", "lambdify",
             "nsimplify", "__import__", "import_module", "Rational"}

#: (file, enclosing function, call) → why that call never sees user text.
VETTED = {
    ("theory/core/parsing.py", "_Builder.number", "Rational"):
        "a float literal's own source text, already read by ast as a number",
    ("theory/potentials/line_mean.py", "exact_inputs", "Rational"):
        "a SymPy Float from evaluation.exact_point (strings were read by as_number before), never text",
    ("theory/core/latex.py", "_parse_latex", "parse_latex"):
        "SymPy's ANTLR LaTeX grammar builds SymPy objects without eval; unknown names are refused after",
    ("theory/potentials/potential.py", "Potential.from_latex", "parse_latex"):
        "theory.core.latex.parse, the house wrapper above",
    ("theory/potentials/activations.py", "_kinks", "nsimplify"):
        "applied to a root SymPy found (a SymPy number)",
    ("theory/conditions/signs.py", "sample_points", "nsimplify"): "applied to a SymPy Float computed here",
    ("theory/core/numeric.py", "mpmath_function", "lambdify"): "compiles a SymPy expression (never a string)",
    ("theory/core/numeric.py", "numpy_function", "lambdify"): "compiles a SymPy expression (never a string)",
    ("theory/potentials/random_features.py", "_mpmath_of", "lambdify"):
        "compiles a derived mean (a SymPy expression, never a string)",
    ("theory/paper/plots.py", "potential_and_laplacian", "lambdify"):
        "compiles a Potential's SymPy expression",
    ("theory/paper/plots.py", "radial_laplacian_sign", "lambdify"):
        "compiles a Laplacian (a SymPy expression)",
    ("theory/teacher_student/sampled.py", "_compiled", "lambdify"):
        "compiles an Activation's SymPy expression",
    ("proofs/electrodynamics/theorem_3_6.py", "_sphere_is_empty", "lambdify"):
        "compiles a fixed SymPy expression",
    ("proofs/electrodynamics/lemma_3_8.py", "_example", "nsimplify"):
        "applied to a SymPy number computed there",
    ("theory/cli/__init__.py", "build_parser", "import_module"):
        "module names from the fixed SUBCOMMANDS table",
    ("theory/__init__.py", "__getattr__", "import_module"): "module names from the fixed _HOMES table",
    ("theory/paper/claims.py", "collect", "import_module"):
        "module names from a paper package's fixed MODULES tuple",
    ("proofs/__init__.py", "all_claims", "import_module"): "package names from the fixed PAPERS tuple",
}


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) or (isinstance(node, ast.UnaryOp)
                                              and isinstance(node.operand, ast.Constant))


def _eval_like(call: ast.Call) -> str | None:
    """The name of an eval-like call, or None when it is another call or harmless by construction."""
    func = call.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    if name not in EVAL_LIKE:
        return None
    if name == "compile" and isinstance(func, ast.Attribute):
        return None  # re.compile and friends
    if name == "Rational" and len(call.args) != 1:
        return None  # Rational(p, q) of two numbers
    if call.args and all(_literal(a) for a in call.args):
        return None  # sp.S(1), sp.Rational("1/3"): constants written in the source
    if name == "sympify" and any(k.arg == "strict" and isinstance(k.value, ast.Constant)
                                 and k.value.value is True for k in call.keywords):
        return None  # sympify(…, strict=True) refuses strings
    return name


class _EvalLikeCalls(ast.NodeVisitor):
    """The eval-like calls of one module, as (file, enclosing scope, call, line)."""

    def __init__(self, file: str):
        self.file, self.scopes, self.found = file, [], []

    def visit_FunctionDef(self, node):
        self.scopes.append(node.name)
        self.generic_visit(node)
        self.scopes.pop()

    visit_AsyncFunctionDef = visit_ClassDef = visit_FunctionDef

    def visit_Call(self, node):
        name = _eval_like(node)
        if name:
            self.found.append((self.file, ".".join(self.scopes) or "<module>", name, node.lineno))
        self.generic_visit(node)


def _eval_like_calls():
    for path in sorted([*ROOT.joinpath("theory").rglob("*.py"), *ROOT.joinpath("proofs").rglob("*.py")]):
        visitor = _EvalLikeCalls(str(path.relative_to(ROOT)))
        visitor.visit(ast.parse(path.read_text(encoding="utf-8")))
        yield from visitor.found


def test_every_eval_like_call_in_the_package_is_vetted():
    calls = list(_eval_like_calls())
    unvetted = [f"{file}:{line} {name}() in {scope}" for file, scope, name, line in calls
                if (file, scope, name) not in VETTED]
    assert not unvetted, ("eval-like calls that may see user text (route the text through "
                          "theory.core.parsing.as_expression / as_number, or vet the call here): "
                          + "; ".join(unvetted))
    stale = set(VETTED) - {(file, scope, name) for file, scope, name, _ in calls}
    assert not stale, f"vetted calls that no longer exist (remove them): {sorted(stale)}"


def test_the_guard_sees_the_calls_it_is_meant_to_catch():
    snippet = ast.parse("sp.sympify(text)\nsp.S(value)\neval(code)\nsp.Rational(x)\n"
                        "sp.Rational(1, 3)\nsp.S(1)\nre.compile(p)\nsp.sympify(v, strict=True)")
    names = [_eval_like(node) for node in ast.walk(snippet) if isinstance(node, ast.Call)]
    assert [n for n in names if n] == ["sympify", "S", "eval", "Rational"]
