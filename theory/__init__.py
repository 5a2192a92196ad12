"""theory — the electrodynamics of two-layer networks, symbolically and numerically.

Pipeline: activation → potential → condition → dynamics → verdict → report.

>>> import theory
>>> theory.potential("relu").sphere().expr
(-rho*acos(rho) + pi*rho + sqrt(1 - rho**2))/(2*pi)
"""

from .activations import Activation, activation
from .classify import Classification, classify
from .equilibrium import Equilibrium, equilibrium, simulate
from .errors import DerivationError, InputError, TheoryError, Timeout
from .laplacian import laplacian
from .potential import Potential, potential
from .verdict import Evidence, Method, Verdict
from .verify import Verification, verify

__all__ = ["Activation", "Classification", "DerivationError", "Equilibrium", "Evidence", "InputError",
           "Method", "Potential", "TheoryError", "Timeout", "Verdict", "Verification", "activation",
           "classify", "equilibrium", "laplacian", "potential", "simulate", "verify"]
__version__ = "0.1.0"
