"""Electron dynamics: gradient flow, the paper's descent algorithms, Newton polishing.

Electrons move, protons stay (paper Definition 2.1): on M = R^d or S^{d−1},

.. math::  \\dot\\theta_i = -\\nabla_{\\theta_i} L(a, \\theta)

(Riemannian gradient on the sphere). Every routine returns a :class:`Trajectory`
that says whether it converged and why it stopped; none ever claims
convergence it did not reach.

Potentials with a *cusp* at coincidence (sign: Φ = (2/π) asin ρ, the distance
potential ‖θ − w‖) have no gradient on top of a proton, so ‖∇L‖ cannot become
small there. An electron that comes within ``capture`` of a proton of such a
potential is *captured*: placed on the proton exactly and held, and the
remaining electrons move on (:meth:`theory.loss.Loss.with_fixed`).

>>> import numpy as np
>>> from theory.potential import given
>>> from theory.loss import Loss
>>> loss = Loss(given("exp(-r^2/2)", "radial"), [[1.0, 0.0]])
>>> run = gradient_flow(loss, [[0.3, 0.4]], gtol=1e-10)
>>> run.converged, np.allclose(run.positions, [[1.0, 0.0]], atol=1e-9)
(True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from scipy.integrate import solve_ivp

from .errors import DerivationError, InputError
from .loss import Arithmetic, Loss, positions

ALGORITHMS = ("flow", "gd", "nodewise")
#: A rise of the loss below this (relative) is float64 rounding, not divergence.
_NOISE = 1e-12


@dataclass
class Trajectory:
    """The outcome of a run: final positions, whether and why it stopped, history.

    ``captured`` lists (electron, proton) pairs held on a cusp.
    """

    algorithm: str
    positions: np.ndarray
    charges: np.ndarray
    converged: bool
    reason: str
    steps: int = 0
    seconds: float = 0.0
    losses: list = field(default_factory=list)
    gradient_norms: list = field(default_factory=list)
    captured: list = field(default_factory=list)
    path: list = field(default_factory=list)   # positions along the way (thinned), for plots

    def summary(self) -> dict:
        return {"algorithm": self.algorithm, "converged": self.converged, "reason": self.reason,
                "steps": self.steps, "seconds": round(self.seconds, 3),
                "loss": {"start": self.losses[0], "end": self.losses[-1]} if self.losses else None,
                "gradient_norm": {"start": self.gradient_norms[0], "end": self.gradient_norms[-1]}
                if self.gradient_norms else None,
                "captured": [list(pair) for pair in self.captured]}


class _State:
    """Positions with the captured electrons held; the loss seen by the free ones."""

    def __init__(self, loss: Loss, start, charges, capture: float):
        self.loss, self.capture = loss, capture
        self.X = positions(start, "start", sphere=loss.manifold == "sphere")
        if self.X.shape[1] != loss.dimension:
            raise InputError(f"start has dimension {self.X.shape[1]} but protons {loss.dimension}")
        self.a = loss.default_charges(len(self.X)) if charges is None else np.asarray(charges, float)
        self.captured: dict[int, int] = {}
        self.cusp = float(loss.kernel.cusp) > 0
        self.loss.gradient(self.X, self.a)  # fails on a singular start

    @property
    def free(self) -> np.ndarray:
        return np.array([i for i in range(len(self.X)) if i not in self.captured], dtype=int)

    def active(self) -> Loss:
        held = sorted(self.captured)
        return self.loss.with_fixed(self.X[held], self.a[held])

    def gradient(self, X: np.ndarray | None = None) -> np.ndarray:
        """The gradient of the free electrons at X (default: here); captured rows zero."""
        X = self.X if X is None else X
        g = np.zeros_like(X)
        if len(self.free):
            g[self.free] = self.active().gradient(X[self.free], self.a[self.free])
        return g

    def record(self, run: Trajectory) -> float:
        norm = float(np.linalg.norm(self.gradient()))
        run.losses.append(self.loss.value(self.X, self.a))
        run.gradient_norms.append(norm)
        run.path.append(self.X.copy())
        return norm

    def absorb(self) -> None:
        """Capture free electrons that came within ``capture`` of a proton of a cusp potential."""
        if not self.cusp:
            return
        taken = set(self.captured.values())
        for i in self.free:
            distances = np.linalg.norm(self.loss.protons - self.X[i], axis=1)
            j = int(np.argmin(distances))
            if distances[j] < 2 * self.capture and j not in taken:
                self.X[i], self.captured[i] = self.loss.protons[j], j
                taken.add(j)

    def project(self, X: np.ndarray) -> np.ndarray:
        if self.loss.manifold == "sphere":
            return X / np.linalg.norm(X, axis=1)[:, None]
        return X


def gradient_flow(loss: Loss, start, charges=None, *, gtol: float = 1e-10, seconds: float = 60.0,
                  t_max: float = 1e7, method: str = "LSODA", capture: float = 1e-9) -> Trajectory:
    """Integrate θ̇ = −∇L with :func:`scipy.integrate.solve_ivp` (float64) until ‖∇L‖ < ``gtol``.

    Integrates over doubling time windows; on the sphere the vector field is the
    Riemannian gradient and positions are renormalised after each window.
    """
    state, clock = _State(loss, start, charges, capture), time.perf_counter()
    run = Trajectory("flow", state.X, state.a, False, "")
    window, t = 1.0, 0.0
    while True:
        state.absorb()
        norm = state.record(run)
        if norm < gtol or not len(state.free):
            return _finish(run, state, clock, True, f"‖∇L‖ = {norm:.3g} < {gtol:g}")
        if time.perf_counter() - clock > seconds or t > t_max:
            return _finish(run, state, clock, False, f"budget spent with ‖∇L‖ = {norm:.3g}")
        try:
            state.X[state.free] = _integrate(state, window, method, gtol, clock + seconds)
        except InputError as why:
            return _finish(run, state, clock, False, f"flow hit a singular point: {why}")
        run.steps += 1
        t, window = t + window, window * 2


class _OutOfTime(Exception):
    pass


def _integrate(state: _State, window: float, method: str, gtol: float, deadline: float) -> np.ndarray:
    active, free, a = state.active(), state.free, state.a[state.free]
    shape = state.X[free].shape
    last = [state.X[free].ravel()]

    def field(_, y):
        if time.perf_counter() > deadline:
            raise _OutOfTime
        last[0] = y
        return -active.gradient(state.project(y.reshape(shape)), a).ravel()

    def stationary(_, y):
        return np.linalg.norm(field(_, y)) - gtol / 2

    def near_proton(_, y):
        X = state.project(y.reshape(shape))
        gaps = np.linalg.norm(X[:, None, :] - state.loss.protons[None, :, :], axis=2)
        return gaps.min() - state.capture if state.cusp else 1.0

    stationary.terminal = near_proton.terminal = True
    try:
        solution = solve_ivp(field, (0.0, window), state.X[free].ravel(), method=method, rtol=1e-9,
                             atol=gtol * 1e-3, events=[stationary, near_proton])
    except _OutOfTime:
        return state.project(last[0].reshape(shape))
    if solution.status < 0:
        raise InputError(solution.message)
    return state.project(solution.y[:, -1].reshape(shape))


def gradient_descent(loss: Loss, start, charges=None, *, step: float = 0.1, iterations: int = 100_000,
                     gtol: float = 1e-10, seconds: float = 60.0, capture: float = 1e-9,
                     name: str = "gd") -> Trajectory:
    """Projected gradient descent θ ← Π_M(θ − α∇L) (paper Algorithm 1).

    When a step raises the loss the step size is halved (a diverging step size is
    detected, not followed) and after a successful step it grows back by 1.5 up to
    ``step``; below 10⁻¹⁴ of ``step`` the run stops unconverged.
    """
    state, clock = _State(loss, start, charges, capture), time.perf_counter()
    run = Trajectory(name, state.X, state.a, False, "")
    alpha, value = step, loss.value(state.X, state.a)
    for run.steps in range(iterations):
        state.absorb()
        g = state.gradient()
        norm = float(np.linalg.norm(g))
        run.gradient_norms.append(norm)
        run.losses.append(value)
        if run.steps < 200 or run.steps % 50 == 0:   # every step early on, then thinned
            run.path.append(state.X.copy())
        if norm < gtol or not len(state.free):
            return _finish(run, state, clock, True, f"‖∇L‖ = {norm:.3g} < {gtol:g}")
        if alpha < step * 1e-14 or time.perf_counter() - clock > seconds:
            why = "step size collapsed" if alpha < step * 1e-14 else "time budget spent"
            return _finish(run, state, clock, False, f"{why} with ‖∇L‖ = {norm:.3g}")
        trial = state.project(state.X - alpha * g)
        trial_value, noise = loss.value(trial, state.a), _NOISE * (1 + abs(value))
        flat = trial_value >= value - noise  # within rounding: let the gradient decide
        if not np.isfinite(trial_value) or trial_value > value + noise or (
                flat and np.linalg.norm(state.gradient(trial)) >= norm):
            alpha /= 2
            continue
        state.X[:], value = trial, trial_value
        alpha = min(step, 1.5 * alpha)
    return _finish(run, state, clock, False, f"{iterations} iterations spent")


def nodewise(loss: Loss, start, charges=None, *, node_gtol: float = 1e-4, **options) -> Trajectory:
    """Node-wise descent with fixed output weights (paper Algorithm 2).

    Electrons are switched on one at a time (a_i from 0 to its charge) and only
    θ_i descends (to ‖∇L‖ < ``node_gtol``), the earlier electrons held fixed; then
    all descend together.
    """
    X = positions(start, "start", sphere=loss.manifold == "sphere")
    a = loss.default_charges(len(X)) if charges is None else np.asarray(charges, float)
    clock, runs = time.perf_counter(), []
    node_options = dict(options, gtol=max(options.get("gtol", 1e-10), node_gtol))
    for i in range(len(X)):
        runs.append(gradient_descent(loss.with_fixed(X[:i], a[:i]), X[i:i + 1], a[i:i + 1],
                                     **node_options))
        X[i] = runs[-1].positions[0]
    final = gradient_descent(loss, X, a, **options)
    final.algorithm, final.seconds = "nodewise", time.perf_counter() - clock
    final.steps += sum(r.steps for r in runs)
    final.losses = [v for r in runs for v in r.losses[:1]] + final.losses
    return final


def run_algorithm(loss: Loss, start, algorithm: str, charges=None, **options) -> Trajectory:
    """Dispatch to :func:`gradient_flow`, :func:`gradient_descent` or :func:`nodewise`."""
    if algorithm not in ALGORITHMS:
        raise InputError(f"algorithm must be one of {', '.join(ALGORITHMS)}, got {algorithm!r}")
    function = {"flow": gradient_flow, "gd": gradient_descent, "nodewise": nodewise}[algorithm]
    return function(loss, start, charges, **options)


def _finish(run: Trajectory, state: _State, clock: float, converged: bool, reason: str) -> Trajectory:
    run.positions, run.converged, run.reason = state.X.copy(), converged, reason
    run.path.append(state.X.copy())
    run.seconds = time.perf_counter() - clock
    run.captured = sorted(state.captured.items())
    return run


# ---------------------------------------------------------------------- polishing

def polish(loss: Loss, electrons, charges=None, *, dps: int = 30, iterations: int = 60,
           seconds: float = 60.0) -> tuple[np.ndarray, object]:
    """Newton's method in mpmath at ``dps`` digits until ‖∇L‖ < 10^{−(dps−5)}.

    Each step solves H δ = −∇L in the tangent space with the exact Hessian in
    float64 and the exact gradient at ``dps`` digits (Newton with iterative
    refinement: each step gains about 13 digits once in the quadratic basin).

    Returns
    -------
    positions : (k, d) object array of mpf
    gradient_norm : mpf

    Raises
    ------
    DerivationError
        If the target is not reached within ``iterations`` steps or ``seconds``.
    """
    arith = Arithmetic(dps)
    X = arith.array(electrons)
    target, clock = arith.ctx.mpf(10) ** -(dps - 5), time.perf_counter()
    for _ in range(iterations):
        g = loss.gradient(X, charges, dps=dps)
        norm = arith.ctx.sqrt(arith.ctx.fsum(v * v for v in g.ravel()))
        if norm < target:
            return X, norm
        if time.perf_counter() - clock > seconds:
            break
        x64 = X.astype(float)
        basis = loss.tangent_basis(x64)
        step = np.linalg.lstsq(loss.hessian(x64, charges), -basis.T @ g.astype(float).ravel(),
                               rcond=1e-13)[0]
        X = X + arith.array((basis @ step).reshape(X.shape))
        if loss.manifold == "sphere":
            X = X / arith.sqrt((X * X).sum(axis=1))[:, None]
    raise DerivationError(f"Newton polishing did not reach ‖∇L‖ < 1e-{dps - 5} "
                          f"(last {arith.ctx.nstr(norm, 5)})")
