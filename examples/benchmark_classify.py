"""Classify the sphere potential of every registered activation for d = 2..10.

Prints one row per (activation, d): the time of the classification and the
verdict of each Earnshaw class (P proven, R refuted, U undecided), in the order
harmonic, strictly subharmonic, superharmonic, λ-harmonic.

    PYTHONPATH=. python examples/benchmark_classify.py [--dims 2 10]   # from the repository root
"""

import argparse
import time

from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.conditions.classify import classify
from theory.potentials.activations import REGISTRY
from theory.potentials.potential import potential

LETTER = {"proven": "P", "refuted": "R", "undecided": "U"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dims", nargs=2, type=int, default=(2, 10))
    args = parser.parse_args()
    low, high = args.dims
    print(f"{'activation':<16}{'d':>3}{'seconds':>9}  H S s λ  main")
    times = []
    for name in REGISTRY:
        phi = potential(EXAMPLE_PARAMETERS.get(name, name), seconds=5)
        for d in range(low, high + 1):
            start = time.perf_counter()
            result = classify(phi, d=d)
            times.append(time.perf_counter() - start)
            letters = " ".join(LETTER[c.verdict.value] for c in result.conditions)
            main_class = result.main.name if result.main else "-"
            print(f"{name:<16}{d:>3}{times[-1]:>9.2f}  {letters}  {main_class}")
    print(f"{len(times)} classifications: total {sum(times):.1f} s, "
          f"mean {sum(times) / len(times):.2f} s, max {max(times):.2f} s")


if __name__ == "__main__":
    main()
