"""Spurious local minima of ReLU teacher–student networks (Safran & Shamir 2018 setting).

k teachers = k students = d inputs, teacher W* = I, unit output weights fixed;
x ~ N(0, I_k). Each run starts from a seeded Xavier-normal student
(entries N(0, 2/(d + k)) = N(0, 1/k)), descends the population loss
:func:`theory.teacher_student.relu.population_loss` by gradient descent, is polished by Newton's
method at ``dps`` digits and classified by :func:`theory.dynamics.equilibrium.equilibrium`
(global minimum / spurious local minimum / saddle / degenerate / not converged).
Spurious minima are grouped into *families* by their loss and, within a family,
counted as distinct points up to a permutation of the students (optimal row
assignment). Runs go through :func:`theory.verification.executor.run_all`: parallel joblib
workers, one checkpoint file per finished run, resumable.

>>> record = spurious_run({"k": 2, "seed": 0, "dps": 20, "seconds": 30.0})
>>> record["kind"]
'global minimum'
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from ..dynamics.equilibrium import equilibrium
from ..core import validators as valid
from ..core.errors import InputError
from ..core.files import write_atomic
from ..verification.executor import check_engine, run_all
from ..dynamics.flow import gradient_descent
from ..dynamics.loss import Loss
from .relu import RELU

#: Largest k a sweep accepts (the Newton polishing is O(k⁴) mpmath work per step).
K_MAX = 20
KINDS = ("global minimum", "spurious local minimum", "saddle", "degenerate", "not converged")


def xavier_start(k: int, seed: int) -> np.ndarray:
    """A k × k student with i.i.d. N(0, 2/(fan_in + fan_out)) = N(0, 1/k) entries."""
    return np.random.default_rng(seed).normal(scale=np.sqrt(1.0 / k), size=(k, k))


def spurious_run(task: dict) -> dict:
    """One seeded run: descend, polish, classify (a :func:`run_all` task, JSON out)."""
    k, seed = task["k"], task["seed"]
    teacher = np.eye(k)
    run = gradient_descent(Loss(RELU, teacher), xavier_start(k, seed), step=0.5, gtol=1e-9,
                           seconds=task["seconds"])
    eq = equilibrium(RELU, run.positions, teacher, manifold="euclidean", dps=task["dps"],
                     refine=run.converged, seconds=task["seconds"])
    return {"k": k, "seed": seed, "kind": eq.kind, "loss": float(eq.loss), "steps": run.steps,
            "lambda_min": float(eq.eigenvalues[0]) if eq.eigenvalues else None,
            "positions": [[float(x) for x in row] for row in eq.positions]}


def families(records: list[dict], tolerance: float = 1e-6) -> list[dict]:
    """Spurious minima grouped by loss (relative ``tolerance``), each family with the
    number of runs ending in it and of distinct minima up to a permutation of students."""
    groups: list[dict] = []
    for record in sorted(records, key=lambda r: r["loss"]):
        if record["kind"] != "spurious local minimum":
            continue
        if groups and abs(record["loss"] - groups[-1]["loss"]) <= tolerance * record["loss"]:
            groups[-1]["members"].append(np.array(record["positions"]))
        else:
            groups.append({"loss": record["loss"], "members": [np.array(record["positions"])]})
    return [{"loss": g["loss"], "runs": len(g["members"]), "distinct": _distinct(g["members"], tolerance)}
            for g in groups]


def _distinct(points: list[np.ndarray], tolerance: float) -> int:
    kept: list[np.ndarray] = []
    for X in points:
        if not any(same_up_to_permutation(X, Y, tolerance) for Y in kept):
            kept.append(X)
    return len(kept)


def same_up_to_permutation(X: np.ndarray, Y: np.ndarray, tolerance: float) -> bool:
    """max_i ‖x_i − y_π(i)‖ ≤ tolerance for the best assignment π of rows."""
    distances = np.linalg.norm(X[:, None, :] - Y[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(distances)
    return bool(distances[rows, cols].max() <= tolerance)


def summarise(records: list[dict]) -> list[dict]:
    """One row per k: counts of each kind, the spurious fraction and the spurious families."""
    table = []
    for k in sorted({r["k"] for r in records}):
        mine = [r for r in records if r["k"] == k]
        counts = {kind: sum(r["kind"] == kind for r in mine) for kind in KINDS}
        table.append({"k": k, "runs": len(mine), "counts": counts,
                      "spurious_fraction": counts["spurious local minimum"] / len(mine),
                      "families": families(mine)})
    return table


def sweep(ks, runs: int, *, workers: int = 1, checkpoint: str | Path | None = None, dps: int = 20,
          seconds: float = 120.0, backend: str = "loky", scheduler: str | None = None,
          progress: bool | None = None) -> dict:
    """Run ``runs`` seeds for each k in ``ks`` through :func:`run_all` (``backend``,
    ``scheduler`` and ``progress`` are passed on); with a checkpoint folder, write
    ``summary.json`` there. Returns ``{"config", "table", "records"}``."""
    ks = [] if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__") else list(ks)
    if not ks:
        raise InputError(f"ks must be a non-empty list of integers in 2..{K_MAX}, got {ks!r}")
    ks = [valid.count(k, "k", 2, K_MAX) for k in ks]
    runs = valid.count(runs, "runs", 1, valid.RUNS_MAX)
    check_engine(workers, backend, scheduler)
    dps, seconds = valid.digits(dps), valid.seconds(seconds)
    config = {"problem": "relu teacher-student, W* = I, unit output weights, Xavier-normal start",
              "ks": ks, "runs": runs, "dps": dps, "seconds": seconds}
    tasks = [{"k": k, "seed": seed, "dps": dps, "seconds": seconds} for k in ks for seed in range(runs)]
    records = run_all(spurious_run, tasks, workers=workers, checkpoint=checkpoint, config=config,
                      backend=backend, scheduler=scheduler, progress=progress)
    result = {"config": config, "table": summarise(records), "records": records}
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
