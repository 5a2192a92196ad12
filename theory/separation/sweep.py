r"""Risk of the strong class against width r and GD steps on radial laws: the evidence for Theorem 8.

One *cell* draws a network by Assumption 7 (seeded), a training sample of n = ``per_width`` · r
points of the law labelled by 1{‖x‖ ≤ λ}, runs GD on w at step 1/L (:func:`~.strong.train`), and
estimates the population risk of the network at each recorded step on one fresh sample (normal
intervals, :class:`~.risk.Interval`). Cells run through :func:`theory.verification.executor.run_all`
(in-process for one worker; tqdm progress on stderr; optional checkpoint folder). The rate is the slope p
of log risk = a + p log r, least squares over the widths (median risk over seeds), with a Student-t
interval; a run is *stuck* when GD left F̂ near its initial value (the start sat on the clip's flat
pieces, where the gradient vanishes).
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Iterable

import numpy as np
from scipy.stats import linregress
from scipy.stats import t as student_t

from ..core import validators
from ..core.errors import InputError
from .risk import ball_indicator, population_risk, radius
from .strong import initialise, train

#: Training points per unit of width: n = 16 r (Theorem 8 asks n ≈ c r³ log² r).
PER_WIDTH = 16


class Law(enum.Enum):
    """The radial laws of the experiments (:mod:`theory.separation.laws`)."""

    BESSEL_MIXTURE = "D_d"        # Eq. (4), the law of Theorem 2
    SPHERE_SUM = "D'_d"           # Eq. (5), the law of Theorem 3
    RADIAL_CAUCHY = "Cauchy"      # the heavy tail Assumption 6 allows: scale 1/√d (a fixed scale violates it)

    @classmethod
    def named(cls, value) -> Law:
        """The law named ``value`` (a :class:`Law` or its value), else :class:`InputError`."""
        try:
            return cls(value)
        except ValueError:
            laws = ", ".join(law.value for law in cls)
            raise InputError(f"law must be one of {laws}, got {value!r}") from None

    def make(self, d: int):
        from . import laws
        return {Law.BESSEL_MIXTURE: laws.BesselMixture, Law.SPHERE_SUM: laws.SphereSum,
                Law.RADIAL_CAUCHY: lambda d: laws.RadialCauchy(d, 1 / math.sqrt(d))}[self](d)


def _rngs(seed: int) -> tuple[int, np.random.Generator, int]:
    """Independent seeds for the network, the training sample and the test sample of one cell."""
    network, data, test = np.random.SeedSequence(seed).generate_state(3, dtype=np.uint64) >> np.uint64(1)
    return int(network), np.random.default_rng(int(data)), int(test)


def training_sample(task: dict):
    """The law, the network seed, and the training points and labels of one cell (see :func:`cell`): the
    weak class (:mod:`.stall`) trains on the same points as the strong class of the same task."""
    law = Law.named(task["law"]).make(validators.count(task["d"], "d", 1))
    width, lam = validators.count(task["width"], "width r", 1), radius(task["lam"])
    network_seed, data, _ = _rngs(validators.seed(task["seed"]))
    X = law.sample(task.get("per_width", PER_WIDTH) * width, data)
    return law, network_seed, X, ball_indicator(X, lam)


def risk_seed(task: dict) -> int:
    """The seed of the fresh sample a cell's risk is estimated on."""
    return _rngs(validators.seed(task["seed"]))[2]


def trained(task: dict):
    """The law and the :class:`~.strong.Training` of one cell (see :func:`cell` for the task's keys)."""
    law, network_seed, X, y = training_sample(task)
    return law, train(initialise(law.d, task["width"], network_seed), X, y, max(task["steps"]),
                      record=tuple(task["steps"]))


def cell(task: dict) -> dict:
    """One cell. ``task``: law (a :class:`Law` value), d, width, lam, steps (the steps to record, the last
    is the run's length), seed, test (fresh points of the risk estimate), per_width (optional)."""
    start = time.perf_counter()
    law, run = trained(task)
    risks = [population_risk(run.at(i), law, task["lam"], task["test"], risk_seed(task), width=task["width"])
             for i in range(len(run.recorded))]
    return {**task, "n": task.get("per_width", PER_WIDTH) * task["width"], "step_size": run.step_size,
            "recorded": list(run.recorded), "objective": list(run.objectives),
            "risk": [r.to_json() for r in risks], "seconds": time.perf_counter() - start}


def grid(laws: Iterable[Law], dims: Iterable[int], widths: Iterable[int], steps: Iterable[int], *,
         lam: float = 1.5, seeds: Iterable[int] = (0,), test: int = 20_000, workers: int = 1,
         checkpoint=None, progress: bool | None = None) -> list[dict]:
    """The cells of law × d × width × seed (each recording the risk at ``steps``), in that order."""
    from ..verification.executor import run_all

    steps = sorted({validators.count(s, "steps", 1) for s in steps})
    if not steps:
        raise InputError("steps: give at least one number of GD steps")
    tasks = [{"law": Law.named(law).value, "d": validators.count(d, "d", 1),
              "width": validators.count(r, "width r", 1),
              "lam": radius(lam), "steps": steps, "seed": validators.seed(seed),
              "test": validators.count(test, "test", 2)}
             for law in laws for d in dims for r in widths for seed in seeds]
    return run_all(cell, tasks, workers=workers, checkpoint=checkpoint, progress=progress,
                   config={"what": "strong-class risk grid", "per_width": PER_WIDTH})


def final_risk(record: dict, at: int | None = None) -> dict:
    """The risk estimate of a cell at step ``at`` (default: its last step)."""
    index = -1 if at is None else record["recorded"].index(at)
    return record["risk"][index]


def stuck(record: dict, fraction: float = 0.9) -> bool:
    """GD left F̂ above ``fraction`` of its value at initialisation: the start sat on the
    clip's flat pieces."""
    return record["objective"][-1] > fraction * record["objective"][0]


def median_cell(cells: list[dict], at: int | None = None) -> dict:
    """The run whose risk at step ``at`` is the median over the seeds of ``cells`` (one width; odd seeds)."""
    ordered = sorted(cells, key=lambda c: final_risk(c, at)["mean"])
    return ordered[len(ordered) // 2]


def by_width(cells: list[dict], at: int | None = None) -> list[dict]:
    """The median seed's run at each width of ``cells``, in increasing width."""
    return [median_cell([c for c in cells if c["width"] == w], at)
            for w in sorted({c["width"] for c in cells})]


def median_risks(records: list[dict], at: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The widths of ``records`` and, per width, the median over seeds of the risk at step ``at``."""
    widths = np.array(sorted({r["width"] for r in records}))
    medians = np.array([np.median([final_risk(r, at)["mean"] for r in records if r["width"] == w])
                        for w in widths])
    return widths, medians


def width_rate(records: list[dict], at: int | None = None, level: float = 0.95) -> tuple[float, float, float]:
    """Slope p of log risk ≈ a + p log r, least squares over the widths of ``records`` (the median risk over
    seeds at step ``at``, robust to a stuck start), and its ``level`` Student-t interval (nan: < 3 widths)."""
    widths, risks = median_risks(records, at)
    if len(widths) < 3 or np.any(risks <= 0):
        return float("nan"), float("nan"), float("nan")
    fit = linregress(np.log(widths), np.log(risks))
    half = student_t.ppf(0.5 + level / 2, len(widths) - 2) * fit.stderr
    return float(fit.slope), float(fit.slope - half), float(fit.slope + half)
