"""Benchmark: evaluating closed-form potentials, against the same formula written by hand.

Prints, measured in this one run (each time the best of several interleaved repeats):

1. ``Potential.evaluate`` at 30 digits (ReLU and erf, θ = (1, 0), w = (0.6, 0.8)) against
   plain mpmath evaluating the hand-written closed form at the same two working
   precisions (40 and 60 digits), with and without forming ‖θ‖, ‖w‖, θᵀw, and against
   ``lambdify(…, "mpmath")`` of the derived formula at those precisions;
2. Φ on 4000 ρ values at 30 and 50 digits: ``Potential.at_many`` (when it exists) and a loop
   over ``Potential.at``, against python-flint ``arb`` evaluating the hand-written formula;
3. float64: every registered closed form on 10⁶ ρ values (s values for the product
   activations) against a hand-written NumPy formula, and ``Potential.matrix`` (2000 × 2000,
   d = 10) for ReLU, erf, Gaussian and exp against a hand-written Gram matrix.

Run: ``python examples/benchmark_evaluation.py``. The ratios are the numbers to read
(toolkit time / hand-written time); the machine's load moves the absolute times.
"""

from __future__ import annotations

import math
import time

import mpmath
import numpy as np

from theory import potential
from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.core.numeric import mpmath_function

PI = np.pi
REPEATS = 5


def best(fn, minimum: float = 0.05) -> float:
    """Seconds per call of ``fn``: the best of REPEATS runs of at least ``minimum`` seconds each."""
    times = []
    for _ in range(REPEATS):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < minimum:
            fn()
            calls += 1
        times.append((time.perf_counter() - start) / calls)
    return min(times)


# ---------------------------------------------------------------------- 1. N digits, one point

def hand_relu(ctx, na, nb, dot):
    return (ctx.sqrt(na * na * nb * nb - dot * dot) + dot * (ctx.pi - ctx.acos(dot / (na * nb)))) / (2 * ctx.pi)


def hand_erf(ctx, na, nb, dot):
    return 2 * ctx.asin(2 * dot / ctx.sqrt((1 + 2 * na * na) * (1 + 2 * nb * nb))) / ctx.pi


def single_point() -> None:
    theta, w, dps = (1, 0), (0.6, 0.8), 30
    contexts = [mpmath.MPContext(), mpmath.MPContext()]
    contexts[0].dps, contexts[1].dps = dps + 10, dps + 30

    print(f"1. Potential.evaluate at {dps} digits, θ = {theta}, w = {w}")
    print(f"   {'Φ':6} {'evaluate':>11} {'mpmath (norms given)':>21} {'ratio':>6} "
          f"{'mpmath (from θ, w)':>19} {'ratio':>6} {'lambdify (norms given)':>23} {'ratio':>6}")
    for name, hand in (("relu", hand_relu), ("erf", hand_erf)):
        phi = potential(name)

        def norms(ctx):
            a, b = [ctx.mpf(v) for v in theta], [ctx.mpf(v) for v in w]
            return ctx.sqrt(ctx.fdot(a, a)), ctx.sqrt(ctx.fdot(b, b)), ctx.fdot(a, b)

        formed = [norms(ctx) for ctx in contexts]

        def given_norms():
            return [hand(ctx, *values) for ctx, values in zip(contexts, formed)]

        def from_coordinates():
            return [hand(ctx, *norms(ctx)) for ctx in contexts]

        compiled = [mpmath_function(phi.expr, phi.variables, ctx) for ctx in contexts]

        def lambdified():
            return [f(*values) for f, values in zip(compiled, formed)]

        assert abs(from_coordinates()[1] - phi.evaluate(theta, w, dps=dps)) < mpmath.mpf(10) ** -dps
        ours, plain, coords, naive = (best(f) for f in (lambda: phi.evaluate(theta, w, dps=dps), given_norms,
                                                        from_coordinates, lambdified))
        print(f"   {name:6} {ours * 1e6:8.1f} µs {plain * 1e6:18.1f} µs {ours / plain:6.2f} "
              f"{coords * 1e6:16.1f} µs {ours / coords:6.2f} {naive * 1e6:20.1f} µs {ours / naive:6.2f}")


# ---------------------------------------------------------------------- 2. N digits, many points

def arb_relu(r, pi):
    return (-r * r.acos() + pi * r + (1 - r * r).sqrt()) / (2 * pi)


def arb_erf(r, pi):
    return 2 * (2 * r / 3).asin() / pi


def many_points() -> None:
    from flint import arb, ctx as flint_ctx

    points = np.random.default_rng(0).uniform(-1, 1, 4000)
    print(f"\n2. Φ(ρ) on {points.size} ρ values: values per second")
    print(f"   {'Φ':6} {'dps':>4} {'arb (hand)':>11} {'at_many':>10} {'ratio':>6} {'loop of .at':>12} {'ratio':>6}")
    for name, hand in (("relu", arb_relu), ("erf", arb_erf)):
        phi = potential(name).sphere()
        for dps in (30, 50):
            def by_hand():
                saved = flint_ctx.dps
                flint_ctx.dps = dps + 10
                pi = arb.pi()
                values = [hand(arb(x), pi) for x in points.tolist()]
                flint_ctx.dps = saved
                return values

            reference = by_hand()
            many = None
            if hasattr(phi, "at_many"):
                values = phi.at_many(points, dps=dps)
                assert all(abs(mpmath.mpf(v) - mpmath.mpf(r.mid().str(dps + 5, radius=False)))
                           <= abs(mpmath.mpf(v)) * mpmath.mpf(10) ** (1 - dps) for v, r in zip(values, reference))
                many = best(lambda: phi.at_many(points, dps=dps), 0.2) / points.size
            loop = best(lambda: [phi.at(x, dps=dps) for x in points[:200].tolist()], 0.2) / 200
            arb_time = best(by_hand, 0.2) / points.size
            shown = "n/a" if many is None else f"{1 / many:10.3g} {many / arb_time:6.2f}"
            print(f"   {name:6} {dps:4} {1 / arb_time:11.3g} {shown:>17} {1 / loop:12.3g} {loop / arb_time:6.2f}")


# ---------------------------------------------------------------------- 3. float64

#: Hand-written NumPy for Φ(ρ) of every registered closed form (h(s) for the product ones).
HAND_SPHERE = {
    "linear": lambda r: r,
    "relu": lambda r: (np.sqrt(1 - r * r) + (PI - np.arccos(r)) * r) / (2 * PI),
    "leaky_relu": lambda r: (9801 * (np.sqrt(1 - r * r) - r * np.arccos(r)) + 10001 * PI * r) / (20000 * PI),
    "abs": lambda r: (2 * (np.sqrt(1 - r * r) - r * np.arccos(r)) + PI * r) / PI,
    "step": lambda r: 0.5 - np.arccos(r) / (2 * PI),
    "sign": lambda r: 1 - np.arccos(r) * (2 / PI),
    "relu_power": lambda r: (3 * r * np.sqrt(1 - r * r) + (2 * r * r + 1) * (PI - np.arccos(r))) / (2 * PI),
    "erf": lambda r: np.arcsin(r * (2 / 3)) * (2 / PI),
    "exp": lambda r: np.exp(r + 1),
    "cos": lambda r: (np.exp(r - 1) + np.exp(-r - 1)) / 2,
    "sin": lambda r: (np.exp(r - 1) - np.exp(-r - 1)) / 2,
    "gaussian": lambda r: 1 / np.sqrt(4 - r * r),
    "gelu": lambda r: (r * np.arcsin(r / 2) - np.sqrt(4 - r * r) / ((r - 2) * (r + 2))) / (2 * PI) + r / 4,
    "hermite": lambda r: r ** 3,
    "gaussian_bump": lambda s: np.exp(-s * s / 2),
    "bessel_k0": lambda s: np.exp(-np.abs(s)),
}


def hand_gram(name: str):
    def relu(X, Y):
        a, b = np.linalg.norm(X, axis=1)[:, None], np.linalg.norm(Y, axis=1)[None, :]
        ab = a * b
        c = np.clip(X @ Y.T / ab, -1, 1)
        angle = np.arccos(c)
        return ab * (np.sin(angle) + (PI - angle) * c) / (2 * PI)

    def erf(X, Y):
        a = np.sqrt(1 + 2 * np.einsum("ij,ij->i", X, X))[:, None]
        b = np.sqrt(1 + 2 * np.einsum("ij,ij->i", Y, Y))[None, :]
        return np.arcsin(2 * (X @ Y.T) / (a * b)) * (2 / PI)

    def gaussian(X, Y):
        a, b = np.einsum("ij,ij->i", X, X)[:, None], np.einsum("ij,ij->i", Y, Y)[None, :]
        inner = X @ Y.T
        return 1 / np.sqrt((1 + a) * (1 + b) - inner * inner)

    def exp(X, Y):
        a, b = np.exp(np.einsum("ij,ij->i", X, X) / 2)[:, None], np.exp(np.einsum("ij,ij->i", Y, Y) / 2)[None, :]
        return np.exp(X @ Y.T) * a * b

    return {"relu": relu, "erf": erf, "gaussian": gaussian, "exp": exp}[name]


def float64() -> None:
    rho = np.random.default_rng(1).uniform(-1, 1, 10**6)
    print(f"\n3. float64, Φ(ρ) on {rho.size:.0e} values (h(s) for product activations): toolkit / hand-written")
    worst = 0.0
    for name, hand in HAND_SPHERE.items():
        phi = potential(EXAMPLE_PARAMETERS.get(name, name))
        phi = phi if phi.form == "product" else phi.sphere()
        f = phi.numpy()
        error = float(np.max(np.abs(f(rho) - hand(rho)) / np.maximum(1, np.abs(hand(rho)))))
        assert error < 1e-13, (name, error)
        ours, theirs = best(lambda: f(rho), 0.1), best(lambda: hand(rho), 0.1)
        worst = max(worst, ours / theirs)
        print(f"   {name:14} {ours * 1e3:7.2f} ms {theirs * 1e3:7.2f} ms   ratio {ours / theirs:5.2f}")
    print(f"   worst ratio {worst:.2f}")

    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((2000, 10)) / math.sqrt(10), rng.standard_normal((2000, 10)) / math.sqrt(10)
    print("\n   Potential.matrix, 2000 × 2000 Gram (d = 10): toolkit / hand-written")
    for name in ("relu", "erf", "gaussian", "exp"):
        phi, hand = potential(name), hand_gram(name)
        error = float(np.max(np.abs(phi.matrix(X, Y) - hand(X, Y)) / np.maximum(1, np.abs(hand(X, Y)))))
        assert error < 1e-12, (name, error)
        ours, theirs = best(lambda: phi.matrix(X, Y), 0.3), best(lambda: hand(X, Y), 0.3)
        print(f"   {name:14} {ours * 1e3:7.1f} ms {theirs * 1e3:7.1f} ms   ratio {ours / theirs:5.2f}")


def main() -> None:
    single_point()
    many_points()
    float64()


if __name__ == "__main__":
    main()
