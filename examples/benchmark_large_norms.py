"""Benchmark: float64 Φ(‖θ‖, ‖w‖, θᵀw) of tanh beyond the table (:mod:`theory.potentials.pair_panels`).

Prints, measured in this one run, values per second on random triples of

* the table (:class:`~theory.potentials.hermite_norms.Float64Ridge`, norms in [1/4, 2]),
* the panels (:class:`~theory.potentials.pair_panels.PairPanels`) at the same norms and at norms in
  [2, 10], for Φ and for its jet of order 2,
* the routes (:class:`~theory.potentials.pair_panels.Float64RidgeRoutes`) on the table's points
  (they must cost what the table costs),

and the ratios, with the largest difference between table and panels on the common points relative to
√(s(a)s(b)). Run: ``python examples/benchmark_large_norms.py [--points N]`` (default 10⁵ for the table,
N/100 for the panels' jet).
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import sympy as sp

from theory.core.symbols import t
from theory.potentials import pair_panels
from theory.potentials.activations import Parity


def rate(function, *args) -> float:
    """Values per second on the arrays: the faster of two calls, after a warm-up on their first ten."""
    function(*(v[:10] for v in args))
    times = []
    for _ in range(2):
        start = time.perf_counter()
        function(*args)
        times.append(time.perf_counter() - start)
    return args[0].size / min(times)


def triples(rng, norms: tuple, n: int) -> tuple[np.ndarray, ...]:
    a, b = rng.uniform(*norms, (2, n))
    return a, b, rng.uniform(-1, 1, n) * a * b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10**5)
    n = parser.parse_args().points
    rng = np.random.default_rng(0)
    routes = pair_panels.routes(sp.tanh(t), (), Parity.ODD)
    inside, outside = triples(rng, (0.25, 2.0), n), triples(rng, (2.0, 10.0), n // 10)
    table = rate(routes.table, *inside)
    routed = rate(routes, *inside)
    panels_inside = rate(routes.panels, *(v[:n // 10] for v in inside))
    panels = rate(routes.panels, *outside)
    jet = rate(routes.panels.second_derivatives, *(v[:n // 100] for v in outside))
    common = [v[:n // 10] for v in inside]
    difference = np.abs(routes.table(*common) - routes.panels(*common)) / np.sqrt(
        routes.panels.second_moment(common[0]) * routes.panels.second_moment(common[1]))
    print(f"table, norms [1/4, 2]:          {table:12.0f} values/s")
    print(f"routes on the table's points:   {routed:12.0f} values/s  (routes/table {routed / table:.2f})")
    print(f"panels, norms [1/4, 2]:         {panels_inside:12.0f} values/s  "
          f"(panels/table {panels_inside / table:.4f})")
    print(f"panels, norms [2, 10]:          {panels:12.0f} values/s  (panels/table {panels / table:.4f})")
    print(f"panels' jet of order 2, [2, 10]: {jet:11.0f} jets/s    (jet/value {jet / panels:.2f})")
    print(f"largest |table − panels| / √(s(a)s(b)) on {common[0].size} common points: {difference.max():.1e}")


if __name__ == "__main__":
    main()
