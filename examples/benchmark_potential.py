"""Benchmark: evaluating and deriving potentials, against what a user would otherwise run.

Prints, measured in this one run:

* closed-form ReLU potential in float64 (NumPy) and at 50 digits (mpmath);
* Monte Carlo with 10^6 samples, tensor Gauss–Hermite of degree 25 (what
  neural-tangents does for activations without a kernel), the toolkit's
  nested quadrature (15 confirmed digits) — each with its error against the closed form and its speed ratio;
* the cold derivation time of every registered activation (each in a fresh process).

Run: ``python examples/benchmark_potential.py``
"""

from __future__ import annotations

import subprocess
import sys
import time

import mpmath
import numpy as np
import sympy as sp

from theory import potential
from theory.potentials.activations import REGISTRY
from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.core.numeric import context, mpmath_function
from theory.potentials.quadrature import bivariate
from theory.core.symbols import t

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


def main() -> None:
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


if __name__ == "__main__":
    main()
