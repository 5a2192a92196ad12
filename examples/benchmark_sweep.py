"""Wall-clock time of the same ReLU spurious-minimum sweep with 1 and with 2 joblib workers.

    PYTHONPATH=. python examples/benchmark_sweep.py [K] [RUNS]

Each configuration runs in a fresh checkpoint folder (nothing is resumed); the
records of both must agree, seed by seed.
"""

import sys
import tempfile
import time

from theory.relu_sweep import sweep


def timed(k: int, runs: int, workers: int) -> tuple[float, list]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = sweep([k], runs, workers=workers, checkpoint=folder, progress=False)
        return time.perf_counter() - start, [(r["seed"], r["kind"]) for r in result["records"]]


def main() -> None:
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    serial, kinds = timed(k, runs, 1)
    parallel, kinds2 = timed(k, runs, 2)
    assert kinds == kinds2, "1 and 2 workers disagree"
    print(f"k = {k}, {runs} runs: 1 worker {serial:.1f} s, 2 workers {parallel:.1f} s, "
          f"speed-up {serial / parallel:.2f}×")


if __name__ == "__main__":
    main()
