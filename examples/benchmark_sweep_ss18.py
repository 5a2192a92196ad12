"""Runs per second of the ss18 sweep protocol against a hand-written numpy GD of the same protocol.

    PYTHONPATH=. python examples/benchmark_sweep_ss18.py [K] [RUNS]

Both descend the same seeded N(0, 1/k) starts against W* = I with Safran & Shamir's
rule (step 0.1/(2π) on G = 2π∇F, stop at max_i ‖G_i‖ ≤ 1e-9, halve and restart on
divergence). The toolkit side is :func:`theory.teacher_student.ss18.chunk_run`, the
task a ``theory sweep relu --protocol ss18`` worker runs (starts, descent, records);
the reference below is written from the formula with einsum, computing only the runs
still going. Their end points must agree; the ratio toolkit/reference is printed (target ≥ 0.8).
Then the whole sweep (descent, orbit grouping, one polish and Hessian an orbit) is timed.
"""

import sys
import tempfile
import time

import numpy as np

from theory.teacher_student import ss18
from theory.teacher_student.relu_sweep import sweep


def reference_gd(starts: np.ndarray, tol: float = 1e-9) -> np.ndarray:
    """Their findMinimum.m for a batch (R, k, d) against W* = I, every run to its own stop;
    only the runs still going are computed."""
    W, eta = starts.copy(), np.full(len(starts), 0.1 / (2 * np.pi))
    going = np.arange(len(W))
    while len(going):
        X = W[going]
        n = np.sqrt(np.einsum("rkd,rkd->rk", X, X))
        U = X / n[..., None]
        A = np.arccos(np.clip(np.einsum("rid,rjd->rij", U, U), -1, 1))
        B = np.arccos(np.clip(U, -1, 1))  # angles to the teacher rows e_j: cos = U[:, i, j]
        G = (np.einsum("rij,rj->ri", np.sin(A), n) - np.sin(B).sum(axis=2))[..., None] * U \
            + np.einsum("rij,rjd->rid", np.pi - A, X) - (np.pi - B)  # teacher rows: the identity
        W[going] = X - eta[going, None, None] * G
        norm = np.sqrt(np.einsum("rkd,rkd->rk", G, G).max(axis=1))
        blown = going[norm > 1e4]
        W[blown], eta[blown] = starts[blown], eta[blown] / 2
        going = going[norm > tol]
    return W


def main() -> None:
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 8
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    seeds = list(range(runs))
    start = time.perf_counter()
    chunks = [ss18.chunk_run({"k": k, "seeds": seeds[i:i + ss18.CHUNK], "max_steps": 1_000_000})
              for i in range(0, runs, ss18.CHUNK)]
    toolkit = time.perf_counter() - start
    start = time.perf_counter()
    ends = np.concatenate([reference_gd(ss18.xavier_starts(k, k, seeds[i:i + ss18.CHUNK]))
                           for i in range(0, runs, ss18.CHUNK)])
    hand = time.perf_counter() - start
    losses = np.array([r["loss"] for c in chunks for r in c["records"]])
    agree = np.allclose(ss18.loss(ends, np.eye(k)), losses, atol=1e-12)
    bad = [np.array(r["positions"]) for c in chunks for r in c["records"] if "positions" in r]
    same = all(np.allclose(e, b, atol=1e-10)
               for e, b in zip(ends[losses >= 2 * ss18.BAD_VALUE], bad, strict=True))
    assert agree and same, "the two descents end at different points"
    print(f"k = {k}, {runs} runs, same seeds and end points: ss18 protocol {runs / toolkit:.1f} runs/s, "
          f"hand-written numpy {runs / hand:.1f} runs/s, ratio {hand / toolkit:.2f}")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        sweep([k], runs, protocol="ss18", checkpoint=folder, progress=False)
        print("whole sweep (descent, orbits, one polish an orbit): "
              f"{runs / (time.perf_counter() - start):.1f} runs/s")


if __name__ == "__main__":
    main()
