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
   d = 10) for ReLU, erf, Gaussian and exp against a hand-written Gram matrix;
4. the biased potentials (step, ReLU, erf) at 30 digits on 15 random pairs (θ, β; w, γ), d = 3:
   ``BiasedPotential.evaluate`` against plain mpmath evaluating the hand-written Sheppard form
   (tanh–sinh for the integral) at the same two working precisions (40 and 60 digits).

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
    root = ctx.sqrt(na * na * nb * nb - dot * dot)
    return (root + dot * (ctx.pi - ctx.acos(dot / (na * nb)))) / (2 * ctx.pi)


def hand_erf(ctx, na, nb, dot):
    return 2 * ctx.asin(2 * dot / ctx.sqrt((1 + 2 * na * na) * (1 + 2 * nb * nb))) / ctx.pi


def norms(ctx, theta, w):
    """‖θ‖, ‖w‖, θᵀw in ``ctx``."""
    a, b = [ctx.mpf(v) for v in theta], [ctx.mpf(v) for v in w]
    return ctx.sqrt(ctx.fdot(a, a)), ctx.sqrt(ctx.fdot(b, b)), ctx.fdot(a, b)


def single_point_row(name: str, hand, theta, w, dps: int, contexts: list) -> None:
    phi = potential(name)
    formed = [norms(ctx, theta, w) for ctx in contexts]
    compiled = [mpmath_function(phi.expr, phi.variables, ctx) for ctx in contexts]

    def given_norms():
        return [hand(ctx, *values) for ctx, values in zip(contexts, formed, strict=True)]

    def from_coordinates():
        return [hand(ctx, *norms(ctx, theta, w)) for ctx in contexts]

    def lambdified():
        return [f(*values) for f, values in zip(compiled, formed, strict=True)]

    assert abs(from_coordinates()[1] - phi.evaluate(theta, w, dps=dps)) < mpmath.mpf(10) ** -dps
    ours, plain, coords, naive = (best(f) for f in (lambda: phi.evaluate(theta, w, dps=dps), given_norms,
                                                    from_coordinates, lambdified))
    print(f"   {name:6} {ours * 1e6:8.1f} µs {plain * 1e6:18.1f} µs {ours / plain:6.2f} "
          f"{coords * 1e6:16.1f} µs {ours / coords:6.2f} {naive * 1e6:20.1f} µs {ours / naive:6.2f}")


def single_point() -> None:
    theta, w, dps = (1, 0), (0.6, 0.8), 30
    contexts = [mpmath.MPContext(), mpmath.MPContext()]
    contexts[0].dps, contexts[1].dps = dps + 10, dps + 30

    print(f"1. Potential.evaluate at {dps} digits, θ = {theta}, w = {w}")
    print(f"   {'Φ':6} {'evaluate':>11} {'mpmath (norms given)':>21} {'ratio':>6} "
          f"{'mpmath (from θ, w)':>19} {'ratio':>6} {'lambdify (norms given)':>23} {'ratio':>6}")
    for name, hand in (("relu", hand_relu), ("erf", hand_erf)):
        single_point_row(name, hand, theta, w, dps, contexts)


# ---------------------------------------------------------------------- 2. N digits, many points

def arb_relu(r, pi):
    return (-r * r.acos() + pi * r + (1 - r * r).sqrt()) / (2 * pi)


def arb_erf(r, pi):
    return 2 * (2 * r / 3).asin() / pi


def many_points_row(name: str, hand, points: np.ndarray, dps: int) -> None:
    from flint import arb
    from flint import ctx as flint_ctx

    phi = potential(name).sphere()

    def by_hand():
        saved = flint_ctx.dps
        flint_ctx.dps = dps + 10
        pi = arb.pi()
        values = [hand(arb(x), pi) for x in points.tolist()]
        flint_ctx.dps = saved
        return values

    values = phi.at_many(points, dps=dps)
    assert all(abs(mpmath.mpf(v) - mpmath.mpf(r.mid().str(dps + 5, radius=False)))
               <= abs(mpmath.mpf(v)) * mpmath.mpf(10) ** (1 - dps)
               for v, r in zip(values, by_hand(), strict=True))
    many = best(lambda: phi.at_many(points, dps=dps), 0.2) / points.size
    loop = best(lambda: [phi.at(x, dps=dps) for x in points[:200].tolist()], 0.2) / 200
    arb_time = best(by_hand, 0.2) / points.size
    print(f"   {name:6} {dps:4} {1 / arb_time:11.3g} {1 / many:10.3g} {many / arb_time:6.2f} "
          f"{1 / loop:12.3g} {loop / arb_time:6.2f}")


def many_points() -> None:
    points = np.random.default_rng(0).uniform(-1, 1, 4000)
    print(f"\n2. Φ(ρ) on {points.size} ρ values: values per second")
    print(f"   {'Φ':6} {'dps':>4} {'arb (hand)':>11} {'at_many':>10} {'ratio':>6} "
          f"{'loop of .at':>12} {'ratio':>6}")
    for name, hand in (("relu", arb_relu), ("erf", arb_erf)):
        for dps in (30, 50):
            many_points_row(name, hand, points, dps)


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
        a = np.exp(np.einsum("ij,ij->i", X, X) / 2)[:, None]
        b = np.exp(np.einsum("ij,ij->i", Y, Y) / 2)[None, :]
        return np.exp(X @ Y.T) * a * b

    return {"relu": relu, "erf": erf, "gaussian": gaussian, "exp": exp}[name]


def float64_row(name: str, hand, rho: np.ndarray) -> float:
    """Prints one closed form's float64 timings; returns the ratio."""
    phi = potential(EXAMPLE_PARAMETERS.get(name, name))
    f = (phi if phi.form == "product" else phi.sphere()).numpy()
    error = float(np.max(np.abs(f(rho) - hand(rho)) / np.maximum(1, np.abs(hand(rho)))))
    assert error < 1e-13, (name, error)
    ours, theirs = best(lambda: f(rho), 0.1), best(lambda: hand(rho), 0.1)
    print(f"   {name:14} {ours * 1e3:7.2f} ms {theirs * 1e3:7.2f} ms   ratio {ours / theirs:5.2f}")
    return ours / theirs


def gram_row(name: str, X: np.ndarray, Y: np.ndarray) -> None:
    phi, hand = potential(name), hand_gram(name)
    error = float(np.max(np.abs(phi.matrix(X, Y) - hand(X, Y)) / np.maximum(1, np.abs(hand(X, Y)))))
    assert error < 1e-12, (name, error)
    ours, theirs = best(lambda: phi.matrix(X, Y), 0.3), best(lambda: hand(X, Y), 0.3)
    print(f"   {name:14} {ours * 1e3:7.1f} ms {theirs * 1e3:7.1f} ms   ratio {ours / theirs:5.2f}")


def float64() -> None:
    rho = np.random.default_rng(1).uniform(-1, 1, 10**6)
    print(f"\n3. float64, Φ(ρ) on {rho.size:.0e} values (h(s) for product activations): "
          "toolkit / hand-written")
    worst = max(float64_row(name, hand, rho) for name, hand in HAND_SPHERE.items())
    print(f"   worst ratio {worst:.2f}")

    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((2000, 10)) / math.sqrt(10), rng.standard_normal((2000, 10)) / math.sqrt(10)
    print("\n   Potential.matrix, 2000 × 2000 Gram (d = 10): toolkit / hand-written")
    for name in ("relu", "erf", "gaussian", "exp"):
        gram_row(name, X, Y)


# ---------------------------------------------------------------------- 4. biased, N digits

def hand_orthant(ctx, h, k, rho):
    def integrand(t):
        return ctx.exp(-(h * h + k * k - 2 * h * k * ctx.sin(t)) / (2 * ctx.cos(t) ** 2))

    return ctx.ncdf(h) * ctx.ncdf(k) + ctx.quad(integrand, [0, ctx.asin(rho)]) / (2 * ctx.pi)


def hand_biased(name: str, ctx, na, nb, dot, beta, gamma):
    """Φ of step, ReLU, erf with biases, from ‖θ‖, ‖w‖, θᵀw, β, γ (Sheppard's orthant form)."""
    if name == "erf":          # erf = 2Φ(√2·) − 1: the sign form at widened arguments
        wide_u, wide_v = ctx.sqrt(1 + 2 * na * na), ctx.sqrt(1 + 2 * nb * nb)
        h, k, rho = ctx.sqrt(2) * beta / wide_u, ctx.sqrt(2) * gamma / wide_v, 2 * dot / (wide_u * wide_v)
        return 4 * hand_orthant(ctx, h, k, rho) - 2 * ctx.ncdf(h) - 2 * ctx.ncdf(k) + 1
    h, k, rho = beta / na, gamma / nb, dot / (na * nb)
    corner = hand_orthant(ctx, h, k, rho)
    if name == "step":
        return corner
    r = ctx.sqrt(1 - rho * rho)
    return ((beta * gamma + dot) * corner + beta * nb * ctx.npdf(k) * ctx.ncdf((h - rho * k) / r)
            + gamma * na * ctx.npdf(h) * ctx.ncdf((k - rho * h) / r)
            + na * nb * r * ctx.npdf(h) * ctx.npdf((k - rho * h) / r))


def biased_row(name: str, pairs: list, contexts: list) -> None:
    from theory.potentials.biased import biased

    phi = biased(name)

    def plain():
        return [[hand_biased(name, ctx, *norms(ctx, th, w), ctx.mpf(bt), ctx.mpf(gm)) for ctx in contexts]
                for th, bt, w, gm in pairs]

    def ours():
        return [phi.evaluate(th, bt, w, gm, dps=30) for th, bt, w, gm in pairs]

    for value, (_, reference) in zip(ours(), plain(), strict=True):
        assert abs(value - reference) <= abs(reference) * mpmath.mpf(10) ** -28, (name, value, reference)
    mine, theirs = best(ours, 0.3), best(plain, 0.3)
    print(f"   {name:6} {mine:8.3f} s {theirs:25.3f} s {mine / theirs:6.2f}")


def biased_points() -> None:
    rng = np.random.default_rng(3)
    pairs = [(rng.standard_normal(3).tolist(), float(rng.standard_normal()), rng.standard_normal(3).tolist(),
              float(rng.standard_normal())) for _ in range(15)]
    contexts = [mpmath.MPContext(), mpmath.MPContext()]
    contexts[0].dps, contexts[1].dps = 40, 60
    print(f"\n4. biased Φ at 30 digits, {len(pairs)} pairs (θ, β; w, γ), d = 3: seconds for all")
    print(f"   {'Φ':6} {'evaluate':>10} {'mpmath (hand, 2 precisions)':>28} {'ratio':>6}")
    for name in ("step", "relu", "erf"):
        biased_row(name, pairs, contexts)


def main() -> None:
    single_point()
    many_points()
    float64()
    biased_points()


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["biased"]:   # only section 4
        biased_points()
    else:
        main()
