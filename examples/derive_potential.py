"""Derive the potential of an activation, print it, its LaTeX and a few values.

Run: ``python examples/derive_potential.py [ACTIVATION]`` (default: gelu).
"""

import sys

import sympy as sp

import theory

name = sys.argv[1] if len(sys.argv) > 1 else "gelu"
phi = theory.potential(name)
print(f"Φ for {phi.name} on R^d ({phi.method}), {sp.count_ops(phi.expr)} operations")
sphere = phi.sphere()
print(f"on the sphere: Φ(ρ) = {sphere.expr}")
print(f"LaTeX: {sp.latex(sphere)}\n")
for value in ("-0.9", "0", "0.5", "1"):
    print(f"  Φ({value:>4}) = {sphere.at(sp.Rational(value), dps=25)}")
