"""Benchmark: the on-disk cache of derived closed forms, cold against warm.

Each case runs in a fresh process (``import theory`` included) three times:
with the cache off (``THEORY_CACHE=off``: what every process paid before the
cache), then twice against an empty temporary cache folder — the first run
derives and stores, the second reads. Printed: seconds of each run and the
ratio off/warm. Cases: ``potential('erf')``, ``potential('relu')``, and the
first ``Loss`` (potential and kernel) for ReLU and erf on R^3 and on S^2.

Run: ``python examples/benchmark_cache.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

CASES = {
    "potential('erf')": "theory.potential('erf')",
    "potential('relu')": "theory.potential('relu')",
    "first Loss, relu, R^d": "Loss(theory.potential('relu'), np.eye(3), manifold='euclidean')",
    "first Loss, relu, sphere": "Loss(theory.potential('relu'), np.eye(3), manifold='sphere')",
    "first Loss, erf, R^d": "Loss(theory.potential('erf'), np.eye(3), manifold='euclidean')",
    "first Loss, erf, sphere": "Loss(theory.potential('erf'), np.eye(3), manifold='sphere')",
}

PROGRAM = """
import time
start = time.perf_counter()
import numpy as np
import theory
from theory.dynamics.loss import Loss
{call}
print(time.perf_counter() - start)
"""


def seconds(call: str, folder: str, cache: str = "on") -> float:
    """Wall-clock seconds of ``call`` in a fresh process, imports included."""
    env = {**os.environ, "THEORY_CACHE_DIR": folder, "THEORY_CACHE": cache}
    out = subprocess.run([sys.executable, "-c", PROGRAM.format(call=call)], env=env, capture_output=True,
                         text=True, check=True)
    return float(out.stdout.split()[-1])


def main() -> None:
    print(f"{'case':<26} {'off (before)':>12} {'cold':>8} {'warm':>8} {'off/warm':>9}")
    for name, call in CASES.items():
        with tempfile.TemporaryDirectory() as folder:
            off = seconds(call, folder, cache="off")
            cold, warm = seconds(call, folder), seconds(call, folder)
        print(f"{name:<26} {off:>11.2f}s {cold:>7.2f}s {warm:>7.2f}s {off / warm:>8.1f}×")


if __name__ == "__main__":
    main()
