"""Gradient flow of the biased loss: electrons (θ_i, β_i) move, protons stay.

.. math::  \\dot\\theta_i = -\\nabla_{\\theta_i} L, \\qquad \\dot\\beta_i = -\\partial_{\\beta_i} L

for :class:`~theory.dynamics.biased_loss.BiasedLoss` with fixed charges, integrated by
:func:`scipy.integrate.solve_ivp` over time windows (doubled after each window run to its
end) until ‖∇L‖ < ``gtol``, within a budget of field evaluations. The result is a
:class:`~theory.dynamics.flow.Trajectory` whose ``positions`` are the rows (θ_i, β_i)
(the bias the last column). :func:`theory.dynamics.flow.gradient_flow` is not reused:
its state (captures, creases, the sphere) is built on the unbiased loss.

>>> from theory.dynamics.biased_loss import BiasedLoss
>>> loss = BiasedLoss("relu", [[1.0, 0.0]], [0.5])
>>> run = biased_flow(loss, [[0.8, 0.3]], [0.2], gtol=1e-9)
>>> run.converged, bool(abs(run.positions - [[1.0, 0.0, 0.5]]).max() < 1e-6)
(True, True)
"""

from __future__ import annotations

import time

import numpy as np

from ..core.errors import InputError
from .biased_loss import BiasedLoss
from .flow import Trajectory


class _Exhausted(Exception):
    """The field was called past the run's evaluation budget."""


def biased_flow(loss: BiasedLoss, thetas, biases, charges=None, *, gtol: float = 1e-9,
                evaluations: int = 50_000, t_max: float = 1e8, method: str = "LSODA") -> Trajectory:
    """Integrate (θ̇, β̇) = −∇L until ‖∇L‖ < ``gtol`` (float64).

    The budget is ``evaluations`` of the field and flow time ``t_max``; a run that spends
    one ends unconverged and says which. A start where Φ has no derivative raises
    :class:`~theory.dynamics.biased_loss.NotSmooth`; a flow that reaches such a point ends
    unconverged and says so.
    """
    start = loss.electrons(thetas, biases, charges)
    k, d = start.positions.shape
    a = start.charges
    y = np.hstack([start.positions, start.biases[:, None]]).ravel()
    clock, count = time.perf_counter(), [0]
    run = Trajectory("biased flow", y.reshape(k, d + 1), a, False, "")

    def gradient(y):
        Y = y.reshape(k, d + 1)
        grad_theta, grad_beta = loss.gradient(Y[:, :d], Y[:, d], a)
        return np.hstack([grad_theta, grad_beta[:, None]]).ravel()

    def field(_, y):
        if count[0] >= evaluations:
            raise _Exhausted
        count[0] += 1
        return -gradient(y)

    def record(y) -> float:
        norm = float(np.linalg.norm(gradient(y)))
        run.losses.append(loss.value(y.reshape(k, d + 1)[:, :d], y.reshape(k, d + 1)[:, d], a))
        run.gradient_norms.append(norm)
        return norm

    window, t = 1.0, 0.0
    while True:
        norm = record(y)
        if norm < gtol:
            return _finish(run, y, count, clock, True, f"‖∇L‖ = {norm:.3g} < {gtol:g}")
        spent = (f"{evaluations} evaluations of ∇L" if count[0] >= evaluations else
                 f"t_max = {t_max:g}" if t > t_max else "")
        if spent:
            return _finish(run, y, count, clock, False, f"budget spent ({spent}) with ‖∇L‖ = {norm:.3g}")
        try:
            y, span, steps = _window(field, y, window, method, gtol, gradient)
        except InputError as why:
            return _finish(run, y, count, clock, False, f"flow hit a point where Φ has no derivative: {why}")
        run.steps, t = run.steps + steps, t + span
        window *= 2 if span >= window else 1


def _window(field, y, window: float, method: str, gtol: float, gradient) -> tuple[np.ndarray, float, int]:
    """One window of solve_ivp, ending early when ‖∇L‖ < gtol/2 at an accepted step, or at the
    last accepted step when the evaluation budget is spent: (y, time, accepted steps)."""
    from scipy.integrate import solve_ivp  # loads scipy.optimize: only when the flow runs

    accepted = [0.0, y, 0]   # (t, y, steps) of the last accepted step

    def stationary(t, z):   # solve_ivp evaluates the events at every accepted step
        if t > accepted[0]:
            accepted[:] = t, z.copy(), accepted[2] + 1
        return np.linalg.norm(gradient(z)) - gtol / 2

    stationary.terminal = True
    try:
        solution = solve_ivp(field, (0.0, window), y, method=method, rtol=1e-10, atol=gtol * 1e-3,
                             events=[stationary])
    except _Exhausted:
        return accepted[1], accepted[0], accepted[2]
    if solution.status < 0:
        raise InputError(solution.message)
    return solution.y[:, -1], float(solution.t[-1]), len(solution.t) - 1


def _finish(run: Trajectory, y: np.ndarray, count: list, clock: float, converged: bool,
            reason: str) -> Trajectory:
    run.positions = y.reshape(run.positions.shape).copy()
    run.converged, run.reason, run.evaluations = converged, reason, count[0]
    run.seconds = time.perf_counter() - clock
    return run
