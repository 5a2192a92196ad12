r"""The weak class against the strong class on the same data: the evidence for the negative halves of
Theorems 2 and 3.

One *pair* is a task of :func:`theory.separation.sweep.cell` (law, d, width r, λ, recorded steps, seed,
test points, points per unit of width) run twice on the same training sample and the same fresh test
sample: the strong class by :func:`~.sweep.cell`, and the weak class of Eq. (1) by :func:`weak_cell`
(Assumption 7's initialisation, GD on all parameters at the step of :func:`~.weak.train`). The weak
record keeps, besides the risk at each recorded step, what Theorem 3's hypotheses and its proof's
Eq. (11) need: the smoothness estimates L̂, whether η ≤ 2/L̂ − 1/T along the run, ‖θ₀‖² against
p(d, r), and ‖θ_T − θ₀‖ against (2T/L̂)√L(θ₀). Pairs run through
:func:`theory.verification.executor.run_all` (tqdm progress on stderr when asked).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable

import numpy as np

from ..core import validators
from ..core.errors import InputError
from .risk import population_risk, radius
from .sweep import Law, cell, risk_seed, training_sample
from .weak import (
    SmoothActivation,
    initial_norm_bound,
    initialisation_failure,
    initialise,
    train_within_hypothesis,
)

#: Theorem 3's risk level: GD on the weak class stays above it.
THEOREM_3_LEVEL = 1 / 400


def weak_cell(task: dict) -> dict:
    """The weak class on one task of :func:`~.sweep.cell` (``activation``: an :class:`~.weak.SmoothActivation`
    value, default erf; ``verbose``: a line on stderr at every recorded step)."""
    start = time.perf_counter()
    law, network_seed, X, y = training_sample(task)
    activation = SmoothActivation.named(task.get("activation", SmoothActivation.ERF.value))
    network = initialise(law.d, task["width"], network_seed, activation)
    label = f"weak d = {law.d}, r = {task['width']}, λ = {task['lam']:.3f}" if task.get("verbose") else ""
    run = train_within_hypothesis(network, X, y, max(task["steps"]), record=tuple(task["steps"]),
                                  progress=label)
    risks = [population_risk(run.at(i), law, task["lam"], task["test"], risk_seed(task), width=task["width"])
             for i in range(len(run.recorded))]
    return {**task, "class": "weak", "n": len(X), "step_size": run.step_size, "recorded": list(run.recorded),
            "objective": list(run.objectives), "smoothness": list(run.smoothness),
            "within_hypothesis": run.within_hypothesis,
            "initial_norm2": float(np.sum(network.parameters ** 2)),
            "norm_bound": initial_norm_bound(law.d, task["width"]),
            "initialisation_failure": initialisation_failure(law.d, task["width"]),
            "displacement": run.displacement,
            "displacement_bound": run.displacement_bound, "risk": [r.to_json() for r in risks],
            "seconds": time.perf_counter() - start}


def pair(task: dict) -> dict:
    """The weak and the strong class on the same task: {"weak": record, "strong": record}."""
    strong = {**cell({k: v for k, v in task.items() if k not in ("activation", "verbose")}),
              "class": "strong"}
    return {"weak": weak_cell(task), "strong": strong}


def points_per_width(n: int, width: int) -> int:
    """Points per unit of width giving about ``n`` training points at ``width`` (at least 16, as in
    :data:`~.sweep.PER_WIDTH`)."""
    return max(16, math.ceil(n / width))


def grid(law: Law, dims: Iterable[int], widths: Iterable[int], steps: Iterable[int], lams, *, n: int = 1000,
         seed: int = 0, test: int = 20_000, activation: SmoothActivation = SmoothActivation.ERF,
         progress: bool | None = None) -> list[dict]:
    """The pairs of d × λ(d) × width, in that order; ``lams`` maps d to the radii λ of that d."""
    steps = sorted({validators.count(s, "steps", 4) for s in steps})
    if not steps:
        raise InputError("steps: give at least one number of GD steps")
    n = validators.count(n, "n", 2, 10**9)
    tasks = [{"law": Law.named(law).value, "d": validators.count(d, "d", 1),
              "width": validators.count(r, "width r", 1), "lam": radius(lam), "steps": steps,
              "seed": validators.seed(seed), "test": validators.count(test, "test", 2),
              "per_width": points_per_width(n, r), "activation": SmoothActivation.named(activation).value,
              "verbose": bool(progress)}
             for d in dims for lam in lams(d) for r in widths]
    from ..verification.executor import run_all
    return run_all(pair, tasks, progress=progress, config={"what": "weak against strong class"})
