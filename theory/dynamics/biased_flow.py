"""Gradient flow of the biased loss: electrons (θ_i, β_i) move, protons stay.

.. math::  \\dot\\theta_i = -\\nabla_{\\theta_i} L, \\qquad \\dot\\beta_i = -\\partial_{\\beta_i} L

for :class:`~theory.dynamics.biased_loss.BiasedLoss` with fixed charges (or, with
``charges="optimal"``, the reduced loss ℓ = min_a L of :class:`~theory.dynamics.biased_loss.BiasedRows`,
a = a*(θ, β) at every evaluation), integrated by
:func:`scipy.integrate.solve_ivp` over time windows (doubled after each window run to its
end) until ‖∇L‖ < ``gtol``, within a budget of field evaluations. The result is a
:class:`~theory.dynamics.flow.Trajectory` whose ``positions`` are the rows (θ_i, β_i)
(the bias the last column). :func:`theory.dynamics.flow.gradient_flow` is not reused:
its state (captures, creases, the sphere) is built on the unbiased loss.

:func:`biased_equilibrium` polishes an end point by Newton's method on the analytic Hessian and
classifies it with the unbiased machinery's kinds (:mod:`theory.dynamics.kinds`) from the
Hessian's float64 eigenvalues (every float64 family: step, sign, ReLU, erf, exp and the smooth σ of
Mehler's series, such as tanh): numeric evidence, not a certificate (there is no ball-arithmetic
biased Hessian).

>>> from theory.dynamics.biased_loss import BiasedLoss
>>> loss = BiasedLoss("relu", [[1.0, 0.0]], [0.5])
>>> run = biased_flow(loss, [[0.8, 0.3]], [0.2], gtol=1e-9)
>>> run.converged, bool(abs(run.positions - [[1.0, 0.0, 0.5]]).max() < 1e-6)
(True, True)
"""

from __future__ import annotations

import itertools
import time

import numpy as np

from ..core.errors import InputError
from ..potentials.activations import Parity
from .biased_loss import BiasedLoss, BiasedRows, ScaleFreeRows
from .charges import charge_policy
from .equilibrium import FLOAT_DIGITS, Equilibrium, float64_kind, float64_newton, mirrored
from .flow import Trajectory
from .kinds import EquilibriumKind
from .matching import match_rows


class _Exhausted(Exception):
    """The field was called past the run's evaluation budget."""


def biased_flow(loss: BiasedLoss, thetas, biases, charges=None, *, gtol: float = 1e-9,
                evaluations: int = 50_000, t_max: float = 1e8, method: str = "LSODA") -> Trajectory:
    """Integrate (θ̇, β̇) = −∇L until ‖∇L‖ < ``gtol`` (float64); ``charges`` as
    :func:`~theory.dynamics.charges.charge_policy` reads them (default −1; ``"optimal"``: descend ℓ).

    The budget is ``evaluations`` of the field and flow time ``t_max``; a run that spends
    one ends unconverged and says which. A start where Φ has no derivative raises
    :class:`~theory.dynamics.biased_loss.NotSmooth`; a flow that reaches such a point ends
    unconverged and says so.
    """
    start = loss.electrons(thetas, biases)
    k, d = start.positions.shape
    policy, rows = charge_policy(charges, k), BiasedRows(loss)
    y = np.hstack([start.positions, start.biases[:, None]]).ravel()
    clock, count = time.perf_counter(), [0]
    run = Trajectory("biased flow", y.reshape(k, d + 1), policy.charges(rows, y.reshape(k, d + 1)), False, "")

    def gradient(y):
        return policy.gradient(rows, y.reshape(k, d + 1)).ravel()

    def field(_, y):
        if count[0] >= evaluations:
            raise _Exhausted
        count[0] += 1
        return -gradient(y)

    def record(y) -> float:
        norm = float(np.linalg.norm(gradient(y)))
        run.charges = policy.charges(rows, y.reshape(k, d + 1))
        run.losses.append(rows.value(y.reshape(k, d + 1), run.charges))
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


#: The value's digits for a closed-form Φ (L = 0 at the teacher is confirmed at this precision); the numeric
#: route's (smooth σ by Mehler's series) is float64: near the teacher its pairs are nearly parallel, where
#: ``dps=N`` takes minutes.
VALUE_DIGITS = 30


def biased_equilibrium(loss: BiasedLoss, thetas, biases, charges=None, *, gtol: float = 1e-11,
                       steps: int = 30, tolerance: float = 1e-6) -> Equilibrium:
    """Polish (θ, β) by Newton's method on ∇L (or ∇ℓ with ``charges="optimal"``) and classify it.

    The kind (:class:`~theory.dynamics.kinds.EquilibriumKind`) is the unbiased loss's rule
    (:func:`theory.dynamics.equilibrium.equilibrium`) applied to the sorted float64 eigenvalues
    λ₁ ≤ … of the analytic Hessian (:meth:`BiasedLoss.hessian`, or the Schur complement ∇²ℓ):
    L = 0 (at 30 digits; in float64 for the smooth σ of Mehler's series) is the global minimum (L ≥ 0),
    matched when every row (θ_i, β_i) is within ``tolerance`` of a proton's (w_j, γ_j); λ₁ < −10⁻⁸·max abs(λ)
    a saddle of index #{λ < 0}; more zero eigenvalues than the rotations fixing the protons explain,
    degenerate; else a spurious local minimum. All of it is numeric evidence (float64 eigenvalues), stated
    in ``reason``; ``certificate`` stays None.
    The result's ``positions`` are the rows (θ_i, β_i).

    σ positively homogeneous of degree p (σ(su) = s^pσ(u), s > 0): with p = 0 (step, sign) L is constant
    along each ray ỹ_i ↦ sỹ_i whatever the charges; with p ≥ 1 (ReLU, m·t + n·t₊) and optimal charges
    a·σ(ỹᵀx̃) = sign(a)·σ(abs(a)^{1/p}·ỹᵀx̃), so ℓ is. Newton then runs on the rows' directions
    (:class:`~theory.dynamics.biased_loss.ScaleFreeRows`) and the k scale motions are counted as symmetry
    zero modes. The point is reported (and matched) as the hidden units' canonical rows: for p ≥ 1
    abs(a_i)^{1/p}·ỹ_i with charges sign(a_i); for p = 0 the unit rows, matched to the protons' unit rows.
    The eigenvalues are those at these rows.
    Odd σ (erf, sign, tanh) with optimal charges: a·σ(ỹᵀx̃) = (−a)·σ(−ỹᵀx̃), so a unit with a_i > 0 is reported
    (and matched) as (−ỹ_i, −a_i), the sign of the teacher's electrons. Even σ (abs): σ(−u) = σ(u), so a row
    is reported as whichever of ±ỹ_i is nearer to a proton (:func:`~theory.dynamics.equilibrium.mirrored`).
    L ≥ 0, so L = 0 is the global minimum whether or not the rows match.
    """
    rows = BiasedRows(loss)
    start = loss.electrons(thetas, biases)
    Y = np.hstack([start.positions, start.biases[:, None]])
    policy = charge_policy(charges, len(Y))
    degree = loss.potential.activation.degree                 # σ(su) = s^p σ(u) for s > 0
    rays = degree == 0 or (policy.optimised and degree is not None)   # L (or ℓ) constant on ỹ_i ↦ sỹ_i
    scaled = rays and degree >= 1
    if rays:                                     # Newton on the rows' directions (ScaleFreeRows)
        Y, norm = float64_newton(policy, ScaleFreeRows(loss), _directions(Y), gtol, steps)
    else:
        Y, norm = float64_newton(policy, rows, Y, gtol, steps)
    converged = norm < gtol
    a = policy.charges(rows, Y)
    exact = loss.potential.exact
    digits = VALUE_DIGITS if exact else FLOAT_DIGITS
    value = rows.value(Y, a, dps=digits if exact else None)
    odd = policy.optimised and loss.potential.activation.parity is Parity.ODD
    flips = np.where(a > 0, -1.0, 1.0) if odd else np.ones(len(a))
    units = np.abs(a)[:, None] ** (1 / degree) * Y if scaled else flips[:, None] * Y
    teacher = np.hstack([loss.protons.positions, loss.protons.biases[:, None]])
    if degree == 0:                              # a row is its direction: compare with the protons'
        teacher = _directions(teacher)
    units = mirrored(units, teacher, loss.potential.activation.parity is Parity.EVEN)
    matching = match_rows(units, teacher)
    on_protons = len(matching) == len(Y) and all(dist < tolerance for _, _, dist in matching)
    eigenvalues, symmetric, kind = [], 0, EquilibriumKind.NOT_CONVERGED
    reason = f"Newton in float64 ended with ‖∇‖ = {norm:.3g}" + ("" if converged else f" ≥ {gtol:g}")
    if converged:
        canonical = units if scaled else Y          # the scale of the rows fixes that of the eigenvalues
        eigenvalues = [float(v) for v in np.linalg.eigvalsh(policy.hessian(rows, canonical))]
        symmetric = rotation_zero_modes(loss.protons.positions, Y) + (len(Y) if rays else 0)
        kind, evidence = float64_kind(value, eigenvalues, symmetric, True)      # L = E(…)² ≥ 0
        reason += f"; L = {float(value):.3g} at {digits} digits; {evidence}"
    Y, a = units, np.sign(a) if scaled else flips * a
    return Equilibrium(Y, a, converged, reason, norm, value, eigenvalues, kind, matching,
                       converged and on_protons, symmetric, dps=digits)


def _directions(Y: np.ndarray) -> np.ndarray:
    """ỹ_i/‖ỹ_i‖ (InputError for a zero row: σ(0) is constant, it has no direction)."""
    norms = np.linalg.norm(Y, axis=1)
    if not (norms > 0).all():
        raise InputError(f"electron {int(np.argmin(norms))} has θ = 0 and β = 0: a positively homogeneous σ "
                         "is then the constant σ(0), with no direction to optimise")
    return Y / norms[:, None]


def rotation_zero_modes(protons: np.ndarray, Y: np.ndarray) -> int:
    """The rank of the motions θ_i ↦ Aθ_i (β fixed) for skew A on the orthogonal complement of the
    protons' span: rotations fixing every proton leave L unchanged (x ~ N(0, I) is isotropic)."""
    _, singular, span = np.linalg.svd(protons)
    complement = span[int(np.sum(singular > 1e-10)):]
    X = Y[:, :-1]
    motions = []
    for p, q in itertools.combinations(range(len(complement)), 2):
        A = np.outer(complement[p], complement[q]) - np.outer(complement[q], complement[p])
        motions.append(np.hstack([X @ A.T, np.zeros((len(X), 1))]).ravel())
    return int(np.linalg.matrix_rank(np.array(motions), tol=1e-8)) if motions else 0
