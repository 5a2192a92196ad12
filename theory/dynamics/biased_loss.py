"""The population loss with biases: electrons (θ_i, β_i) of charges a_i, protons (w_j, γ_j) of charges b_j.

With the sign convention of :class:`theory.dynamics.loss.Loss` (a_i = −1, b_j = +1 by default),

.. math::

    L = \\mathbb{E}_x\\Big(\\sum_i a_i\\sigma(\\theta_i^{\\top}x + \\beta_i)
          + \\sum_j b_j\\sigma(w_j^{\\top}x + \\gamma_j)\\Big)^2
      = \\sum_{p, q} c_p c_q \\Phi(P_p, P_q),

summed over all nodes P (electrons (θ_i, β_i), then protons (w_j, γ_j)) with charges c = (a, b), Φ the biased
potential (:mod:`theory.potentials.biased`). So L ≥ 0, and L = 0 at the teacher.

float64 (value and exact gradient, vectorised over pairs) for step, sign, ReLU, erf, exp and every
σ = m·t + n·t₊ (leaky ReLU, abs; from the ReLU terms by Stein's lemma, :func:`_two_slope_terms`),
for every smooth σ (tanh, sigmoid, softplus, swish, mish, GELU, …) by Mehler's series of σ, σ′
and σ″ (:mod:`theory.potentials.biased_series`; numeric evidence, norms up to about 3), and for ELU
in closed form: σ, σ′, σ″ are pieces t^d e^{λt} on half-lines, and e^{λu + μv} only shifts the
Gaussian's means, so each moment is a tilted orthant moment (:func:`_tilted`, Owen's T):
with u = θᵀx + β, v = wᵀx + γ, Stein's lemma gives ∇_θΦ = A θ + C w with
A = E[σ″(u)σ(v)], C = E[σ′(u)σ′(v)], and ∂Φ/∂β = D = E[σ′(u)σ(v)]. For ReLU, with
h = β/‖θ‖, k = γ/‖w‖, ρ = θ̂ᵀŵ, r = √(1 − ρ²) and L(h, k; ρ) = P(X < h, Y < k),

* C = L(h, k; ρ), D = γL + ‖w‖(φ(k)Φ((h − ρk)/r) + ρφ(h)Φ((k − ρh)/r)),
* A = φ(h)/‖θ‖ · (mΦ(m/s) + sφ(m/s)), m = γ − ‖w‖ρh, s = ‖w‖r (E[v₊ | u = 0]).

Step, sign and erf are F(h, k, ρ) (erf with the smoothed norms √(‖θ‖² + ½)); their
derivatives are ∂L/∂h = φ(h)Φ((k − ρh)/r) and ∂L/∂ρ = φ(h)φ((k − ρh)/r)/r (the
bivariate normal density), taken through h, k, ρ by the chain rule. L is Owen's T form
(:func:`orthant`). Exact inputs have their own formulas: ρ = ±1 (r = 0: the limits
Φ(x/0) = 1{x > 0} (½ at 0), φ(x/0)/0 = 0 for x ≠ 0), an electron with θ = 0
(Φ = σ(β)E[σ(v)]), coincident electrons, the self-energy E[σ(u)²]. Where Φ has no
derivative (step and sign where two nodes coincide or are antipodal with h = ρk, and
θ = 0 with β = 0 for ReLU, step, sign) the gradient and the Hessian raise :class:`NotSmooth`; ELU's
Φ is C¹ everywhere, and only its Hessian refuses θ = 0 with β = 0 (σ″ jumps at 0).

At ``dps`` digits the value sums the distinct pairs' :meth:`BiasedPotential.at` (the Mehler series first
on the numeric route) under a Cauchy–Schwarz error bound (:meth:`BiasedLoss._exact_value`); L = 0 at the
teacher, permuted or not, is exactly 0 (its pairs' weights cancel exactly).

The Hessian in the rows ỹ_i = (θ_i, β_i) is analytic in float64 for every family of the float64 loss
(:meth:`BiasedLoss.hessian`; the pair moments of m·t + n·t₊ by conditioning on u = 0 and Stein's lemma,
exact at coincident, parallel and zero-norm nodes; step, sign and erf by the chain rule through (h, k, ρ);
the smooth σ by Stein's lemma from Mehler's series of σ, …, σ⁗ (:meth:`_Series.moments`, numeric
evidence); ELU by Stein's lemma from tilted orthant moments, σ″'s jump giving δ terms, conditional means
given u = 0 (:meth:`_Elu.moments`, closed forms); each pair block αP + E M Eᵀ in the basis
E = [θ̃, w̃, e]). :class:`BiasedRows` puts the loss in the interface of the charge policies
(:mod:`theory.dynamics.charges`): fixed charges, or the optimal a*(ỹ) with the reduced loss's gradient and
Schur-complement Hessian.

>>> loss = BiasedLoss("relu", [[1.0, 0.0]], [0.5])
>>> float(loss.value([[1.0, 0.0]], [0.5]))             # the electron on the proton
0.0
>>> loss.gradient([[1.0, 0.0]], [0.4])[1].round(6)       # ∂L/∂β pulls β towards γ
array([-0.131084])
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache, partial

import mpmath
import numpy as np
from tqdm import tqdm

from ..core import validators as valid
from ..core.errors import InputError, PrecisionError
from ..core.numeric import check_dps, context, output_context
from ..potentials import elu
from ..potentials.biased import (
    INPUT_DIGITS,
    MAX_DPS,
    QUADRATURE_TRIES,
    BiasedPotential,
    Family,
    biased,
    exact_dot,
    two_precisions,
)
from ..potentials.biased_series import (
    HESSIAN_TOLERANCE,
    ORDER,
    SLOPE_TOLERANCE,
    Coefficients,
    SmoothSeries,
    smooth_series,
)
from ..potentials.evaluation import precisions
from ..potentials.manifolds import EUCLIDEAN, SPHERE
from ..potentials.quadrature import GUARD
from .arithmetic import arithmetic
from .loss import charges_of, sphere_tangent_basis

#: Closed forms with float64 value and gradient: (family, parameters) of step, sign, ReLU, erf(t), exp(t);
#: and every σ = m·t + n·t₊ (leaky ReLU, abs: :data:`Family.TWO_SLOPE`, any parameters). Other σ
#: without kinks take Mehler's series (:class:`_Series`).
FLOAT_FORMS = ((Family.STEP, ()), (Family.SIGN, ()), (Family.RELU, ()), (Family.ERF, (1,)),
               (Family.EXP, ((1, 0, 1),)))
#: r = √(1 − ρ²) at or below this is rounding: the pair is parallel (ρ = ±1 exactly).
_PARALLEL = 8 * np.finfo(float).eps


class NotSmooth(InputError):
    """Φ has no derivative at these parameters."""


@dataclass(frozen=True)
class Nodes:
    """Rows (θ_p, β_p) with charges c_p: positions (n, d), biases (n,), charges (n,)."""

    positions: np.ndarray
    biases: np.ndarray
    charges: np.ndarray

    def __add__(self, other: Nodes) -> Nodes:
        return Nodes(*(np.concatenate([x, y]) for x, y in zip(
            (self.positions, self.biases, self.charges), (other.positions, other.biases, other.charges),
            strict=True)))


class BiasedLoss:
    """L(a, θ, β) of electrons (θ_i, β_i) with charges a_i against fixed protons (w_j, γ_j), charges b_j.

    Parameters
    ----------
    phi : BiasedPotential or activation spec
        ``"relu"``, ``"step"``, ``"sign"``, ``"erf"``, ``"exp"``, ``"leaky_relu(α)"``, ``"abs"`` (any
        m·t + n·t₊), ``"elu"`` and every σ without kinks (``"tanh"``, ``"softplus"``, …) have float64
        value, gradient and Hessian; any other ridge activation (kinked, such
        as ``"Max(t, 0) + tanh(Min(t, 0))"``) only ``value(..., dps=N)``.
    protons : array (m, d)
    proton_biases : array (m,)
    proton_charges : array (m,), optional
        Default all +1; electrons' charges default to −1.
    """

    def __init__(self, phi, protons, proton_biases, *, proton_charges=None):
        self.potential = phi if isinstance(phi, BiasedPotential) else biased(phi)
        W = valid.rows(protons, "protons")
        charges = np.ones(len(W)) if proton_charges is None else charges_of(proton_charges, len(W))
        self.protons = Nodes(W, _vector(proton_biases, len(W), "proton biases"), charges)

    @property
    def dimension(self) -> int:
        return self.protons.positions.shape[1]

    def electrons(self, thetas, biases, charges=None) -> Nodes:
        """The electrons as :class:`Nodes`, checked (shapes, finite); charges default to −1."""
        X = valid.rows(thetas, "electrons")
        if X.shape[1] != self.dimension:
            raise InputError(f"electrons have dimension {X.shape[1]} but protons {self.dimension}")
        return Nodes(X, _vector(biases, len(X), "electron biases"),
                     np.full(len(X), -1.0) if charges is None else charges_of(charges, len(X)))

    def value(self, thetas, biases, charges=None, *, dps: int | None = None):
        """L = Σ_{p,q} c_p c_q Φ(P_p, P_q) over electrons and protons: float64, or an mpf at ``dps``."""
        nodes = self.electrons(thetas, biases, charges) + self.protons
        if dps is not None:
            return self._exact_value(nodes, dps)
        terms = self._kernel().terms(nodes, nodes)
        return float(nodes.charges @ terms.value @ nodes.charges)

    def gradient(self, thetas, biases, charges=None) -> tuple[np.ndarray, np.ndarray]:
        """(∇_θ L (k, d), ∂L/∂β (k,)) in float64, exact formulas.

        .. math::  \\nabla_{\\theta_i} L = 2a_i\\sum_{q \\ne i} c_q(A_{iq}\\theta_i + C_{iq}y_q)
                   + a_i^2 A^s_i\\theta_i,
                   \\quad \\partial_{\\beta_i} L = 2a_i\\sum_{q \\ne i} c_q D_{iq} + a_i^2 D^s_i

        with ∇G = A^s θ, ∂_βG = D^s the derivatives of the self-energy G = E[σ(u)²].
        """
        mine = self.electrons(thetas, biases, charges)
        nodes = mine + self.protons
        terms = self._kernel().terms(mine, nodes, gradient=True)
        weights = 2 * np.multiply.outer(mine.charges, nodes.charges)
        np.fill_diagonal(weights, 0)
        self_weights = mine.charges**2
        X = mine.positions
        along = (weights * terms.A).sum(axis=1) + self_weights * terms.self_A
        grad_theta = X * along[:, None] + (weights * terms.C) @ nodes.positions
        grad_beta = (weights * terms.D).sum(axis=1) + self_weights * terms.self_D
        return grad_theta, grad_beta

    def hessian(self, thetas, biases, charges=None) -> np.ndarray:
        """∇²L in the electrons' rows ỹ_i = (θ_i, β_i), a (k(d+1), k(d+1)) float64 matrix (step, sign, ReLU,
        m·t + n·t₊, erf(t), exp(t), ELU and every smooth σ).

        With x̃ = (x, 1), u_i = ỹ_iᵀx̃ and L = Σ c_p c_q E[σ(u_p)σ(u_q)]:

        .. math::  \\nabla^2_{\\tilde y_i \\tilde y_j} L = 2a_ia_j\\,
                   \\mathbb{E}[\\sigma'(u_i)\\sigma'(u_j)\\tilde x\\tilde x^{\\top}] \\ (i \\ne j), \\qquad
                   \\nabla^2_{\\tilde y_i \\tilde y_i} L = 2a_i\\sum_{q \\ne i} c_q\\,
                   \\mathbb{E}[\\sigma''(u_i)\\sigma(u_q)\\tilde x\\tilde x^{\\top}] + a_i^2\\nabla^2 G_i,

        G the self-energy E[σ(u)²]. The pair moments are in :func:`slope_moments` (ReLU, m·t + n·t₊) and
        :func:`exp_moments`; step, sign and erf, Φ = F(h, k, ρ), by the chain rule (:func:`orthant_moments`);
        the smooth σ by Stein's lemma from the Mehler series of σ, …, σ⁗ (:meth:`_Series.moments`;
        PrecisionError naming the norms where a pair's truncation bound exceeds
        :data:`~theory.potentials.biased_series.HESSIAN_TOLERANCE`); ELU by Stein's lemma from tilted
        orthant moments (:meth:`_Elu.moments`).
        Raises :class:`NotSmooth` where Φ has no second derivative (ReLU, step, sign, ELU: θ_i = 0 with
        β_i = 0; step and sign: a node coinciding with another up to scale, or antipodal with h = ρk).
        """
        mine = self.electrons(thetas, biases, charges)
        nodes = mine + self.protons
        kernel = self._kernel()
        pair = kernel.pairs(mine, nodes)
        kernel._check_smooth(pair, mine)
        weights = 2 * np.multiply.outer(mine.charges, nodes.charges)
        np.fill_diagonal(weights, 0)                      # the self pair is G's, not a cross term
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            same, blocks, self_part = kernel.moments(mine, nodes, pair, weights)   # blocks (k, k, n, n)
        k, n = len(mine.charges), mine.positions.shape[1] + 1
        blocks[np.arange(k), np.arange(k)] = same + 2 * (mine.charges**2)[:, None, None] * self_part
        if not np.isfinite(blocks).all():
            raise InputError("the biased Hessian is not finite at these parameters (overflow)")
        blocks = (blocks + blocks.transpose(1, 0, 3, 2)) / 2        # symmetric: blocks (i, j) = (j, i)ᵀ
        return blocks.transpose(0, 2, 1, 3).reshape(k * n, k * n)

    def _kernel(self) -> _Float | _Series | _Elu:
        family, parameters = self.potential.family, self.potential.parameters
        if family is Family.TWO_SLOPE:
            return _Float(family, tuple(float(q) for q in parameters))
        if (family, parameters) in FLOAT_FORMS:
            return _Float(family)
        activation = self.potential.activation
        if elu.is_elu(activation.expr):
            return _Elu()
        if activation.kinks:
            raise InputError(f"activation {self.potential.name}: no float64 biased loss (σ has kinks at "
                             f"{', '.join(map(str, activation.kinks))}; step, sign, ReLU, m·t + n·t₊ such "
                             "as leaky ReLU and abs, ELU and every smooth σ have one); use value(..., dps=N)")
        return _Series(smooth_series(activation.expr))

    def _exact_value(self, nodes: Nodes, dps: int):
        """L to ``dps`` digits as Σ_g W_g Φ_g over the distinct pairs g (:func:`_pair_weights`): exactly 0
        when every W_g is 0 (the teacher, permuted or not). A closed form is cheap at any precision: the
        whole sum is confirmed at two (:func:`~theory.potentials.biased.two_precisions`). The numeric
        route's pairs cost seconds each: :meth:`_bounded_sum`."""
        check_dps(dps)
        groups = _pair_weights(nodes)
        if not groups:
            return output_context(dps).mpf(0)
        if not self.potential.exact:
            return self._bounded_sum(nodes, groups, dps)

        invariants = tuple(_invariants(nodes, *pair) for pair in groups)

        def total(values, work):
            with mpmath.workdps(work):
                return mpmath.fsum(_mpf(w) * self.potential.working_value(v, work)
                                   for w, v in zip(groups.values(), values, strict=True))
        return two_precisions(total, invariants, dps, "the biased loss")

    def _bounded_sum(self, nodes: Nodes, groups: dict, dps: int):
        """Σ_g W_g Φ_g with each Φ_g from :meth:`BiasedPotential.at` (the Mehler series first), confirmed to
        ``work`` digits. By Cauchy–Schwarz ``|Φ(P_p, P_q)|`` ≤ √(Φ_pp Φ_qq), so the sum errs by at most
        ε = 10^{1−work} Σ_g ``|W_g|`` √(Φ_pp Φ_qq): L is returned once ε ≤ 10^{−dps−1}``|L|``, for work in
        the doubling precisions up to the route's :data:`~theory.potentials.biased.MAX_DPS`; 0 when
        ``|L|`` + ε ≤ 10^{−work/2} at the last (the zero rule of two precisions). A progress bar over the
        pairs is shown on stderr when it is a terminal (0.2–3 s a pair)."""
        if dps + GUARD > MAX_DPS:
            raise InputError(f"dps: the numeric route of a biased loss is confirmed to at most "
                             f"{MAX_DPS - GUARD} digits, {dps} were asked")
        works = [w for w in precisions(dps, QUADRATURE_TRIES) if w <= MAX_DPS]
        ends = sorted({p for pair in groups for p in pair})
        needed = [*groups, *((p, p) for p in ends if (p, p) not in groups)]
        for work in works:
            with mpmath.workdps(2 * work), tqdm(needed, desc=f"biased loss, pairs at {work} digits",
                                                unit="pair", leave=False, disable=None) as bar:
                phi = {pair: mpmath.mpf(self.potential.at(*_invariants(nodes, *pair), dps=work))
                       for pair in bar}
                total = mpmath.fsum(_mpf(w) * phi[pair] for pair, w in groups.items())
                error = mpmath.mpf(10) ** (1 - work) * mpmath.fsum(
                    abs(_mpf(w)) * mpmath.sqrt(phi[p, p] * phi[q, q]) for (p, q), w in groups.items())
            if error <= mpmath.mpf(10) ** (-dps - 1) * abs(total):
                return output_context(dps).mpf(total)
        if abs(total) + error <= mpmath.mpf(10) ** -(works[-1] // 2):
            return output_context(dps).mpf(0)
        raise PrecisionError(f"the biased loss {mpmath.nstr(total, 5)} is not separated from its error "
                             f"bound {mpmath.nstr(error, 3)} at {works[-1]} working digits: {dps} digits "
                             "not confirmed")


def _mpf(value: Fraction) -> mpmath.mpf:
    """A dyadic fraction (a weight of float charges) as an mpf at the working precision."""
    return mpmath.mpf(value.numerator) / value.denominator


def _pair_weights(nodes: Nodes) -> dict[tuple[int, int], Fraction]:
    """{(p, q): W} over the distinct pairs of nodes with W ≠ 0: W the exact sum of (2 − [p = q]) c_p c_q
    over the pairs sharing (p, q)'s invariants (Φ is symmetric, so a pair and its mirror share them)."""
    n, c = len(nodes.charges), [Fraction(float(v)) for v in nodes.charges]
    keys = {p: (tuple(nodes.positions[p]), float(nodes.biases[p])) for p in range(n)}
    first, weights = {}, {}
    for p in range(n):
        for q in range(p, n):
            key = tuple(sorted((keys[p], keys[q])))
            pair = first.setdefault(key, (p, q))
            weights[pair] = weights.get(pair, 0) + (1 if p == q else 2) * c[p] * c[q]
    return {pair: w for pair, w in weights.items() if w}


class BiasedRows:
    """The biased loss as a function of the electrons' rows ỹ_i = (θ_i, β_i) (an array (k, d + 1), the bias
    last) and charges a: the interface :class:`~theory.dynamics.charges.Fixed` and
    :class:`~theory.dynamics.charges.Optimal` call, so a charge policy runs on the biased loss.

    For fixed rows L is a quadratic in a with Gram matrix G = [Φ(ỹ_i, ỹ_j)] and linear term
    c = [Φ(ỹ_i, w̃_j)] b: the optimal charges solve G a* = −c, the reduced loss ℓ = L(a*, ỹ) has
    ∇ℓ = ∇_ỹL(a*, ỹ) (envelope theorem) and ∇²ℓ = H_ỹỹ − H_ỹa (2G)⁻¹ H_aỹ (the Schur complement).
    float64 only (every float64 family has a Hessian).

    >>> rows = BiasedRows(BiasedLoss("relu", [[1.0, 0.0]], [0.5]))
    >>> rows.best_charges([[1.0, 0.0, 0.5]]).round(12)             # on the proton: a* = −b
    array([-1.])
    """

    manifold = EUCLIDEAN                    # the rows live in R^{d+1}

    def __init__(self, loss: BiasedLoss):
        self.loss = loss

    def tangent_basis(self, rows) -> np.ndarray:
        """The identity of R^{k(d+1)}, as :meth:`Loss.tangent_basis <theory.dynamics.loss.Loss.tangent_basis>`
        on R^d."""
        return np.eye(np.size(rows))

    def split(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """(θ (k, d), β (k,)) of rows (k, d + 1)."""
        Y = valid.rows(rows, "electron rows (θ_i, β_i)")
        if Y.shape[1] != self.loss.dimension + 1:
            raise InputError(f"electron rows (θ_i, β_i) need {self.loss.dimension + 1} columns, "
                             f"got {Y.shape[1]}")
        return Y[:, :-1], Y[:, -1]

    def value(self, rows, a, *, dps: int | None = None):
        return self.loss.value(*self.split(rows), a, dps=dps)

    def gradient(self, rows, a, *, dps: int | None = None) -> np.ndarray:
        """∇_ỹL (k, d + 1)."""
        _float_only(dps)
        grad_theta, grad_beta = self.loss.gradient(*self.split(rows), a)
        return np.hstack([grad_theta, grad_beta[:, None]])

    def hessian(self, rows, a, *, dps: int | None = None) -> np.ndarray:
        """∇²_ỹL (k(d + 1), k(d + 1)), :meth:`BiasedLoss.hessian`."""
        _float_only(dps)
        return self.loss.hessian(*self.split(rows), a)

    def charge_system(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """(G, c): G_ij = Φ(ỹ_i, ỹ_j) over electrons, c_i = Σ_j Φ(ỹ_i, w̃_j) b_j."""
        mine = self.loss.electrons(*self.split(rows))
        value = self.loss._kernel().terms(mine, mine + self.loss.protons).value
        k = len(mine.charges)
        return value[:, :k], value[:, k:] @ self.loss.protons.charges

    def mixed_hessian(self, rows, a) -> np.ndarray:
        """∂²L/∂ỹ_i∂a_j (k(d + 1), k): 2a_i∇₁Φ(ỹ_i, ỹ_j) for j ≠ i, and
        2Σ_{q≠i} c_q∇₁Φ(ỹ_i, P_q) + 2a_i∇G_i for j = i (∇₁Φ = (Aθ + Cy_q, D) as in
        :meth:`BiasedLoss.gradient`)."""
        mine = self.loss.electrons(*self.split(rows), a)
        nodes = mine + self.loss.protons
        terms = self.loss._kernel().terms(mine, nodes, gradient=True)
        X, k = mine.positions, len(mine.charges)
        # ∇₁Φ(ỹ_i, P_q): (k, k + m, d + 1)
        g = np.concatenate([terms.A[..., None] * X[:, None, :] + terms.C[..., None] * nodes.positions[None],
                            terms.D[..., None]], axis=-1)
        M = 2 * mine.charges[:, None, None] * np.swapaxes(g[:, :k], 1, 2)     # (k, d + 1, k)
        others = nodes.charges[None, :].repeat(k, axis=0)
        others[np.arange(k), np.arange(k)] = 0.0
        self_gradient = np.hstack([terms.self_A[:, None] * X, terms.self_D[:, None]])
        for i in range(k):
            M[i, :, i] = 2 * others[i] @ g[i] + 2 * mine.charges[i] * self_gradient[i]
        return M.reshape(k * (X.shape[1] + 1), k)

    def best_charges(self, rows, *, dps: int | None = None, validate: bool = True) -> np.ndarray:
        """a* = −G⁻¹c (InputError where G is singular: electrons coincide)."""
        from .arithmetic import arithmetic
        from .reduced import _solve

        _float_only(dps)
        gram, cross = self.charge_system(rows)
        return -_solve(gram, cross, arithmetic(None))

    def reduced_value(self, rows, *, dps: int | None = None):
        """ℓ = L(a*, ỹ) (a* in float64; the value at ``dps`` digits)."""
        return self.value(rows, self.best_charges(rows), dps=dps)

    def reduced_gradient(self, rows, *, dps: int | None = None) -> np.ndarray:
        """∇ℓ = ∇_ỹL(a*, ỹ)."""
        return self.gradient(rows, self.best_charges(rows), dps=dps)

    def reduced_hessian(self, rows, *, dps: int | None = None) -> np.ndarray:
        """∇²ℓ = H_ỹỹ − H_ỹa (2G)⁻¹ H_aỹ at a = a*."""
        from .arithmetic import arithmetic
        from .reduced import _solve

        _float_only(dps)
        gram, _ = self.charge_system(rows)
        a = self.best_charges(rows)
        H, M = self.loss.hessian(*self.split(rows), a), self.mixed_hessian(rows, a)
        reduced = H - M @ _solve(2 * gram, M.T, arithmetic(None))
        return (reduced + reduced.T) / 2


class ScaleFreeRows(BiasedRows):
    """:class:`BiasedRows` on the rows' directions, for Newton's method where the loss is constant on each
    ray ỹ_i ↦ sỹ_i (s > 0): σ(su) = σ(u) (step, sign) with any charges, or σ(su) = sσ(u) (ReLU,
    m·t + n·t₊) with optimal charges. Its gradient shrinks as s grows, so in R^{k(d+1)} a least-squares
    Newton step can slide out along a ray until the gradient is below any tolerance without approaching
    a critical point. Here each row lives on S^d (retraction ỹ_i/‖ỹ_i‖) with the tangent basis B of
    ỹ_i^⊥, and the Hessian is Bᵀ∇²B: by Euler's identity ỹ_iᵀ∇_i = 0, so that is the Riemannian Hessian
    and the gradient is already tangent."""

    manifold = SPHERE

    def tangent_basis(self, rows) -> np.ndarray:
        Y = np.asarray(rows, dtype=float)
        return sphere_tangent_basis(Y / np.linalg.norm(Y, axis=1)[:, None], arithmetic())

    def hessian(self, rows, a, *, dps: int | None = None) -> np.ndarray:
        basis = self.tangent_basis(rows)
        return basis.T @ super().hessian(rows, a, dps=dps) @ basis

    def reduced_hessian(self, rows, *, dps: int | None = None) -> np.ndarray:
        basis = self.tangent_basis(rows)
        return basis.T @ super().reduced_hessian(rows, dps=dps) @ basis


def _float_only(dps: int | None) -> None:
    if dps is not None:
        raise InputError(f"the biased loss's charges and derivatives are float64 (dps=None), not dps={dps}")


def _invariants(nodes: Nodes, p: int, q: int) -> tuple:
    """(‖θ‖, ‖w‖, θᵀw, β, γ) of nodes p, q as mpf at INPUT_DIGITS; θᵀw = ±‖θ‖‖w‖ exactly when parallel."""
    ctx = context(INPUT_DIGITS)
    th, w = ([ctx.mpf(float(v)) for v in nodes.positions[i]] for i in (p, q))
    na, nb, dot = ctx.sqrt(ctx.fdot(th, th)), ctx.sqrt(ctx.fdot(w, w)), ctx.fdot(th, w)
    if abs(abs(dot) - na * nb) <= na * nb * ctx.mpf(10) ** (20 - INPUT_DIGITS) and na and nb:
        dot = na * nb if th == w else exact_dot(nodes.positions[p], nodes.positions[q], na, nb, dot)
    return na, nb, dot, ctx.mpf(float(nodes.biases[p])), ctx.mpf(float(nodes.biases[q]))


# ---------------------------------------------------------------------- float64 kernels

@dataclass
class _Terms:
    """Φ over pairs and, with the gradient, A, C, D (∇_θΦ = Aθ + Cw, ∂_βΦ = D).

    The self-energy G = Φ(P, P) has ∇_θG = 2(A + C)θ, ∂_βG = 2D on the diagonal (Φ is symmetric)."""

    value: np.ndarray
    A: np.ndarray | None = None
    C: np.ndarray | None = None
    D: np.ndarray | None = None

    @property
    def self_A(self) -> np.ndarray:
        n = len(self.A)
        return 2 * (self.A[np.arange(n), np.arange(n)] + self.C[np.arange(n), np.arange(n)])

    @property
    def self_D(self) -> np.ndarray:
        n = len(self.D)
        return 2 * self.D[np.arange(n), np.arange(n)]


@dataclass(frozen=True)
class _Float:
    """The float64 pair kernel of one closed-form family (``parameters``: (m, n) of two slopes)."""

    family: Family
    parameters: tuple = ()

    def terms(self, left: Nodes, right: Nodes, gradient: bool = False) -> _Terms:
        """Pairs (left p, right q); ``right`` begins with ``left`` (self pairs on the diagonal)."""
        pair = self.pairs(left, right)
        if gradient:
            self._check_smooth(pair, left)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.family is Family.EXP:
                terms = _exp_terms(pair)
            elif self.family is Family.RELU:
                terms = _relu_terms(pair, gradient)
            elif self.family is Family.TWO_SLOPE:
                terms = _two_slope_terms(pair, *self.parameters, gradient=gradient)
            else:
                terms = _orthant_terms(pair, self.family, gradient)
        parts = [terms.value] + ([terms.A, terms.C, terms.D] if gradient else [])
        if not all(np.isfinite(part).all() for part in parts):
            raise InputError("the biased loss is not finite at these parameters (overflow)")
        return terms

    @property
    def moments(self):
        """The Hessian's pair moments (:data:`_MOMENTS`; m·t + n·t₊ by :func:`slope_moments`)."""
        if self.family is Family.TWO_SLOPE:
            return _summed(partial(slope_moments, m=self.parameters[0], n=self.parameters[1]))
        return _MOMENTS[self.family]

    def pairs(self, left: Nodes, right: Nodes) -> _Pairs:
        """The pairs' invariants; erf's norms smoothed, √(‖θ‖² + ½) (erf(u) = E_z[sign(u − z/√2)])."""
        return _Pairs.of(left, right, smoothing=0.5 if self.family is Family.ERF else 0.0)

    def _check_smooth(self, pair: _Pairs, left: Nodes) -> None:
        if self.family in (Family.ERF, Family.EXP):
            return
        bad = np.nonzero((pair.raw_a[:, 0] == 0) & (left.biases == 0))[0]
        if len(bad):
            raise NotSmooth(f"electron {bad[0]} has θ = 0 and β = 0: σ(θᵀx + β) = σ(0) for every x "
                            f"and Φ of {self.family.value} has no derivative there")
        if self.family in (Family.STEP, Family.SIGN):
            with np.errstate(invalid="ignore"):
                cusp = (pair.r == 0) & ~pair.zero & (pair.km == 0)
            cusp[np.arange(len(left.charges)), np.arange(len(left.charges))] = False
            if cusp.any():
                i, j = (int(n) for n in np.argwhere(cusp)[0])
                n = len(left.charges)
                other = f"electron {j}" if j < n else f"proton {j - n}"
                raise NotSmooth(f"electron {i} and {other} are parallel with h = ρk (they coincide up to "
                                f"scale): Φ of {self.family.value} has a cusp there, no gradient or Hessian")


@dataclass(frozen=True)
class _Series:
    """The float64 pair kernel of a smooth σ by Mehler's series (:mod:`theory.potentials.biased_series`):
    Φ = E[σσ], A = E[σ″σ], C = E[σ′σ′], D = E[σ′σ] over the pairs, and the Hessian's moments
    (:meth:`moments`)."""

    series: SmoothSeries
    family = None

    def pairs(self, left: Nodes, right: Nodes) -> _Pairs:
        return _Pairs.of(left, right, smoothing=0.0)

    def _check_smooth(self, pair: _Pairs, left: Nodes) -> None:
        """σ has no kinks: Φ has every derivative."""

    def terms(self, left: Nodes, right: Nodes, gradient: bool = False) -> _Terms:
        """Pairs (left p, right q); ``right`` begins with ``left`` (self pairs on the diagonal)."""
        pair = self.pairs(left, right)
        other = self.series.coefficients(pair.raw_b[0], right.biases, order=2 if gradient else 0)
        mine = tuple(f.head(len(left.charges)) for f in other)
        moment = self.series.moment
        terms = _Terms(moment(mine[0], other[0], pair.rho))
        if gradient:
            terms.A, terms.C, terms.D = (moment(mine[i], other[j], pair.rho, SLOPE_TOLERANCE)
                                         for i, j in ((2, 0), (1, 1), (1, 0)))
        return terms

    def moments(self, left: Nodes, right: Nodes, p: _Pairs, weights: np.ndarray):
        """(Σ_q w_iq S_iq, w_ij C_ij over electron pairs, ½∇²G) with S = E[σ″(u)σ(v)x̃x̃ᵀ],
        C = E[σ′(u)σ′(v)x̃x̃ᵀ] by Stein's lemma (:func:`_stein_moments`) from E_ij = E[σ⁽ⁱ⁾(u)σ⁽ʲ⁾(v)];
        ½∇²G by :meth:`_half_self_hessian`."""
        k = len(left.charges)
        other = self.series.coefficients(p.raw_b[0], right.biases, order=ORDER)
        mine = tuple(f.head(k) for f in other)

        def E(i, j):                                                # E[σ⁽ⁱ⁾(u_p)σ⁽ʲ⁾(v_q)] (k, k + m)
            return self.series.moment(mine[i], other[j], p.rho, HESSIAN_TOLERANCE)
        E11 = self.series.moment(mine[1], mine[1], p.rho[:, :k], HESSIAN_TOLERANCE)
        same, cross, _ = _stein_moments(E, E11, _tilde_rows(left.positions), _tilde_rows(right.positions),
                                        weights)
        return same, cross, self._half_self_hessian(mine, left.positions)

    def _half_self_hessian(self, mine: tuple[Coefficients, ...], X: np.ndarray) -> np.ndarray:
        """½∇²G = E[g(u)x̃x̃ᵀ], g = σ′² + σσ″ (G = E[σ(u)²]), from the rule in u = aX + β:
        E[g xxᵀ] = E[g](I − θ̂θ̂ᵀ) + E[gX²]θ̂θ̂ᵀ, E[g x] = E[gX]θ̂ (n, d + 1, d + 1)."""
        mean, first, second = self.series.ridge_moments(mine[1].nodal**2 + mine[0].nodal * mine[2].nodal).T
        unit = _units(X)
        xx = mean[:, None, None] * np.eye(unit.shape[1]) + (second - mean)[:, None, None] * _outer(unit, unit)
        return _tilde(xx, first[:, None] * unit, mean)


@dataclass(frozen=True)
class _Pairs:
    """Invariants of every pair: norms a (n, 1), b (1, m) (smoothed: √(‖θ‖² + s)), ρ, r, h, k, the
    biases β (n, 1), γ (1, m), the plain norms, and hm = h − ρk, km = k − ρh without cancellation
    (k − ρh = (k − h) + (1 − ρ)h, 1 − ρ = ‖x̂ − ŷ‖²/2; their rounding would be amplified by 1/r).
    The diagonal is the self pair (ρ = 1, r = 0 unless smoothed); where a plain norm is 0,
    ρ = 0 and r = 1 stand in (the 1-D formulas are used there)."""

    a: np.ndarray
    b: np.ndarray
    rho: np.ndarray
    r: np.ndarray
    h: np.ndarray
    k: np.ndarray
    beta: np.ndarray
    gamma: np.ndarray
    raw_a: np.ndarray
    raw_b: np.ndarray
    zero: np.ndarray
    hm: np.ndarray
    km: np.ndarray

    @classmethod
    def of(cls, left: Nodes, right: Nodes, smoothing: float) -> _Pairs:
        X, Y = left.positions, right.positions
        na, nb = np.linalg.norm(X, axis=1)[:, None], np.linalg.norm(Y, axis=1)[None, :]
        a, b = np.sqrt(na**2 + smoothing), np.sqrt(nb**2 + smoothing)
        beta, gamma = left.biases[:, None], right.biases[None, :]
        dot = X @ Y.T
        with np.errstate(divide="ignore", invalid="ignore"):
            h, k = beta / a, gamma / b
            if smoothing:  # |ρ| ≤ ‖θ‖‖w‖/(ãb̃) < 1
                rho = dot / (a * b)
                return cls(a, b, rho, np.sqrt((1 - rho) * (1 + rho)), h, k, beta, gamma, na, nb,
                           np.zeros(dot.shape, dtype=bool), h - rho * k, k - rho * h)
            xh, yh = X / np.where(na > 0, na, 1), Y / np.where(nb > 0, nb, 1).T
            minus = np.linalg.norm(xh[:, None, :] - yh[None, :, :], axis=2)   # 1 − ρ² from ‖x̂ ∓ ŷ‖²
            plus = np.linalg.norm(xh[:, None, :] + yh[None, :, :], axis=2)
            r = np.minimum(minus * plus / 2, 1.0)
            r = np.where(r <= _PARALLEL, 0.0, r)
            rho = np.where(r == 0, np.sign(dot), np.clip(dot / (a * b), -1, 1))
            n = len(X)
            rho[np.arange(n), np.arange(n)], r[np.arange(n), np.arange(n)] = 1.0, 0.0
            minus[np.arange(n), np.arange(n)] = 0.0
            near = rho >= 0
            gap = np.where(near, minus**2, plus**2) / 2          # 1 − ρ, or 1 + ρ
            hm = np.where(near, (h - k) + gap * k, (h + k) - gap * k)
            km = np.where(near, (k - h) + gap * h, (k + h) - gap * h)
        zero = (na == 0) | (nb == 0)
        return cls(a, b, np.where(zero, 0.0, rho), np.where(zero, 1.0, r), h, k, beta, gamma, na, nb, zero,
                   hm, km)


def _ncdf(x):
    from scipy.special import ndtr
    return ndtr(x)


def _npdf(x):
    return np.exp(-np.square(x) / 2) / np.sqrt(2 * np.pi)


def _cdf_ratio(x, r):
    """Φ(x/r); at r = 0 the limit 1{x > 0} (½ at x = 0)."""
    return np.where(r > 0, _ncdf(x / np.where(r > 0, r, 1)), (np.sign(x) + 1) / 2)


def _pdf_ratio(x, r):
    """φ(x/r)/r; at r = 0 the limit 0 (x ≠ 0; x = 0 off the diagonal is refused as a cusp)."""
    safe = np.where(r > 0, r, 1)
    return np.where(r > 0, _npdf(x / safe) / safe, 0.0)


def orthant(h, k, rho, r, hm=None, km=None):
    """L(h, k; ρ) = P(X < h, Y < k) = P(X > −h, Y > −k) in float64, r = √(1 − ρ²) given (r = 0: ρ = ±1),
    and optionally hm = h − ρk, km = k − ρh computed without cancellation.

    .. math::  L = \\tfrac12(\\Phi(h) + \\Phi(k)) - T\\big(h, \\tfrac{k - \\rho h}{hr}\\big)
               - T\\big(k, \\tfrac{h - \\rho k}{kr}\\big)
               - \\tfrac12 [hk < 0 \\text{ or } (hk = 0,\\ h + k < 0)]

    (Owen's T), with T(0, ±∞) = ±¼ at h = 0 ≠ k, L(0, 0; ρ) = ¼ + asin(ρ)/2π, and at
    ρ = 1, −1: Φ(min(h, k)), max(0, Φ(h) + Φ(k) − 1).
    """
    from scipy.special import owens_t
    h, k, rho, r = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (h, k, rho, r)))
    with np.errstate(divide="ignore", invalid="ignore"):
        hm, km = (h - rho * k) if hm is None else hm, (k - rho * h) if km is None else km
        th = np.where(h == 0, np.sign(k) / 4, owens_t(h, km / (h * r)))
        tk = np.where(k == 0, np.sign(h) / 4, owens_t(k, hm / (k * r)))
        jump = (h * k < 0) | ((h * k == 0) & (h + k < 0))
        general = (_ncdf(h) + _ncdf(k)) / 2 - th - tk - jump / 2
        general = np.where((h == 0) & (k == 0), 0.25 + np.arcsin(rho) / (2 * np.pi), general)
        parallel = np.where(rho > 0, _ncdf(np.minimum(h, k)), np.maximum(0.0, _ncdf(h) + _ncdf(k) - 1))
    return np.where(r == 0, parallel, general)


def _step_mean(mu, s):
    """P(μ + sX > 0) = Φ(μ/s); at s = 0, 1{μ > 0}."""
    return np.where(s > 0, _ncdf(mu / np.where(s > 0, s, 1)), 1.0 * (mu > 0))


def _sigma_mean(mu, s, scale: float, shift: float):
    """E[σ(μ + sX)] for σ = scale·step − shift (step: 1, 0; sign: 2, 1, with sign(0) = 0)."""
    return np.where(s > 0, scale * _step_mean(mu, s) - shift, np.sign(mu) if shift else 1.0 * (mu > 0))


def _relu_mean(m, s):
    """E[(m + sX)₊] = mΦ(m/s) + sφ(m/s); at s = 0, max(m, 0)."""
    safe = np.where(s > 0, s, 1)
    return np.where(s > 0, m * _ncdf(m / safe) + s * _npdf(m / safe), np.maximum(m, 0.0))


def _relu_terms(p: _Pairs, gradient: bool) -> _Terms:
    """Φ = (βγ + ρab)L + βbφ(k)Φ((h − ρk)/r) + γaφ(h)Φ((k − ρh)/r) + abφ(h)·rφ((k − ρh)/r);
    where θ = 0 or w = 0, Φ = E[(β + aX)₊]E[(γ + bY)₊]."""
    a, b, rho, r, h, k = p.a, p.b, p.rho, p.r, p.h, p.k
    L = orthant(h, k, rho, r, p.hm, p.km)
    mean_u, mean_v = _relu_mean(p.beta, p.raw_a), _relu_mean(p.gamma, p.raw_b)
    _, first_v, both = _orthant_moments(p.beta, p.gamma, a, b, h, k, rho, r, p.hm, p.km, L)
    value = np.where(p.zero, mean_u * mean_v, both)
    if not gradient:
        return _Terms(value)
    step_u, step_v = _step_mean(p.beta, p.raw_a), _step_mean(p.gamma, p.raw_b)
    C = np.where(p.zero, step_u * step_v, L)
    D = np.where(p.zero, step_u * mean_v, first_v)
    fh = _npdf(h)
    A = np.where(p.raw_a == 0, 0.0,
                 np.where(p.raw_b == 0, fh / a * mean_v, fh / a * _relu_mean(b * p.km, b * r)))
    return _Terms(value, A, C, D)


def _orthant_moments(m_u, m_v, a, b, h, k, rho, r, hm, km, L) -> tuple:
    """(E[U 1], E[V 1], E[UV 1]) on {U, V > 0} for U = m_u + aX, V = m_v + bY, corr(X, Y) = ρ, h = m_u/a,
    k = m_v/b, h_m = h − ρk, k_m = k − ρh (given without cancellation) and L = L(h, k; ρ):

    .. math::  E[U 1] = m_u L + aφ(h)Φ(k_m/r) + ρaφ(k)Φ(h_m/r),\\quad
               E[UV 1] = (m_u m_v + ρab)L + m_u bφ(k)Φ(h_m/r) + m_v aφ(h)Φ(k_m/r) + abφ(h)rφ(k_m/r)."""
    fh, fk, ch, ck = _npdf(h), _npdf(k), _cdf_ratio(km, r), _cdf_ratio(hm, r)
    both = (m_u * m_v + rho * a * b) * L + m_u * b * fk * ck + m_v * a * fh * ch \
        + a * b * fh * r * r * _pdf_ratio(km, r)
    return m_u * L + a * (fh * ch + rho * fk * ck), m_v * L + b * (fk * ck + rho * fh * ch), both


def _two_slope_terms(p: _Pairs, m: float, n: float, gradient: bool) -> _Terms:
    """σ = m·t + n·t₊ from the ReLU terms R and the linear pieces, by Stein's lemma
    (E[u g(v)] = βE[g(v)] + c E[g′(v)], c = θᵀw, P_u = P(u > 0), E_u = E[u₊]):

    .. math::  \\Phi = m^2(\\beta\\gamma + c) + mn(\\beta E_v + \\gamma E_u + c(P_u + P_v)) + n^2 R,\\quad
               C = m^2 + mn(P_u + P_v) + n^2 R_C,

    D = m²γ + mn(E_v + γP_u + cφ(h)/a) + n²R_D and A = mn·φ(h)/a·(γ − cβ/a²) + n²R_A
    (σ″ = nδ: A = E[σ″(u)σ(v)] is p_u(0) = φ(h)/a times E[σ(v) | u = 0], E[v | u = 0] = γ − cβ/a²)."""
    relu = _relu_terms(p, gradient)
    c = _dots(p)
    P_u, P_v = _step_mean(p.beta, p.raw_a), _step_mean(p.gamma, p.raw_b)
    E_u, E_v = _relu_mean(p.beta, p.raw_a), _relu_mean(p.gamma, p.raw_b)
    value = m**2 * (p.beta * p.gamma + c) + m * n * (p.beta * E_v + p.gamma * E_u + c * (P_u + P_v)) \
        + n**2 * relu.value
    if not gradient:
        return _Terms(value)
    density = np.where(p.raw_a > 0, _npdf(p.h) / p.a, 0.0)              # p_u(0); u = β is constant at θ = 0
    C = m**2 + m * n * (P_u + P_v) + n**2 * relu.C
    D = m**2 * p.gamma + m * n * (E_v + p.gamma * P_u + c * density) + n**2 * relu.D
    A = m * n * density * (p.gamma - np.where(p.raw_a > 0, c * p.beta / p.a**2, 0.0)) + n**2 * relu.A
    return _Terms(value, A, C, D)


def _orthant_terms(p: _Pairs, family: Family, gradient: bool) -> _Terms:
    """Step F = L, sign and erf F = 4L − 2Φ(h) − 2Φ(k) + 1 in (h, k, ρ); ∇_θΦ = Aθ + Cw with
    A = −(F_h h + F_ρ ρ)/a², C = F_ρ/(ab), D = F_h/a. Where θ = 0 or w = 0 (step, sign),
    Φ = M(β, ‖θ‖)M(γ, ‖w‖), M(μ, s) = E[σ(μ + sX)]."""
    scale, shift = (1.0, 0.0) if family is Family.STEP else (2.0, 1.0)   # σ = scale·step − shift
    L = orthant(p.h, p.k, p.rho, p.r, p.hm, p.km)
    F = scale**2 * L - scale * shift * (_ncdf(p.h) + _ncdf(p.k)) + shift**2
    mean_u, mean_v = (_sigma_mean(mu, s, scale, shift)
                      for mu, s in ((p.beta, p.raw_a), (p.gamma, p.raw_b)))
    value = np.where(p.zero, mean_u * mean_v, F)
    if not gradient:
        return _Terms(value)
    fh = _npdf(p.h)
    F_h = scale**2 * fh * _cdf_ratio(p.km, p.r) - scale * shift * fh
    F_rho = scale**2 * fh * _pdf_ratio(p.km, p.r)
    A = -(F_h * p.h + F_rho * p.rho) / p.a**2
    C, D = F_rho / (p.a * p.b), F_h / p.a
    # w = 0 (θ ≠ 0): Φ = M(β, a)σ(γ), ∇_θM = −scale φ(h) h/a² θ, ∂_βM = scale φ(h)/a
    no_u, only_v = p.zero & (p.raw_a == 0), p.zero & (p.raw_a > 0)
    A = np.where(no_u, 0.0, np.where(only_v, -scale * fh * p.h / p.a**2 * mean_v, A))
    D = np.where(no_u, 0.0, np.where(only_v, scale * fh / p.a * mean_v, D))
    return _Terms(value, A, np.where(p.zero, 0.0, C), D)


def _exp_terms(p: _Pairs) -> _Terms:
    """Φ = exp(β + γ + (a² + b² + 2ρab)/2); A = C = D = Φ (∇_θΦ = (θ + w)Φ)."""
    value = np.exp(p.beta + p.gamma + (p.a**2 + p.b**2) / 2 + _dots(p))
    return _Terms(value, value, value, value)


def _dots(p: _Pairs) -> np.ndarray:
    return np.where(p.zero, 0.0, p.rho * p.a * p.b)


@dataclass(frozen=True)
class _Piece:
    """coef · t^degree · e^{rate·t} on the half-line side·t > 0."""

    coef: float
    degree: int
    rate: float
    side: int


#: ELU σ(t) = t₊ + (e^t − 1)1{t < 0} and its derivatives σ′ = 1{t > 0} + e^t 1{t < 0}, σ″ = e^t 1{t < 0}
#: (σ′ is continuous, so σ″ has no δ), as pieces.
ELU_PIECES = ((_Piece(1, 1, 0, 1), _Piece(1, 0, 1, -1), _Piece(-1, 0, 0, -1)),
              (_Piece(1, 0, 0, 1), _Piece(1, 0, 1, -1)),
              (_Piece(1, 0, 1, -1),))


@dataclass(frozen=True)
class _Elu:
    """The float64 pair kernel of ELU: Φ = E[σσ], A = E[σ″σ], C = E[σ′σ′], D = E[σ′σ], each a sum over
    pieces of :data:`ELU_PIECES` of tilted orthant moments (:func:`_tilted`; closed forms in Owen's T),
    and the Hessian's moments (:meth:`moments`)."""

    family = None

    def pairs(self, left: Nodes, right: Nodes) -> _Pairs:
        return _Pairs.of(left, right, smoothing=0.0)

    def _check_smooth(self, pair: _Pairs, left: Nodes) -> None:
        """Φ is C¹ everywhere and C² but where θ = 0 and β = 0: there σ″(θᵀx + β) = σ″(0) for every x, and
        σ″ jumps at 0 (∂²Φ/∂β² = σ″(β)E[σ(v)] along θ = 0)."""
        bad = np.nonzero((pair.raw_a[:, 0] == 0) & (left.biases == 0))[0]
        if len(bad):
            raise NotSmooth(f"electron {bad[0]} has θ = 0 and β = 0: σ(θᵀx + β) = σ(0) for every x, and σ″ "
                            "of ELU jumps at 0, so Φ has no second derivative there")

    def terms(self, left: Nodes, right: Nodes, gradient: bool = False) -> _Terms:
        """Pairs (left p, right q); ``right`` begins with ``left`` (self pairs on the diagonal)."""
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            E = self._expectations(self.pairs(left, right))
            moments = [E(i, j) for i, j in ((0, 0), *(((2, 0), (1, 1), (1, 0)) if gradient else ()))]
        if not all(np.isfinite(m).all() for m in moments):
            raise InputError("the biased ELU loss is not finite at these parameters (overflow)")
        return _Terms(*moments)

    def moments(self, left: Nodes, right: Nodes, p: _Pairs, weights: np.ndarray):
        """(Σ_q w_iq S_iq, w_ij C_ij over electron pairs, ½∇²G) by Stein's lemma (:func:`_stein_moments`)
        from E_ij = E[σ⁽ⁱ⁾(u)σ⁽ʲ⁾(v)] (:meth:`_expectations`); ½∇²G = E[(σ′² + σσ″)(u)x̃x̃ᵀ] = S_ii + C_ii,
        the self pair's (v = u: ρ = 1, r = 0)."""
        k = len(left.charges)
        E = self._expectations(p)
        T = _tilde_rows(left.positions)
        same, cross, (S, C) = _stein_moments(E, E(1, 1)[:, :k], T, _tilde_rows(right.positions), weights)
        return same, cross, _self_blocks((S, C), T)

    def _expectations(self, p: _Pairs):
        """E(i, j) = E[σ⁽ⁱ⁾(u)σ⁽ʲ⁾(v)] over the pairs, u = θᵀx + β, v = wᵀx + γ: for i, j ≤ 2 sums over
        :data:`ELU_PIECES`; σ″ = e^t 1{t < 0} jumps by −1 at 0, so σ‴ = σ″ − δ and σ⁗ = σ″ − δ − δ′, and with
        Δ_j = E[δ(u)σ⁽ʲ⁾(v)] = φ(h)/a · E[σ⁽ʲ⁾(v) | u = 0] (v | u = 0 ~ N(γ − cβ/a², b²r²), c = θᵀw):

        .. math::  E_{3j} = E_{2j} - \\Delta_j, \\quad
                   E_{40} = E_{20} - \\Delta_0 + (\\beta\\Delta_0 + c\\Delta_1)/a^2

        (E[δ′(u)g(v)] = −∂_t[p_u(t)E[g(v) | u = t]] at t = 0), so by :func:`_stein`
        S = E₂₀I + E₄₀θθᵀ + (E₂₁ − Δ₁)(θwᵀ + wθᵀ) + E₂₂wwᵀ. Only j ≤ 1 is asked (δ never meets the jump of
        σ″), and σ, σ′ are continuous, so Δ_j holds at r = 0 too (v | u = 0 is then the point γ − cβ/a²).
        Where θ = 0 (β ≠ 0), Δ_j = 0."""
        tilted = {}                         # one orthant per (side, rate) of each node: 9 for all moments

        def moment(x: _Piece, y: _Piece) -> np.ndarray:
            key = (x.side, x.rate, y.side, y.rate)
            if key not in tilted:
                tilted[key] = _tilted(p, *key)
            value = x.side**x.degree * y.side**y.degree * tilted[key][x.degree, y.degree]
            if p.zero.any():
                product = _piece_mean(x, p.beta, p.raw_a) * _piece_mean(y, p.gamma, p.raw_b)
                value = np.where(p.zero, product, value)
            return x.coef * y.coef * value

        has_a = p.raw_a > 0
        density = _npdf(p.h) / p.a                                        # p_u(0)
        mean = np.where(p.raw_b > 0, p.b * p.km, p.gamma)                 # E[v | u = 0]

        def delta(j):
            given = sum(y.coef * _piece_mean(y, mean, p.b * p.r) for y in ELU_PIECES[j])
            return np.where(has_a, density * given, 0.0)

        @cache
        def E(i, j):
            if i < 3:
                return sum(moment(x, y) for x in ELU_PIECES[i] for y in ELU_PIECES[j])
            if i == 3:
                return E(2, j) - delta(j)
            dipole = -(p.beta * delta(0) + _dots(p) * delta(1)) / np.where(has_a, p.a, 1) ** 2  # E[δ′(u)σ(v)]
            return E(2, 0) - delta(0) - dipole
        return E


def _tilted(p: _Pairs, s: int, lam: float, t: int, mu: float) -> dict:
    """{(i, j): E[U^i V^j e^{λu + μv} 1{U, V > 0}]}, U = su, V = tv, i, j ∈ {0, 1}, for u = aX + β,
    v = bY + γ. Tilting: e^{λu + μv} times the Gaussian density is Z = exp(λβ + μγ + (λ²a² + 2λμc +
    μ²b²)/2) (c = θᵀw) times the density of means β′ = β + λa² + μc, γ′ = γ + λc + μb². With
    m_U = sβ′, m_V = tγ′, h = m_U/a, k = m_V/b, ρ_s = stρ, h_m = s(h_m + λar²), k_m = t(k_m + μbr²):

    P = L(h, k; ρ_s), and E[U], E[V], E[UV] on the orthant by :func:`_orthant_moments`, all times Z."""
    c = _dots(p)
    z = np.exp(lam * p.beta + mu * p.gamma + (lam**2 * p.a**2 + 2 * lam * mu * c + mu**2 * p.b**2) / 2)
    m_u, m_v = s * (p.beta + lam * p.a**2 + mu * c), t * (p.gamma + lam * c + mu * p.b**2)
    rho, h, k = s * t * p.rho, m_u / p.a, m_v / p.b
    hm, km = s * (p.hm + lam * p.a * p.r**2), t * (p.km + mu * p.b * p.r**2)
    P = orthant(h, k, rho, p.r, hm, km)
    first_u, first_v, both = _orthant_moments(m_u, m_v, p.a, p.b, h, k, rho, p.r, hm, km, P)
    return {(0, 0): z * P, (1, 0): z * first_u, (0, 1): z * first_v, (1, 1): z * both}


def _piece_mean(x: _Piece, m, s) -> np.ndarray:
    """E[x(m + sX)]/coef = e^{λm + λ²s²/2}·E[(m′ + sX)^d 1{side·(m′ + sX) > 0}], m′ = m + λs²; at s = 0
    the piece at m, its side +1 closed (t ≥ 0), so σ′(0) = 1 (σ and σ′ are continuous there)."""
    shifted = m + x.rate * s**2
    signed, inside = x.side * shifted, (shifted >= 0) if x.side > 0 else (shifted < 0)
    spread = _step_mean(signed, s) if x.degree == 0 else x.side * _relu_mean(signed, s)
    moment = np.where(s > 0, spread, inside * shifted**x.degree)
    return np.exp(x.rate * m + x.rate**2 * s**2 / 2) * moment


# ---------------------------------------------------------------------- inputs

def _vector(values, n: int, what: str) -> np.ndarray:
    """A finite float vector of length n."""
    try:
        v = np.array(values, dtype=float).reshape(-1) if np.ndim(values) else np.array([float(values)])
    except (TypeError, ValueError) as why:
        raise InputError(f"{what} must be real numbers: {why}") from why
    if v.shape != (n,):
        raise InputError(f"{what}: one bias per row is needed, {n} rows but {v.size} biases")
    if not np.isfinite(v).all():
        raise InputError(f"{what} must be finite (got NaN or ±inf)")
    return v


# ---------------------------------------------------------------------- Hessian moments

def _tilde(xx: np.ndarray, x1: np.ndarray, one: np.ndarray) -> np.ndarray:
    """[[xx, x1], [x1ᵀ, one]]: the moment E[g x̃x̃ᵀ] from E[g xxᵀ], E[g x], E[g] (x̃ = (x, 1))."""
    top = np.concatenate([xx, x1[..., :, None]], axis=-1)
    bottom = np.concatenate([x1, one[..., None]], axis=-1)[..., None, :]
    return np.concatenate([top, bottom], axis=-2)


def _outer(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return u[..., :, None] * v[..., None, :]


def _units(X: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(X, axis=-1, keepdims=True)
    return X / np.where(norms > 0, norms, 1)


def step_moment(nodes: Nodes) -> np.ndarray:
    """E[1{u > 0} x̃x̃ᵀ] per node, u = θᵀx + β: with h = β/‖θ‖, θ̂ = θ/‖θ‖,
    E[1{u > 0} xxᵀ] = Φ(h)I − hφ(h)θ̂θ̂ᵀ, E[1{u > 0} x] = φ(h)θ̂, E[1{u > 0}] = Φ(h);
    θ = 0: 1{β > 0}·diag(I, 1)."""
    X, beta = nodes.positions, nodes.biases
    norm = np.linalg.norm(X, axis=1)
    unit = _units(X)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(norm > 0, beta / np.where(norm > 0, norm, 1), np.sign(beta) * np.inf)
    P, f = _ncdf(h), _npdf(h)
    fh = np.where(np.isfinite(h), h * f, 0.0)
    xx = P[:, None, None] * np.eye(X.shape[1]) - fh[:, None, None] * _outer(unit, unit)
    return _tilde(xx, f[:, None] * unit, P)


def slope_moments(left: Nodes, right: Nodes, p: _Pairs, m: float = 0.0, n: float = 1.0) -> tuple:
    """(S, C, ½∇²G) of σ = m·t + n·t₊ (ReLU: m, n = 0, 1) with S_pq = E[σ″(u_p)σ(u_q) x̃x̃ᵀ], C_pq =
    E[σ′(u_p)σ′(u_q) x̃x̃ᵀ] (pairs (n, m, d+1, d+1)) and half the self-energy's Hessian ½∇²G = E[σ′(u)² x̃x̃ᵀ]
    (n, d+1, d+1; σσ″ = σ(0)nδ = 0). With σ′ = m + n1{t > 0}, σ″ = nδ, Ĩ = E[x̃x̃ᵀ] = diag(I, 1) and
    T_p = E[1{u_p > 0} x̃x̃ᵀ] (:func:`step_moment`):

    .. math::  S = n\\,E[\\delta(u)\\sigma(v)\\tilde x\\tilde x^{\\top}],\\quad
               C = m^2\\tilde I + mn(T_p + T_q)
                   + n^2E[1\\{u > 0\\}1\\{v > 0\\}\\tilde x\\tilde x^{\\top}],\\quad
               \\tfrac12\\nabla^2G = m^2\\tilde I + (2mn + n^2)T_p.

    S: condition on u = 0, i.e. x = −hθ̂ + ηŵ⊥ + z (η, z independent), where v ~ N(μ, s²), μ = γ − ρ‖w‖h,
    s = ‖w‖r, v⊥ = ŵ − ρθ̂ = rŵ⊥; Stein's lemma in z gives, with the conditional means M₀ = E[σ(v)],
    M₁ = E[σ′(v)], M₂ = E[σ″(v)] (σ(v) = mv + nv₊: M₀ = mμ + n(μΦ(μ/s) + sφ(μ/s)), M₁ = m + nΦ(μ/s),
    M₂ = nφ(μ/s)/s),

    .. math::  E[\\delta(u)\\sigma(v)\\tilde x\\tilde x^{\\top}] = \\frac{\\varphi(h)}{\\|\\theta\\|}\\Big[
               M_0(I + (h^2 - 1)\\hat\\theta\\hat\\theta^{\\top})
               - h\\|w\\|M_1(\\hat\\theta v_\\perp^{\\top} + v_\\perp\\hat\\theta^{\\top})
               + \\|w\\|^2M_2\\, v_\\perp v_\\perp^{\\top}\\Big],
               \\quad E[\\cdot\\, x] = \\tfrac{\\varphi(h)}{\\|\\theta\\|}
               (-hM_0\\hat\\theta + \\|w\\|M_1v_\\perp),
               \\quad E[\\cdot] = \\tfrac{\\varphi(h)}{\\|\\theta\\|} M_0.

    The ReLU part of C: Stein's lemma E[g xxᵀ] = E[g]I + E[∇g xᵀ], E[g x] = E[∇g], with
    E[δ(u)1{v > 0} x] = φ(h)/‖θ‖·(−hΦ(k′/r)θ̂ + φ(k′/r)/r·v⊥), k′ = k − ρh, and the mirror;
    at r = 0 the limits Φ(x/0) = 1{x > 0} (½ at 0), φ(x/0)/0 = 0 (where v⊥ = 0 too)."""
    X, Y = left.positions, right.positions
    th, wh = _units(X)[:, None, :], _units(Y)[None, :, :]
    rho, r, h, k = p.rho[..., None], p.r, p.h, p.k
    has_a, has_b = p.raw_a > 0, p.raw_b > 0
    vperp = np.where((has_a & has_b)[..., None], wh - rho * th, 0.0)
    tperp = np.where((has_a & has_b)[..., None], th - rho * wh, 0.0)
    eye = np.eye(X.shape[1])
    # S
    b = np.where(has_b, p.b, 0.0)
    mu = np.where(has_b, b * p.km, p.gamma)
    s_ = b * np.where(has_b, r, 0.0)
    M0 = m * mu + n * _relu_mean(mu, s_)
    M1 = m + n * _step_mean(mu, s_)
    M2 = n * np.where(has_b, b * _pdf_ratio(p.km, r), 0.0)                  # ‖w‖²E[σ″(v)]
    lead = np.where(has_a, _npdf(h) / np.where(has_a, p.a, 1), 0.0)
    hh = np.where(has_a, h, 0.0)
    xx = (M0[..., None, None] * (eye + (hh**2 - 1)[..., None, None] * _outer(th, th))
          - (hh * b * M1)[..., None, None] * (_outer(th, vperp) + _outer(vperp, th))
          + M2[..., None, None] * _outer(vperp, vperp))
    x1 = -(hh * M0)[..., None] * th + (b * M1)[..., None] * vperp
    S = n * np.where(has_a[..., None, None], lead[..., None, None] * _tilde(xx, x1, M0), 0.0)
    # C
    L = orthant(h, k, p.rho, r, p.hm, p.km)
    fh, fk = np.where(has_a, _npdf(h), 0.0), np.where(has_b, _npdf(k), 0.0)
    ch, ck = _cdf_ratio(p.km, r), _cdf_ratio(p.hm, r)
    ru, rv = _pdf_ratio(p.km, r), _pdf_ratio(p.hm, r)
    kk = np.where(has_b, k, 0.0)
    grad_u = fh[..., None] * (-(hh * ch)[..., None] * th + ru[..., None] * vperp)   # ‖θ‖·E[δ(u)1{v>0}x]
    grad_v = fk[..., None] * (-(kk * ck)[..., None] * wh + rv[..., None] * tperp)
    xx = L[..., None, None] * eye + _outer(th, grad_u) + _outer(wh, grad_v)
    C = _tilde((xx + np.swapaxes(xx, -1, -2)) / 2, (fh * ch)[..., None] * th + (fk * ck)[..., None] * wh, L)
    # a zero norm: 1{β > 0}·E[1{v > 0} x̃x̃ᵀ] (or the mirror); both: 1{β > 0}1{γ > 0}·Ĩ
    left_steps, right_steps = step_moment(left), step_moment(right)
    plain = _tilde(np.broadcast_to(eye, (*L.shape, *eye.shape)), np.zeros((*L.shape, len(eye))),
                   np.ones(L.shape))
    on_u, on_v = (p.beta > 0) * 1.0, (p.gamma > 0) * 1.0
    C = np.where((~has_a & has_b)[..., None, None], on_u[..., None, None] * right_steps[None], C)
    C = np.where((has_a & ~has_b)[..., None, None], on_v[..., None, None] * left_steps[:, None], C)
    C = np.where((~has_a & ~has_b)[..., None, None], (on_u * on_v)[..., None, None] * plain, C)
    C = m**2 * plain + m * n * (left_steps[:, None] + right_steps[None]) + n**2 * C
    return S, C, m**2 * plain[:, 0] + (2 * m * n + n**2) * left_steps


def exp_moments(left: Nodes, right: Nodes, p: _Pairs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """exp's (S, C, self): σ = σ′ = σ″, and E[e^{u+v} x̃x̃ᵀ] = Φ·[[I + μμᵀ, μ], [μᵀ, 1]], μ = θ + w (the
    exponential tilt shifts x to N(μ, I)); the self-energy G = e^{2β + 2‖θ‖²} has
    ∇²G = G·[[4I + 16θθᵀ, 8θ], [8θᵀ, 4]]."""
    mu = left.positions[:, None, :] + right.positions[None, :, :]
    value = _exp_terms(p).value
    eye = np.eye(mu.shape[-1])
    moment = value[..., None, None] * _tilde(eye + _outer(mu, mu), mu, np.ones(value.shape))
    X = left.positions
    G = np.exp(2 * left.biases + 2 * (X * X).sum(axis=1))
    self_part = G[:, None, None] * _tilde(4 * eye + 16 * _outer(X, X), 8 * X, 4 * np.ones(len(X)))
    return moment, moment, self_part / 2


def _summed(moments):
    """Pair moments (S, C, ½∇²G) as the Hessian takes them: (Σ_q w_iq S_iq, w_ij C_ij over electron pairs,
    ½∇²G)."""
    def summed(left: Nodes, right: Nodes, p: _Pairs, weights: np.ndarray):
        same, cross, self_part = moments(left, right, p)
        k = len(left.charges)
        same[np.arange(k), np.arange(k)] = 0.0            # the self pair is G's, not a cross term
        return (np.einsum("iq,iqab->iab", weights, same), weights[:, :k, None, None] * cross[:, :k],
                self_part)
    return summed


@dataclass(frozen=True)
class _Jet:
    """F(h, k, ρ)'s derivatives of order 1 and 2 over pairs."""

    h: np.ndarray
    k: np.ndarray
    rho: np.ndarray
    hh: np.ndarray
    kk: np.ndarray
    hk: np.ndarray
    h_rho: np.ndarray
    k_rho: np.ndarray
    rho_rho: np.ndarray


def _finite(x: np.ndarray) -> np.ndarray:
    return np.where(np.isfinite(x), x, 0.0)


def orthant_jet(p: _Pairs, scale: float, shift: float) -> _Jet:
    """The derivatives of F = s²L − st(Φ(h) + Φ(k)) + t² (step: s, t = 1, 0; sign and erf: 2, 1) with
    L = L(h, k; ρ), h′ = h − ρk, k′ = k − ρh and L_ρ = φ(h)φ(k′/r)/r the bivariate normal density:

    .. math::  L_h = \\varphi(h)\\Phi(k'/r),\\quad L_{hh} = -hL_h - \\rho L_\\rho,\\quad L_{hk} = L_\\rho,
               \\quad L_{h\\rho} = -L_\\rho h'/r^2,\\quad
               L_{\\rho\\rho} = L_\\rho(\\rho/r^2 + h'k'/r^4)

    and the mirror in k. At r = 0 (parallel, h′ ≠ 0; h′ = 0 is refused as a cusp) the ρ-derivatives are
    their limit 0 (φ(k′/r)/rⁿ → 0). Where w = 0 and θ ≠ 0, F = M(β, ‖θ‖)σ̄(γ): F_h = sφ(h)σ̄(γ),
    F_hh = −hF_h, the rest 0; where θ = 0 (β ≠ 0), Φ is flat in (θ, β): 0."""
    h, k, hm, km = (_finite(v) for v in (p.h, p.k, p.hm, p.km))
    rho, r = p.rho, p.r
    fh, fk = _npdf(h), _npdf(k)
    L_rho = fh * _pdf_ratio(km, r)
    inv = np.where(r > 0, 1 / np.where(r > 0, r, 1), 0.0) ** 2           # 1/r², 0 where L_ρ = 0
    L_h, L_k = fh * _cdf_ratio(km, r), fk * _cdf_ratio(hm, r)
    s2, st = scale**2, scale * shift
    F_h, F_k = s2 * L_h - st * fh, s2 * L_k - st * fk
    F_hh = s2 * (-h * L_h - rho * L_rho) + st * h * fh
    F_kk = s2 * (-k * L_k - rho * L_rho) + st * k * fk
    rest = (s2 * L_rho, -s2 * L_rho * hm * inv, -s2 * L_rho * km * inv,
            s2 * L_rho * (rho + hm * km * inv) * inv)
    only_u = p.zero & (p.raw_a > 0)
    F_u = np.where(only_u, scale * fh * _sigma_mean(p.gamma, p.raw_b, scale, shift), 0.0)
    return _Jet(np.where(p.zero, F_u, F_h), np.where(p.zero, 0.0, F_k), np.where(p.zero, 0.0, s2 * L_rho),
                np.where(p.zero, -h * F_u, F_hh), np.where(p.zero, 0.0, F_kk),
                *(np.where(p.zero, 0.0, v) for v in rest))


def _basis_blocks(jet: _Jet, h, k, rho, a, b) -> tuple[tuple, tuple]:
    """∇²_xxΦ and ∇²_xyΦ (x = (θ, β), y = (w, γ)) as αP + E M Eᵀ, E = [θ̃, w̃, e] (θ̃ = (θ, 0), e = (0, 1),
    P = diag(I, 0)): (α, M) of each, M (…, 3, 3), by the chain rule through h = β/a, k = γ/b, ρ = θᵀw/(ab),
    whose derivatives in the basis are

    ∇_xh = −h/a²·θ̃ + e/a, ∇_xρ = w̃/(ab) − ρθ̃/a², ∇²_xxh = −(h/a²)P + 3hθ̃θ̃ᵀ/a⁴ − (θ̃eᵀ + eθ̃ᵀ)/a³,
    ∇²_xxρ = −(ρ/a²)P + 3ρθ̃θ̃ᵀ/a⁴ − (w̃θ̃ᵀ + θ̃w̃ᵀ)/(a³b),
    ∇²_xyρ = P/(ab) − θ̃θ̃ᵀ/(a³b) − w̃w̃ᵀ/(ab³) + ρθ̃w̃ᵀ/(a²b²) (a² = ‖θ‖² + smoothing)."""
    a, b = (np.where(v > 0, v, 1.0) for v in (a, b))      # a zero norm: F's derivatives are 0 there
    h, k, rho, a, b = np.broadcast_arrays(_finite(h), _finite(k), rho, a, b)
    zero = np.zeros(h.shape)
    g_h = np.stack([-h / a**2, zero, 1 / a], axis=-1)
    g_k = np.stack([zero, -k / b**2, 1 / b], axis=-1)
    g_rx = np.stack([-rho / a**2, 1 / (a * b), zero], axis=-1)
    g_ry = np.stack([1 / (a * b), -rho / b**2, zero], axis=-1)
    hess_h, hess_rx, hess_rxy = (np.zeros((*h.shape, 3, 3)) for _ in range(3))
    hess_h[..., 0, 0], hess_h[..., 0, 2], hess_h[..., 2, 0] = 3 * h / a**4, -1 / a**3, -1 / a**3
    hess_rx[..., 0, 0] = 3 * rho / a**4
    hess_rx[..., 0, 1] = hess_rx[..., 1, 0] = -1 / (a**3 * b)
    hess_rxy[..., 0, 0], hess_rxy[..., 1, 1] = -1 / (a**3 * b), -1 / (a * b**3)
    hess_rxy[..., 0, 1] = rho / (a * b) ** 2

    def c(v):
        return v[..., None, None]
    xx = (c(jet.hh) * _outer(g_h, g_h) + c(jet.rho_rho) * _outer(g_rx, g_rx)
          + c(jet.h_rho) * (_outer(g_h, g_rx) + _outer(g_rx, g_h)) + c(jet.h) * hess_h + c(jet.rho) * hess_rx)
    xy = (c(jet.hk) * _outer(g_h, g_k) + c(jet.h_rho) * _outer(g_h, g_ry) + c(jet.k_rho) * _outer(g_rx, g_k)
          + c(jet.rho_rho) * _outer(g_rx, g_ry) + c(jet.rho) * hess_rxy)
    return (-(jet.h * h + jet.rho * rho) / a**2, xx), (jet.rho / (a * b), xy)


def _stein(F, F_u, F_v, F_uu, F_uv, F_vv) -> tuple[np.ndarray, np.ndarray]:
    """E[F(u, v) x̃x̃ᵀ] as αP + E M Eᵀ, E = [θ̃, w̃, e] (:func:`_basis_blocks`), from the expectations of F and
    its derivatives: Stein's lemma gives E[F xxᵀ] = E[F]I + E[F_uu]θθᵀ + E[F_uv](θwᵀ + wθᵀ) + E[F_vv]wwᵀ and
    E[F x] = E[F_u]θ + E[F_v]w, so α = E[F] and M = [[F_uu, F_uv, F_u], [F_uv, F_vv, F_v], [F_u, F_v, F]]."""
    M = np.stack([np.stack(row, axis=-1) for row in ((F_uu, F_uv, F_u), (F_uv, F_vv, F_v), (F_u, F_v, F))],
                 axis=-2)
    return F, M


def _tilde_rows(X: np.ndarray) -> np.ndarray:
    """θ̃ = (θ, 0) of each row."""
    return np.hstack([X, np.zeros((len(X), 1))])


def _electron_blocks(alpha: np.ndarray, M: np.ndarray, T: np.ndarray) -> np.ndarray:
    """αP + E M Eᵀ with E_ij = [T_i, T_j, e] over electron pairs: the blocks (k, k, n, n)."""
    n = T.shape[1]
    E = np.stack(np.broadcast_arrays(T[:, None], T[None], np.eye(n)[-1]), axis=-1)
    B = E @ M @ np.swapaxes(E, -1, -2)
    B[..., np.arange(n - 1), np.arange(n - 1)] += alpha[..., None]
    return B


def _weighted(weights: np.ndarray, alpha: np.ndarray, M: np.ndarray, T: np.ndarray,
              Y: np.ndarray) -> np.ndarray:
    """Σ_q w_iq (α P + E M Eᵀ)_iq with E = [T_i, Y_q, e], without forming the blocks: with Z_i = [T_i, e]
    (fixed in q), = Z(ΣwM_ZZ)Zᵀ + Z(ΣwM_ZY Y_qᵀ) + (its transpose part) + Σ_q wM_YY Y_qY_qᵀ + (Σwα)P."""
    n = T.shape[1]
    Z = np.stack([T, np.broadcast_to(np.eye(n)[-1], T.shape)], axis=-1)            # (k, n, 2)
    c = weights[..., None, None] * M
    fixed = [0, 2]
    zz = c[:, :, fixed][:, :, :, fixed].sum(axis=1)
    zy = np.swapaxes(c[:, :, fixed, 1], 1, 2) @ Y                                   # (k, 2, n)
    yz = np.swapaxes(c[:, :, 1, fixed], 1, 2) @ Y
    yy = (Y.T[None] * c[:, None, :, 1, 1]) @ Y
    S = Z @ zz @ np.swapaxes(Z, 1, 2) + Z @ zy + np.swapaxes(yz, 1, 2) @ np.swapaxes(Z, 1, 2) + yy
    S[:, np.arange(n - 1), np.arange(n - 1)] += (weights * alpha).sum(axis=1)[:, None]
    return S


def _stein_moments(E, E11: np.ndarray, T: np.ndarray, Y: np.ndarray, weights: np.ndarray):
    """(Σ_q w_iq S_iq, w_ij C_ij over electron pairs, (S, C) as (α, M) pairs) with S = E[σ″(u)σ(v)x̃x̃ᵀ],
    C = E[σ′(u)σ′(v)x̃x̃ᵀ] by Stein's lemma (:func:`_stein`) from E(i, j) = E[σ⁽ⁱ⁾(u)σ⁽ʲ⁾(v)] over the
    pairs (k, k + m) and E11 over the electron pairs (k, k): S from (E₂₀, E₃₀, E₂₁, E₄₀, E₃₁, E₂₂), C from
    (E₁₁, E₂₁, E₁₂, E₃₁, E₂₂, E₁₃) (E₁₂ = E₂₁ᵀ, E₁₃ = E₃₁ᵀ over the electrons)."""
    k = len(T)
    E21, E31, E22 = E(2, 1), E(3, 1), E(2, 2)
    S = _stein(E(2, 0), E(3, 0), E21, E(4, 0), E31, E22)
    E21, E31, E22 = E21[:, :k], E31[:, :k], E22[:, :k]
    C = _stein(E11, E21, E21.T, E31, E22, E31.T)
    w = weights[:, :k]
    return _weighted(weights, *S, T, Y), _electron_blocks(w * C[0], w[..., None, None] * C[1], T), (S, C)


def _self_blocks(moments, T: np.ndarray) -> np.ndarray:
    """½∇²G = (∇²_xxΦ + ∇²_xyΦ)(x, x) for a symmetric Φ (G(x) = Φ(x, x)): the blocks (i, i) of the pair
    moments αP + E M Eᵀ (E = [T_i, T_i, e]) summed over ``moments`` ((α, M) over pairs (k, k + m))."""
    k = len(T)
    part = sum(_weighted(np.eye(k), alpha[:, :k], M[:, :k], T, T) for alpha, M in moments)
    return (part + np.swapaxes(part, 1, 2)) / 2


def orthant_moments(family: Family, left: Nodes, right: Nodes, p: _Pairs, weights: np.ndarray):
    """Step, sign and erf (Φ = F(h, k, ρ), :func:`orthant_jet`): (Σ_q w_iq∇²_xxΦ_iq, w_ij∇²_xyΦ_ij over
    electron pairs, ½∇²G) by the chain rule (:func:`_basis_blocks`). The self-energy G = E[σ(u)²]: erf
    ½∇²G = ∇²_xxΦ + ∇²_xyΦ at y = x (Φ is smooth and symmetric); step and sign G = (s² − 2st)Φ(h) + t²
    (σ² = (s² − 2st)step + t²), ½∇²G = ½(s² − 2st)∇²Φ(h): 0 for sign."""
    scale, shift = (1.0, 0.0) if family is Family.STEP else (2.0, 1.0)
    jet = orthant_jet(p, scale, shift)
    (alpha_xx, xx), (alpha_xy, xy) = _basis_blocks(jet, p.h, p.k, p.rho, p.a, p.b)
    k = len(left.charges)
    T, Y = _tilde_rows(left.positions), _tilde_rows(right.positions)
    same = _weighted(weights, alpha_xx, xx, T, Y)
    w = weights[:, :k]
    cross = _electron_blocks(w * alpha_xy[:, :k], w[..., None, None] * xy[:, :k], T)
    if family is Family.ERF:
        return same, cross, _self_blocks(((alpha_xx, xx), (alpha_xy, xy)), T)
    h = _finite(p.h[:, :1])                       # G = c·Φ(h): F_h = cφ(h), F_hh = −hF_h, the rest 0
    F_h = (scale**2 - 2 * scale * shift) / 2 * np.where(p.raw_a > 0, _npdf(h), 0.0)
    none = np.zeros((k, 1))
    jet = _Jet(F_h, none, none, -h * F_h, *(none,) * 5)
    (alpha, M), _ = _basis_blocks(jet, h, none, none + 1, p.a, none + 1)
    return same, cross, _weighted(np.ones((k, 1)), alpha, M, T, np.zeros((1, T.shape[1])))


#: The Hessian's pair moments by family: (Σ_q w_iq S_iq, w_ij C_ij over electron pairs (k, k, n, n), ½∇²G) of
#: (left, right, pairs, weights).
_MOMENTS = {Family.RELU: _summed(slope_moments), Family.EXP: _summed(exp_moments),
            **{f: partial(orthant_moments, f) for f in (Family.STEP, Family.SIGN, Family.ERF)}}
