"""How a potential was obtained: the closed set of derivation routes.

:attr:`Potential.method <theory.potentials.potential.Potential.method>` and
:attr:`Expectation.method <theory.potentials.gaussian.Expectation.method>` are
:class:`Route` members; each prints as the sentence reports and JSON have always shown.

>>> Route("orthant") is Route.ORTHANT, str(Route.ORTHANT)
(True, 'piecewise reduction: orthant integrals (exact)')
"""

from __future__ import annotations

from ..core.choices import Choice


class Route(Choice):
    """A derivation route of Φ = E[σ(U)σ(V)]."""

    #: Isserlis: E[UᵐVⁿ] from the covariance, for polynomial σ.
    MOMENTS = "finite Hermite series: bivariate moments (exact)"
    #: σ piecewise tᵐ on half-lines: integrals over orthants in polar coordinates.
    ORTHANT = "piecewise reduction: orthant integrals (exact)"
    #: σ = tᵐe^{αt+βt²}: completing the square.
    GAUSSIAN_INTEGRAL = "closed form: Gaussian integral (exact)"
    #: ∂Φ/∂ρ = E[σ′(U)σ′(V)] (Price), then integration in ρ.
    PRICE = "closed form: Price's theorem (exact)"
    #: A product potential read from a table of transforms (the reference is in the steps).
    TABLE = "closed form: table"
    #: No exact route: the certified Mehler–Hermite series (see :mod:`theory.potentials.hermite_series`).
    NUMERIC = ("numeric: Mehler–Hermite series Σ c_k(‖θ‖)c_k(‖w‖)ρ^k with a Parseval tail bound, "
               "digits confirmed by two rules; nested quadrature where it needs over 1024 terms")
    #: Typed in by the user (``theory check``, :func:`~theory.potentials.potential.given`).
    GIVEN = "given"

