r"""The weak class of Safran & Lee's Eq. (1), trained by full-batch gradient descent on all parameters.

.. math:: N_\theta(x) = \sum_{j=1}^r w_j\,\sigma(\langle u_j, x\rangle + b_j) + b_0,
   \qquad \theta = (u_1, \dots, u_r, w, b, b_0) \in \mathbb{R}^{r(d+2)+1},

with σ ∈ C² polynomially bounded, :math:`|\sigma(z)| \le C_\sigma(1 + |z|^{\alpha_\sigma})` (Assumption 1).
The objective is Eq. (6) with no ½, :math:`L(\theta) = \frac1n\sum_i (N_\theta(x_i) - y_i)^2`; with
:math:`g_i = \frac2n(N_\theta(x_i) - y_i)` and :math:`z_{ij} = \langle u_j, x_i\rangle + b_j` its exact
gradient is

.. math:: \partial_{b_0} L = \sum_i g_i,\quad \partial_{w_j} L = \sum_i g_i\,\sigma(z_{ij}),\quad
   \partial_{b_j} L = \sum_i g_i w_j \sigma'(z_{ij}),\quad
   \partial_{u_j} L = \sum_i g_i w_j \sigma'(z_{ij})\,x_i .

Theorem 3 (negative half) assumes T ≥ 4 steps, a step :math:`\eta \le 2/L - 1/T` with L the
smoothness :math:`\max\|\nabla^2 L(\theta)\|_{sp}` over a ball the iterates stay in, and an initialisation
with :math:`\|\theta_0\|^2 \le p(d, r)` with probability ≥ 1 − e^{−d}. Here L is *estimated*
(:func:`smoothness`): the spectral norm of the Hessian at an iterate by power iteration on Hessian-vector
products, each a central finite difference of the exact gradient; the estimate is a lower bound on the
smoothness over any region containing that iterate, so :func:`train` re-estimates it at every recorded
step and reports the largest. Since :math:`\partial^2 L/\partial b_0^2 = 2`, every Hessian has
:math:`\|\nabla^2 L\|_{sp} \ge 2`, so the hypothesis forces η < 1.

>>> import numpy as np
>>> net = initialise(d=3, width=2, seed=0)
>>> net.parameters.size == 2 * (3 + 2) + 1
True
>>> SmoothActivation.ERF.bound
(1.0, 1.0)
"""

from __future__ import annotations

import enum
import math
import sys
from dataclasses import dataclass, replace

import numpy as np
from scipy.special import erf

from ..core import validators
from ..core.errors import InputError
from .risk import objective
from .strong import step_size

#: Largest width, dimension and number of steps one call accepts.
WIDTH_MAX, DIMENSION_MAX, STEPS_MAX = 10**6, 10**5, 10**8
#: n × r float64 arrays the gradient holds at once (z, σ(z), σ'(z)).
COPIES = 3
#: Power iterations of a smoothness estimate, and their relative stopping tolerance.
POWER_ITERATIONS, POWER_TOLERANCE = 50, 1e-4


class SmoothActivation(enum.Enum):
    """A C² activation σ satisfying Assumption 1, with σ′ and the constants (C_σ, α_σ) of its bound."""

    ERF = "erf"
    TANH = "tanh"
    SOFTPLUS = "softplus"

    @classmethod
    def named(cls, value) -> SmoothActivation:
        """The activation named ``value`` (a :class:`SmoothActivation` or its value), else
        :class:`InputError`."""
        try:
            return cls(value)
        except ValueError:
            names = ", ".join(a.value for a in cls)
            raise InputError(f"activation must be one of {names}, got {value!r}") from None

    def __call__(self, z: np.ndarray) -> np.ndarray:
        if self is SmoothActivation.ERF:
            return erf(z)
        if self is SmoothActivation.TANH:
            return np.tanh(z)
        return np.logaddexp(0.0, z)

    def derivative(self, z: np.ndarray) -> np.ndarray:
        """σ′: 2e^{−z²}/√π, 1 − tanh² z, and the logistic function 1/(1 + e^{−z})."""
        if self is SmoothActivation.ERF:
            return 2 / math.sqrt(math.pi) * np.exp(-z ** 2)
        if self is SmoothActivation.TANH:
            return 1 - np.tanh(z) ** 2
        return np.exp(-np.logaddexp(0.0, -z))

    @property
    def bound(self) -> tuple[float, float]:
        r"""(C_σ, α_σ) with :math:`|\sigma(z)| \le C_\sigma(1 + |z|^{\alpha_\sigma})`: erf and tanh are
        bounded by 1; softplus :math:`\log(1 + e^z) \le \log 2 + \max(z, 0) \le 1 + |z|`."""
        return 1.0, 1.0


@dataclass(frozen=True)
class WeakNetwork:
    """x ↦ Σ_j w_j σ(⟨u_j, x⟩ + b_j) + b₀: ``U`` is r × d, ``b`` and ``w`` have r entries."""

    U: np.ndarray
    b: np.ndarray
    w: np.ndarray
    b0: float
    activation: SmoothActivation = SmoothActivation.ERF

    @property
    def width(self) -> int:
        return self.U.shape[0]

    @property
    def d(self) -> int:
        return self.U.shape[1]

    @property
    def parameters(self) -> np.ndarray:
        """θ flattened as (u_1, …, u_r, w, b, b₀), the paper's order."""
        return np.concatenate([self.U.ravel(), self.w, self.b, [self.b0]])

    def with_parameters(self, theta: np.ndarray) -> WeakNetwork:
        """The network of the same shape and activation with flattened parameters ``theta``."""
        r, d = self.U.shape
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (r * (d + 2) + 1,):
            raise InputError(f"θ must have r(d + 2) + 1 = {r * (d + 2) + 1} entries, got shape {theta.shape}")
        return replace(self, U=theta[:r * d].reshape(r, d), w=theta[r * d:r * d + r],
                       b=theta[r * d + r:r * d + 2 * r], b0=float(theta[-1]))

    def _pre_activations(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.d:
            raise InputError(f"points must be an (n, {self.d}) array, got shape {X.shape}")
        validators.array_memory(len(X), self.width, "the weak network's n × r pre-activations", copies=COPIES)
        return X @ self.U.T + self.b

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self.activation(self._pre_activations(X)) @ self.w + self.b0

    def objective(self, X: np.ndarray, y: np.ndarray) -> float:
        """L(θ) = (1/n) Σ_i (N_θ(x_i) − y_i)² (Eq. (6), no ½)."""
        return objective(self(X), y)

    def gradient(self, X: np.ndarray, y: np.ndarray) -> np.ndarray:
        """∇L(θ), flattened like :attr:`parameters` (the formulas of the module docstring)."""
        Z = self._pre_activations(X)
        g = 2 / len(y) * (self.activation(Z) @ self.w + self.b0 - y)
        hidden = (g[:, None] * self.activation.derivative(Z)) * self.w          # g_i w_j σ'(z_ij)
        return np.concatenate([(hidden.T @ X).ravel(), self.activation(Z).T @ g, hidden.sum(axis=0),
                               [g.sum()]])


def initialise(d: int, width: int, seed: int,
               activation: SmoothActivation = SmoothActivation.ERF) -> WeakNetwork:
    """Assumption 7's scheme on the weak class: u_j ~ N(0, I_d/4), b_j ~ N(0, 1/4), w ~ N(0, I_r/r²), b₀ = 0
    (E‖θ₀‖² = r(d + 1)/4 + 1/r, a polynomial, as Theorem 3 asks)."""
    d, r = validators.count(d, "d", 1, DIMENSION_MAX), validators.count(width, "width r", 1, WIDTH_MAX)
    if not isinstance(activation, SmoothActivation):
        names = ", ".join(a.name for a in SmoothActivation)
        raise InputError(f"activation must be one of {names}, got {activation!r}")
    validators.array_memory(r, d, "the hidden layer (r × d)")
    rng = np.random.default_rng(validators.seed(seed))
    return WeakNetwork(rng.normal(scale=0.5, size=(r, d)), rng.normal(scale=0.5, size=r),
                       rng.normal(scale=1 / r, size=r), 0.0, activation)


def initial_norm_bound(d: int, width: int) -> float:
    """p(d, r) = r(d + 1)/2 + 2, about twice E‖θ₀‖² of :func:`initialise`: the polynomial of Theorem 3's
    initialisation hypothesis (see :func:`initialisation_failure`)."""
    return width * (d + 1) / 2 + 2


def initialisation_failure(d: int, width: int) -> float:
    """A bound on P[‖θ₀‖² > p(d, r)] for :func:`initialise`: with k = r(d + 1), ‖θ₀‖² = χ²_k/4 + χ²_r/r², and
    the Chernoff bound P[χ²_k ≥ ak] ≤ (a e^{1−a})^{k/2} at a = 2 and a = 2r gives
    (2/e)^{k/2} + (2r e^{1−2r})^{r/2}. Theorem 3 asks for at most e^{−d}."""
    k = width * (d + 1)
    return (2 / math.e) ** (k / 2) + (2 * width * math.exp(1 - 2 * width)) ** (width / 2)


def smoothness(network: WeakNetwork, X: np.ndarray, y: np.ndarray, seed: int = 0) -> float:
    r"""An estimate of :math:`\|\nabla^2 L(\theta)\|_{sp}` at the network's θ: power iteration on
    :math:`v \mapsto Hv \approx (\nabla L(\theta + \epsilon v) - \nabla L(\theta - \epsilon v))/2\epsilon`,
    ε = 10⁻⁵(1 + ‖θ‖), ‖v‖ = 1 (error O(ε²) per product), until the Rayleigh quotient's size changes by
    less than :data:`POWER_TOLERANCE` (relative), at most :data:`POWER_ITERATIONS` products."""
    theta = network.parameters
    eps = 1e-5 * (1 + np.linalg.norm(theta))
    v = np.random.default_rng(validators.seed(seed)).normal(size=theta.size)
    v /= np.linalg.norm(v)
    estimate = 0.0
    for _ in range(POWER_ITERATIONS):
        Hv = (network.with_parameters(theta + eps * v).gradient(X, y)
              - network.with_parameters(theta - eps * v).gradient(X, y)) / (2 * eps)
        previous, estimate = estimate, float(np.linalg.norm(Hv))
        if estimate == 0:
            return 0.0
        v = Hv / estimate
        if abs(estimate - previous) <= POWER_TOLERANCE * estimate:
            break
    return estimate


def theorem_3_step(smooth: float, steps: int) -> float:
    """The largest step Theorem 3 allows, 2/L − 1/T (refused when it is not positive)."""
    bound = 2 / step_size(smooth, "smoothness L") - 1 / validators.count(steps, "steps T", 1, STEPS_MAX)
    if bound <= 0:
        raise InputError(f"2/L − 1/T = {bound:.3g} ≤ 0 for L = {smooth:.4g}, T = {steps}: no step is allowed")
    return bound


@dataclass(frozen=True)
class WeakTraining:
    """A GD run: the final network, the step η, L̂ at every recorded step (0 = initialisation), and the
    objective and θ there."""

    network: WeakNetwork
    step_size: float
    recorded: tuple[int, ...]
    objectives: tuple[float, ...]
    smoothness: tuple[float, ...]
    parameters: tuple[np.ndarray, ...]

    def at(self, index: int) -> WeakNetwork:
        """The network at the ``index``-th recorded step."""
        return self.network.with_parameters(self.parameters[index])

    @property
    def largest_smoothness(self) -> float:
        return max(self.smoothness)

    @property
    def within_hypothesis(self) -> bool:
        """η ≤ 2/L̂ − 1/T with L̂ the largest estimate along the run (a necessary condition for Theorem 3's
        step hypothesis, whose L is at least every L̂)."""
        return self.step_size <= 2 / self.largest_smoothness - 1 / self.recorded[-1]

    @property
    def displacement(self) -> float:
        """‖θ_T − θ₀‖."""
        return float(np.linalg.norm(self.parameters[-1] - self.parameters[0]))

    @property
    def displacement_bound(self) -> float:
        """(2T/L̂)√L(θ₀), Eq. (11) of the proof with L̂ the largest estimate (the bound with the true
        smoothness is smaller, so a displacement above this one contradicts Eq. (11))."""
        return 2 * self.recorded[-1] / self.largest_smoothness * math.sqrt(self.objectives[0])


def train(network: WeakNetwork, X: np.ndarray, y: np.ndarray, steps: int, step: float | None = None, *,
          safety: float = 0.5, record: tuple[int, ...] = (), progress: str = "") -> WeakTraining:
    """Full-batch GD on all of θ, θ ← θ − η∇L(θ), for ``steps`` steps.

    The default step is ``safety`` · (2/L̂₀ − 1/T), L̂₀ = :func:`smoothness` at the initialisation;
    L̂ is re-estimated at every recorded step (``record``, besides 0 and ``steps``); a non-empty
    ``progress`` labels a line printed on stderr at each of them.
    """
    steps = validators.count(steps, "steps", 1, STEPS_MAX)
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    if y.shape != (len(X),):
        raise InputError(f"{len(X)} points but labels of shape {y.shape}")
    if not 0 < safety <= 1:
        raise InputError(f"safety must be in (0, 1], got {safety!r}")
    marks = sorted({0, steps, *(validators.count(s, "record step", 0, steps) for s in record)})
    smooth0 = smoothness(network, X, y)
    eta = step_size(step) if step is not None else safety * theorem_3_step(smooth0, steps)
    theta, recorded, values, smooths, thetas = network.parameters, [], [], [], []
    for t in range(steps + 1):
        current = network.with_parameters(theta)
        if t == marks[len(recorded)]:
            recorded.append(t)
            values.append(current.objective(X, y))
            smooths.append(smooth0 if t == 0 else smoothness(current, X, y))
            thetas.append(theta.copy())
            if progress:
                print(f"{progress}: step {t}/{steps}, L(θ) = {values[-1]:.4g}, L̂ = {smooths[-1]:.3g}",
                      file=sys.stderr, flush=True)
        if t < steps:
            theta = theta - eta * current.gradient(X, y)
    return WeakTraining(network.with_parameters(theta), eta, tuple(recorded), tuple(values), tuple(smooths),
                        tuple(thetas))


def train_within_hypothesis(network: WeakNetwork, X: np.ndarray, y: np.ndarray, steps: int, *,
                            record: tuple[int, ...] = (), attempts: int = 4,
                            progress: str = "") -> WeakTraining:
    """:func:`train` at the default step; while the run leaves Theorem 3's step hypothesis (η > 2/L̂ − 1/T for
    the largest L̂ it met), again from the same start at half of 2/L̂ − 1/T, at most ``attempts`` runs in all
    (the last run is returned either way: see :attr:`WeakTraining.within_hypothesis`)."""
    run = train(network, X, y, steps, record=record, progress=progress)
    for _ in range(validators.count(attempts, "attempts", 1, 100) - 1):
        if run.within_hypothesis:
            break
        run = train(network, X, y, steps, 0.5 * theorem_3_step(run.largest_smoothness, steps), record=record,
                    progress=progress)
    return run
