r"""The strong class of Safran & Lee's Eq. (2): frozen random erf features and a clipped output.

.. math:: N_w(x) = \Big[\sum_{j=1}^r w_j \operatorname{erf}(\langle u_j, x\rangle + b_j)\Big]_+^1,
   \qquad [z]_+^1 = \min(\max(z, 0), 1),

with the hidden layer drawn once by Assumption 7, :math:`u_j \sim N(0, I_d/4)`,
:math:`b_j \sim N(0, 1/4)`, :math:`w \sim N(0, I_r/r^2)`, and held fixed; only w is trained, by full-batch
gradient descent on the empirical objective of Eq. (6),
:math:`\hat F(w) = \frac1n\sum_i ([w^\top\tilde x_i]_+^1 - y_i)^2` with the features
:math:`\tilde x_i = \operatorname{erf}(U x_i + b)`. The clip is flat outside (0, 1); as in the paper's
proof of Theorem 8 the gradient takes its derivative as the indicator of the open interval,

.. math:: \nabla\hat F(w) = \frac2n\sum_i \big([w^\top\tilde x_i]_+^1 - y_i\big)\,
   \mathbb{1}\{w^\top\tilde x_i \in (0, 1)\}\,\tilde x_i .

On each set of points where the clip is active, :math:`\hat F` is a quadratic with Hessian
:math:`\frac2n\tilde X_S^\top\tilde X_S \preceq \frac2n\tilde X^\top\tilde X`, so
:math:`L = 2\sigma_{\max}(\tilde X)^2/n` bounds every piece's curvature; the default step is 1/L.
Theorem 8 itself asks for :math:`\eta < \nu/(8r)` with :math:`\nu = \alpha^4\beta/840`,
α = 1/9, β = C·10⁻⁶ (Theorem 10), C = P[‖x‖ ≤ 2] (Assumption 6(1)), and
:math:`T = 2\ln(r/8\epsilon)/(\eta\nu)` steps: see :func:`theorem_8_step`.

>>> import numpy as np
>>> net = initialise(d=3, width=4, seed=0)
>>> features = net.features(np.zeros((2, 3)))
>>> features.shape, bool(np.all(features == features[0]))
((2, 4), True)
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse.linalg import svds
from scipy.special import erf

from ..core import validators
from ..core.errors import InputError
from .risk import objective

#: Largest width, dimension and number of steps one call accepts.
WIDTH_MAX, DIMENSION_MAX, STEPS_MAX = 10**6, 10**5, 10**8
#: Theorem 10's constants: the 2-D marginals of the features have density ≥ β = C·10⁻⁶ on the disc
#: of radius α.
ALPHA, BETA_PER_C = 1 / 9, 1e-6


def step_size(value, name: str = "step_size") -> float:
    """A step size: a finite number in (0, ∞)."""
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) \
        and math.isfinite(value) and value > 0
    if not ok:
        raise InputError(f"{name} must be a finite positive number, got {value!r}")
    return float(value)


def clip(z: np.ndarray) -> np.ndarray:
    """The clipped ReLU :math:`[z]_+^1 = \\min(\\max(z, 0), 1)`."""
    return np.clip(z, 0.0, 1.0)


@dataclass(frozen=True)
class RandomFeatures:
    """The frozen hidden layer x ↦ erf(U x + b): ``U`` is r × d, ``b`` has r entries."""

    U: np.ndarray
    b: np.ndarray

    @property
    def width(self) -> int:
        return self.U.shape[0]

    @property
    def d(self) -> int:
        return self.U.shape[1]

    def __call__(self, X: np.ndarray) -> np.ndarray:
        """The n × r feature matrix erf(X Uᵀ + b), refused when it would not fit in memory."""
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != self.d:
            raise InputError(f"points must be an (n, {self.d}) array, got shape {X.shape}")
        validators.array_memory(len(X), self.width, "the feature matrix (n × r)", copies=2)
        return erf(X @ self.U.T + self.b)


@dataclass(frozen=True)
class StrongNetwork:
    """x ↦ [⟨w, erf(U x + b)⟩]₊¹: frozen ``features`` and trainable output weights ``w``."""

    features: RandomFeatures
    w: np.ndarray

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return clip(self.features(X) @ self.w)

    def radial_profile(self, radii: np.ndarray, directions: int, seed: int) -> np.ndarray:
        """The output averaged over ``directions`` uniform directions θ at each radius t: mean N(tθ)."""
        rng = np.random.default_rng(validators.seed(seed))
        theta = rng.normal(size=(validators.count(directions, "directions", 1, 10**6), self.features.d))
        theta /= np.linalg.norm(theta, axis=1, keepdims=True)
        return np.array([self(t * theta).mean() for t in np.asarray(radii, dtype=float)])


def initialise(d: int, width: int, seed: int) -> StrongNetwork:
    """Assumption 7: u_j ~ N(0, I_d/4), b_j ~ N(0, 1/4), w ~ N(0, I_r/r²), seeded."""
    d, r = validators.count(d, "d", 1, DIMENSION_MAX), validators.count(width, "width r", 1, WIDTH_MAX)
    validators.array_memory(r, d, "the hidden layer (r × d)")
    rng = np.random.default_rng(validators.seed(seed))
    U = rng.normal(scale=0.5, size=(r, d))
    b = rng.normal(scale=0.5, size=r)
    return StrongNetwork(RandomFeatures(U, b), rng.normal(scale=1 / r, size=r))


def empirical_objective(w: np.ndarray, features: np.ndarray, y: np.ndarray) -> float:
    """F̂(w) of Eq. (6) on the feature matrix ``features`` (n × r) and labels ``y``."""
    return objective(clip(features @ w), y)


def gradient(w: np.ndarray, features: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(2/n) Σ_i ([wᵀx̃_i]₊¹ − y_i) 1{wᵀx̃_i ∈ (0, 1)} x̃_i (the clip's derivative: 1 on (0, 1), else 0)."""
    z = features @ w
    active = (z > 0) & (z < 1)
    return 2 / len(y) * (features.T @ ((z - y) * active))


def smoothness(features: np.ndarray) -> float:
    """L = 2 σ_max(X̃)²/n, a bound on the curvature of every quadratic piece of F̂."""
    if min(features.shape) > 1:
        sigma = svds(features, k=1, tol=1e-6, return_singular_vectors=False, random_state=0)[0]
    else:
        sigma = np.linalg.norm(features)
    return float(2 * sigma ** 2 / len(features))


def theorem_8_step(width: int, mass_within_2: float) -> float:
    """The bound ν/(8r) of Theorem 8 on the step size, ν = α⁴β/840, β = C·10⁻⁶, C = P[‖x‖ ≤ 2]."""
    nu = ALPHA ** 4 * BETA_PER_C * mass_within_2 / 840
    return nu / (8 * width)


@dataclass(frozen=True)
class Training:
    """The trained network, the step used, and F̂ and w at the ``recorded`` steps (0 = initialisation)."""

    network: StrongNetwork
    step_size: float
    recorded: tuple[int, ...]
    objectives: tuple[float, ...]
    weights: tuple[np.ndarray, ...]

    def at(self, index: int) -> StrongNetwork:
        """The network at the ``index``-th recorded step."""
        return replace(self.network, w=self.weights[index])


def train(network: StrongNetwork, X: np.ndarray, y: np.ndarray, steps: int, step: float | None = None, *,
          record: tuple[int, ...] = (), progress: str = "") -> Training:
    """Full-batch GD on w alone, w ← w − η ∇F̂(w), for ``steps`` steps (η = 1/L by default).

    ``record`` lists steps at which F̂ is kept (besides 0 and ``steps``); a non-empty ``progress``
    labels a line printed on stderr at every recorded step.
    """
    steps = validators.count(steps, "steps", 1, STEPS_MAX)
    y = np.asarray(y, dtype=float)
    if len(y) != len(X):
        raise InputError(f"{len(X)} points but {len(y)} labels")
    features = network.features(X)
    eta = step_size(step) if step is not None else 1 / smoothness(features)
    marks = sorted({0, steps, *(validators.count(s, "record step", 0, steps) for s in record)})
    w, recorded, values, weights = network.w.copy(), [], [], []
    for t in range(steps + 1):
        if t == marks[len(recorded)]:
            recorded.append(t)
            values.append(empirical_objective(w, features, y))
            weights.append(w.copy())
            if progress:
                print(f"{progress}: step {t}/{steps}, F̂ = {values[-1]:.4g}", file=sys.stderr, flush=True)
        if t < steps:
            w -= eta * gradient(w, features, y)
    return Training(replace(network, w=w), eta, tuple(recorded), tuple(values), tuple(weights))
