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
remaining electrons move on (:meth:`theory.dynamics.loss.Loss.with_fixed`). A product
potential ∏_k h(θ_k − w_k) whose h has kinks has no gradient on the creases
θ_k = w_jk + s₀ either, and descent chatters across them: a coordinate that comes
within ``capture`` of a crease where L has a V along it is held there (and
released when the V is gone), the others move on (:meth:`theory.dynamics.holds.Holds.fold`).

Output weights follow a charge policy (:mod:`theory.dynamics.charges`; ``charges``
is anything :func:`~theory.dynamics.charges.charge_policy` reads): fixed (``None``:
a_i = −1, or an array) or *optimised* (``"optimal"``, :class:`~theory.dynamics.charges.Optimal`):
then θ follows the gradient of the reduced loss ℓ(θ) = min_a L(a, θ), which by the
envelope theorem is ∇_θL(a*(θ), θ) (:meth:`theory.dynamics.loss.Loss.best_charges`).
For an odd Φ an electron θ_i with charge a_i is the same hidden unit as −θ_i with
charge −a_i; with optimised weights every electron is kept in the form with
a_i* ≤ 0 (the charge that matches a proton of charge +1), an exact symmetry of the
dynamics.

>>> import numpy as np
>>> from theory.potentials.potential import given
>>> from theory.dynamics.loss import Loss
>>> loss = Loss(given("exp(-r^2/2)", "radial"), [[1.0, 0.0]])
>>> run = gradient_flow(loss, [[0.3, 0.4]], gtol=1e-10)
>>> run.converged, np.allclose(run.positions, [[1.0, 0.0]], atol=1e-9)
(True, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from ..core.choices import Choice
from ..core.errors import DerivationError, InputError
from ..potentials.activations import Parity
from ..potentials.forms import RIDGE, Geometry
from .arithmetic import arithmetic
from .charges import OPTIMAL, Optimal, charge_policy
from .holds import Holds
from .loss import Loss, sphere_tangent_basis
from .matching import distances


class Algorithm(Choice):
    """The electron dynamics :func:`run_algorithm` runs."""

    FLOW = "flow"
    GD = "gd"
    NODEWISE = "nodewise"
    NODEWISE_OPTIMAL = "nodewise-optimal"
    SGD = "sgd"


#: The algorithms' names, as the command line spells them.
ALGORITHMS = tuple(a.value for a in Algorithm)
#: A rise of the loss below this (relative) is float64 rounding, not divergence.
_NOISE = 1e-12
#: Streams of the algorithms' random draws, ``default_rng([seed, stream])``: independent of
#: ``default_rng(seed)``, which :func:`theory.dynamics.equilibrium.simulate` uses for the protons and
#: the start (one stream would redraw an electron exactly onto a random proton).
_DRAWS, _NOISE_DRAWS = 3, 4


@dataclass
class Trajectory:
    """The outcome of a run: final positions, whether and why it stopped, history.

    ``captured`` lists (electron, proton) pairs held on a cusp, ``creases``
    (electron, coordinate, value) for coordinates held on a crease of a product
    potential with kinks. ``steps`` counts descent iterations, or the integrator's
    accepted steps of a flow, ``evaluations`` the flow's evaluations of the field.
    """

    algorithm: Algorithm
    positions: np.ndarray
    charges: np.ndarray
    converged: bool
    reason: str
    steps: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    losses: list = field(default_factory=list)
    gradient_norms: list = field(default_factory=list)
    captured: list = field(default_factory=list)
    creases: list = field(default_factory=list)
    path: list = field(default_factory=list)   # positions along the way (thinned), for plots

    def summary(self) -> dict:
        return {"algorithm": self.algorithm, "converged": self.converged, "reason": self.reason,
                "steps": self.steps, "evaluations": self.evaluations, "seconds": round(self.seconds, 3),
                "loss": {"start": self.losses[0], "end": self.losses[-1]} if self.losses else None,
                "gradient_norm": {"start": self.gradient_norms[0], "end": self.gradient_norms[-1]}
                if self.gradient_norms else None,
                "captured": [list(pair) for pair in self.captured],
                "creases": [list(crease) for crease in self.creases]}


class _State:
    """Positions, the charge policy and the holds; the loss seen by the free electrons.

    ``charges`` is read by :func:`~theory.dynamics.charges.charge_policy` into ``policy``:
    fixed, or optimised (a = a*(θ) of all electrons, held ones included, at every evaluation).
    ``holds`` (:class:`~theory.dynamics.holds.Holds`) keeps the electrons captured on protons
    (``held`` maps electrons already captured to their protons) and the coordinates held on
    creases (``creases`` maps (electron, coordinate) to its crease). The start is checked here
    once; later positions are the runners' own and reach the loss unchecked (its results are
    still checked).
    """

    def __init__(self, loss: Loss, start, charges, capture: float, held: dict | None = None,
                 creases: dict | None = None):
        self.loss = loss
        self.X = loss.manifold.positions(start, "start")
        if self.X.shape[1] != loss.dimension:
            raise InputError(f"start has dimension {self.X.shape[1]} but protons {loss.dimension}")
        self.policy = charge_policy(charges, len(self.X))
        self.holds = Holds(loss, capture, self.X, held, creases)
        self._fixed_active: tuple[list, Loss] | None = None  # (held electrons, their loss): fixed charges
        self.odd = self.policy.optimised and odd(loss)
        if len(self.free):  # the one checked evaluation: fails on a singular start
            a = self.charges()
            self.active(a).gradient(self.X[self.free], a[self.free], side=1 if self.creases else None)

    @property
    def free(self) -> np.ndarray:
        """The electrons not captured."""
        return self.holds.free

    @property
    def creases(self) -> dict:
        """(electron, coordinate) → the crease it is held on."""
        return self.holds.creases

    @creases.setter
    def creases(self, creases: dict) -> None:
        self.holds.creases = creases

    def charges(self, X: np.ndarray | None = None) -> np.ndarray:
        """The output weights at X (default: here), by the policy."""
        return self.policy.charges(self.loss, self.X if X is None else X, validate=False)

    def active(self, a: np.ndarray) -> Loss:
        """The loss of the free electrons: the held ones (charges a) join the protons; with fixed
        charges it changes only with a capture, so it is kept until the next one."""
        held = self.holds.held
        if not held:
            return self.loss
        if self.policy.optimised:
            return self.loss.with_fixed(self.X[held], a[held])
        if self._fixed_active is None or self._fixed_active[0] != held:
            self._fixed_active = (held, self.loss.with_fixed(self.X[held], a[held]))
        return self._fixed_active[1]

    def value(self, X: np.ndarray | None = None) -> float:
        X = self.X if X is None else X
        return self.loss.value(X, self.charges(X), validate=False)

    def gradient(self, X: np.ndarray | None = None) -> np.ndarray:
        """The gradient of the free electrons at X (default: here); zero in captured rows
        and in coordinates held on a crease."""
        return self.holds.zero_held(self._slopes(self.X if X is None else X, +1 if self.creases else None))

    def _slopes(self, X: np.ndarray, side: int | None = None) -> np.ndarray:
        """∇L of the free electrons at X, one-sided on creases if ``side``; captured rows zero."""
        a, g = self.charges(X), np.zeros_like(X)
        if len(self.free):
            g[self.free] = self.active(a).gradient(X[self.free], a[self.free], validate=False, side=side)
        return g

    def hessian(self) -> np.ndarray:
        """The Hessian of the free electrons here, in their coordinates not held on a crease:
        of ℓ when the charges are optimised (the held electrons' charges then kept at their
        present optimum). Held coordinates are evaluated a few ulps off their creases,
        distinct for each electron (the entries kept are continuous there)."""
        a, free, X = self.charges(), self.free, self.holds.off_creases(self.X)
        H = self.policy.restricted(a, free).hessian(self.active(a), X[free])
        if not self.creases:
            return H
        d = self.X.shape[1]
        keep = np.array([n * d + k for n, i in enumerate(free) for k in range(d)
                         if (i, k) not in self.creases], dtype=int)
        return H[np.ix_(keep, keep)]

    def record(self, run: Trajectory) -> float:
        norm = float(np.linalg.norm(self.gradient()))
        run.losses.append(self.value())
        run.gradient_norms.append(norm)
        run.path.append(self.X.copy())
        return norm

    def canonical(self) -> None:
        """For an odd Φ with optimised weights: flip θ_i ↦ −θ_i wherever a_i* > 0 (L unchanged)."""
        if self.odd and len(self.free):
            flip = self.free[self.charges()[self.free] > 0]
            self.X[flip] = -self.X[flip]

    def settle(self) -> bool:
        """Canonical signs, then captures on protons and creases (no-ops when they do not
        apply, :meth:`~theory.dynamics.holds.Holds.absorb` and
        :meth:`~theory.dynamics.holds.Holds.fold`); True if a capture moved an electron."""
        self.canonical()
        before = len(self.holds.captured)
        self.holds.absorb(self.X)
        folded = self.holds.fold(self.X, self._slopes)
        return len(self.holds.captured) > before or folded

    def project(self, X: np.ndarray) -> np.ndarray:
        return self.loss.manifold.retract(X)


def scale_degree(loss: Loss, policy) -> int | None:
    """p ≥ 1 when ℓ is constant on each ray θ_i ↦ sθ_i (s > 0): optimal charges on R^d with a ridge σ
    positively homogeneous of degree p (a·σ(θᵀx) = sign(a)·σ(abs(a)^{1/p}θᵀx)); else None."""
    activation = loss.potential.activation
    degree = None if activation is None else activation.degree
    if policy.optimised and loss.potential.form is RIDGE and not loss.manifold.codimension \
            and degree is not None and degree >= 1:
        return degree
    return None


def reflection(loss: Loss) -> Parity | None:
    """ODD if Φ(−θ, w) = −Φ(θ, w), EVEN if Φ(−θ, w) = Φ(θ, w), tested on a few points (zonal and ridge
    potentials only; None otherwise)."""
    if loss.kernel.form.geometry is Geometry.DISTANCE:
        return None
    points = np.random.default_rng(0).normal(size=(4, loss.dimension))
    points = loss.manifold.retract(points)
    phi = loss.with_fixed(np.zeros((0, loss.dimension)), [])
    plus = phi.charge_gradient(points[:2], np.zeros(2))   # 2 Σ_j b_j Φ(θ_i, w_j)
    minus = phi.charge_gradient(-points[:2], np.zeros(2))
    for parity, sign in ((Parity.ODD, -1), (Parity.EVEN, 1)):
        if np.allclose(minus, sign * plus, atol=1e-12):
            return parity
    return None


def odd(loss: Loss) -> bool:
    """Φ(−θ, w) = −Φ(θ, w) (:func:`reflection`)."""
    return reflection(loss) is Parity.ODD


def gradient_flow(loss: Loss, start, charges=None, *, gtol: float = 1e-10, evaluations: int = 100_000,
                  seconds: float | None = 60.0, t_max: float = 1e7, method: str = "LSODA",
                  capture: float = 1e-9) -> Trajectory:
    """Integrate θ̇ = −∇L with :func:`scipy.integrate.solve_ivp` (float64) until ‖∇L‖ < ``gtol``.

    Integrates over time windows, doubled after each window run to its end; on the
    sphere the vector field is the Riemannian gradient and positions are renormalised
    after each window. With optimised charges the field is −∇ℓ(θ) = −∇_θL(a*(θ), θ).
    The budget is ``evaluations`` of the field (deterministic), flow time ``t_max``
    and, if not ``None``, ``seconds`` of wall clock; a run that spends one ends
    unconverged and says which.

    On a product potential with kinks the field jumps across every crease θ_k = c,
    and the integrator must not step over one: LSODA, having stepped over a kink, can
    keep its step at 1.3·10⁻¹⁰ ever after (seed 0 of the Laplace product at k = d = 3,
    its start moved by 10⁻¹³: 10⁴ steps took the coordinate 5·10⁻⁷ past the crease).
    A capture distance cannot prevent it: a crease the flow crosses is not held, so
    the coordinate is left short of it, and whether the integrator's steps land within
    the distance at all turns on the last bits of the path. So a window ends on the
    crease itself: an event fires when a moving coordinate reaches either crease that
    brackets it at the window's start (a sign change, located by root finding to a few
    ulps in t, however long the integrator's step). There :meth:`~theory.dynamics.holds.Holds.fold` holds the
    coordinate if L has a V along it, else places it a few ulps past the crease on the
    side where L descends, and the next window starts the integrator afresh, on one
    smooth side of every crease.
    """
    state, clock = _State(loss, start, charges, capture), time.perf_counter()
    deadline = np.inf if seconds is None else clock + seconds
    run = Trajectory(Algorithm.FLOW, state.X, state.charges(), False, "")
    window, t = 1.0, 0.0
    while True:
        state.settle()
        norm = state.record(run)
        if norm < gtol or not len(state.free):
            return _finish(run, state, clock, True, f"‖∇L‖ = {norm:.3g} < {gtol:g}")
        spent = (f"{evaluations} evaluations of ∇L" if run.evaluations >= evaluations else
                 f"{seconds:g} s" if _late(clock, seconds) else f"t_max = {t_max:g}" if t > t_max else "")
        if spent:
            return _finish(run, state, clock, False, f"budget spent ({spent}) with ‖∇L‖ = {norm:.3g}")
        try:
            leg = _integrate(state, window, method, gtol, deadline, evaluations - run.evaluations)
        except InputError as why:
            return _finish(run, state, clock, False, f"flow hit a singular point: {why}")
        state.X[state.free] = leg.X
        run.steps, run.evaluations, t = run.steps + leg.steps, run.evaluations + leg.evaluations, t + leg.t
        window *= 2 if leg.t >= window else 1


class _Exhausted(Exception):
    """The field was called past the run's evaluation or time budget."""


@dataclass
class _Leg:
    """One window of the flow: where the free electrons got, the time, steps and field evaluations."""

    X: np.ndarray
    t: float
    evaluations: int
    steps: int


def _integrate(state: _State, window: float, method: str, gtol: float, deadline: float,
               budget: int) -> _Leg:
    """Integrate the free electrons over ``window``, ending early at a terminal event (near
    stationary, near a proton of a cusp, on a crease of a kink) or, at the last accepted
    step, when ``budget`` field evaluations or the ``deadline`` are spent."""
    from scipy.integrate import solve_ivp  # scipy.integrate loads scipy.optimize: only when the flow runs

    free = state.free
    shape = state.X[free].shape
    count, accepted = [0, 0], [0.0, state.X[free].ravel()]  # (evaluations, steps); (t, y) of the last step

    def field(_, y):
        if count[0] >= budget or time.perf_counter() > deadline:
            raise _Exhausted
        count[0] += 1
        X = state.X.copy()
        X[free] = state.project(y.reshape(shape))
        return -state.gradient(X)[free].ravel()

    def stationary(t, y):  # solve_ivp evaluates the events at every accepted step
        if t > accepted[0]:
            count[1], accepted[:] = count[1] + 1, (t, y.copy())
        return np.linalg.norm(field(t, y)) - gtol / 2

    def near_proton(_, y):
        X = state.project(y.reshape(shape))
        gaps = distances(X, state.loss.protons)
        if state.odd:  # −w_j is the same hidden unit as w_j
            gaps = np.minimum(gaps, distances(X, -state.loss.protons))
        return gaps.min() - state.holds.capture

    below, above, moving = state.holds.brackets(state.X, free)

    def on_crease(_, y):  # > 0 while every moving coordinate stays strictly inside its bracket
        Y = y.reshape(shape)
        return np.minimum(Y - below, above - Y)[moving].min() if moving.any() else 1.0

    stationary.terminal = near_proton.terminal = on_crease.terminal = True
    on_crease.direction = -1
    holds = state.holds
    events = [stationary] + ([near_proton] if holds.cusp else []) + ([on_crease] if holds.kinks else [])
    try:
        solution = solve_ivp(field, (0.0, window), state.X[free].ravel(), method=method, rtol=1e-9,
                             atol=gtol * 1e-3, events=events)
    except _Exhausted:
        return _Leg(state.project(accepted[1].reshape(shape)), accepted[0], *count)
    if solution.status < 0:
        raise InputError(solution.message)
    return _Leg(state.project(solution.y[:, -1].reshape(shape)), solution.t[-1], *count)


def gradient_descent(loss: Loss, start, charges=None, *, step: float = 0.1, iterations: int = 100_000,
                     gtol: float = 1e-10, seconds: float | None = 60.0, capture: float = 1e-9,
                     held: dict | None = None, creases: dict | None = None) -> Trajectory:
    """Projected gradient descent θ ← Π_M(θ − α∇L) (paper Algorithm 1).

    When a step raises the loss the step size is halved (a diverging step size is
    detected, not followed) and after a successful step it grows back by 1.5 up to
    ``step``; below 10⁻¹⁴ of ``step`` the run stops unconverged. ``held`` maps
    electrons already captured on a cusp to their protons, ``creases`` (electron,
    coordinate) held on a crease to its value.
    """
    state, clock = _State(loss, start, charges, capture, held, creases), time.perf_counter()
    run = Trajectory(Algorithm.GD, state.X, state.charges(), False, "")
    alpha, value, trouble = step, state.value(), ""
    for run.steps in range(iterations):
        if state.settle():  # a capture: a new landscape, so the full step is tried again
            value, alpha = state.value(), step
        g = state.gradient()
        norm = float(np.linalg.norm(g))
        run.gradient_norms.append(norm)
        run.losses.append(value)
        if run.steps < 200 or run.steps % 50 == 0:   # every step early on, then thinned
            run.path.append(state.X.copy())
        if norm < gtol or not len(state.free):
            return _finish(run, state, clock, True, f"‖∇L‖ = {norm:.3g} < {gtol:g}")
        if alpha < step * 1e-14 or _late(clock, seconds):
            why = "step size collapsed" if alpha < step * 1e-14 else "time budget spent"
            return _finish(run, state, clock, False, f"{why} with ‖∇L‖ = {norm:.3g}{trouble}")
        trial = state.project(state.X - alpha * g)
        try:
            accepted, trial_value = _descends(state, trial, value, norm)
        except InputError as why:  # e.g. two electrons merged: a* no longer unique
            accepted, trouble = False, f" (last trial step: {why})"
        if not accepted:
            alpha /= 2
            continue
        state.X[:], value = trial, trial_value
        alpha = min(step, 1.5 * alpha)
    return _finish(run, state, clock, False, f"{iterations} iterations spent")


def _descends(state: _State, trial: np.ndarray, value: float, norm: float) -> tuple[bool, float]:
    """Accept a trial point that lowers L beyond rounding, or (within rounding) lowers ‖∇L‖."""
    trial_value, noise = state.value(trial), _NOISE * (1 + abs(value))
    if not np.isfinite(trial_value) or trial_value > value + noise:
        return False, trial_value
    flat = trial_value >= value - noise  # within rounding: let the gradient decide
    return not (flat and np.linalg.norm(state.gradient(trial)) >= norm), trial_value


def nodewise(loss: Loss, start, charges=None, *, node_gtol: float = 1e-4, **options) -> Trajectory:
    """Node-wise descent with fixed output weights (paper Algorithm 2).

    Electrons are switched on one at a time (a_i from 0 to its charge) and only
    θ_i descends (to ‖∇L‖ < ``node_gtol``), the earlier electrons held fixed; then
    all descend together. An electron captured on the cusp of a proton while it
    descends alone stays captured in the joint descent. ``options`` go to
    :func:`gradient_descent`; its budgets hold for each stage.
    """
    X = loss.manifold.positions(start, "start")
    policy = charge_policy(charges, len(X))
    if policy.optimised:
        raise InputError("nodewise keeps the output weights fixed (Algorithm 2); for optimised weights "
                         "use nodewise-optimal (Algorithm 3)")
    a = policy.charges(loss, X)
    clock, runs, held, creases = time.perf_counter(), [], {}, {}
    node_options = dict(options, gtol=max(options.get("gtol", 1e-10), node_gtol))
    for i in range(len(X)):
        runs.append(gradient_descent(loss.with_fixed(X[:i], a[:i]), X[i:i + 1], a[i:i + 1],
                                     **node_options))
        runs[-1].path = _frames(X, i, runs[-1])
        X[i] = runs[-1].positions[0]
        held.update(_captured_by(runs[-1], i, len(loss.protons)))
        creases.update({(i, k): c for _, k, c in runs[-1].creases})
    final = gradient_descent(loss, X, a, held=held, creases=creases, **options)
    return _joined(Algorithm.NODEWISE, runs, final, clock)


def nodewise_optimal(loss: Loss, start, charges=OPTIMAL, *, seed: int = 0, epsilon: float = 1e-2,
                     tries: int = 100, node_gtol: float = 1e-4, **options) -> Trajectory:
    """Node-wise descent with optimised output weights (paper Algorithm 3).

    For i = 1 … k, with the electrons j > i switched off (a_j = 0):

    1. θ_i is drawn (first the start's row, then uniformly on S^{d−1}, or N(0, I) on
       R^d, from ``seed``) until (∂L/∂a_i)² ≥ ε/2 at a_i = 0, at most ``tries`` times
       (else the best draw is kept) — an electron that feels no proton learns nothing;
    2. θ_i descends on min_{a_i} L with a_i at its optimum given the others (the
       paper's exact step on the quadratic in a_i), to ‖∇‖ < ``node_gtol``;
    3. a_1 … a_i ← a*(θ_1 … θ_i) jointly.

    Then all electrons descend together on ℓ(θ) = min_a L(a, θ) to ``gtol`` (a
    final stage beyond the paper, so that the end point is a critical point of ℓ).
    ``options`` go to :func:`gradient_descent`; its budgets hold for each stage.
    """
    X = loss.manifold.positions(start, "start")
    if not charge_policy(charges, len(X)).optimised:
        raise InputError("nodewise-optimal optimises the output weights; it takes no fixed charges")
    rng, a = np.random.default_rng([seed, _DRAWS]), np.zeros(len(X))
    clock, runs, held, creases = time.perf_counter(), [], {}, {}
    node_options = dict(options, gtol=max(options.get("gtol", 1e-10), node_gtol))
    for i in range(len(X)):
        fixed = loss.with_fixed(X[:i], a[:i])
        X[i] = _draw(fixed, X[i], rng, epsilon, tries)
        runs.append(gradient_descent(fixed, X[i:i + 1], Optimal(), **node_options))
        runs[-1].path = _frames(X, i, runs[-1])
        X[i] = runs[-1].positions[0]
        held.update(_captured_by(runs[-1], i, len(loss.protons)))
        creases.update({(i, k): c for _, k, c in runs[-1].creases})
        a[:i + 1] = loss.optimal_charges(X[:i + 1])
    final = gradient_descent(loss, X, Optimal(), held=held, creases=creases, **options)
    return _joined(Algorithm.NODEWISE_OPTIMAL, runs, final, clock)


def _draw(fixed: Loss, first: np.ndarray, rng: np.random.Generator, epsilon: float, tries: int) -> np.ndarray:
    """A start for the next electron with (∂L/∂a)² ≥ ε/2 at a = 0 (the best of ``tries`` draws)."""
    best, force = first, -1.0
    for attempt in range(tries):
        theta = first if attempt == 0 else rng.normal(size=first.shape)
        theta = fixed.manifold.retract(theta[None])[0]
        derivative = float(fixed.charge_gradient([theta], [0.0])[0])
        if derivative ** 2 > force:
            best, force = theta, derivative ** 2
        if force >= epsilon / 2:
            break
    return best


def _captured_by(node: Trajectory, electron: int, protons: int) -> dict:
    """The electron's capture in a node-wise stage, if on a proton (not on an earlier electron)."""
    on = [j for _, j in node.captured if j < protons]
    return {electron: on[0]} if on else {}


def _frames(X: np.ndarray, i: int, node: Trajectory) -> list:
    """A node-wise stage's path as whole configurations: electron i moving, the others where they are."""
    frames = []
    for position in node.path:
        frame = X.copy()
        frame[i] = position[0]
        frames.append(frame)
    return frames


def _joined(name: Algorithm, stages: list, final: Trajectory, clock: float) -> Trajectory:
    """One trajectory from consecutive stages: histories concatenated (a node-wise stage's loss is
    the loss of the network built so far, the later electrons switched off)."""
    final.algorithm, final.seconds = name, time.perf_counter() - clock
    final.steps += sum(r.steps for r in stages)
    final.losses = [v for r in stages for v in r.losses] + final.losses
    final.gradient_norms = [v for r in stages for v in r.gradient_norms] + final.gradient_norms
    final.path = [p for r in stages for p in r.path] + final.path
    return final


def sgd(loss: Loss, start, charges=None, *, step: float = 1e-2, epsilon: float = 0.1,
        iterations: int = 200_000, seed: int = 0, gtol: float = 1e-10, seconds: float | None = 60.0,
        capture: float | None = None) -> Trajectory:
    """Gradient descent with escape noise (paper Algorithm 4), then a noise-free finish.

    θ ← Π_M(θ − α(∇L + n)), n uniform on the unit sphere of all free coordinates
    (drawn from ``seed``), until ‖∇L‖ ≤ 2ε/3 and λ_min(∇²L) ≥ −2ε/3 — an
    ε-second-order point; the paper's FAIL when ``iterations`` run out. From there
    :func:`gradient_descent` (no noise) continues to ‖∇L‖ < ``gtol``. On a cusp
    potential electrons are captured within ``capture`` (default α, the noise scale)
    of a proton.
    """
    capture = step if capture is None else capture
    state, clock = _State(loss, start, charges, capture), time.perf_counter()
    rng = np.random.default_rng([seed, _NOISE_DRAWS])
    run = Trajectory(Algorithm.SGD, state.X, state.charges(), False, "")
    for run.steps in range(iterations):
        state.settle()
        g = state.gradient()
        norm = float(np.linalg.norm(g))
        if run.steps % 10 == 0:  # the history of every tenth step
            run.losses.append(state.value())
            run.gradient_norms.append(norm)
            run.path.append(state.X.copy())
        if not len(state.free) or (norm <= 2 * epsilon / 3 and _lowest(state) >= -2 * epsilon / 3):
            break
        if _late(clock, seconds):
            return _finish(run, state, clock, False, f"time budget spent with ‖∇L‖ = {norm:.3g}")
        noise = np.zeros_like(state.X)
        noise[state.free] = rng.normal(size=noise[state.free].shape)
        state.holds.zero_held(noise)
        state.X[:] = state.project(state.X - step * (g + noise / np.linalg.norm(noise)))
    else:
        return _finish(run, state, clock, False, f"FAIL: no ε-second-order point (ε = {epsilon:g}) "
                       f"in {iterations} noisy steps")
    noisy = _finish(run, state, clock, True, "")
    left = None if seconds is None else max(seconds - noisy.seconds, 1.0)
    finish = gradient_descent(loss, state.X, state.policy, gtol=gtol, capture=capture,
                              held=state.holds.captured, creases=state.creases, seconds=left,
                              step=max(10 * step, 0.1))
    finish.reason = (f"ε-second-order point (ε = {epsilon:g}) after {noisy.steps} noisy steps; "
                     f"then {finish.reason}")
    return _joined(Algorithm.SGD, [noisy], finish, clock)


def _lowest(state: _State) -> float:
    """λ_min of the Hessian of the free electrons (of ℓ with optimised charges)."""
    return float(np.linalg.eigvalsh(state.hessian().astype(float))[0])


RUNNERS = {Algorithm.FLOW: gradient_flow, Algorithm.GD: gradient_descent, Algorithm.NODEWISE: nodewise,
           Algorithm.NODEWISE_OPTIMAL: nodewise_optimal, Algorithm.SGD: sgd}


def work_budget(algorithm: Algorithm | str, work: int | None) -> dict:
    """``algorithm``'s deterministic budget as a keyword: ``work`` field evaluations of the
    flow, or iterations of the descent algorithms (of each stage of the node-wise ones, of
    the noisy phase of sgd); ``{}`` for ``None`` (the runner's default).

    >>> work_budget("flow", 5000), work_budget("gd", 200), work_budget("sgd", None)
    ({'evaluations': 5000}, {'iterations': 200}, {})
    """
    if work is None:
        return {}
    if isinstance(work, bool) or not isinstance(work, (int, np.integer)) or work < 1:
        raise InputError(f"the work budget must be a positive integer, got {work!r}")
    return {"evaluations" if Algorithm(algorithm) is Algorithm.FLOW else "iterations": int(work)}


def run_algorithm(loss: Loss, start, algorithm: Algorithm | str, charges=None, *, seed: int = 0,
                  **options) -> Trajectory:
    """Run an :class:`Algorithm` (or its name); ``seed`` drives the random draws of ``sgd`` and
    ``nodewise-optimal`` (the others are deterministic). ``nodewise-optimal`` always
    optimises the output weights."""
    algorithm = Algorithm(algorithm)
    if algorithm is Algorithm.NODEWISE_OPTIMAL:
        return nodewise_optimal(loss, start, Optimal() if charges is None else charges, seed=seed, **options)
    if algorithm is Algorithm.SGD:
        options["seed"] = seed
    return RUNNERS[algorithm](loss, start, charges, **options)


def _late(clock: float, seconds: float | None) -> bool:
    """More than ``seconds`` of wall clock since ``clock``; never when ``seconds`` is None
    (the run is then bounded by its deterministic budgets alone)."""
    return seconds is not None and time.perf_counter() - clock > seconds


def _finish(run: Trajectory, state: _State, clock: float, converged: bool, reason: str) -> Trajectory:
    state.canonical()
    run.positions, run.converged, run.reason = state.X.copy(), converged, reason
    run.charges = state.charges()
    run.path.append(state.X.copy())
    run.seconds = time.perf_counter() - clock
    run.captured = sorted((int(i), int(j)) for i, j in state.holds.captured.items())
    run.creases = sorted((i, k, crease) for (i, k), crease in state.creases.items())
    return run


# ---------------------------------------------------------------------- polishing

def polish(loss: Loss, electrons, charges=None, *, dps: int = 30, iterations: int = 60,
           seconds: float | None = 60.0) -> tuple[np.ndarray, object]:
    """Newton's method in mpmath at ``dps`` digits until ‖∇L‖ < 10^{−(dps−5)}.

    Each step solves H δ = −∇L in the tangent space with the exact Hessian in
    float64 and the exact gradient at ``dps`` digits (Newton with iterative
    refinement: each step gains about 13 digits once in the quadratic basin).
    ``charges`` is read by :func:`~theory.dynamics.charges.charge_policy`; with optimised
    charges it is Newton on ℓ(θ) = min_a L(a, θ): gradient ∇_θL(a*, θ), Hessian the Schur
    complement (:meth:`Loss.reduced_hessian`). Where ℓ is constant on each ray θ_i ↦ sθ_i
    (:func:`scale_degree`) the steps are orthogonal to the rows (with the Hessian BᵀHB on
    θ_i^⊥, by Euler's identity the Riemannian one): otherwise a least-squares step can slide out
    along the rays, where ∇ℓ shrinks as 1/s without nearing a critical point.

    Returns
    -------
    positions : (k, d) object array of mpf
    gradient_norm : mpf

    Raises
    ------
    DerivationError
        If the target is not reached within ``iterations`` steps or ``seconds``.
    """
    arith = arithmetic(dps)
    X = arith.array(electrons)
    policy = charge_policy(charges, len(X))
    radial = scale_degree(loss, policy) is not None
    target, clock = arith.ctx.mpf(10) ** -(dps - 5), time.perf_counter()
    for _ in range(iterations):
        g = policy.gradient(loss, X, dps=dps)
        norm = arith.ctx.sqrt(arith.ctx.fsum(v * v for v in g.ravel()))
        if norm < target:
            return X, norm
        if _late(clock, seconds):
            break
        x64 = X.astype(float)
        basis, hessian = loss.tangent_basis(x64), policy.hessian(loss, x64)
        if radial:                              # the rows' directions: ℓ is constant on each ray
            basis = sphere_tangent_basis(x64 / np.linalg.norm(x64, axis=1)[:, None], arithmetic())
            hessian = basis.T @ hessian @ basis
        step = np.linalg.lstsq(hessian, -basis.T @ g.astype(float).ravel(),
                               rcond=1e-13)[0]
        X = X + arith.array((basis @ step).reshape(X.shape))
        X = loss.manifold.retract(X, arith.sqrt)
    raise DerivationError(f"Newton polishing did not reach ‖∇L‖ < 1e-{dps - 5} "
                          f"(last {arith.ctx.nstr(norm, 5)})")
