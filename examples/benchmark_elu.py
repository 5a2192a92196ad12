"""Benchmark: ELU's float64 Φ(‖θ‖, ‖w‖, θᵀw) and its derivatives (:mod:`theory.potentials.elu`).

Prints, measured in this one run, by band of the larger norm:

* the maximal error / bound of Φ on an adversarial grid (ρ = ±1, 1 ∓ 10⁻¹², 1 ∓ 10⁻⁶, ±0.999,
  equal, tiny and large norms up to 32) against an arb enclosure of the conditional integral
  (``enclosure`` of tests/potentials/test_elu.py: no orthant terms, no Gauss–Legendre rule shared),
  with the Gauss–Legendre rule from python-flint balls (this route) and with numpy's ``leggauss``
  (the rule before it);
* the maximal error of ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ / their bound against central differences of the
  enclosure (h = 10⁻¹², 30 digits);
* values per second on 10⁵ random triples: Φ with either rule, and (Φ, ∂Φ) by
  :func:`~theory.potentials.elu.derivatives` against six-point central differences of Φ.

Run: ``python examples/benchmark_elu.py`` (``--quick`` for a smaller grid). About a minute.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # the tests' reference

from theory.potentials import elu

from tests.potentials.test_elu import central_differences, enclosure, exact_rho

BANDS = ((0, 1), (1, 8), (8, 16), (16, 32))
RHOS = (-1.0, -1 + 1e-12, -1 + 1e-6, -0.999, -0.5, 0.0, 0.5, 0.999, 1 - 1e-6, 1.0)
NORMS = (1e-3, 0.1, 1.0, 4.0, 8.0, 12.0, 16.0, 24.0, 32.0)
MIXED = ((1.0, 32.0), (32.0, 0.5), (8.0, 16.0), (0.01, 20.0), (3.0, 0.25))
RANDOM = 10**5


@functools.cache
def numpy_rule(n: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy's n-node Gauss–Legendre rule on [0, 1] (the rule before python-flint's)."""
    x, w = np.polynomial.legendre.leggauss(n)
    return (1 + x) / 2, w / 2


def with_rule(rule, f, *args):
    """f(*args) with ``elu._rule`` replaced by ``rule``."""
    saved = elu._rule
    elu._rule = rule
    try:
        return f(*args)
    finally:
        elu._rule = saved


def band(a: float, b: float) -> tuple[int, int]:
    return next(edges for edges in BANDS if max(a, b) <= edges[1])


def per_second(fn, minimum=0.5):
    """(calls per second, last result) over at least ``minimum`` seconds."""
    calls, start = 0, time.perf_counter()
    while True:
        result = fn()
        calls += 1
        if (elapsed := time.perf_counter() - start) >= minimum:
            return calls / elapsed, result


def accuracy(pairs, rhos) -> None:
    worst: dict = {}
    for (a, b), r in itertools.product(pairs, rhos):
        c = a * b * r
        exact = float(enclosure(a, b, exact_rho(a, b, c)).mid())
        bound = float(elu.Float64Elu.bound(a, b))
        errors = [abs(float(rule_value) - exact) / bound for rule_value in
                  (elu.value(a, b, c), with_rule(numpy_rule, elu.value, a, b, c))]
        row = worst.setdefault(band(a, b), [0.0, 0.0, 0.0])
        row[0], row[1] = max(row[0], errors[0]), max(row[1], errors[1])
        if r not in (-1.0, 1.0):                                  # central differences need ρ ± h
            got = elu.derivatives(a, b, c)[1:]
            expected = central_differences(a, b, exact_rho(a, b, c))
            miss = max(abs(float(g) - e) for g, e in zip(got, expected, strict=True))
            row[2] = max(row[2], miss / float(elu.Float64Elu.derivative_bound(a, b)))
    print(f"error / bound on {len(pairs) * len(rhos)} grid triples (bound {elu.ERROR_BOUND:g}·(1 + ab); "
          f"derivatives {elu.DERIVATIVE_BOUND:g}·(1 + ab))")
    print("max norm | Φ, flint rule | Φ, numpy rule | ∂Φ (a, b, ρ), flint rule")
    for (low, high), (flint, numpy, slopes) in sorted(worst.items()):
        print(f"({low}, {high}] | {flint:.3f} | {numpy:.3f} | {slopes:.3f}")


def differences(a, b, c, h=1e-6) -> list:
    """Φ and the six values whose central differences give ∂Φ/∂a, ∂Φ/∂b, ∂Φ/∂ρ."""
    rho = c / (a * b)
    return [elu.value(a, b, c), elu.value(a + h, b, c), elu.value(a - h, b, c), elu.value(a, b + h, c),
            elu.value(a, b - h, c), elu.value(a, b, np.clip(rho + h, -1, 1) * a * b),
            elu.value(a, b, np.clip(rho - h, -1, 1) * a * b)]


def rates(a, b, c) -> list[float]:
    """Triples per second: Φ (flint rule), Φ (numpy rule), derivatives, central differences."""
    runs = (lambda: elu.value(a, b, c), lambda: with_rule(numpy_rule, elu.value, a, b, c),
            lambda: elu.derivatives(a, b, c), lambda: differences(a, b, c))
    return [per_second(run)[0] * a.size for run in runs]


def speed() -> None:
    rng = np.random.default_rng(0)
    print(f"\nvalues per second on {RANDOM:.0e} random triples, ρ uniform on [−1, 1]")
    print("norms | Φ, flint rule | Φ, numpy rule | (Φ, ∂Φ) derivatives | (Φ, ∂Φ) central differences")
    for low, high in ((0.25, 2.0), (1.0, 8.0), (8.0, 32.0)):
        a, b = rng.uniform(low, high, (2, RANDOM))
        flint, numpy, slopes, central = rates(a, b, rng.uniform(-1, 1, RANDOM) * a * b)
        print(f"[{low}, {high}] | {flint:.3g}/s | {numpy:.3g}/s (flint {flint / numpy:.2f}×) | "
              f"{slopes:.3g}/s ({slopes / flint:.2f}× Φ alone) | {central:.3g}/s (derivatives "
              f"{slopes / central:.1f}× faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="equal norms 1, 8, 32 and two mixed pairs only")
    args = parser.parse_args()
    norms = (1.0, 8.0, 32.0) if args.quick else NORMS
    accuracy([(x, x) for x in norms] + list(MIXED[:2] if args.quick else MIXED), RHOS)
    speed()


if __name__ == "__main__":
    main()
