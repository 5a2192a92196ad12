"""theory — the electrodynamics of two-layer neural networks, symbolically and numerically.

For x ~ N(0, I_d) the population loss of a two-layer network is the energy of
electrons θᵢ (learner) and protons w_j (target) under the pair potential
Φ(θ, w) = E_x[σ(θᵀx) σ(wᵀx)]. The pipeline runs one way:

- :func:`activation` — σ, from a name (``"relu"``, ``"hermite(3)"``) or a formula in t
- :func:`potential` — derive Φ (:class:`Potential`), exactly when a route exists
- :func:`laplacian` — ΔΦ in θ, on R^d or on the sphere S^{d−1}
- :func:`classify` — harmonic / strictly subharmonic / superharmonic / λ-harmonic
- :func:`equilibrium` — polish a configuration and say what it is
- :func:`certify` — prove it a strict minimum or a saddle in ball arithmetic (:class:`Certificate`)
- :func:`simulate` — run the dynamics from a seeded start
- :func:`verify` — predicted against observed for one activation
- :func:`prove` — re-check the claims of arXiv 1702.00458

Verdicts are three-valued (:class:`Verdict`) and carry :class:`Evidence`.
Assertions for your own pytest suites are in :mod:`theory.testing`
(``theory.testing.assert_condition`` and friends, available after ``import theory``).

``import theory`` loads none of SymPy, SciPy or matplotlib: each public name is
imported from its module on first use (PEP 562).

>>> import theory
>>> theory.potential("relu").sphere().expr
(-rho*acos(rho) + pi*rho + sqrt(1 - rho**2))/(2*pi)
"""

import importlib

# public name -> the module that defines it (relative to this package)
_HOMES = {
    "Activation": ".potentials.activations", "activation": ".potentials.activations",
    "Potential": ".potentials.potential", "potential": ".potentials.potential",
    "laplacian": ".conditions.laplacian",
    "Classification": ".conditions.classify", "EarnshawClass": ".conditions.classify",
    "classify": ".conditions.classify",
    "Equilibrium": ".dynamics.equilibrium", "equilibrium": ".dynamics.equilibrium",
    "simulate": ".dynamics.equilibrium",
    "Certificate": ".verification.certificate", "certify": ".verification.certificate",
    "Verification": ".verification.verify", "verify": ".verification.verify",
    "prove": ".paper.prove",
    "Evidence": ".core.verdict", "Method": ".core.verdict", "Verdict": ".core.verdict",
    "DerivationError": ".core.errors", "InputError": ".core.errors", "PrecisionError": ".core.errors",
    "TheoryError": ".core.errors", "Timeout": ".core.errors",
}
_SUBMODULES = ("testing",)

__all__ = sorted(_HOMES)
__version__ = "0.1.0"


def __getattr__(name: str):
    """Import a public name (or :mod:`theory.testing`) on first access, then keep it."""
    if name in _SUBMODULES:
        value = importlib.import_module(f".{name}", __name__)
    elif name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name], __name__), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__, *_SUBMODULES})
