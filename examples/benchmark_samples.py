"""Population gradient flow against minibatch SGD on samples: time and samples to learn the same teacher.

    PYTHONPATH=. python examples/benchmark_samples.py [--activation erf] [--sphere] [--quick]

The teacher is f(x) = Σ_j σ(w_jᵀx) with unit output weights, the student
f̂(x) = Σ_i σ(θ_iᵀx) from the same seeded start, output weights fixed: the
network of the electron–proton picture (charges a = −1, b = +1). The flow
integrates θ̇ = −∇L on the exact population loss L = E(f̂ − f)² of
:class:`theory.dynamics.loss.Loss` (no samples); SGD steps on B fresh samples of
x ~ N(0, I_d), in numpy and, if installed, in PyTorch. With ``--sphere`` the
rows live on S^{d−1}: Riemannian flow, and SGD projected after each step.
Both stop when the neuron matching error min_π ‖Θ_π − W‖_F/‖W‖_F is below the
target. The flow's time is that of a run stopped by the first gradient
tolerance (10⁻², 10⁻³, …) that reaches the target; the one-off symbolic
derivation of the loss's derivatives is timed apart.
"""

import argparse
import time

import numpy as np

from theory.dynamics.flow import gradient_flow
from theory.teacher_student.sampled import charge_energy, matching_error, network, random_network, sgd


def timed(fn, *args, **kwargs):
    """(fn(...), wall-clock seconds, CPU seconds of this process): on a shared machine the CPU time
    is the steadier of the two."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def flow_to(loss, teacher, student, target: float):
    """(matching error, gtol, wall, CPU) of the first gradient tolerance whose flow reaches the target."""
    for gtol in 10.0 ** -np.arange(2, 13):
        run, wall, cpu = timed(gradient_flow, loss, student.hidden[0], -student.output, gtol=gtol,
                               seconds=120)
        error = matching_error(network([run.positions], student.output, teacher.activation.name), teacher)
        if error < target or not run.converged:
            break
    return error, gtol, wall, cpu


def torch_sgd(student, teacher, *, steps, batch, step_size, sphere, target, seed):
    """The same SGD written as a PyTorch user would; None when PyTorch is not installed."""
    try:
        import torch
    except ImportError:
        return None
    name = teacher.activation.name
    sigma = {"erf": torch.special.erf, "relu": torch.relu, "tanh": torch.tanh}[name]
    generator = torch.Generator().manual_seed(seed)
    W = torch.tensor(teacher.hidden[0])
    theta = torch.tensor(student.hidden[0], requires_grad=True)
    clock = time.perf_counter()
    for step in range(1, steps + 1):
        X = torch.randn(batch, W.shape[1], generator=generator, dtype=torch.float64)
        loss = ((sigma(X @ theta.T).sum(1) - sigma(X @ W.T).sum(1)) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            theta -= step_size * theta.grad
            if sphere:
                theta /= theta.norm(dim=1, keepdim=True)
            theta.grad.zero_()
        if step % 50 == 0 and matching_error(network([theta.detach().numpy()], student.output, name),
                                             teacher) < target:
            break
    return time.perf_counter() - clock, step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activation", default="erf", choices=["erf", "relu"])
    parser.add_argument("--sphere", action="store_true", help="rows on the unit sphere")
    parser.add_argument("--quick", action="store_true", help="a small problem (for the smoke test)")
    parser.add_argument("--target", type=float, default=1e-3, help="matching error to reach")
    args = parser.parse_args()
    d, k, batch, steps = (4, 2, 32, 4000) if args.quick else (10, 4, 64, 40_000)
    manifold = "sphere" if args.sphere else "euclidean"
    teacher = random_network(d, k, 2, args.activation, seed=0, output=1.0, sphere=args.sphere)
    student = random_network(d, k, 2, args.activation, seed=1, output=1.0, sphere=args.sphere)
    print(f"{args.activation} teacher, d = {d}, k = {k}, on {manifold}; start error "
          f"{matching_error(student, teacher):.3f}, target {args.target:g}")

    loss, derivation, _ = timed(charge_energy, teacher, manifold)
    flow_error, gtol, *flow_times = flow_to(loss, teacher, student, args.target)
    step_size = 0.05
    run, *sgd_times = timed(sgd, student, teacher, steps=steps, batch=batch, step_size=step_size, seed=2,
                            train_output=False, sphere=args.sphere, record_every=50, target=args.target)
    reached = run.matching_errors[-1] < args.target
    print(f"symbolic derivation of ∇L (once per activation and manifold): {derivation:.2f} s wall\n")
    print(f"{'method':26} {'wall s':>8} {'CPU s':>8} {'samples':>9} {'error':>9}  setting")
    for name, (wall, cpu), samples, error, note in [
            ("population flow (exact L)", flow_times, 0, flow_error, f"gtol {gtol:g}"),
            ("numpy SGD on samples", sgd_times, run.samples(batch)[-1], run.matching_errors[-1],
             f"B = {batch}, η = {step_size}" + ("" if reached else ", target NOT reached"))]:
        print(f"{name:26} {wall:8.3f} {cpu:8.3f} {samples:9d} {error:9.2e}  {note}")
    torch_run = torch_sgd(student, teacher, steps=steps, batch=batch, step_size=step_size, sphere=args.sphere,
                          target=args.target, seed=2)
    if torch_run is None:
        print("PyTorch SGD: not run (PyTorch is not installed)")
    else:
        print(f"{'PyTorch SGD on samples':26} {torch_run[0]:8.3f} {'':8} {torch_run[1] * batch:9d}")
    print(f"\nflow / SGD: wall {flow_times[0] / sgd_times[0]:.2g}×, CPU {flow_times[1] / sgd_times[1]:.2g}× "
          f"({(flow_times[0] + derivation) / sgd_times[0]:.2g}× wall counting the derivation)")

if __name__ == "__main__":
    main()
