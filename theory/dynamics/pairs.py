"""The geometry of the pairs (θ_i, y_j) of electrons and charges: their invariants and coincidences.

The invariants (n₁, n₂, ρ, c = 1 − ρ², φ; q; or s) of every pair are computed without
catastrophic cancellation where ``|ρ|`` is near 1 or θ is near w, and a pair that coincides to
working precision is flagged, so that the kernel's limits replace its values there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..core.errors import InputError
from ..potentials.forms import Form, Geometry
from .arithmetic import Arithmetic
from .kernel import Kernel

#: |ρ| above which c = 1 − ρ² is recomputed from differences of unit vectors.
_NEAR = 0.99
#: Up to this many entries of the (k, m, d) array of differences, q = ‖θ − w‖² is summed
#: from them (exact, and faster than a matrix product at this size; see _squared_distances).
_DIRECT_DIFFERENCES = 8000
#: A pair whose invariant z (c = 1 − ρ² or q = ‖θ − w‖²) has √z below 10^−(digits + this)
#: is a coincidence: its kernel values are the limits at z = 0 (see Kernel.coincidence).
_COINCIDENT_DIGITS = 3


@dataclass
class _Pairs:
    """Invariants of every pair (x_i, y_j), as (k, m) arrays ((k, m, d) for s), and unit vectors.

    ``coincident`` is (rows, columns, signs) of the off-diagonal pairs that coincide
    (θ̂ = ±ŵ, or θ = w for radial Φ, to the switch-over of :func:`_coincident`): there
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


def _pairs(X: np.ndarray, Y: np.ndarray, arith: Arithmetic, form: Form, angle: bool = False) -> _Pairs:
    """The invariants of the pairs (x_i, y_j) for Y whose first rows are X; n₁ as (k, 1),
    n₂ as (1, m), the rest (k, m); the angle φ if ``angle``.

    On the diagonal, the self pairs (handled by the self terms), and at coincident
    pairs (handled by the kernel's limits), harmless values are stored so that no
    singular formula is evaluated there.
    """
    if form.geometry is Geometry.COORDINATES:
        return _Pairs({"s": X[:, None, :] - Y[None, :, :]})
    if form.geometry is Geometry.DISTANCE:
        q = _squared_distances(X, Y, arith)
        coincident = _coincident(q, np.ones(q.shape), arith)
        q[coincident[:2]] = 1
        return _Pairs({"q": q}, coincident=coincident, electrons=len(X))
    n2 = arith.sqrt(np.einsum("ij,ij->i", Y, Y))
    n1 = n2[:len(X)]
    values = {"n1": n1[:, None], "n2": n2[None, :]}
    yh = Y / (n2 if n2.all() else np.where(n2 == 0, 1, n2))[:, None]
    xh = yh[:len(X)]
    values["rho"], values["c"], near = _cosines(xh, yh, arith)
    coincident = _coincident(values["c"], values["rho"], arith)
    values["rho"][coincident[:2]], values["c"][coincident[:2]] = 0, 1
    if angle:
        values["phi"] = _angles(values["rho"], values["c"], near, arith)
    return _Pairs(values, n1, n2, xh, yh, coincident, len(X))


def _coincident(z: np.ndarray, rho_: np.ndarray, arith: Arithmetic) -> tuple:
    """(rows, columns, signs of ρ) of the off-diagonal pairs with √z < 10^−(digits + 3)
    (digits: 16 in float64, dps in mpmath), z = c or q."""
    switch = arith.exp10(-2 * (arith.digits + _COINCIDENT_DIGITS))
    small = z < switch
    _set_diagonal(small, False)
    rows, cols = np.nonzero(small)
    return rows, cols, np.where(rho_[rows, cols] > 0, 1, -1)


class NotSmooth(InputError):
    """At a coincident pair of the configuration Φ is infinite (``order`` 0), has no
    derivative (1) or no continuous second derivative (2): L is not C^order there."""

    def __init__(self, where: str, order: int):
        self.where, self.order = where, order
        what = ("is infinite", "has no derivative", "has no continuous second derivative")[order]
        super().__init__(f"{where}, a singular point of Φ where it {what}: L is not C{order} there")


def _at_coincidences(kernel: Kernel, name, values, pairs: _Pairs, arith: Arithmetic) -> np.ndarray:
    """``values`` as a writable (k, m) array whose coincident entries are the kernel's limits
    ``name`` (raises :class:`NotSmooth` where the limit is infinite)."""
    rows, cols, signs = pairs.coincident
    values = np.array(np.broadcast_to(values, pairs.shape))
    for sign in {int(v) for v in signs}:
        chosen = np.nonzero(signs == sign)[0]
        limit = kernel.coincidence_function(name, sign, arith)
        if limit is None:
            order = 0 if name == "value" else 1 if name in ("alpha", "beta") or len(name) == 1 else 2
            raise NotSmooth(pairs.describe(int(chosen[0])), order)
        r, c = rows[chosen], cols[chosen]
        n1, n2 = (np.ones(len(r)), np.ones(len(r))) if pairs.n1 is None else (pairs.n1[r], pairs.n2[c])
        values[r, c] = np.broadcast_to(limit(n1, n2), (len(r),))
    return values


def _set_diagonal(M: np.ndarray, values) -> None:
    """Set the entries (i, i) of a (k, m) array, m ≥ k (the self pairs)."""
    M.flat[::M.shape[1] + 1] = values


def _cosines(xh, yh, arith: Arithmetic):
    """ρ = θ̂ᵀŵ and c = 1 − ρ²; where |ρ| is near 1 both from h = ‖θ̂ ∓ ŵ‖²/2 = 1 ∓ ρ
    (sign of ρ), as ρ = ±(1 − h) and c = h(2 − h), free of cancellation."""
    rho_ = xh @ yh.T
    arith.clamp_unit(rho_)
    _set_diagonal(rho_, 0)
    c = 1 - rho_ * rho_
    near = np.nonzero(c < 1 - _NEAR**2)
    if not len(near[0]):
        return rho_, c, None
    sign = np.where(rho_[near] > 0, 1.0, -1.0)
    half = ((xh[near[0]] - sign[:, None] * yh[near[1]]) ** 2).sum(axis=1) / 2  # 1 ∓ ρ, exactly
    c[near] = half * (2 - half)
    rho_[near] = sign * (1 - half)
    return rho_, c, near


def _angles(rho_, c, near, arith: Arithmetic):
    """φ = acos ρ ∈ [0, π]: arccos where |ρ| ≤ 0.99 (well conditioned), atan2(√c, ρ) where
    |ρ| is near 1 (and everywhere in mpmath)."""
    return arith.angles(rho_, c, near)


def _squared_distances(X, Y, arith: Arithmetic):
    """q = ‖θ − w‖², 1 for the self pairs. From the differences θ − w when the (k, m, d)
    array of them is small (or in mpmath); for large float64 arrays as ‖θ‖² + ‖w‖² − 2θᵀw
    (one matrix product), recomputed from the differences where q is small, as the
    cancellation there would cost digits."""
    if not arith.fast_products or X.size * len(Y) <= _DIRECT_DIFFERENCES:
        q = arith.squares(X[:, None, :] - Y[None, :, :])
        _set_diagonal(q, 1)
        return q
    squares = np.einsum("ij,ij->i", Y, Y)
    scale = squares[:len(X), None] + squares[None, :]
    q = scale - 2 * (X @ Y.T)
    _set_diagonal(q, np.inf)  # the self pairs need no refinement
    close = q < scale / 4
    if close.any():
        close = np.nonzero(close)
        q[close] = ((X[close[0]] - Y[close[1]]) ** 2).sum(axis=1)
    _set_diagonal(q, 1)
    return q
