"""Benchmark: evaluating and deriving potentials, against what a user would otherwise run.

Prints, measured in this one run:

* closed-form ReLU potential in float64 (NumPy) and at 50 digits (mpmath);
* Monte Carlo with 10^6 samples, tensor Gauss–Hermite of degree 25 (what
  neural-tangents does for activations without a kernel), the toolkit's
  nested quadrature (15 confirmed digits) — each with its error against the closed form and its speed ratio;
* the cold derivation time of every registered activation (each in a fresh process);
* for tanh, sigmoid, softplus, swish, ELU and mish (no closed form): the Hermite-series
  route at 15/30/50 digits, cold (a fresh process, derivation included) and warm (a new ρ
  in the same process), the nested quadrature (the previous route, 15 digits), tensor
  Gauss–Hermite of degree 25 and 100, neural-tangents' ``ElementwiseNumerical`` when
  importable — digits correct against a 40-digit reference that shares nothing with the route
  (tensor Gauss–Legendre in python-flint balls, :mod:`theory.potentials.ball_quadrature`,
  computed at 40 and 50 digits and their agreement printed) — and the float64 evaluator's
  values per second and maximal error on [−1, 1];
* the float64 evaluators for general norms (piecewise-Chebyshev-in-the-norm Hermite series; ELU's
  orthant form): values per second on 10^6 random (‖θ‖, ‖w‖, θᵀw) against a plain alternative
  (the global degree-M series per point in one GEMM, one BLAS thread, no rounding bound) and
  tensor Gauss–Hermite of degree 25 and 100,
  and on a 1000 × 1000 matrix; maximal error on a grid of norms and ρ (ρ = ±1, zero norms, equal
  rows) and on random triples against the same ball quadrature at 20 digits.

With ``--against PATH`` (another checkout of the toolkit, e.g. a worktree of main) it prints only the
values per second of the general-norm float64 evaluators of this checkout and of that one, each in
fresh processes taking turns in this one run, and their ratio.

Run: ``python examples/benchmark_potential.py`` (``--numeric`` for the last two parts only,
``--ridge`` for the last, ``--no-nested`` to skip the slow nested quadrature).
"""

from __future__ import annotations

import argparse
import functools
import math
import os
import pathlib
import subprocess
import sys
import time
from fractions import Fraction

import mpmath
import numpy as np
import sympy as sp
import threadpoolctl

from theory import potential
from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.core.numeric import context, mpmath_function
from theory.core.symbols import t
from theory.potentials import ball_quadrature, hermite_norms
from theory.potentials.activations import REGISTRY
from theory.potentials.quadrature import bivariate

RHO = 0.3


def per_second(fn, minimum=0.5):
    """(calls per second, last result) over at least ``minimum`` seconds."""
    calls, start = 0, time.perf_counter()
    while True:
        result = fn()
        calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= minimum:
            return calls / elapsed, result


def closed_forms() -> None:
    relu = potential("relu").sphere()
    exact = relu.at(sp.Rational(3, 10), dps=60)
    rows = []

    f64 = relu.numpy()
    points = np.random.default_rng(0).uniform(-1, 1, 10**6)
    rate, _ = per_second(lambda: f64(points))
    rows.append(("closed form, float64 (NumPy)", rate * points.size, abs(float(f64(RHO)) - float(exact))))

    ctx = context(50)
    f50 = mpmath_function(relu.expr, relu.variables, ctx)
    x50 = ctx.mpf(3) / 10
    rate, value = per_second(lambda: f50(x50))
    rows.append(("closed form, 50 digits (mpmath)", rate, abs(value - exact)))
    rate, value = per_second(lambda: relu.at(sp.Rational(3, 10), dps=50))
    rows.append(("closed form, 50 verified digits (.at)", rate, abs(value - exact)))

    rng = np.random.default_rng(1)

    def monte_carlo():
        u, v = rng.standard_normal((2, 10**6))
        return np.mean(np.maximum(u, 0) * np.maximum(RHO * u + np.sqrt(1 - RHO**2) * v, 0))

    rate, value = per_second(monte_carlo, 2)
    rows.append(("Monte Carlo, 10^6 samples", rate, abs(value - float(exact))))

    nodes, weights = np.polynomial.hermite_e.hermegauss(25)
    weights = weights / np.sqrt(2 * np.pi)
    grid_u, grid_v = np.meshgrid(nodes, nodes, indexing="ij")
    grid_w = np.outer(weights, weights)

    def gauss_hermite():
        second = RHO * grid_u + np.sqrt(1 - RHO**2) * grid_v
        return np.sum(grid_w * np.maximum(grid_u, 0) * np.maximum(second, 0))

    rate, value = per_second(gauss_hermite)
    rows.append(("tensor Gauss–Hermite, degree 25", rate, abs(value - float(exact))))

    start = time.perf_counter()
    value = bivariate(sp.Max(t, 0), None, 1, 1, sp.Rational(3, 10), dps=15)
    rows.append(("nested quadrature, 15 confirmed digits", 1 / (time.perf_counter() - start),
                 abs(value - exact)))

    floor = rows[0][1]
    print(f"ReLU potential Φ(ρ) at ρ = {RHO}: evaluations per second and error")
    print(f"{'method':42} {'evals/s':>12} {'error':>10} {'× slower than float64':>22}")
    for name, rate, error in rows:
        print(f"{name:42} {rate:12.3g} {mpmath.nstr(error, 2):>10} {floor / rate:22.3g}")

    print("\ncold derivation of every registered activation (fresh process each)")
    total = 0.0
    for name in REGISTRY:
        spec = EXAMPLE_PARAMETERS.get(name, name)
        code = ("import time; from theory import potential; s = time.perf_counter(); "
                f"p = potential({spec!r}); print(time.perf_counter() - s, p.method)")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        seconds, method = out.stdout.split(" ", 1)
        total += float(seconds)
        print(f"  {spec:16} {float(seconds):6.2f} s  {method.strip()}")
    print(f"  {'whole registry':16} {total:6.2f} s")


# ---------------------------------------------------------------------- no closed form

NUMERIC = {"tanh": "tanh", "sigmoid": "sigmoid", "softplus": "softplus", "swish": "t/(1+exp(-t))",
           "ELU": "Max(t, 0) + exp(Min(t, 0)) - 1", "mish": "t*tanh(log(1+exp(t)))"}
POINT, OTHER = sp.Rational(1, 2), sp.Rational(2, 5)
#: σ on python-flint balls, for the independent reference (tensor Gauss–Legendre), and its kinks
ARB = {"tanh": lambda x: x.tanh(), "sigmoid": lambda x: 1 / (1 + (-x).exp()),
       "softplus": lambda x: x.exp().log1p(),
       "swish": lambda x: x / (1 + (-x).exp()), "ELU": lambda x: x if float(x.mid()) > 0 else x.exp() - 1,
       "mish": lambda x: x * x.exp().log1p().tanh()}
KINKS = {"ELU": (0,)}


def digits_of(value, reference) -> str:
    with mpmath.workdps(80):
        error = abs(mpmath.mpf(value) - mpmath.mpf(reference))
        return "all" if error == 0 else f"{max(0.0, -float(mpmath.log10(error / abs(reference)))):.1f}"


def cold(spec: str, dps: int) -> float:
    """Seconds for potential(σ).sphere().at(1/2) in a fresh process, derivation included."""
    code = ("import time; s = time.perf_counter(); import sympy as sp; from theory import potential; "
            f"potential({spec!r}).sphere().at(sp.Rational(1, 2), dps={dps}); print(time.perf_counter() - s)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def tensor_gauss_hermite(f, degree: int) -> float:
    """E[f(U)f(V)] by the degree² tensor rule (NumPy), what a user would write."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(degree)
    weights = weights / math.sqrt(2 * math.pi)
    u, v = np.meshgrid(nodes, nodes, indexing="ij")
    second = float(POINT) * u + math.sqrt(1 - float(POINT) ** 2) * v
    return float(np.sum(np.outer(weights, weights) * f(u) * f(second)))


def neural_tangents(sigma, degree: int = 25):
    try:
        from jax import config
        config.update("jax_enable_x64", True)
        from neural_tangents import stax
    except ImportError:
        return None
    import jax.numpy as jnp
    f = sp.lambdify(t, sigma, "jax")
    _, _, kernel_fn = stax.ElementwiseNumerical(f, deg=degree)
    x = jnp.array([[1.0, 0.0], [float(POINT), math.sqrt(1 - float(POINT) ** 2)]]) * math.sqrt(2)
    return float(kernel_fn(x, None, "nngp")[0, 1])


def independent(name: str, rho, digits: int):
    """Φ(1, 1, ρ) by tensor Gauss–Legendre in balls at ``digits`` and ``digits`` + 10 (each itself two
    rules that agree): nothing shared with the Hermite-series route under test. Returns the first as
    an mpmath number, and the two agreements' digits."""
    rho = Fraction(int(rho.p), int(rho.q))
    first, second = (ball_quadrature.pair_mean(ARB[name], 1, 1, rho, d, kinks=KINKS.get(name, ()))
                     for d in (digits, digits + 10))
    with mpmath.workdps(digits + 20):
        value = mpmath.mpf(first.mid().str(digits + 15, radius=False))
        other = mpmath.mpf(second.mid().str(digits + 15, radius=False))
    return value, digits_of(value, other)


def numeric_row(name: str, spec: str, nested: bool) -> list[str]:
    phi = potential(spec).sphere()
    sigma = phi.activation.expr
    reference, agree = independent(name, POINT, 40)
    check, agree_other = independent(name, OTHER, 50)
    route = phi.at(POINT, dps=40)
    print(f"  {name}: 40-digit reference (tensor Gauss–Legendre in balls) agrees with its 50-digit value to "
          f"{agree} digits; at ρ = 2/5 50 vs 60: {agree_other}; "
          f"the route's own 40 digits: {digits_of(route, reference)}", flush=True)
    row = [name]
    for dps in (15, 30, 50):
        seconds = cold(spec, dps)
        phi.at(POINT, dps=dps)
        start = time.perf_counter()
        value = phi.at(OTHER, dps=dps)
        warm = time.perf_counter() - start
        row.append(f"{seconds:.2f}/{warm:.3f} ({digits_of(value, check)})")
    if nested:
        start = time.perf_counter()
        value = bivariate(sigma, None, 1, 1, POINT, dps=15)
        row.append(f"{time.perf_counter() - start:.1f} s ({digits_of(value, reference)})")
    else:
        row.append("skipped")
    f = sp.lambdify(t, sigma, "numpy")
    for degree in (25, 100):
        start = time.perf_counter()
        value = tensor_gauss_hermite(f, degree)
        row.append(f"{1e3 * (time.perf_counter() - start):.2f} ms ({digits_of(value, reference)})")
    value = neural_tangents(sigma)
    row.append("skipped (not importable)" if value is None else digits_of(value, reference))
    row.append(float64_column(phi))
    return row


def float64_column(phi) -> str:
    try:
        f = phi.numpy()
    except Exception as why:  # a kinked σ: refused with a reason
        return f"refused ({type(why).__name__})"
    grid = np.concatenate([np.linspace(-1, 1, 41), [-1 + 1e-12, -0.999, 0.999, 1 - 1e-12]])
    exact = [phi.at(sp.Float(x, 30) if abs(x) < 1 else int(x), dps=20) for x in grid]
    error = max(abs(float(v) - float(e)) for v, e in zip(f(grid), exact, strict=True))
    points = np.random.default_rng(0).uniform(-1, 1, 10**6)
    rate, _ = per_second(lambda: f(points))
    return f"{rate * points.size:.3g}/s, err {error:.1e} (bound {f.error_bound:.1e})"


RIDGE_PAIRS = ((0.25, 0.25), (0.25, 2.0), (1.3, 0.6), (2.0, 2.0))     # the ends of the norms, and inside
RIDGE_RHOS = (-1.0, -0.97, -0.5, 0.0, 0.3, 0.9, 0.97, 1.0)
RANDOM = 10**6                                                        # random triples timed


def global_series(f, a, b, c):
    """A plain alternative: each point sums the global degree-M Chebyshev series of its d_k in one
    matrix product per band of |ρ| (2MN operations, all M terms in BLAS: no split of the large
    terms, so no rounding bound at 1e-14), then Horner's rule; run, like the evaluator, with one
    BLAS thread."""
    low, high = (math.log(v) for v in f.norms)
    rho = np.clip(c / (a * b), -1, 1)
    band = np.searchsorted(hermite_norms.BANDS, np.abs(rho))
    out = np.empty_like(rho)
    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        _global_bands(f, a, b, rho, band, out, (low, high))
    return out


def _global_bands(f, a, b, rho, band, out, ends) -> None:
    low, high = ends
    for j, n in enumerate(f.band_terms):
        where = np.nonzero(band == j)[0]
        for part in np.array_split(where, max(1, where.size // 2048)):
            d, root = [], 1.0
            for v in (a[part], b[part]):
                basis = np.polynomial.chebyshev.chebvander((2 * np.log(v) - low - high) / (high - low),
                                                           len(f.chebyshev) - 1).T
                d.append(f.chebyshev[:, :n].T @ basis)
                root = root * np.exp(f.log_root @ basis)
            out[part] = f._horner(d[0] * d[1], rho[part]) * root


def tensor_gauss_hermite_triples(sigma, a, b, c, degree: int):
    """Φ(a, b, c) by the degree² tensor Gauss–Hermite rule on each triple (NumPy, vectorised)."""
    f = sp.lambdify(t, sigma, "numpy")
    nodes, weights = np.polynomial.hermite_e.hermegauss(degree)
    weights = weights / math.sqrt(2 * math.pi)
    rho = np.clip(c / (a * b), -1, 1)[:, None, None]
    u, v = nodes[None, :, None], nodes[None, None, :]
    second = f(b[:, None, None] * (rho * u + np.sqrt(1 - rho**2) * v))
    return np.einsum("i,j,nij->n", weights, weights, f(a[:, None, None] * u) * second)


def ridge_reference(name: str, a: float, b: float, c: float, digits: int = 20):
    """Φ(a, b, c) by tensor Gauss–Legendre in balls (two rules agreeing to ``digits``), at the exact
    ρ = c/(ab) of the float inputs (clipped to [−1, 1] as the evaluators do)."""
    rho = 0 if a * b == 0 else max(Fraction(-1), min(Fraction(1), Fraction(c) / (Fraction(a) * Fraction(b))))
    return ball_quadrature.pair_mean(ARB[name], a, b, rho, digits, kinks=KINKS.get(name, ()))


def ridge_row(name: str, spec: str) -> list[str]:
    """values/s (random triples: this route, a plain global GEMM, tensor Gauss–Hermite; a matrix) and
    max error / bound of the float64 Φ(‖θ‖, ‖w‖, θᵀw) against the independent reference."""
    phi = potential(spec)
    start = time.perf_counter()
    f = phi.numpy()
    built = time.perf_counter() - start
    worst = ratio = 0.0
    grid = ((a, b, a * b * r) for a, b in RIDGE_PAIRS for r in RIDGE_RHOS)
    triples = [*grid, (0.0, 0.6, 0.0), (2.0, 2.0, 4.0)]
    exact = [float(ridge_reference(name, *triple).mid()) for triple in triples]
    for (a, b, c), value in zip(triples, exact, strict=True):
        error = abs(float(f(a, b, c)) - value)
        bound = float(f.bound(a, b))                                  # 0 where σ(0) = 0 and a norm is 0
        worst, ratio = max(worst, error), max(ratio, error / bound if bound else (math.inf if error else 0.0))
    low, high = getattr(f, "norms", (0.25, 2.0))
    rng = np.random.default_rng(0)
    a, b = rng.uniform(low, high, (2, RANDOM))
    c = rng.uniform(-1, 1, RANDOM) * a * b
    rate, values = per_second(lambda: f(a, b, c))
    cells = [name, f"[{low}, {high}]", f"{built:.1f} s", f"{rate * RANDOM:.3g}/s"]
    if isinstance(f, hermite_norms.Float64Ridge):
        before, plain = per_second(lambda: global_series(f, a, b, c))
        change = np.max(np.abs(plain - values))
        cells.append(f"{before * RANDOM:.3g}/s ({rate / before:.2f}×, Δ {change:.0e})")
    else:
        cells.append("n/a")
    few = slice(0, 2000)
    spot = [float(ridge_reference(name, *triple).mid()) for triple in zip(a[:8], b[:8], c[:8], strict=True)]
    sigma = phi.activation.expr
    for degree in (25, 100):
        rule = functools.partial(tensor_gauss_hermite_triples, sigma, a[few], b[few], c[few], degree)
        speed, quadrature = per_second(rule)
        miss = max(abs(q - e) for q, e in zip(quadrature[:8], spot, strict=True))
        cells.append(f"{speed * 2000:.3g}/s ({rate * RANDOM / (speed * 2000):.0f}× slower, err {miss:.0e})")
    own = max(abs(v - e) for v, e in zip(values[:8], spot, strict=True))
    rows, cols = rng.uniform(low, high, (1000, 1)), rng.uniform(low, high, (1, 1000))
    inner = rng.uniform(-1, 1, (1000, 1000)) * rows * cols
    matrix, _ = per_second(lambda: f(rows, cols, inner))
    errors = [f"{max(worst, own):.1e}", f"{f.error_bound:.1e}", f"{ratio:.2f}"]
    return [*cells, f"{matrix * 10**6:.3g}/s", *errors]


def ridge(names) -> None:
    print("\nfloat64 Φ(‖θ‖, ‖w‖, θᵀw) for general norms (build: the cached table's load or the first build); "
          f"errors against tensor Gauss–Legendre in balls (two rules agreeing to 20 digits) on "
          f"{len(RIDGE_PAIRS) * len(RIDGE_RHOS) + 2} grid triples (ρ = ±1, zero norms, equal rows) "
          "and 8 random ones")
    header = ["activation", "norms", "build", f"{RANDOM:.0e} random triples",
              "global series, plain GEMM (this route ×)", "tensor GH 25", "tensor GH 100", "1000×1000 matrix",
              "max error", "bound", "max error/bound(a, b)"]
    rows = [header] + [ridge_row(name, spec) for name, spec in names]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)))


TIMED = """
import sys, time
import numpy as np
from theory import potential
f = potential(sys.argv[1]).numpy()
rng = np.random.default_rng(0)
a, b = rng.uniform(*f.norms, (2, {points}))
c = rng.uniform(-1, 1, {points}) * a * b
f(a, b, c)
seconds = []
for _ in range({repeats}):
    start = time.perf_counter()
    f(a, b, c)
    seconds.append(time.perf_counter() - start)
print({points} / min(seconds), f.error_bound)
"""


def against(names, other: str, rounds: int = 3) -> None:
    """values/s of this checkout's float64 Φ(‖θ‖, ‖w‖, θᵀw) and of another's on the same 10^6 random
    triples (the best of 5 calls in a fresh process), the two taking turns ``rounds`` times."""
    here = str(pathlib.Path(__file__).resolve().parents[1])
    code = TIMED.format(points=RANDOM, repeats=5)              # run in root: ``-c`` puts the folder first
    print(f"\nfloat64 Φ(‖θ‖, ‖w‖, θᵀw), {RANDOM:.0e} random triples: this checkout ({here}) against {other}, "
          f"best of {rounds} turns each")
    for name, spec in names:
        rates = {here: [], other: []}
        for _ in range(rounds):
            for root in rates:
                done = subprocess.run([sys.executable, "-c", code, spec], capture_output=True, text=True,
                                      check=True, cwd=root, env={**os.environ, "PYTHONPATH": root})
                rate, bound = (float(v) for v in done.stdout.split())
                rates[root].append((rate, bound))
        (mine, bound), (theirs, old) = (max(rates[root]) for root in (here, other))
        print(f"{name}: {mine:.3g}/s (bound {bound:.1e}) vs {theirs:.3g}/s (bound {old:.1e}): "
              f"{mine / theirs:.2f}×")


def import_seconds() -> float:
    """Seconds a fresh process spends importing the toolkit: the floor of every cold column."""
    code = "import time; s = time.perf_counter(); import theory; print(time.perf_counter() - s)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(done.stdout)


def numeric(nested: bool) -> None:
    print(f"\nΦ(ρ) at ρ = 1/2 for activations without a closed form (importing theory alone: "
          f"{import_seconds():.2f} s cold)")
    print("route columns: cold s (fresh process) / warm s (a new ρ) and (digits correct); "
          "other columns: time (digits correct against 40 digits)")
    header = ["activation", "series 15", "series 30", "series 50", "nested quad 15",
              "tensor GH 25", "tensor GH 100", "nt ElementwiseNumerical", "float64 evaluator"]
    rows = [header] + [numeric_row(name, spec, nested) for name, spec in NUMERIC.items()]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print(" | ".join(cell.ljust(width) for cell, width in zip(r, widths, strict=True)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numeric", action="store_true", help="only the activations without a closed form")
    parser.add_argument("--no-nested", action="store_true", help="skip the nested quadrature (slow)")
    parser.add_argument("--ridge", action="store_true", help="only the float64 evaluators for general norms")
    parser.add_argument("--against", metavar="PATH", help="another checkout: compare its general-norm speed")
    args = parser.parse_args()
    if args.against:
        against([(name, spec) for name, spec in NUMERIC.items() if name != "ELU"], args.against)
        return
    if not (args.numeric or args.ridge):
        closed_forms()
    if not args.ridge:
        numeric(nested=not args.no_nested)
    ridge(NUMERIC.items())


if __name__ == "__main__":
    main()
