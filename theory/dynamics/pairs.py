"""Coincident pairs of electrons and charges: the kernel's limits, or :class:`NotSmooth`.

The invariants of the pairs themselves are the forms' (:meth:`theory.potentials.forms.Form.pairs`,
computed in :mod:`theory.potentials.invariants`), which flag the pairs that coincide.
"""

from __future__ import annotations

import numpy as np

from ..core.errors import InputError
from ..potentials.invariants import Pairs
from .arithmetic import Arithmetic
from .kernel import Kernel


class NotSmooth(InputError):
    """At a coincident pair of the configuration Φ is infinite (``order`` 0), has no
    derivative (1) or no continuous second derivative (2): L is not C^order there."""

    def __init__(self, where: str, order: int):
        self.where, self.order = where, order
        what = ("is infinite", "has no derivative", "has no continuous second derivative")[order]
        super().__init__(f"{where}, a singular point of Φ where it {what}: L is not C{order} there")


def _at_coincidences(kernel: Kernel, name, values, pairs: Pairs, arith: Arithmetic) -> np.ndarray:
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
