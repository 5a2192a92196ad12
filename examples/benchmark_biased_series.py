"""Benchmark: the float64 biased loss of smooth σ by Mehler's series (:mod:`theory.potentials.biased_series`)
and of ELU by tilted orthants (:class:`theory.dynamics.biased_loss._Elu`).

Prints, measured in this one run, for tanh, softplus and ELU with biases on R^d (k electrons, k protons,
d = k, norms about 1):

* the time of ``BiasedLoss.value`` and ``BiasedLoss.gradient`` (this route);
* the time of a hand-written tensor Gauss–Hermite rule of degree n (n² nodes per pair, numpy,
  vectorised over pairs) for the value, n = 25 and 100, and of its gradient by central differences
  of the value (2k(d + 1) values);
* the value's error of each against a 20-digit loss (k = 2 only): the cross pairs from
  ``BiasedPotential.at(..., dps=20)``, the self pairs E[σ(u)²] from a 1-D mpmath quadrature (the
  20-digit route's nested quadrature at ρ = 1 takes about a minute a pair);
* the time of ``BiasedLoss.hessian`` against central differences of the analytic gradient
  (2k(d + 1) gradients, ε = 10⁻⁵), and their largest difference.

Run: ``python examples/benchmark_biased_series.py``. About two and a half minutes.
"""

from __future__ import annotations

import time
from functools import partial

import mpmath
import numpy as np

from theory.dynamics.biased_loss import BiasedLoss
from theory.potentials.biased import biased

FUNCTIONS = {"tanh": np.tanh, "softplus": lambda u: np.logaddexp(0.0, u),
             "elu": lambda u: np.where(u > 0, u, np.expm1(np.minimum(u, 0.0)))}
MPMATH = {"tanh": mpmath.tanh, "softplus": lambda u: mpmath.log1p(mpmath.exp(u)),
          "elu": lambda u: u if u > 0 else mpmath.expm1(u)}


def best(call, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return min(times)


def gauss_hermite_loss(sigma, nodes: np.ndarray, biases: np.ndarray, charges: np.ndarray, n: int) -> float:
    """L = cᵀΦc with Φ_pq = Σ_ij w_i w_j σ(a_p x_i + β_p) σ(b_q(ρx_i + √(1 − ρ²)x_j) + γ_q)."""
    x, w = np.polynomial.hermite_e.hermegauss(n)
    w = w / np.sqrt(2 * np.pi)
    norms = np.linalg.norm(nodes, axis=1)
    rho = np.clip(nodes @ nodes.T / np.outer(norms, norms), -1, 1)
    r = np.sqrt(1 - rho**2)
    left = sigma(norms[:, None, None] * x[None, :, None] + biases[:, None, None])          # (p, i, 1)
    inner = (rho[:, :, None, None] * x[None, None, :, None] + r[:, :, None, None] * x[None, None, None, :])
    right = sigma(norms[None, :, None, None] * inner + biases[None, :, None, None])       # (p, q, i, j)
    phi = np.einsum("i,j,pi,pqij->pq", w, w, left[:, :, 0], right)
    return float(charges @ phi @ charges)


def reference_loss(name: str, nodes: np.ndarray, biases: np.ndarray, charges: np.ndarray) -> float:
    """cᵀΦc at 20 digits: Φ_pq (p ≠ q) by the 20-digit route, Φ_pp = E[σ(a_pX + β_p)²] by mpmath."""
    phi, sigma = biased(name), MPMATH[name]
    total = mpmath.mpf(0)
    with mpmath.workdps(25):
        for p, q in np.ndindex(len(nodes), len(nodes)):
            if p == q:
                a, beta = float(np.linalg.norm(nodes[p])), float(biases[p])
                value = mpmath.quad(lambda x, a=a, beta=beta: sigma(a * x + beta) ** 2 * mpmath.npdf(x),
                                    [-mpmath.inf, -beta / a, mpmath.inf])     # split at ELU's kink
            elif p < q:
                value = 2 * phi.at(*(float(v) for v in (np.linalg.norm(nodes[p]), np.linalg.norm(nodes[q]),
                                                        nodes[p] @ nodes[q], biases[p], biases[q])), dps=20)
            else:
                continue
            total += charges[p] * charges[q] * value
    return float(total)


def differences(value, X: np.ndarray, B: np.ndarray, h: float = 1e-6) -> np.ndarray:
    Y = np.hstack([X, B[:, None]])
    out = np.empty_like(Y)
    for index in np.ndindex(Y.shape):
        step = np.zeros_like(Y)
        step[index] = h
        out[index] = (value(Y + step) - value(Y - step)) / (2 * h)
    return out


def _moved(sigma, W: np.ndarray, G: np.ndarray, charges: np.ndarray, Y: np.ndarray) -> float:
    """The degree-100 Gauss–Hermite loss with the electrons' rows (θ_i, β_i) = Y."""
    k = W.shape[1]
    return gauss_hermite_loss(sigma, np.vstack([Y[:, :k], W]), np.concatenate([Y[:, k], G]), charges, 100)


def instance(rng, k: int):
    """Protons (W, G) with norms about 1 and electrons (X, B) near them, d = k."""
    W, G = rng.normal(size=(k, k)) / np.sqrt(k), rng.normal(size=k) / 2
    return W, G, W + 0.3 * rng.normal(size=(k, k)) / np.sqrt(k), G + 0.3 * rng.normal(size=k)


def main() -> None:
    print(f"{'σ':>8} {'k=d':>4} {'value':>9} {'gradient':>9} {'GH25':>9} {'GH100':>9} {'GH100 FD':>10} "
          f"{'err series':>10} {'err GH25':>9} {'err GH100':>9}")
    rng = np.random.default_rng(0)
    for name, sigma in FUNCTIONS.items():
        for k in (2, 5, 10):
            W, G, X, B = instance(rng, k)
            loss = BiasedLoss(name, W, G)
            loss.gradient(X, B)                                         # the rule, once per process
            t_value, t_gradient = best(partial(loss.value, X, B)), best(partial(loss.gradient, X, B))
            nodes, biases = np.vstack([X, W]), np.concatenate([B, G])
            charges = np.concatenate([-np.ones(k), np.ones(k)])
            hermite = {n: best(partial(gauss_hermite_loss, sigma, nodes, biases, charges, n), 2)
                       for n in (25, 100)}
            t_fd = best(partial(differences, partial(_moved, sigma, W, G, charges), X, B), 1)
            errors = ["", "", ""]
            if k == 2:
                reference = reference_loss(name, nodes, biases, charges)
                errors = [f"{abs(v - reference):.1e}" for v in
                          (loss.value(X, B), *(gauss_hermite_loss(sigma, nodes, biases, charges, n)
                                               for n in (25, 100)))]
            print(f"{name:>8} {k:>4} {t_value * 1e3:>7.2f}ms {t_gradient * 1e3:>7.2f}ms "
                  f"{hermite[25] * 1e3:>7.2f}ms {hermite[100] * 1e3:>7.1f}ms {t_fd * 1e3:>8.0f}ms "
                  f"{errors[0]:>10} {errors[1]:>9} {errors[2]:>9}")


def gradient_differences(loss: BiasedLoss, X: np.ndarray, B: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """The Hessian by central differences of ``loss.gradient`` in the rows (θ_i, β_i), column by column."""
    Y = np.hstack([X, B[:, None]])

    def gradient(Z):
        grad_theta, grad_beta = loss.gradient(Z[:, :-1], Z[:, -1])
        return np.hstack([grad_theta, grad_beta[:, None]]).ravel()
    steps = np.eye(Y.size).reshape(-1, *Y.shape) * h
    return np.array([(gradient(Y + e) - gradient(Y - e)) / (2 * h) for e in steps]).T


def hessians() -> None:
    print(f"\n{'σ':>8} {'k=d':>4} {'hessian':>9} {'gradient FD':>12} {'ratio':>6} {'max diff':>9}")
    rng = np.random.default_rng(0)
    for name in FUNCTIONS:
        for k in (2, 5, 10):
            W, G, X, B = instance(rng, k)
            loss = BiasedLoss(name, W, G)
            differences_of_gradient = partial(gradient_differences, loss, X, B)
            t_hessian, t_fd = best(partial(loss.hessian, X, B)), best(differences_of_gradient, 1)
            gap = np.abs(loss.hessian(X, B) - differences_of_gradient()).max()
            print(f"{name:>8} {k:>4} {t_hessian * 1e3:>7.1f}ms {t_fd * 1e3:>10.0f}ms "
                  f"{t_fd / t_hessian:>6.0f} {gap:>9.1e}")


if __name__ == "__main__":
    main()
    hessians()
