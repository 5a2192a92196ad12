"""Teacher–student networks trained by minibatch SGD on Gaussian samples (paper Section 5).

A network of depth D has D − 1 hidden layers and a linear output node,

.. math::  f(x) = v^\\top \\sigma(W_{D-1}\\,\\sigma(\\cdots\\sigma(W_1 x))),\\qquad x\\sim N(0, I_d),

so depth 2 is the two-layer network of the electron–proton picture: the hidden
rows of W₁ are the electrons θ_i (student) or protons w_j (teacher) and v the
charges (with the sign convention of :mod:`theory.dynamics.loss`, a = −v_student,
b = v_teacher). The student minimises the sampled loss

.. math::  \\hat L_B = \\frac{1}{B}\\sum_{n=1}^{B}\\big(\\hat f(x_n) - f(x_n)\\big)^2,

an unbiased estimate of the population loss L = E(f̂ − f)² of eq. (2)–(4), by
online minibatch SGD: every step draws B fresh samples from a seeded generator.

>>> teacher = random_network(4, 3, 2, "erf", seed=0)
>>> student = random_network(4, 3, 2, "erf", seed=1)
>>> run = sgd(student, teacher, steps=2000, batch=32, step_size=0.05, seed=2, record_every=1000)
>>> bool(run.test_errors[-1] < run.test_errors[0])
True
"""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import sympy as sp

from ..core.errors import InputError
from ..core.symbols import t
from ..dynamics.loss import Loss
from ..potentials.activations import Activation, Parity, activation
from ..potentials.forms import RIDGE
from ..potentials.manifolds import EUCLIDEAN, SPHERE
from ..potentials.potential import potential
from .relu_samples import parameter_error

#: A seed of numpy's generators: an integer or a sequence of integers (e.g. [seed, depth, width]).
Seed = int | Sequence[int]

# ---------------------------------------------------------------------- activation in numpy

@dataclass(frozen=True)
class NumpyActivation:
    """σ and σ′ compiled to numpy, with the symbolic activation they came from."""

    symbolic: Activation
    value: Callable[[np.ndarray], np.ndarray]
    derivative: Callable[[np.ndarray], np.ndarray]

    @property
    def name(self) -> str:
        return self.symbolic.name


@functools.lru_cache(maxsize=32)
def numpy_activation(spec: str) -> NumpyActivation:
    """σ(t) and σ′(t) of a ridge activation as numpy functions (σ′(0) = 1/2 at a ReLU kink).

    >>> relu = numpy_activation("relu")
    >>> relu.value(np.array([-1.0, 2.0])).tolist(), relu.derivative(np.array([-1.0, 2.0])).tolist()
    ([0.0, 2.0], [0.0, 1.0])
    """
    act = activation(spec)
    if act.kind is not RIDGE:
        raise InputError(f"activation {act.name}: SGD on samples needs a ridge activation σ(θᵀx)")
    derivative = sp.diff(act.expr, t)
    if derivative.has(sp.DiracDelta):
        raise InputError(f"activation {act.name} jumps: its derivative is a Dirac delta, so its "
                         "sampled gradient carries no information; use a continuous activation")
    return NumpyActivation(act, _compiled(act.expr), _compiled(derivative))


#: Heaviside, Max and Min as elementwise numpy calls: SymPy's printer would emit a slower three-way
#: ``select`` for Heaviside and, before SymPy 1.14, ``amax`` of a stacked list for Max, which fails
#: when an argument is an array and another a constant.
_STEP, _MAX, _MIN = sp.Function("heaviside_half"), sp.Function("maximum"), sp.Function("minimum")
_MODULES = [{"heaviside_half": lambda u: np.heaviside(u, 0.5),
             "maximum": lambda *u: functools.reduce(np.maximum, u),
             "minimum": lambda *u: functools.reduce(np.minimum, u)}, "scipy", "numpy"]


def _compiled(expr: sp.Expr) -> Callable[[np.ndarray], np.ndarray]:
    if not expr.has(t):  # a constant such as the derivative of a linear activation
        return lambda z: np.full(np.shape(z), float(expr))
    elementwise = expr.replace(sp.Heaviside, lambda u, *_: _STEP(u))
    elementwise = elementwise.replace(sp.Max, _MAX).replace(sp.Min, _MIN)
    return sp.lambdify(t, elementwise, _MODULES)


# ---------------------------------------------------------------------- networks

@dataclass(frozen=True)
class Network:
    """Weights W₁ (n₁, d), …, W_{D−1} and the output vector v of a depth-D network."""

    hidden: tuple[np.ndarray, ...]
    output: np.ndarray
    activation: NumpyActivation

    @property
    def depth(self) -> int:
        return len(self.hidden) + 1

    @property
    def dimension(self) -> int:
        return self.hidden[0].shape[1]

    def __call__(self, X: np.ndarray) -> np.ndarray:
        return self._forward(X)[0]

    def _forward(self, X: np.ndarray) -> tuple[np.ndarray, list, list]:
        """f(X) with the layer outputs h_0 = X, h_l = σ(z_l) and pre-activations z_l = h_{l−1}W_lᵀ."""
        h, pre = [X], []
        for W in self.hidden:
            pre.append(h[-1] @ W.T)
            h.append(self.activation.value(pre[-1]))
        return h[-1] @ self.output, h, pre

    def gradient(self, X: np.ndarray, y: np.ndarray) -> tuple[float, tuple[np.ndarray, ...], np.ndarray]:
        """L̂ = mean (f(x_n) − y_n)² and its gradients in (W₁, …, W_{D−1}) and v (backpropagation)."""
        f, outputs, pre = self._forward(X)
        residual = 2 * (f - y) / len(y)
        delta = np.outer(residual, self.output)  # ∂L̂/∂h_{D−1}
        grad_v = outputs[-1].T @ residual
        grads = []
        for W, h, z in zip(self.hidden[::-1], outputs[-2::-1], pre[::-1], strict=True):
            delta = delta * self.activation.derivative(z)  # ∂L̂/∂z_l
            grads.append(delta.T @ h)
            delta = delta @ W
        return float(np.mean((f - y) ** 2)), tuple(grads[::-1]), grad_v

    def parameters(self) -> list[np.ndarray]:
        return [*self.hidden, self.output]


def network(hidden, output, spec: str) -> Network:
    """A validated :class:`Network` from weight matrices, an output vector and an activation name."""
    act = numpy_activation(spec)
    hidden = tuple(np.array(W, dtype=float) for W in hidden)
    output = np.array(output, dtype=float)
    if not hidden or any(W.ndim != 2 for W in hidden) or output.ndim != 1:
        raise InputError("a network needs at least one (n, d) hidden weight matrix and an output vector")
    widths = [W.shape for W in hidden]
    if any(a[0] != b[1] for a, b in itertools.pairwise(widths)) or widths[-1][0] != len(output):
        raise InputError(f"layer shapes do not chain: {widths} then output {output.shape}")
    if not all(np.all(np.isfinite(p)) for p in (*hidden, output)):
        raise InputError("network weights contain NaN or infinite values")
    return Network(hidden, output, act)


def random_network(d: int, width: int, depth: int, spec: str, *, seed: Seed,
                   output: float | None = None, sphere: bool = False) -> Network:
    """Gaussian weights W_l ~ N(0, 1/fan-in) entrywise, so every pre-activation has variance ≈ 1.

    ``output`` fixes every output weight to that value (the paper's charges, e.g. 1);
    otherwise v ~ N(0, 1/width). With ``sphere`` the rows of W₁ are scaled to unit length.
    """
    for name, value, low in (("d", d, 1), ("width", width, 1), ("depth", depth, 2)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise InputError(f"{name} must be an integer ≥ {low}, got {value!r}")
    rng = np.random.default_rng(seed)
    fan_in = [d] + [width] * (depth - 2)
    hidden = [rng.normal(size=(width, n)) / np.sqrt(n) for n in fan_in]
    if sphere:
        hidden[0] = hidden[0] / np.linalg.norm(hidden[0], axis=1)[:, None]
    v = np.full(width, float(output)) if output is not None else rng.normal(size=width) / np.sqrt(width)
    return network(hidden, v, spec)


def charge_energy(teacher: Network, manifold: str = "euclidean") -> Loss:
    """The population loss of students of a depth-2 ``teacher`` as a :class:`theory.dynamics.loss.Loss`:
    protons w_j = rows of W₁ with charges b = v; a student (Ŵ₁, v̂) is electrons with a = −v̂.
    On ``"sphere"`` the zonal potential is used (cheaper to derive), so every row must be a unit vector."""
    if teacher.depth != 2:
        raise InputError("the population loss of eq. (2)–(4) is for depth-2 networks")
    return Loss(potential(teacher.activation.name), teacher.hidden[0], proton_charges=teacher.output,
                manifold=manifold)


def population_loss(student: Network, teacher: Network) -> float:
    """L = E(f̂ − f)² of two depth-2 networks in closed form, from :func:`charge_energy` (on the
    sphere when every hidden row of both has unit norm)."""
    if student.depth != 2 or student.activation.name != teacher.activation.name:
        raise InputError("the population loss of eq. (2)–(4) is for depth-2 networks with one activation")
    rows = np.concatenate([student.hidden[0], teacher.hidden[0]])
    manifold = SPHERE if np.allclose(np.linalg.norm(rows, axis=1), 1, atol=1e-12) else EUCLIDEAN
    return float(charge_energy(teacher, manifold).value(student.hidden[0], -student.output))


# ---------------------------------------------------------------------- matching

def canonical_units(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Hidden rows and output weights of a depth-2 network with the unit symmetries removed.

    A unit v σ(wᵀx) is unchanged by (w, v) → (−w, −v) for odd σ, and by
    (w, v) → (cw, v/cⁿ), c > 0, for σ homogeneous of degree n; we take v ≥ 0 in the
    first case and ``|v| = 1`` in the second.
    """
    if net.depth != 2:
        raise InputError("neuron matching is defined for depth-2 networks")
    W, v = net.hidden[0], net.output
    act = net.activation.symbolic
    if act.parity is Parity.ODD:
        sign = np.where(v < 0, -1.0, 1.0)
        return W * sign[:, None], v * sign
    if act.degree:
        return W * (np.abs(v) ** (1 / act.degree))[:, None], np.sign(v)
    return W, v


def matching_error(student: Network, teacher: Network) -> float:
    """min over permutations π of ‖Ŵ_π − W‖_F / ‖W‖_F for the canonical hidden rows (optimal
    assignment by :func:`~theory.dynamics.matching.match_rows`)."""
    W_hat, W = canonical_units(student)[0], canonical_units(teacher)[0]
    if W_hat.shape != W.shape:
        raise InputError(f"student {W_hat.shape} and teacher {W.shape} hidden layers differ")
    return parameter_error(W_hat, W) / float(np.linalg.norm(W))


# ---------------------------------------------------------------------- SGD

@dataclass
class Run:
    """An SGD run: the last student and, every ``record_every`` steps, the relative test error
    E(f̂ − f)²/Var f on a fixed test set and (depth 2) the matching error."""

    student: Network
    steps: list[int] = field(default_factory=list)
    test_errors: list[float] = field(default_factory=list)
    matching_errors: list[float] = field(default_factory=list)
    seconds: float = 0.0
    diverged: bool = False

    def samples(self, batch: int) -> list[int]:
        return [s * batch for s in self.steps]


def relative_error(student: Network, teacher: Network, X: np.ndarray) -> float:
    """Relative test error mean (f̂ − f)² / var f on the inputs X (0: learned, 1: no better
    than the best constant)."""
    f = teacher(X)
    return float(np.mean((student(X) - f) ** 2) / np.var(f))


def sgd(student: Network, teacher: Network, *, steps: int, batch: int, step_size: float, seed: Seed,
        train_output: bool = True, sphere: bool = False, record_every: int = 100,
        test_samples: int = 4000, target: float | None = None) -> Run:
    """Online minibatch SGD θ ← θ − η ∇L̂_B on B fresh samples a step; with ``sphere`` the rows of
    W₁ are projected back onto S^{d−1} after each step (paper Algorithm 1).

    Stops early when the matching error (depth 2) falls below ``target``, and
    marks the run ``diverged`` when the loss stops being finite.
    """
    if not (steps >= 1 and batch >= 1 and step_size > 0 and record_every >= 1):
        raise InputError("steps, batch and record_every must be ≥ 1 and the step size > 0")
    if student.dimension != teacher.dimension:
        raise InputError(f"student has input dimension {student.dimension}, teacher {teacher.dimension}")
    rng, test_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    X_test = test_rng.normal(size=(test_samples, teacher.dimension))
    run, clock = Run(student), time.perf_counter()
    matching = student.depth == teacher.depth == 2 and student.hidden[0].shape == teacher.hidden[0].shape
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            run.steps.append(step)
            run.test_errors.append(relative_error(student, teacher, X_test))
            if matching:
                run.matching_errors.append(matching_error(student, teacher))
                if target is not None and run.matching_errors[-1] < target:
                    break
        if step == steps:
            break
        X = rng.normal(size=(batch, teacher.dimension))
        value, grads, grad_v = student.gradient(X, teacher(X))
        if not np.isfinite(value):
            run.diverged = True
            break
        hidden = [W - step_size * g for W, g in zip(student.hidden, grads, strict=True)]
        if sphere:
            hidden[0] = hidden[0] / np.linalg.norm(hidden[0], axis=1)[:, None]
        output = student.output - step_size * grad_v if train_output else student.output
        student = replace(student, hidden=tuple(hidden), output=output)
    run.student, run.seconds = student, time.perf_counter() - clock
    return run


def depth_width_grid(spec: str, depths, widths, *, d: int, steps: int, batch: int, step_size: float,
                     seed: int = 0) -> list[dict]:
    """Relative test error after SGD for a seeded random teacher and student of every depth and
    width (the paper's Table 2 layout); the student has the teacher's architecture and trains
    every layer. Depth-2 records also give the matching error of the hidden neurons."""
    records = []
    for depth in depths:
        for width in widths:
            teacher = random_network(d, width, depth, spec, seed=[seed, depth, width, 0])
            student = random_network(d, width, depth, spec, seed=[seed, depth, width, 1])
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is recorded, not hidden
                run = sgd(student, teacher, steps=steps, batch=batch, step_size=step_size,
                          seed=[seed, depth, width, 2], record_every=max(1, steps // 10))
            records.append({"activation": spec, "depth": depth, "width": width,
                            "initial_error": run.test_errors[0], "test_error": run.test_errors[-1],
                            "curve": run.test_errors, "diverged": run.diverged, "seconds": run.seconds,
                            "matching_error": run.matching_errors[-1] if run.matching_errors else None})
    return records
