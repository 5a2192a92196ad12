"""Write a LaTeX table of every registered activation and its potential on the sphere.

Run: ``python examples/latex_table.py > potentials.tex``
"""

import sympy as sp

from theory import potential
from theory.cli.derive import EXAMPLE_PARAMETERS
from theory.potentials.activations import REGISTRY

print(r"\begin{tabular}{lll}")
print(r"activation & $\sigma$ & $\Phi$ \\ \hline")
for name in REGISTRY:
    phi = potential(EXAMPLE_PARAMETERS.get(name, name))
    if phi.form == "ridge":
        phi = phi.sphere()
    body = r"\text{numeric}" if phi.expr is None else sp.latex(phi.expr)
    label = name.replace("_", r"\_")
    print(rf"\texttt{{{label}}} & ${sp.latex(phi.activation.expr)}$ & ${body}$ \\")
print(r"\end{tabular}")
