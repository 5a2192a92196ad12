"""Time the five dynamics (flow, gd, nodewise, nodewise-optimal, sgd) with fixed and optimised output
weights on two instances; every ratio is against ``flow`` with fixed weights, measured in this run.

Instances: ReLU on S⁴ with k = d = 5 orthonormal protons; sign on S² with k = 3. Each row is one
seeded run; the dynamics and the Newton polishing + classification are timed apart.

Run:  python examples/benchmark_algorithms.py [SEEDS]
"""

import statistics
import sys
import time

from theory import potential, simulate
from theory.dynamics.flow import ALGORITHMS

INSTANCES = {"relu S^4, k = d = 5": ("relu", 5, 5), "sign S^2, k = 3": ("sign", 3, 3)}
SEEDS = range(int(sys.argv[1]) if len(sys.argv) > 1 else 3)


def main() -> None:
    for name, (activation, d, k) in INSTANCES.items():
        phi = potential(activation)  # derived once, outside the timings
        print(f"\n{name}, seeds {list(SEEDS)}: median time of the dynamics and of the polishing +"
              " classification (30 digits), matched / runs, dynamics time as a ratio to flow (fixed)")
        base = None
        for algorithm in ALGORITHMS:
            for charges in ("fixed", "optimal"):
                if (algorithm, charges) in (("nodewise", "optimal"), ("nodewise-optimal", "fixed")):
                    continue
                dynamics, classify, matched = [], [], 0
                for seed in SEEDS:
                    clock = time.perf_counter()
                    run = simulate(phi, d=d, k=k, algorithm=algorithm, charges=charges, seed=seed, dps=30,
                                   seconds=120)
                    dynamics.append(run.trajectory.seconds)
                    classify.append(time.perf_counter() - clock - run.trajectory.seconds)
                    matched += run.equilibrium.matched
                median = statistics.median(dynamics)
                base = base or median
                print(f"  {algorithm:17s} {charges:8s} {median:7.2f} s  + {statistics.median(classify):5.2f} "
                      f"s  matched {matched}/{len(SEEDS)}  ×{median / base:5.2f}", flush=True)


if __name__ == "__main__":
    main()
