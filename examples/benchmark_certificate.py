"""Time of a ball-arithmetic certificate beside the float64 Hessian and the Newton polish.

    PYTHONPATH=. python examples/benchmark_certificate.py [K] [SEED]

The point is the ReLU teacher–student equilibrium that the Safran–Shamir-protocol run
(`theory.teacher_student.relu_sweep.spurious_run`) of seed SEED reaches at k = d = K
(default K = 10, seed 3: a spurious minimum, L = 0.0374). All three steps run at that
point in the same process; times are CPU (process) seconds, wall seconds in brackets
(the wall clock of a shared machine is no measure).
"""

import sys
import time

import numpy as np

from theory.dynamics.flow import polish
from theory.dynamics.loss import Loss
from theory.teacher_student.relu import relu_potential
from theory.teacher_student.relu_sweep import spurious_run
from theory.verification.certificate import certify_point, show


def timed(step):
    cpu, wall = time.process_time(), time.perf_counter()
    result = step()
    return result, time.process_time() - cpu, time.perf_counter() - wall


def main() -> None:
    RELU = relu_potential()
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    record = spurious_run({"k": k, "seed": seed, "dps": 20, "seconds": 120.0})
    loss, X = Loss(RELU, np.eye(k)), np.array(record["positions"])
    loss.hessian(X)  # compile once
    _, hessian, hessian_wall = timed(lambda: loss.hessian(X))
    (Xp, _), newton, newton_wall = timed(lambda: polish(loss, X, dps=30))
    plain, bare, bare_wall = timed(lambda: certify_point(loss, Xp, clusters=False))
    cert, full, full_wall = timed(lambda: certify_point(loss, Xp))
    print(f"k = d = {k}, seed {seed} ({record['kind']}, {k * k} parameters)")
    print(f"  float64 Hessian           {hessian:8.3f} s  ({hessian_wall:.3f} s wall)")
    print(f"  Newton polish, 30 digits  {newton:8.3f} s  ({newton_wall:.3f} s wall)")
    print(f"  certificate               {bare:8.3f} s  ({bare_wall:.3f} s wall)")
    print(f"  certificate + clusters    {full:8.3f} s  ({full_wall:.3f} s wall)")
    print(f"  {cert.kind}, Morse index {cert.morse_index}, r = {cert.radius:g}")
    print(f"  L ∈ {show(cert.loss, 14)}, λ_min ∈ {show(cert.lambda_min, 14)}")
    assert plain.proven == cert.proven


if __name__ == "__main__":
    main()
