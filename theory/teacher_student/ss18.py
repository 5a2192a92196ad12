"""Safran & Shamir's (2018) gradient descent, batched over runs, as their released code runs it.

The reference is ``GD_code/findBadMinima.m`` and ``GD_code/findMinimum.m`` of
github.com/ItaySafran/OneLayerGDconvergence (commit 0719662); line numbers below
are of those files. Their objective (``objval.m``) is half of this toolkit's loss,

.. math::

    F(W) = \\tfrac12\\,\\mathbb{E}_x\\Big(\\sum_i\\sigma(w_i^\\top x) - \\sum_j\\sigma(v_j^\\top x)\\Big)^2
         = \\tfrac12 L(W),

and their loop computes G = 2π ∇F (``findMinimum.m`` 12–22),

.. math::

    G_i = \\sum_j \\big(\\|w_j\\|\\sin\\theta_{ij}\\,\\hat w_i + (\\pi-\\theta_{ij})\\,w_j\\big)
        - \\sum_j \\big(\\|v_j\\|\\sin\\theta'_{ij}\\,\\hat w_i + (\\pi-\\theta'_{ij})\\,v_j\\big),

with θ_ij the angle of w_i and w_j, θ′_ij that of w_i and the teacher v_j.

Each choice follows them:

- start: i.i.d. N(0, 1/d) entries, ``randn(d,k)/sqrt(d)`` (``findBadMinima.m`` 26, 38);
  this module's rows are their columns;
- step: 0.1 on F (``findBadMinima.m`` 13), folded as 0.1/(2π) on G (``findMinimum.m`` 6),
  i.e. 0.05 on L;
- update and stop: W ← W − (η/2π) G, then stop once max_i ‖G_i‖ ≤ 1e-9, the norm of
  the gradient *before* the update, in the 2π-scaled units (``findMinimum.m`` 11, 23–24;
  ``findBadMinima.m`` 14); in L's units max_i ‖∇_{w_i} L‖ ≤ 1e-9/π;
- divergence: when max_i ‖G_i‖ > 10⁴, restart from the same start with half the step
  (``findMinimum.m`` 25–29);
- a bad run: F ≥ 10⁻³ at the end (``findBadMinima.m`` 12, 41), i.e. L ≥ 2·10⁻³.

Two departures, both stated where they act: their loop has no step cap (a run that
never meets the gradient test never returns), so :func:`descend` stops at ``max_steps``
and reports the run as not converged (so is a run whose end point is not finite); and MATLAB's
``abs(acos(c))`` returns a tiny positive angle (≤ 3·10⁻⁸) for a cosine that rounds above 1, where this module
uses arccos of the clipped cosine — on the diagonal the two give the same G to O(θ³) ≈ 10⁻²⁴.

>>> import numpy as np
>>> run = descend(np.eye(3)[None] + 0.01, np.eye(3))
>>> bool(run.converged[0] and run.loss[0] < 1e-12)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..dynamics.kinds import EquilibriumKind

#: Their step on F = L/2 (``findBadMinima.m`` 13).
STEP = 0.1
#: Their stopping threshold on max_i ‖2π ∇_{w_i} F‖ (``findBadMinima.m`` 14).
GRADIENT_TOLERANCE = 1e-9
#: Their divergence test on the same norm (``findMinimum.m`` 25).
DIVERGENCE = 1e4
#: Their bad-minimum threshold on F (``findBadMinima.m`` 12); on L it is twice this.
BAD_VALUE = 1e-3


@dataclass(frozen=True)
class Descent:
    """End points (R, k, d), steps taken, step sizes on F after halvings, and the loss L."""

    positions: np.ndarray
    steps: np.ndarray
    step: np.ndarray
    converged: np.ndarray
    loss: np.ndarray


def xavier_starts(k: int, d: int, seeds) -> np.ndarray:
    """(R, k, d) starts, run r from ``default_rng(seeds[r])``: i.i.d. N(0, 1/d) entries."""
    return np.stack([np.random.default_rng(int(s)).normal(scale=np.sqrt(1.0 / d), size=(k, d))
                     for s in seeds])


def _angles(cosines: np.ndarray) -> np.ndarray:
    return np.arccos(np.clip(cosines, -1.0, 1.0))


def scaled_gradient(W: np.ndarray, teacher: np.ndarray) -> np.ndarray:
    """G = 2π ∇F for a batch W of shape (R, k, d) against teacher rows (m, d), as above."""
    norms = np.linalg.norm(W, axis=2)
    unit = W / norms[..., None]
    teacher_norms = np.linalg.norm(teacher, axis=1)
    theta = _angles(unit @ np.swapaxes(unit, 1, 2))
    theta_star = _angles(unit @ (teacher / teacher_norms[:, None]).T)
    radial = np.sin(theta) @ norms[..., None] - np.sin(theta_star) @ teacher_norms[:, None]
    return radial * unit + (np.pi - theta) @ W - (np.pi - theta_star) @ teacher


def loss(W: np.ndarray, teacher: np.ndarray) -> np.ndarray:
    """L = 2F for a batch (R, k, d): E(Σσ(w_iᵀx) − Σσ(v_jᵀx))², ``objval.m`` times two."""
    def kernel(A, B):
        a, b = np.linalg.norm(A, axis=-1), np.linalg.norm(B, axis=-1)
        phi = _angles((A / a[..., None]) @ np.swapaxes(B / b[..., None], -1, -2))
        return a[..., :, None] * b[..., None, :] * (np.sin(phi) + (np.pi - phi) * np.cos(phi)) / (2 * np.pi)
    total = kernel(W, W).sum(axis=(1, 2)) - 2 * kernel(W, teacher).sum(axis=(1, 2))
    return total + kernel(teacher, teacher).sum()


def descend(starts, teacher, *, step: float = STEP, tolerance: float = GRADIENT_TOLERANCE,
            max_steps: int = 2_000_000) -> Descent:
    """Their loop on every run of ``starts`` (R, k, d) at once; a stopped run is frozen."""
    starts, teacher = _checked(starts, teacher)
    if not (max_steps >= 1 and step > 0 and tolerance > 0):
        raise InputError(f"need step > 0, tolerance > 0 and max_steps ≥ 1, got {step}, "
                         f"{tolerance}, {max_steps}")
    W = starts.copy()
    eta = np.full(len(W), step / (2 * np.pi))
    steps = np.zeros(len(W), dtype=int)
    active = np.arange(len(W))
    for _ in range(max_steps):
        if not len(active):
            break
        G = scaled_gradient(W[active], teacher)
        W[active] -= eta[active, None, None] * G
        steps[active] += 1
        gradnorm = np.sqrt((G * G).sum(axis=2).max(axis=1))
        diverged = active[gradnorm > DIVERGENCE]
        W[diverged], eta[diverged], steps[diverged] = starts[diverged], eta[diverged] / 2, 0
        active = active[gradnorm > tolerance]
    converged = np.ones(len(W), dtype=bool)
    converged[active] = False
    values = loss(W, teacher)
    return Descent(W, steps, eta * 2 * np.pi, converged & np.isfinite(values), values)


def _checked(starts, teacher) -> tuple[np.ndarray, np.ndarray]:
    starts, teacher = np.asarray(starts, dtype=float), np.asarray(teacher, dtype=float)
    if starts.ndim != 3 or teacher.ndim != 2 or starts.shape[2] != teacher.shape[1]:
        raise InputError("starts must be (runs, k, d) and the teacher (m, d), got "
                         f"{starts.shape}, {teacher.shape}")
    if not (np.all(np.isfinite(starts)) and np.all(np.isfinite(teacher))):
        raise InputError("starts and teacher must be finite")
    if np.any(np.linalg.norm(starts, axis=2) == 0) or np.any(np.linalg.norm(teacher, axis=1) == 0):
        raise InputError("every student and teacher row must be non-zero (their angles are undefined at 0)")
    return starts, teacher


# ------------------------------------------------------------------------------- the sweep

#: Runs descended together in one :func:`theory.verification.executor.run_all` task.
CHUNK = 100
#: Tolerance (absolute, on entries) for grouping end points of GD into orbits.
FAMILY_TOLERANCE = 1e-4


def chunk_run(task: dict) -> dict:
    """Descend seeds ``task["seeds"]`` at k = d = ``task["k"]`` against W* = I (a run_all task).

    A run is ``global minimum`` when it converged with F < 10⁻³ (their test, so without
    a Hessian), ``not converged`` at the step cap, else a bad run: kind ``None`` (not yet
    named) with its end point kept for :func:`classify` to name once per orbit."""
    k = task["k"]
    run = descend(xavier_starts(k, k, task["seeds"]), np.eye(k), max_steps=task["max_steps"])
    records = []
    for r, seed in enumerate(task["seeds"]):
        kind = (EquilibriumKind.NOT_CONVERGED if not run.converged[r]
                else EquilibriumKind.GLOBAL_MINIMUM if run.loss[r] < 2 * BAD_VALUE else None)
        record = {"k": k, "seed": int(seed), "kind": kind, "loss": float(run.loss[r]),
                  "steps": int(run.steps[r]), "step": float(run.step[r]), "lambda_min": None}
        if kind is not EquilibriumKind.GLOBAL_MINIMUM:
            record["positions"] = run.positions[r].tolist()
        records.append(record)
    return {"records": records}


def classify(records: list[dict], *, dps: int, seconds: float) -> list[dict]:
    """Name every bad run (kind ``None``) by its orbit: group end points (:func:`orbit_groups`, tolerance
    FAMILY_TOLERANCE), polish and classify one member an orbit with
    :func:`theory.dynamics.equilibrium.equilibrium`, and give every member that kind,
    λ_min, loss and the polished representative as its positions."""
    from ..dynamics.equilibrium import equilibrium
    from .relu import relu_potential
    from .symmetry import orbit_groups

    out = [dict(r) for r in records]
    for k in sorted({r["k"] for r in out}):
        bad = [r for r in out if r["k"] == k and r["kind"] is None]
        for form, members in orbit_groups([r["positions"] for r in bad], tolerance=FAMILY_TOLERANCE):
            eq = equilibrium(relu_potential(), np.asarray(form.representative, dtype=float), np.eye(k),
                             manifold="euclidean", dps=dps, seconds=seconds)
            named = {"kind": eq.kind, "loss": float(eq.loss),
                     "positions": [[float(x) for x in row] for row in eq.positions],
                     "lambda_min": float(eq.eigenvalues[0]) if eq.eigenvalues else None}
            for i in members:
                bad[i].update(named)
    return out
