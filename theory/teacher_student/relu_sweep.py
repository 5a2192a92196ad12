"""Spurious local minima of ReLU teacher–student networks (Safran & Shamir 2018 setting).

k teachers = k students = d inputs, teacher W* = I, unit output weights fixed;
x ~ N(0, I_k). Each run starts from a seeded Xavier-normal student
(entries N(0, 2/(d + k)) = N(0, 1/k)), descends the population loss
:func:`theory.teacher_student.relu.population_loss` by gradient descent, is polished by Newton's
method at ``dps`` digits and classified by :func:`theory.dynamics.equilibrium.equilibrium`
(global minimum / spurious local minimum / saddle / degenerate / not converged).
That is the ``default`` :class:`Protocol`; ``ss18`` is Safran & Shamir's own
(:mod:`theory.teacher_student.ss18`: their start, step, stopping rule and restarts,
many runs descended at once, each orbit of end points polished and classified once).
Spurious minima are grouped into *families*, one an orbit of the symmetry group
S_k × S_k (:mod:`theory.teacher_student.symmetry`), each with its orbit size and
isotropy. Runs go through :func:`theory.verification.executor.run_all`: parallel joblib
workers, one checkpoint file per finished run, resumable.

>>> record = spurious_run({"k": 2, "seed": 0, "dps": 20, "seconds": 30.0})
>>> print(record["kind"])
global minimum
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..core import validators as valid
from ..core.choices import Choice
from ..core.errors import InputError
from ..core.files import write_atomic
from ..dynamics.equilibrium import equilibrium
from ..dynamics.flow import gradient_descent
from ..dynamics.kinds import EquilibriumKind
from ..dynamics.loss import Loss
from ..verification.executor import check_engine, run_all
from . import ss18
from .relu import relu_potential
from .symmetry import orbit_groups

#: Largest k a sweep accepts (the Newton polishing is O(k⁴) mpmath work per step).
K_MAX = 20
KINDS = (EquilibriumKind.GLOBAL_MINIMUM, EquilibriumKind.SPURIOUS_LOCAL_MINIMUM, EquilibriumKind.SADDLE,
         EquilibriumKind.DEGENERATE, EquilibriumKind.NOT_CONVERGED)
#: Tolerance (absolute, on entries) of the orbit grouping of polished minima.
ORBIT_TOLERANCE = 1e-6


class Protocol(Choice):
    """How each run descends: ``default`` (step 0.5 on L, Newton-polished, classified
    run by run) or ``ss18`` (Safran & Shamir's released code, :mod:`.ss18`)."""

    DEFAULT = "default"
    SS18 = "ss18"


def xavier_start(k: int, seed: int) -> np.ndarray:
    """A k × k student with i.i.d. N(0, 2/(fan_in + fan_out)) = N(0, 1/k) entries."""
    return np.random.default_rng(seed).normal(scale=np.sqrt(1.0 / k), size=(k, k))


def spurious_run(task: dict) -> dict:
    """One seeded run: descend, polish, classify (a :func:`run_all` task, JSON out)."""
    k, seed = task["k"], task["seed"]
    teacher = np.eye(k)
    relu = relu_potential()
    run = gradient_descent(Loss(relu, teacher), xavier_start(k, seed), step=0.5, gtol=1e-9,
                           seconds=task["seconds"])
    eq = equilibrium(relu, run.positions, teacher, manifold="euclidean", dps=task["dps"],
                     refine=run.converged, seconds=task["seconds"])
    return {"k": k, "seed": seed, "kind": eq.kind, "loss": float(eq.loss), "steps": run.steps,
            "lambda_min": float(eq.eigenvalues[0]) if eq.eigenvalues else None,
            "positions": [[float(x) for x in row] for row in eq.positions]}


def families(records: list[dict], tolerance: float = ORBIT_TOLERANCE) -> list[dict]:
    """Spurious minima grouped by orbit of S_k × S_k (value classes within ``tolerance``),
    lowest loss first: loss, runs ending in the orbit, orbit size, isotropy, λ_min."""
    minima = [r for r in records if r["kind"] == EquilibriumKind.SPURIOUS_LOCAL_MINIMUM]
    groups = orbit_groups([np.array(r["positions"]) for r in minima], tolerance=tolerance)
    rows = [{"loss": min(minima[i]["loss"] for i in members), "runs": len(members),
             "orbit_size": form.orbit_size, "isotropy": form.isotropy,
             "lambda_min": minima[members[0]]["lambda_min"],
             "representative": minima[members[0]]["positions"]}
            for form, members in groups]
    return sorted(rows, key=lambda row: row["loss"])


def family_certificate(k: int, representative, dps: int, seconds: float) -> dict:
    """The certificate of one family's representative (W* = I_k), as JSON."""
    eq = equilibrium(relu_potential(), np.asarray(representative, dtype=float), np.eye(k),
                     manifold="euclidean", dps=dps, seconds=seconds, certify=True)
    if eq.certificate is None:
        return {"proven": False, "failed": f"not certified: the point is {eq.kind} ({eq.reason})"}
    return eq.certificate.to_json()


def wilson(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion (95% by default):
    (p̂ + z²/2n ± z√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)."""
    p = successes / n
    centre, half = p + z * z / (2 * n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)


def summarise(records: list[dict]) -> list[dict]:
    """One row per k: counts of each kind, the spurious fraction and the spurious families."""
    table = []
    for k in sorted({r["k"] for r in records}):
        mine = [r for r in records if r["k"] == k]
        counts = {kind: sum(r["kind"] == kind for r in mine) for kind in KINDS}
        spurious = counts[EquilibriumKind.SPURIOUS_LOCAL_MINIMUM]
        table.append({"k": k, "runs": len(mine), "counts": counts, "spurious_fraction": spurious / len(mine),
                      "interval": list(wilson(spurious, len(mine))), "families": families(mine)})
    return table


def sweep(ks, runs: int, *, workers: int = 1, checkpoint: str | Path | None = None, dps: int = 20,
          seconds: float = 120.0, backend: str = "loky", scheduler: str | None = None,
          progress: bool | None = None, protocol: Protocol | str = Protocol.DEFAULT,
          max_steps: int = 1_000_000, certify: bool = False) -> dict:
    """Run ``runs`` seeds for each k in ``ks`` through :func:`run_all` (``backend``,
    ``scheduler`` and ``progress`` are passed on); with a checkpoint folder, write
    ``summary.json`` there. ``max_steps`` caps an ss18 run (their loop has no cap).
    ``certify`` adds to every spurious family a ball-arithmetic certificate of its
    representative (:func:`theory.verification.certificate.certify`).
    Returns ``{"config", "table", "records"}``."""
    protocol = Protocol(protocol)
    ks = [] if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__") else list(ks)
    if not ks:
        raise InputError(f"ks must be a non-empty list of integers in 2..{K_MAX}, got {ks!r}")
    ks = [valid.count(k, "k", 2, K_MAX) for k in ks]
    runs = valid.count(runs, "runs", 1, valid.RUNS_MAX)
    max_steps = valid.count(max_steps, "max_steps")
    check_engine(workers, backend, scheduler)
    dps, seconds = valid.digits(dps), valid.seconds(seconds)
    config = {"problem": "relu teacher-student, W* = I, unit output weights, Xavier-normal start",
              "ks": ks, "runs": runs, "dps": dps, "seconds": seconds}
    if protocol is Protocol.SS18:
        config.update(protocol=protocol.value, max_steps=max_steps)
        tasks = [{"k": k, "seeds": list(range(start, min(start + ss18.CHUNK, runs))), "max_steps": max_steps}
                 for k in ks for start in range(0, runs, ss18.CHUNK)]
        chunks = run_all(ss18.chunk_run, tasks, workers=workers, checkpoint=checkpoint, config=config,
                         backend=backend, scheduler=scheduler, progress=progress)
        records = ss18.classify([r for chunk in chunks for r in chunk["records"]], dps=dps, seconds=seconds)
    else:
        tasks = [{"k": k, "seed": seed, "dps": dps, "seconds": seconds} for k in ks for seed in range(runs)]
        records = run_all(spurious_run, tasks, workers=workers, checkpoint=checkpoint, config=config,
                          backend=backend, scheduler=scheduler, progress=progress)
    table = summarise(records)
    if certify:
        for row in table:
            for family in row["families"]:
                family["certificate"] = family_certificate(row["k"], family["representative"], dps, seconds)
    result = {"config": config, "table": table, "records": records}
    if checkpoint:
        write_atomic(Path(checkpoint) / "summary.json", json.dumps(result, indent=1))
    return result


def plot(table: list[dict], path: str | Path) -> None:
    """Spurious fraction against k, with a binomial standard error bar."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    k = np.array([row["k"] for row in table])
    p = np.array([row["spurious_fraction"] for row in table])
    n = np.array([row["runs"] for row in table])
    fig, ax = plt.subplots(figsize=(4.5, 3.2))
    ax.errorbar(k, p, yerr=np.sqrt(p * (1 - p) / n), marker="o", capsize=3)
    ax.set_xlabel("k = d (teacher W* = I)")
    ax.set_ylabel("fraction of runs in a spurious minimum")
    ax.set_xticks(k)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
