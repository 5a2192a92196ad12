"""The canonical symbols of the toolkit and their house notation.

Every stage speaks about the same few quantities, so they are defined once:

========  =========================  =====================================
symbol    meaning                    LaTeX
========  =========================  =====================================
``t``     argument of a ridge        :math:`t`
          activation σ(t)
``x``     one input coordinate       :math:`x`
          (non-ridge activations)
``na``    ‖θ‖                        :math:`\\|\\theta\\|`
``nb``    ‖w‖                        :math:`\\|w\\|`
``dot``   θᵀw                        :math:`\\theta^{\\top} w`
``rho``   θᵀw on the sphere          :math:`\\rho`
``r``     ‖θ − w‖                    :math:`\\|\\theta - w\\|`
``s``     one coordinate θᵢ − wᵢ     :math:`s`
``d``     the dimension              :math:`d`
========  =========================  =====================================
"""

from __future__ import annotations

import sympy as sp

t = sp.Symbol("t", real=True)
x = sp.Symbol("x", real=True)
theta = sp.Symbol("theta", real=True)
w = sp.Symbol("w", real=True)
na = sp.Symbol("na", positive=True)
nb = sp.Symbol("nb", positive=True)
dot = sp.Symbol("dot", real=True)
rho = sp.Symbol("rho", real=True)
r = sp.Symbol("r", nonnegative=True)
s = sp.Symbol("s", real=True)
d = sp.Symbol("d", positive=True, integer=True)

#: LaTeX names used by :func:`theory.core.latex.latex` for the canonical symbols.
LATEX_NAMES: dict[sp.Symbol, str] = {
    na: r"\|\theta\|",
    nb: r"\|w\|",
    dot: r"\theta^{\top} w",
    rho: r"\rho",
    r: r"\|\theta - w\|",
    s: r"s",
    theta: r"\theta",
}


def coordinates(name: str, dim: int) -> tuple[sp.Symbol, ...]:
    """Real coordinate symbols ``name1 … name{dim}`` (e.g. ``theta1, theta2``)."""
    return tuple(sp.Symbol(f"{name}{i}", real=True) for i in range(1, dim + 1))
