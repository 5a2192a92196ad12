"""Wall-clock time of the same ReLU spurious-minimum sweep with 1 and with 2 joblib workers.

    PYTHONPATH=. python examples/benchmark_sweep.py [K] [RUNS] [loky|dask]

With ``dask`` the two configurations are Dask LocalClusters of 1 and 2 worker processes.

Each configuration runs in a fresh checkpoint folder (nothing is resumed); the
records of both must agree, seed by seed.
"""

import sys
import tempfile
import time

from theory.teacher_student.relu_sweep import sweep


def timed(k: int, runs: int, workers: int, backend: str) -> tuple[float, list]:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        result = sweep([k], runs, workers=workers, checkpoint=folder, backend=backend, progress=False)
        return time.perf_counter() - start, [(r["seed"], r["kind"]) for r in result["records"]]


def main() -> None:
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    backend = sys.argv[3] if len(sys.argv) > 3 else "loky"
    serial, kinds = timed(k, runs, 1, backend)
    parallel, kinds2 = timed(k, runs, 2, backend)
    assert kinds == kinds2, "1 and 2 workers disagree"
    print(f"{backend}, k = {k}, {runs} runs: 1 worker {serial:.1f} s, 2 workers {parallel:.1f} s, "
          f"speed-up {serial / parallel:.2f}×")


if __name__ == "__main__":
    main()
