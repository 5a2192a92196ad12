"""Where the landscape has no gradient: electrons held on protons of a cusp, coordinates on creases.

A potential with a *cusp* at coincidence (sign, ‖θ − w‖) has no gradient on top of a
proton: an electron that comes within ``capture`` of one is *captured*, placed on it
exactly and held there for good. A product potential ∏_k h(θ_k − w_k) whose h has kinks
s₀ has no gradient on the creases θ_k = w_jk + s₀: a coordinate that comes within
``capture`` of a crease where L has a V along it is held there, and released when the
V is gone (:meth:`Holds.fold`). :class:`Holds` keeps both records for one run of the
dynamics (:mod:`theory.dynamics.flow`) and moves the positions it is handed in place.

>>> from theory.potentials.potential import given
>>> from theory.dynamics.loss import Loss
>>> X = np.array([[1.0, 1e-4], [0.0, 1.0]])
>>> holds = Holds(Loss(given("sqrt(r^2)", "radial"), [[1.0, 0.0]]), 1e-3, X)
>>> holds.absorb(X)
>>> holds.captured == {0: 0}, holds.free, X[0]
(True, array([1]), array([1., 0.]))
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from .loss import Loss
from .matching import nearest


class Holds:
    """The electrons captured on protons (``captured``: electron → proton) and the coordinates
    held on creases (``creases``: (electron, coordinate) → the crease's value) of one run.

    They start as ``held`` and ``creases`` say, the positions X placed accordingly (a crease of
    a captured electron is dropped). ``free`` lists the electrons not captured, ``held`` the
    captured ones in order. ``cusp`` says whether Φ has a cusp at coincidence, ``kinks``
    lists the kinks s₀ of the factor h of a product potential (none otherwise).
    """

    def __init__(self, loss: Loss, capture: float, X: np.ndarray, held: dict | None = None,
                 creases: dict | None = None):
        self.protons, self.capture = loss.protons, capture
        self.captured: dict[int, int] = {}
        self.creases: dict[tuple[int, int], float] = {}
        self._refresh(len(X))
        for i, j in (held or {}).items():
            self.hold(X, i, j)
        for (i, k), crease in (creases or {}).items():
            if i not in self.captured:
                X[i, k], self.creases[(i, k)] = crease, crease
        self.cusp = float(loss.kernel.cusp) > 0
        self.kinks = loss.kernel.kinks
        #: crease_values[k] lists w_jk + s₀ over protons j and kinks s₀ of h
        self.crease_values = (loss.protons.T[:, :, None] + np.array(self.kinks, dtype=float)).reshape(
            loss.dimension, -1)

    def hold(self, X: np.ndarray, i: int, j: int) -> None:
        """Electron i is captured by proton j: it sits there from now on."""
        X[i], self.captured[i] = self.protons[j], j
        self.creases = {ik: c for ik, c in self.creases.items() if ik[0] != i}
        self._refresh(len(X))

    def _refresh(self, k: int) -> None:
        """The free and the held electrons, after a capture."""
        self.free = np.array([i for i in range(k) if i not in self.captured], dtype=int)
        self.held = sorted(self.captured)

    def zero_held(self, V: np.ndarray) -> np.ndarray:
        """V with the coordinates held on a crease set to 0 (in place)."""
        for i, k in self.creases:
            V[i, k] = 0
        return V

    def absorb(self, X: np.ndarray) -> None:
        """Capture free electrons that came within ``capture`` of a proton of a cusp potential."""
        if not self.cusp or not len(self.free):
            return
        taken = set(self.captured.values())
        for i, j, distance in zip(self.free, *nearest(X[self.free], self.protons), strict=True):
            if distance < 2 * self.capture and j not in taken:
                self.hold(X, i, int(j))
                taken.add(int(j))

    def fold(self, X: np.ndarray, slopes: Callable[[np.ndarray, int], np.ndarray]) -> bool:
        """Hold coordinates on creases of a product potential with kinks; True if one moved.

        Coordinate k of a free electron within ``capture`` of a crease θ_k = w_jk + s₀ (s₀
        a kink of h) is placed on it and held when L, along that coordinate, has a
        V-shaped minimum there: one-sided slopes ∂⁻ ≤ 0 ≤ ∂⁺ (the steepest descent
        direction then keeps it). A coordinate without a V there, or a held one whose
        slopes stop bracketing 0, is placed a few ulps (:meth:`ulps`) past the crease on
        the side where L descends, unless it is on that side already: the flow crosses
        the crease, or leaves it. An electron held in every coordinate on one proton is
        captured. ``slopes(Y, side)`` is the one-sided gradient of L at positions Y
        (:meth:`theory.dynamics.loss.Loss.gradient`, ``side``), taken with every coordinate in
        question on its crease at once; electrons that meet on one crease (the same
        coordinate and value) are then decided one at a time, each with the others where
        they are, since on the crease their own pair has a kink too.
        """
        if not self.kinks:
            return False
        trial = dict(self.creases)
        gaps = self.crease_gaps(X[self.free])
        closest = gaps.argmin(axis=2)
        for n, k in zip(*np.nonzero(gaps.min(axis=2) < 2 * self.capture), strict=True):
            trial.setdefault((int(self.free[n]), int(k)), float(self.crease_values[k, closest[n, k]]))
        if not trial:
            return False
        before, Y = X.copy(), X.copy()
        for ik, crease in trial.items():
            Y[ik] = crease
        sided = np.stack([slopes(Y, side) for side in (-1, 1)])
        meetings = Counter((k, crease) for (_, k), crease in trial.items())
        self.creases = {}
        for ik, crease in sorted(trial.items()):
            if meetings[ik[1], crease] > 1:
                Y = X.copy()
                Y[ik] = crease
                sided[:, ik[0], ik[1]] = [slopes(Y, side)[ik] for side in (-1, 1)]
            self._place(X, ik, crease, *sided[:, ik[0], ik[1]])
        for i in self.free:
            if all((i, k) in self.creases for k in range(X.shape[1])):
                on = np.nonzero((self.protons == X[i]).all(axis=1))[0]
                if len(on):
                    self.hold(X, int(i), int(on[0]))
        return not np.array_equal(before, X)

    def _place(self, X: np.ndarray, ik: tuple[int, int], crease: float, left: float, right: float) -> None:
        """Coordinate ``ik`` on its crease if the one-sided slopes make a V there, else a few
        ulps past it on the side where L descends (if not on that side already)."""
        if left <= 0 <= right:
            X[ik], self.creases[ik] = crease, crease
        elif (X[ik] - crease) * (downhill := 1 if right < 0 else -1) <= 0:
            X[ik] = crease + downhill * self.ulps(ik[0], crease)

    def crease_gaps(self, X: np.ndarray) -> np.ndarray:
        """``|θ_ik − c|`` for rows θ_i of X, coordinates k and the creases c of coordinate k,
        as a (rows, d, creases) array (no creases: none)."""
        return np.abs(X[:, :, None] - self.crease_values[None, :, :])

    def brackets(self, X: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the electrons ``rows`` of X: the nearest crease strictly below and strictly above
        each coordinate (±∞ where there is none), and which coordinates move (not held)."""
        Y, c = X[rows][:, :, None], self.crease_values[None, :, :]
        below = np.where(c < Y, c, -np.inf).max(axis=2, initial=-np.inf)
        above = np.where(c > Y, c, np.inf).min(axis=2, initial=np.inf)
        moving = np.array([[(int(i), k) not in self.creases for k in range(Y.shape[1])] for i in rows],
                          dtype=bool).reshape(below.shape)
        return below, above, moving

    def off_creases(self, X: np.ndarray) -> np.ndarray:
        """A copy of X with the held coordinates moved :meth:`ulps` off their creases."""
        Y = X.copy()
        for (i, k), crease in self.creases.items():
            Y[i, k] = crease + self.ulps(i, crease)
        return Y

    @staticmethod
    def ulps(i: int, crease: float) -> float:
        """4(i + 1) ulps of the crease: a step off it, distinct for each electron i (two
        electrons moved off one crease must not meet on a kink of their own pair)."""
        return 4 * (i + 1) * np.spacing(abs(crease))
