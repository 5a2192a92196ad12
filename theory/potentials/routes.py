"""How a potential was obtained: the closed set of derivation routes.

:attr:`Potential.method <theory.potentials.potential.Potential.method>`,
:attr:`Expectation.method <theory.potentials.gaussian.Expectation.method>`,
:attr:`BiasedPotential.method <theory.potentials.biased.BiasedPotential.method>` and the ``method`` of
the random-feature means and kernels (:mod:`theory.potentials.random_features`) are
:class:`Route` members; each prints as the sentence reports and JSON have always shown.

>>> Route("orthant") is Route.ORTHANT, str(Route.ORTHANT)
(True, 'piecewise reduction: orthant integrals (exact)')
"""

from __future__ import annotations

from ..core.choices import Choice


class Route(Choice):
    """A derivation route of Φ = E[σ(U)σ(V)]: centred (U, V) first, then the biased potentials, whose
    (U, V) have means (β, γ) (:mod:`theory.potentials.biased`)."""

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

    # ------------------------------------------------------------------ biased: means (β, γ)
    #: Step, sign, ReLU: orthant probabilities L(h, k; ρ) of a bivariate normal and normal tails.
    SHEPPARD = ("closed form: bivariate normal CDF, Sheppard's integral / Owen's T "
                "(derived, checked by 2-D quadrature)")
    #: Sums α e^{λt}, λ complex (exp, cos, sin, cosh, sinh).
    MOMENT_GENERATING = ("closed form: the bivariate normal moment generating function E[e^{λu + μv}] "
                         "at complex λ, μ (exact)")
    #: Sums α e^{−pt² + λt} with some p > 0: completing the square in two variables.
    BIASED_GAUSSIAN = ("closed form: Gaussian integral E[e^{−pu² + λu − qv² + μv}] "
                       "of a bivariate normal (exact)")
    #: erf(st): erf = 2Φ(√2·) − 1 turns Φ into an orthant probability of widened (U, V).
    ERF_ORTHANT = ("closed form: erf = 2Φ(√2·) − 1, E[Φ(U)Φ(V)] a bivariate normal CDF by Sheppard's "
                   "integral (derived, checked by 2-D quadrature)")
    #: Polynomials: Σ_k (θᵀw)^k/k!·E[σ^{(k)}(u)]E[σ^{(k)}(v)].
    BIASED_MOMENTS = ("closed form: bivariate normal moments Σ_k (θᵀw)^k/k!·E[σ^{(k)}(u)]E[σ^{(k)}(v)] "
                      "(exact)")
    #: ReLU powers t₊ⁿ: truncated moments by Stein's recurrence.
    STEIN = ("closed form: truncated bivariate normal moments by Stein's recurrence from L, φ, Φ "
             "(derived, checked by 2-D quadrature)")
    #: σ = m·t + n·t₊ (leaky ReLU, abs): the biased ReLU form and Stein's identity.
    TWO_SLOPE = ("closed form: m²E[uv] + mn(E[u v₊] + E[u₊ v]) + n²E[u₊v₊] for σ = m·t + n·t₊, the "
                 "biased ReLU form and Stein's identity (derived, checked by 2-D quadrature)")
    #: No closed form: the Mehler–Hermite series in the biased Hermite coefficients, else quadrature.
    BIASED_NUMERIC = ("numeric: Mehler–Hermite series Σ c_k(‖θ‖, β)c_k(‖w‖, γ)ρ^k confirmed by two rules; "
                      "nested 2-D quadrature split at the kinks at ρ = ±1 and where the series needs over "
                      "1024 terms")

    # ------------------------------------------------------------------ random features: U, B Gaussian
    #: E_{U,B}[erf(κ(⟨U, x⟩ + B))]: smoothing by U, then B symmetric about 0 (untruncated).
    FEATURE_ERF_SYMMETRIC = "closed form: Gaussian smoothing of erf, then symmetry of B (exact)"
    #: The same with B ≥ t: the truncated normal mean of erf is an Owen's T expression.
    FEATURE_ERF_OWEN = "closed form: Gaussian smoothing of erf, then Owen's T (exact algebra)"
    #: Any other σ: ⟨U, x⟩ + B (| B ≥ t) has a (skew) normal density; integrate σ against it.
    FEATURE_QUADRATURE = ("numeric: quadrature of σ against the density of ⟨U, x⟩ + B (skew normal), "
                          "split at the kinks, digits confirmed at two precisions")
    #: E[σ(⟨U, x⟩ + B)σ(⟨U, x'⟩ + B)] = Φ((s_u x, s_b), (s_u x', s_b)) for an untruncated B.
    AUGMENTED = "the unbiased potential at the augmented vectors (s_u x, s_b), (s_u x', s_b)"
    #: A truncated B: the biased potential integrated over B ≥ t.
    BIAS_QUADRATURE = ("numeric: quadrature over B ≥ t of the biased potential, digits confirmed at two "
                       "precisions")

