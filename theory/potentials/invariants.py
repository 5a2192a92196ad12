"""The invariants of the pairs (x_i, y_j) of two point sets, one function a geometry.

Each form of :mod:`theory.potentials.forms` computes its pairs with one of them
(:meth:`~theory.potentials.forms.Form.pairs`): the coordinate differences s of a product
Φ, the squared distances q of a radial one, or the norms n₁, n₂, the cosine ρ,
c = 1 − ρ² and the angle φ of a ridge or zonal one. They are computed without
catastrophic cancellation where ``|ρ|`` is near 1 or θ is near w, and a pair that
coincides to working precision is flagged, so that the kernel's limits replace its
values there (:mod:`theory.dynamics.pairs`). ``arith`` is an
:class:`~theory.dynamics.arithmetic.Arithmetic` (float64 or mpmath arrays).

>>> import numpy as np
>>> from theory.dynamics.arithmetic import arithmetic
>>> pairs = angle_pairs(np.array([[1.0, 0.0]]), np.array([[1.0, 0.0], [0.0, 2.0]]), arithmetic())
>>> pairs.values["rho"].tolist(), pairs.values["n2"].tolist()
([[0.0, 0.0]], [[1.0, 2.0]])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:   # the dynamics' arithmetic is passed in: no import of the stage downstream
    from ..dynamics.arithmetic import Arithmetic

#: ``|ρ|`` above which c = 1 − ρ² is recomputed from differences of unit vectors.
_NEAR = 0.99
#: Up to this many entries of the (k, m, d) array of differences, q = ‖θ − w‖² is summed
#: from them (exact, and faster than a matrix product at this size; see squared_distances).
_DIRECT_DIFFERENCES = 8000
#: A pair whose invariant z (c = 1 − ρ² or q = ‖θ − w‖²) has √z below 10^−(digits + this)
#: is a coincidence: its kernel values are the limits at z = 0 (see Kernel.coincidence).
_COINCIDENT_DIGITS = 3


@dataclass
class Pairs:
    """Invariants of every pair (x_i, y_j), as (k, m) arrays ((k, m, d) for s), and unit vectors.

    ``coincident`` is (rows, columns, signs) of the off-diagonal pairs that coincide
    (θ̂ = ±ŵ, or θ = w for radial Φ, to the switch-over of :func:`coincidences`): there
    harmless invariants are stored and every kernel value is replaced by its limit.
    """

    values: dict
    n1: np.ndarray | None = None
    n2: np.ndarray | None = None
    xh: np.ndarray | None = None
    yh: np.ndarray | None = None
    coincident: tuple = ((), (), ())
    electrons: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return self.values["q" if "q" in self.values else "rho"].shape

    def describe(self, index: int) -> str:
        i, j = self.coincident[0][index], self.coincident[1][index]
        other = f"electron {j}" if j < self.electrons else f"proton {j - self.electrons}"
        relation = "sits on" if self.coincident[2][index] > 0 else "is antiparallel to"
        return f"electron {i} {relation} {other}"


def coordinate_pairs(X: np.ndarray, Y: np.ndarray) -> Pairs:
    """s = x_i − y_j, a (k, m, d) array: the invariants of a product Φ = ∏_k h(s_k)."""
    return Pairs({"s": X[:, None, :] - Y[None, :, :]})


def distance_pairs(X: np.ndarray, Y: np.ndarray, arith: Arithmetic) -> Pairs:
    """q = ‖x_i − y_j‖² (:func:`squared_distances`), with the coincidences θ = w flagged and
    q = 1 stored there (and on the diagonal): the invariants of a radial Φ."""
    q = squared_distances(X, Y, arith)
    coincident = coincidences(q, np.ones(q.shape), arith)
    q[coincident[:2]] = 1
    return Pairs({"q": q}, coincident=coincident, electrons=len(X))


def angle_pairs(X: np.ndarray, Y: np.ndarray, arith: Arithmetic, angle: bool = False) -> Pairs:
    """n₁ = ‖x_i‖ as (k, 1), n₂ = ‖y_j‖ as (1, m), ρ = x̂_iᵀŷ_j and c = 1 − ρ² (:func:`cosines`),
    and φ = acos ρ if ``angle`` (``arith.angles``: arccos where ``|ρ| ≤ 0.99``, well conditioned,
    atan2(√c, ρ) near ±1 and everywhere in mpmath): the invariants of a ridge or zonal Φ.

    On the diagonal, the self pairs (handled by the self terms), and at coincident pairs
    θ̂ = ±ŵ (handled by the kernel's limits), ρ = 0 and c = 1 are stored so that no singular
    formula is evaluated there.
    """
    n2 = arith.sqrt(np.einsum("ij,ij->i", Y, Y))
    n1 = n2[:len(X)]
    values = {"n1": n1[:, None], "n2": n2[None, :]}
    yh = Y / (n2 if n2.all() else np.where(n2 == 0, 1, n2))[:, None]
    xh = yh[:len(X)]
    values["rho"], values["c"], near = cosines(xh, yh, arith)
    coincident = coincidences(values["c"], values["rho"], arith)
    values["rho"][coincident[:2]], values["c"][coincident[:2]] = 0, 1
    if angle:
        values["phi"] = arith.angles(values["rho"], values["c"], near)
    return Pairs(values, n1, n2, xh, yh, coincident, len(X))


def coincidences(z: np.ndarray, rho_: np.ndarray, arith: Arithmetic) -> tuple:
    """(rows, columns, signs of ρ) of the off-diagonal pairs with √z < 10^−(digits + 3)
    (digits: 16 in float64, dps in mpmath), z = c or q."""
    switch = arith.exp10(-2 * (arith.digits + _COINCIDENT_DIGITS))
    small = z < switch
    set_diagonal(small, False)
    rows, cols = np.nonzero(small)
    return rows, cols, np.where(rho_[rows, cols] > 0, 1, -1)


def set_diagonal(M: np.ndarray, values) -> None:
    """Set the entries (i, i) of a (k, m) array, m ≥ k (the self pairs)."""
    M.flat[::M.shape[1] + 1] = values


def cosines(xh, yh, arith: Arithmetic):
    """ρ = θ̂ᵀŵ and c = 1 − ρ²; where ``|ρ|`` is near 1 both from h = ‖θ̂ ∓ ŵ‖²/2 = 1 ∓ ρ
    (sign of ρ), as ρ = ±(1 − h) and c = h(2 − h), free of cancellation."""
    rho_ = xh @ yh.T
    arith.clamp_unit(rho_)
    set_diagonal(rho_, 0)
    c = 1 - rho_ * rho_
    near = np.nonzero(c < 1 - _NEAR**2)
    if not len(near[0]):
        return rho_, c, None
    sign = np.where(rho_[near] > 0, 1.0, -1.0)
    half = ((xh[near[0]] - sign[:, None] * yh[near[1]]) ** 2).sum(axis=1) / 2  # 1 ∓ ρ, exactly
    c[near] = half * (2 - half)
    rho_[near] = sign * (1 - half)
    return rho_, c, near


def squared_distances(X, Y, arith: Arithmetic):
    """q = ‖θ − w‖², 1 for the self pairs. From the differences θ − w when the (k, m, d)
    array of them is small (or in mpmath); for large float64 arrays as ‖θ‖² + ‖w‖² − 2θᵀw
    (one matrix product), recomputed from the differences where q is small, as the
    cancellation there would cost digits."""
    if not arith.fast_products or X.size * len(Y) <= _DIRECT_DIFFERENCES:
        q = arith.squares(X[:, None, :] - Y[None, :, :])
        set_diagonal(q, 1)
        return q
    squares = np.einsum("ij,ij->i", Y, Y)
    scale = squares[:len(X), None] + squares[None, :]
    q = scale - 2 * (X @ Y.T)
    set_diagonal(q, np.inf)  # the self pairs need no refinement
    close = q < scale / 4
    if close.any():
        close = np.nonzero(close)
        q[close] = ((X[close[0]] - Y[close[1]]) ** 2).sum(axis=1)
    set_diagonal(q, 1)
    return q
