"""Benchmark the electron–proton dynamics; every ratio is measured in this run.

1. The compiled exact gradient of :class:`theory.dynamics.loss.Loss` against a hand-written
   vectorised numpy closed form (ReLU ridge potential, Gaussian e^{−r²/2}), k = d.
2. A gradient flow for k = d = 10, ReLU on S^{d−1}, to ‖∇L‖ < 1e−10.
3. Newton polishing of k·d = 100 parameters to 50 digits.

Run:  python examples/benchmark_dynamics.py
"""

import functools
import time
import timeit

import numpy as np

from theory.dynamics.flow import gradient_flow, polish
from theory.dynamics.loss import Loss
from theory.potentials.potential import given, potential


def relu_by_hand(X, W, a, b):
    """∇_θ L for ReLU: ∇_xΦ = [(π − φ) y + ‖y‖ sin φ x̂]/(2π), Φ(θ, θ) = ‖θ‖²/2."""
    Y, k = np.concatenate([X, W]), len(X)
    c = 2 * np.outer(a, np.concatenate([a, b]))
    c[np.arange(k), np.arange(k)] = 0
    nx, ny = np.linalg.norm(X, axis=1), np.linalg.norm(Y, axis=1)
    cos = np.clip((X @ Y.T) / np.outer(nx, ny), -1, 1)
    sin, phi = np.sqrt(1 - cos**2), np.arccos(cos)
    g = (c * (np.pi - phi)) @ Y + ((c * ny * sin).sum(axis=1) / nx)[:, None] * X
    return g / (2 * np.pi) + (a * a)[:, None] * X


def gaussian_by_hand(X, W, a, b):
    """∇_θ L for Φ = e^{−‖θ−w‖²/2}: ∇_xΦ = −Φ (x − y)."""
    Y, k = np.concatenate([X, W]), len(X)
    c = 2 * np.outer(a, np.concatenate([a, b]))
    c[np.arange(k), np.arange(k)] = 0
    sq = (X * X).sum(1)[:, None] + (Y * Y).sum(1)[None, :] - 2 * X @ Y.T
    E = c * np.exp(-sq / 2)
    return -E.sum(axis=1)[:, None] * X + E @ Y


def best_of_interleaved(ours, theirs, rounds=40):
    """Seconds per call of each, the minimum over rounds that alternate the two (so that both
    see the same load on a shared machine)."""
    number = max(1, int(0.05 / max(timeit.timeit(ours, number=1), 1e-6)))
    times = [(timeit.timeit(ours, number=number), timeit.timeit(theirs, number=number))
             for _ in range(rounds)]
    return min(t for t, _ in times) / number, min(t for _, t in times) / number


def gradients():
    rng = np.random.default_rng(0)
    print("float64 ∇_θ L, Loss.gradient against numpy by hand; 'checked' validates its input,\n"
          "'unchecked' (validate=False) is the call inside the flows, whose positions are checked once")
    for name, phi, by_hand in (("relu", potential("relu"), relu_by_hand),
                               ("gaussian", given("exp(-r^2/2)", "radial"), gaussian_by_hand)):
        for n in (10, 50):
            X, W = rng.normal(size=(n, n)), rng.normal(size=(n, n))
            a, b = -np.ones(n), np.ones(n)
            loss = Loss(phi, W)
            error = np.abs(loss.gradient(X) - by_hand(X, W, a, b)).max()
            hand = functools.partial(by_hand, X, W, a, b)
            for label, ours in (("checked", functools.partial(loss.gradient, X)),
                                ("unchecked", functools.partial(loss.gradient, X, a, validate=False))):
                ours, theirs = best_of_interleaved(ours, hand)
                print(f"gradient {name:8s} k=d={n:2d} {label:9s}: {ours * 1e6:7.1f} µs, by hand "
                      f"{theirs * 1e6:7.1f} µs, ratio {ours / theirs:4.2f}  (max difference {error:.1e})")


def flow_and_polish():
    k = d = 10
    rng = np.random.default_rng(0)
    start = rng.normal(size=(k, d))
    start /= np.linalg.norm(start, axis=1)[:, None]
    loss = Loss(potential("relu"), np.eye(d), manifold="sphere")
    run = gradient_flow(loss, start, gtol=1e-10, seconds=300)
    print(f"flow relu sphere k=d=10: {run.seconds:.2f} s, converged={run.converged} ({run.reason}), "
          f"{run.steps} steps, {run.evaluations} evaluations of ∇L")
    clock = time.perf_counter()
    _, norm = polish(loss, run.positions, dps=50)
    print(f"polish k·d=100 to 50 digits: {time.perf_counter() - clock:.2f} s, ‖∇L‖ = {float(norm):.2e}")


if __name__ == "__main__":
    gradients()
    flow_and_polish()
