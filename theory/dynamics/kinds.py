"""What an end point of the dynamics is, and what a certificate may claim of it.

The kind is read off the polished point (see :func:`theory.dynamics.equilibrium.equilibrium`):
L = 0 on the protons is the global minimum; otherwise the Hessian's spectrum λ₁ ≤ … decides,
with ``zero`` its numerical zero — λ₁ < −zero a saddle, more zero eigenvalues than the
symmetry's zero modes degenerate, else a spurious local minimum.

>>> EquilibriumKind("saddle"), str(EquilibriumKind.NON_SMOOTH)
(<EquilibriumKind.SADDLE: 'saddle'>, 'non-smooth critical point')
>>> EquilibriumKind.SPURIOUS_LOCAL_MINIMUM.claim
<Claim.MINIMUM: 'minimum'>
>>> Claim("maximum")
Traceback (most recent call last):
...
theory.core.errors.InputError: no claim 'maximum': choose minimum or saddle
"""

from __future__ import annotations

from ..core.choices import Choice


class EquilibriumKind(Choice):
    """The kind of an end point, printed as its value (``global minimum``, …).

    ``FAILED`` is a sweep's record of a run that raised (kept, with its reason, so the
    sweep goes on); no :class:`~theory.dynamics.equilibrium.Equilibrium` has it.
    """

    GLOBAL_MINIMUM = "global minimum"
    SPURIOUS_LOCAL_MINIMUM = "spurious local minimum"
    SADDLE = "saddle"
    DEGENERATE = "degenerate"
    NON_SMOOTH = "non-smooth critical point"
    NOT_CONVERGED = "not converged"
    FAILED = "failed"

    @property
    def claim(self) -> Claim | None:
        """What a certificate is asked to prove of this kind (None: nothing to prove)."""
        return _CLAIMS.get(self)


class Claim(Choice):
    """What a ball-arithmetic certificate is asked to prove of a critical point.

    ``MINIMUM``: ∇²L ≻ 0 (Morse index 0); ``SADDLE``: ∇²L has a negative eigenvalue.
    """

    MINIMUM = "minimum"
    SADDLE = "saddle"


_CLAIMS = {EquilibriumKind.GLOBAL_MINIMUM: Claim.MINIMUM,
           EquilibriumKind.SPURIOUS_LOCAL_MINIMUM: Claim.MINIMUM,
           EquilibriumKind.SADDLE: Claim.SADDLE}
#: The kinds at which the loss is (numerically) locally minimal.
MINIMA = (EquilibriumKind.GLOBAL_MINIMUM, EquilibriumKind.SPURIOUS_LOCAL_MINIMUM, EquilibriumKind.DEGENERATE)
#: The kinds at which a run stopped somewhere other than the global minimum.
STOPS = (EquilibriumKind.SPURIOUS_LOCAL_MINIMUM, EquilibriumKind.DEGENERATE, EquilibriumKind.SADDLE,
         EquilibriumKind.NON_SMOOTH)
