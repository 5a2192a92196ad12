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

>>> import theory
>>> theory.potential("relu").sphere().expr
(-rho*acos(rho) + pi*rho + sqrt(1 - rho**2))/(2*pi)
"""

from . import testing as testing
from .potentials.activations import Activation, activation
from .conditions.classify import Classification, classify
from .dynamics.equilibrium import Equilibrium, equilibrium, simulate
from .core.errors import DerivationError, InputError, PrecisionError, TheoryError, Timeout
from .conditions.laplacian import laplacian
from .paper.prove import prove
from .potentials.potential import Potential, potential
from .core.verdict import Evidence, Method, Verdict
from .verification.certificate import Certificate, certify
from .verification.verify import Verification, verify

__all__ = ["Activation", "Certificate", "Classification", "DerivationError", "Equilibrium", "Evidence", "InputError",
           "Method", "Potential", "PrecisionError", "TheoryError", "Timeout", "Verdict", "Verification", "activation",
           "certify", "classify", "equilibrium", "laplacian", "potential", "prove", "simulate", "verify"]
__version__ = "0.1.0"
