"""The electrons' output weights (charges): held fixed, or optimised at every step.

A *charge policy* says what a = (a_1 … a_k) is while the electrons move:

* :class:`Fixed` — a stays where it was put, by default a_i = −1 (paper Assumption 1
  with proton charges b_j = +1); the dynamics descends L(a, θ);
* :class:`Optimal` — a = a*(θ), the minimiser of the quadratic a ↦ L(a, θ), at every
  step; the dynamics descends the reduced loss

  .. math::  \\ell(\\theta) = \\min_a L(a, \\theta), \\qquad
             [\\Phi(\\theta_i, \\theta_j)]\\, a^* = -[\\Phi(\\theta_i, w_j)]\\, b,

  whose gradient is ∇_θL(a*(θ), θ) (envelope theorem) and whose Hessian is the Schur
  complement H_θθ − H_θa H_aa⁻¹ H_aθ (:meth:`theory.dynamics.loss.Loss.reduced_hessian`).

:func:`charge_policy` reads what callers pass: ``None`` (fixed at −1), an array of
charges, a name (``"fixed"``, ``"optimal"``; the old ``"free"`` still reads as
``"optimal"``, with a :class:`DeprecationWarning`) or a policy.

>>> from theory.potentials.potential import given
>>> from theory.dynamics.loss import Loss
>>> loss = Loss(given("exp(-r^2/2)", "radial"), [[2.0, 0.0], [-2.0, 0.0]])
>>> charge_policy(None, 1).charges(loss, [[0.0, 0.0]])
array([-1.])
>>> policy = charge_policy("optimal", 1)
>>> policy, policy.describe, round(float(policy.charges(loss, [[0.0, 0.0]])[0]), 12)  # −2e^{−2}
(Optimal(), 'optimised', -0.270670566473)
>>> charge_policy("maybe", 1)
Traceback (most recent call last):
...
theory.core.errors.InputError: no charges 'maybe': choose fixed or optimal
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass

import numpy as np

from ..core.choices import Choice, spelling
from ..core.errors import InputError
from .loss import Loss, charges_of


class ChargeMode(Choice):
    """The names of the policies, as typed (``--charges fixed|optimal``) and as written to JSON."""

    FIXED = "fixed"
    OPTIMAL = "optimal"

    @classmethod
    def noun(cls) -> str:
        return "charges"

    def policy(self) -> Fixed | Optimal:
        """The policy of this name, with its defaults."""
        return Fixed() if self is ChargeMode.FIXED else Optimal()


#: Old spellings still read, each as the mode it now spells.
RENAMED = {"free": ChargeMode.OPTIMAL}


@dataclass(frozen=True)
class Fixed:
    """Output weights held fixed: ``a`` is one charge for every electron or one per electron.

    >>> Fixed(), Fixed([-1, -0.5]).at(2)
    (Fixed(a=-1.0), array([-1. , -0.5]))
    >>> Fixed(-0.5).at(3)
    array([-0.5, -0.5, -0.5])
    >>> Fixed([-1, -1]).at(3)
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: expected 3 finite charges, got (-1.0, -1.0)
    """

    a: float | tuple = -1.0

    mode = ChargeMode.FIXED
    describe = "fixed"
    optimised = False

    def __post_init__(self):
        exact = isinstance(self.a, np.ndarray) and self.a.dtype == object  # e.g. of mpf: kept exact
        try:
            values = np.array(self.a, dtype=object if exact else float)
            finite = np.all(np.isfinite(values.astype(float)))
        except (TypeError, ValueError):
            raise InputError(f"charges must be numbers, got {self.a!r}") from None
        if not finite:
            raise InputError(f"charges must be finite, got {self.a!r}")
        a = float(values) if values.ndim == 0 else tuple(values.reshape(-1).tolist())
        object.__setattr__(self, "a", a)

    def at(self, k: int) -> np.ndarray:
        """The charges of k electrons (InputError unless one per electron, or one for all)."""
        if isinstance(self.a, float):
            return np.full(k, self.a)
        exact = not all(isinstance(v, float) for v in self.a)
        return charges_of(np.array(self.a, dtype=object) if exact else self.a, k)

    def check(self, k: int) -> Fixed:
        """This policy, refused unless it gives k electrons their charges."""
        self.at(k)
        return self

    def charges(self, loss: Loss, thetas, *, dps: int | None = None, validate: bool = True) -> np.ndarray:
        """a, whatever the positions θ."""
        return self.at(len(thetas))

    def restricted(self, a: np.ndarray, rows) -> Fixed:
        """The policy of the electrons ``rows`` alone, the others held with charges ``a``."""
        return Fixed(a[rows])

    def gradient(self, loss: Loss, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇_θL(a, θ)."""
        return loss.gradient(thetas, self.at(len(thetas)), dps=dps)

    def hessian(self, loss: Loss, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇²_θL(a, θ) (Riemannian on the sphere)."""
        return loss.hessian(thetas, self.at(len(thetas)), dps=dps)


@dataclass(frozen=True)
class Optimal:
    """Output weights optimised at every step: a = a*(θ), descent on ℓ(θ) = min_a L(a, θ).

    >>> Optimal().check(3), Optimal().mode
    (Optimal(), <ChargeMode.OPTIMAL: 'optimal'>)
    """

    mode = ChargeMode.OPTIMAL
    describe = "optimised"
    optimised = True

    def check(self, k: int) -> Optimal:
        """This policy (any number of electrons)."""
        return self

    def charges(self, loss: Loss, thetas, *, dps: int | None = None, validate: bool = True) -> np.ndarray:
        """a*(θ), by :meth:`~theory.dynamics.loss.Loss.best_charges` (InputError where it is not unique)."""
        return loss.best_charges(thetas, dps=dps, validate=validate)

    def restricted(self, a: np.ndarray, rows) -> Optimal:
        """The policy of the electrons ``rows`` alone: still a*, of their loss with the others held."""
        return self

    def gradient(self, loss: Loss, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇ℓ(θ) = ∇_θL(a*(θ), θ)."""
        return loss.reduced_gradient(thetas, dps=dps)

    def hessian(self, loss: Loss, thetas, *, dps: int | None = None) -> np.ndarray:
        """∇²ℓ(θ), the Schur complement of the a-block."""
        return loss.reduced_hessian(thetas, dps=dps)


#: The default policies, shared (both are immutable): a_i = −1, and a = a*(θ).
FIXED, OPTIMAL = Fixed(), Optimal()


def charge_policy(value, k: int | None = None) -> Fixed | Optimal:
    """The policy ``value`` names: ``None`` (a_i = −1), charges (a number or one per electron), a
    name of :class:`ChargeMode` (or an old spelling, with a :class:`DeprecationWarning`) or a
    policy; with ``k``, refused unless it gives k electrons their charges.

    >>> charge_policy([-1, -2], 2), charge_policy(Fixed(), 4)
    (Fixed(a=(-1.0, -2.0)), Fixed(a=-1.0))
    >>> charge_policy([-1, -2], 3)
    Traceback (most recent call last):
    ...
    theory.core.errors.InputError: expected 3 finite charges, got (-1.0, -2.0)
    """
    if isinstance(value, (Fixed, Optimal)):
        policy = value
    elif value is None:
        policy = Fixed()
    elif isinstance(value, str):
        policy = mode(value).policy()
    else:
        policy = Fixed(value)
    return policy if k is None else policy.check(k)


def mode(name: str, renamed=None) -> ChargeMode:
    """The :class:`ChargeMode` ``name`` spells. An old spelling (:data:`RENAMED`) is read as the
    new one after calling ``renamed(old, new)``; by default that warns (DeprecationWarning).

    >>> mode("optimal"), mode("free", renamed=lambda old, new: print(f"{old} is now {new}"))
    free is now optimal
    (<ChargeMode.OPTIMAL: 'optimal'>, <ChargeMode.OPTIMAL: 'optimal'>)
    """
    new = RENAMED.get(spelling(name))
    if new is None:
        return ChargeMode(name)
    (renamed or _deprecated)(name, new)
    return new


def _deprecated(old: str, new: ChargeMode) -> None:
    warnings.warn(f"charges={old!r} is now spelled charges={new.value!r}", DeprecationWarning,
                  stacklevel=_callers_level())


def _callers_level() -> int:
    """The ``stacklevel`` of :func:`warnings.warn` (called from :func:`_deprecated`) that names the
    first caller outside ``theory``: the line that spelled the old name."""
    frame, level = sys._getframe(2), 2  # the frame of _deprecated's caller is level 2 of warn
    while frame is not None and frame.f_globals.get("__name__", "").startswith("theory."):
        frame, level = frame.f_back, level + 1
    return level
