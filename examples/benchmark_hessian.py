"""Loss.hessian against a hand-written numpy ReLU Hessian, central differences of the gradient,
``jax.jit(jax.hessian)`` of the ReLU loss written in jax.numpy (when jax is importable; the
toolkit does not depend on it) and (optionally) the per-pair implementation of an earlier
commit, in one run.

    python examples/benchmark_hessian.py [--baseline COMMIT] [--biased-only]

jax rows (k = d = 10 and 50, float64): the compile time of the first call, the best of a few
calls after it, and the largest difference from Loss.hessian.

Numeric rows (tanh, no closed form: the float64 :class:`~theory.dynamics.kernel.NumericKernel`,
second derivatives of :class:`~theory.potentials.hermite_norms.Float64Ridge`) at k = d = 10 and 50,
rows drawn N(0, I/d) so that the norms lie in the evaluator's [1/4, 2]: Loss.hessian against
central differences of its own gradient (the only Hessian there was before), and their largest
difference. The first run builds the float64 table of tanh (minutes; cached on disk).

ReLU on R^d, k = d electrons and protons at random (seed 0), fixed charges. float64 at
k = d = 5, 10, 20, 50; mpmath (30 digits) at k = d = 5, 10. Each time is the best of a few
repetitions, all measured in the same process; ratios are what matter on a shared machine.
``--baseline`` loads theory/dynamics/loss.py of that commit (default 36f15cb, before the
pair blocks were vectorised) through ``git show`` and times its Hessian too.

Biased rows (``BiasedLoss.hessian`` in the rows (θ_i, β_i), float64): erf, step, sign (the chain rule
through (h, k, ρ)) and ReLU against central differences of the analytic gradient (step 10⁻⁶,
2k(d + 1) gradients), at k = d = 10 and 50, k protons with Gaussian biases (seed 1).
"""

from __future__ import annotations

import argparse
import importlib.util
import pathlib
import subprocess
import sys
import tempfile
import time
from functools import partial

import numpy as np

from theory.dynamics.biased_loss import BiasedLoss
from theory.dynamics.loss import Loss
from theory.potentials.potential import potential

RELU = potential("relu")


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()
        times.append(time.perf_counter() - start)
    return min(times)


def relu_hessian(X: np.ndarray, W: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """∇²L by hand for Φ = [n₁n₂ sin φ + (π − φ) xᵀy]/2π (generic points: no coincidences).
    From Tian's ∇_xΦ = [(π − φ) y + (n₂/n₁) sin φ x]/2π, with u = (ŷ − ρx̂)/sin φ and
    v = (x̂ − ρŷ)/sin φ: ∇_xxΦ = n₂ sin φ/(2πn₁) (I − x̂x̂ᵀ + uuᵀ),
    ∇_xyΦ = [(π − φ) I + sin φ (uvᵀ + x̂ŷᵀ)]/2π, and ∇²(‖x‖²/2) = I for the self pair."""
    k, d = X.shape
    Y, charges = np.concatenate([X, W]), np.concatenate([a, b])
    n = np.linalg.norm(Y, axis=1)
    Yh = Y / n[:, None]
    Xh = Yh[:k]
    rho = np.clip(Xh @ Yh.T, -1, 1)
    np.fill_diagonal(rho, 0)
    s, phi = np.sqrt(1 - rho**2), np.arccos(rho)
    U = (Yh[None] - rho[..., None] * Xh[:, None]) / s[..., None]
    V = (Xh[:, None] - rho[..., None] * Yh[None]) / s[..., None]
    C = 2 * np.multiply.outer(a, charges)
    np.fill_diagonal(C, 0)
    xx = C * n[None, :] * s / (2 * np.pi * n[:k, None])
    projector = np.eye(d) - np.einsum("ip,iq->ipq", Xh, Xh)
    H4 = np.einsum("il,ilp,ilq->ilpq", C[:, :k] * s[:, :k] / (2 * np.pi), U[:, :k], V[:, :k])
    H4 += np.einsum("il,ip,lq->ilpq", C[:, :k] * s[:, :k] / (2 * np.pi), Xh, Xh)
    H4 += (C[:, :k] * (np.pi - phi[:, :k]) / (2 * np.pi))[..., None, None] * np.eye(d)
    on = np.arange(k)
    H4[on, on] = (xx.sum(axis=1)[:, None, None] * projector + np.einsum("ij,ijp,ijq->ipq", xx, U, U)
                  + (a * a)[:, None, None] * np.eye(d))
    return H4.transpose(0, 2, 1, 3).reshape(k * d, k * d)


def finite_differences(loss: Loss, X: np.ndarray, h: float = 1e-6) -> np.ndarray:
    n = X.size
    columns = []
    for p in range(n):
        E = np.zeros(n)
        E[p] = h
        E = E.reshape(X.shape)
        step = loss.gradient(X + E, validate=False) - loss.gradient(X - E, validate=False)
        columns.append(step.ravel() / (2 * h))
    return np.array(columns).T


def jax_hessian():
    """jax.jit(jax.hessian) of the ReLU loss in jax.numpy, or None when jax is not importable."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)

    def block(P, Q, same: bool):
        n1, n2 = jnp.linalg.norm(P, axis=1)[:, None], jnp.linalg.norm(Q, axis=1)[None, :]
        cos = (P @ Q.T) / (n1 * n2)
        if same:                                   # the double-where: no NaN from arccos'(±1) on the diagonal
            off = ~jnp.eye(P.shape[0], dtype=bool)
            cos = jnp.where(off, cos, 0.0)
        cos = jnp.clip(cos, -1.0, 1.0)
        M = n1 * n2 * (jnp.sqrt(1 - cos**2) + (jnp.pi - jnp.arccos(cos)) * cos) / (2 * jnp.pi)
        return jnp.where(off, M, 0.0) + jnp.diag(jnp.sum(P**2, axis=1) / 2) if same else M

    def loss(X, W, a, b):
        return a @ block(X, X, True) @ a + 2 * a @ block(X, W, False) @ b

    hessian = jax.jit(jax.hessian(loss))

    def run(X, W, a, b):
        k, d = X.shape
        return np.asarray(hessian(X, W, a, b)).reshape(k * d, k * d)
    return run


def jax_rows(rng_seed: int = 0) -> None:
    run = jax_hessian()
    print("\njax.jit(jax.hessian) of the ReLU loss (float64), against Loss.hessian")
    if run is None:
        print("  skipped: jax is not importable")
        return
    print(f"{'k=d':>4} {'compile':>10} {'jax':>10} {'hessian':>10} {'jax/hess':>9} "
          f"{'|H-jax|':>9} {'|hand-jax|':>10}")
    rng = np.random.default_rng(rng_seed)
    for k in (10, 50):
        W, X = rng.normal(size=(k, k)), rng.normal(size=(k, k))
        loss = Loss(RELU, W, manifold="euclidean")
        a, b = loss.default_charges(k), np.ones(k)
        start = time.perf_counter()
        H_jax = run(X, W, a, b)
        compile_seconds = time.perf_counter() - start
        t_jax = best(partial(run, X, W, a, b), 5)
        H = loss.hessian(X)
        t_new = best(partial(loss.hessian, X), 5)
        print(f"{k:>4} {compile_seconds:>9.2f}s {t_jax * 1e3:>8.2f}ms {t_new * 1e3:>8.2f}ms "
              f"{t_jax / t_new:>9.2f} "
              f"{np.abs(H - H_jax).max():>9.1e} {np.abs(relu_hessian(X, W, a, b) - H_jax).max():>10.1e}")


def biased_finite_differences(loss: BiasedLoss, X: np.ndarray, B: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of the biased gradient in the rows (θ_i, β_i), column by column."""
    k, d = X.shape
    y = np.hstack([X, B[:, None]]).ravel()

    def gradient(z):
        Y = z.reshape(k, d + 1)
        grad_theta, grad_beta = loss.gradient(Y[:, :d], Y[:, d])
        return np.hstack([grad_theta, grad_beta[:, None]]).ravel()
    return np.array([(gradient(y + h * e) - gradient(y - h * e)) / (2 * h) for e in np.eye(len(y))]).T


def biased_rows(rng_seed: int = 1) -> None:
    print("\nBiasedLoss.hessian (rows (θ, β), float64) against central differences of its gradient")
    print(f"{'σ':>5} {'k=d':>4} {'hessian':>10} {'FD':>10} {'FD/hess':>8} {'|H-FD|/|H|':>11}")
    rng = np.random.default_rng(rng_seed)
    for k in (10, 50):
        W, G = rng.normal(size=(k, k)) / np.sqrt(k), rng.normal(size=k) / 2
        X, B = rng.normal(size=(k, k)) / np.sqrt(k), rng.normal(size=k) / 2
        for name in ("erf", "step", "sign", "relu"):
            loss = BiasedLoss(name, W, G)
            H = loss.hessian(X, B)
            t_new = best(partial(loss.hessian, X, B), 5 if k <= 10 else 2)
            start = time.perf_counter()
            D = biased_finite_differences(loss, X, B)
            t_fd = time.perf_counter() - start
            print(f"{name:>5} {k:>4} {t_new * 1e3:>8.2f}ms {t_fd * 1e3:>8.0f}ms {t_fd / t_new:>8.1f} "
                  f"{np.abs(H - D).max() / np.abs(H).max():>11.1e}")


def numeric_rows(rng_seed: int = 0) -> None:
    print("\ntanh (numeric kernel, float64): Loss.hessian against central differences of the gradient")
    print(f"{'k=d':>4} {'hessian':>10} {'FD':>10} {'FD/hess':>8} {'|H-FD|':>9} {'|H-Hᵀ|':>9}")
    tanh = potential("tanh")
    rng = np.random.default_rng(rng_seed)
    for k in (10, 50):
        W, X = (rng.normal(size=(k, k)) / np.sqrt(k) for _ in range(2))
        loss = Loss(tanh, W)
        H = loss.hessian(X)
        t_new = best(partial(loss.hessian, X), 5 if k <= 10 else 2)
        start = time.perf_counter()
        D = finite_differences(loss, X)                 # 2kd gradients: once at k = d = 50
        t_fd = time.perf_counter() - start
        if k <= 10:
            t_fd = min(t_fd, best(partial(finite_differences, loss, X), 2))
        print(f"{k:>4} {t_new * 1e3:>8.2f}ms {t_fd * 1e3:>8.2f}ms {t_fd / t_new:>8.1f} "
              f"{np.abs(H - D).max():>9.1e} {np.abs(H - H.T).max():>9.1e}")


def baseline_module(commit: str):
    """theory/dynamics/loss.py at ``commit``, imported as a sibling module (None if unavailable)."""
    root = pathlib.Path(__file__).resolve().parents[1]
    try:
        source = subprocess.run(["git", "show", f"{commit}:theory/dynamics/loss.py"], cwd=root,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = pathlib.Path(tempfile.mkdtemp()) / "baseline_loss.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("theory.dynamics._baseline_loss", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="36f15cb")
    parser.add_argument("--biased-only", action="store_true", help="only the biased rows")
    args = parser.parse_args()
    if args.biased_only:
        biased_rows()
        return
    old = baseline_module(args.baseline)
    rng = np.random.default_rng(0)
    print(f"{'k=d':>4} {'arith':>7} {'hessian':>10} {'by hand':>10} {'FD':>10} {'baseline':>10}  "
          f"{'FD/hess':>8} {'base/hess':>9} {'|H-hand|':>9} {'|H-FD|':>9}")
    for k, arith in [(5, None), (10, None), (20, None), (50, None), (5, 30), (10, 30)]:
        W, X = rng.normal(size=(k, k)), rng.normal(size=(k, k))
        loss = Loss(RELU, W, manifold="euclidean")
        a, b = loss.default_charges(k), np.ones(k)
        repeat = 5 if arith is None and k <= 20 else 2
        H = loss.hessian(X, dps=arith)
        t_new = best(partial(loss.hessian, X, dps=arith), repeat)
        t_hand = t_fd = float("nan")
        hand_error = fd_error = float("nan")
        if arith is None:
            t_hand = best(partial(relu_hessian, X, W, a, b), repeat)
            t_fd = best(partial(finite_differences, loss, X), repeat)
            hand_error = np.abs(H - relu_hessian(X, W, a, b)).max()
            fd_error = np.abs(H - finite_differences(loss, X)).max()
        t_old = float("nan")
        if old is not None:
            old_loss = old.Loss(RELU, W, manifold="euclidean")
            t_old = best(partial(old_loss.hessian, X, dps=arith), 1 if k >= 20 or arith else repeat)
        label = "float64" if arith is None else f"mp{arith}"
        print(f"{k:>4} {label:>7} {t_new * 1e3:>8.2f}ms {t_hand * 1e3:>8.2f}ms {t_fd * 1e3:>8.2f}ms "
              f"{t_old * 1e3:>8.2f}ms  {t_fd / t_new:>8.2f} {t_old / t_new:>9.2f} "
              f"{hand_error:>9.1e} {fd_error:>9.1e}")
    jax_rows()
    biased_rows()
    numeric_rows()


if __name__ == "__main__":
    main()
