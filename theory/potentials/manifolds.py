"""Where θ and w live: R^d or the unit sphere S^{d−1} ⊂ R^d.

A manifold owns its geometry as the dynamics needs it: the projection of an ambient
vector onto the tangent space at a point, the retraction of a point back onto the
manifold, the geodesic from a point along a tangent direction, and the test of
membership. A manifold is the string of its name, so records and messages keep the
words ``"euclidean"`` and ``"sphere"``; :func:`manifold` looks one up (once, where a
user's spelling comes in), and code asks the manifold, never its name.

>>> import numpy as np
>>> X, G = np.array([[0.0, 1.0]]), np.array([[3.0, 4.0]])
>>> SPHERE.project(X, G), EUCLIDEAN.project(X, G)
(array([[3., 0.]]), array([[3., 4.]]))
>>> manifold("torus")
Traceback (most recent call last):
...
theory.core.errors.InputError: manifold must be 'euclidean' or 'sphere', got 'torus'
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from ..core import validators as valid
from ..core.errors import InputError

#: ‖θ‖² within this of 1 is on the sphere (‖θ‖ within 1e-8 of 1).
UNIT_TOLERANCE = 2e-8


class Manifold(str):
    """R^d or S^{d−1}; its subclasses are the manifolds, one instance each, equal to their names."""

    name: ClassVar[str]
    #: d minus the dimension of the manifold in R^d: 0 for R^d, 1 for S^{d−1}.
    codimension: ClassVar[int]

    def __new__(cls) -> Manifold:
        return super().__new__(cls, cls.name)

    def __reduce__(self):
        return manifold, (self.name,)  # unpickled as the one instance

    def latex(self, d) -> str:
        """The manifold in R^d as LaTeX (no dollars): ``\\mathbb{R}^{d}`` or ``S^{d-1}``.

        >>> print(SPHERE.latex(3), EUCLIDEAN.latex(2))
        S^{2} \\mathbb{R}^{2}
        """
        return f"\\mathbb{{R}}^{{{d}}}"

    def project(self, X: np.ndarray, G: np.ndarray) -> np.ndarray:
        """The tangent part of each row of G at the corresponding row (point) of X."""
        return G

    def retract(self, X: np.ndarray, sqrt=np.sqrt) -> np.ndarray:
        """The points X (rows) moved onto the manifold; ``sqrt`` is the elementwise square
        root of their arithmetic (e.g. of mpf in an object array), numpy's by default."""
        return X

    def restrict(self, phi):
        """The potential Φ on this manifold (:meth:`Potential.sphere
        <theory.potentials.potential.Potential.sphere>` on the sphere)."""
        return phi

    def geodesic(self, x, u, step, ctx):
        """The point at arc length ``step`` from x along the unit tangent u (mpmath ``ctx``)."""
        return x + step * u

    def check(self, X: np.ndarray, name: str) -> None:
        """Raise :class:`~theory.core.errors.InputError` unless every row of X is on the manifold."""

    def positions(self, values, name: str) -> np.ndarray:
        """``values`` as a (k, d) float64 array of points on the manifold; otherwise
        :class:`~theory.core.errors.InputError` naming ``name``: not real numbers, not
        a non-empty (k, d) array, not finite, or not on the manifold.

        >>> SPHERE.positions([[0.6, 0.8]], "start")
        array([[0.6, 0.8]])
        >>> SPHERE.positions([[1.0, 1.0]], "start")
        Traceback (most recent call last):
        ...
        theory.core.errors.InputError: start must be unit vectors on the sphere
        """
        X = valid.rows(values, name)
        self.check(X, name)
        return X


class Euclidean(Manifold):
    """R^d: every tangent space is R^d, geodesics are lines."""

    name, codimension = "euclidean", 0


class Sphere(Manifold):
    """S^{d−1} = {‖θ‖ = 1}: the tangent space at θ is θ^⊥, geodesics are great circles."""

    name, codimension = "sphere", 1

    def latex(self, d) -> str:
        return f"S^{{{d - 1}}}"

    def project(self, X, G):
        """G − ⟨θ, G⟩θ row by row."""
        return G - X * (X * G).sum(axis=1)[:, None]

    def retract(self, X, sqrt=np.sqrt):
        """θ/‖θ‖ row by row."""
        return X / sqrt((X * X).sum(axis=1))[:, None]

    def restrict(self, phi):
        if phi.form.restriction is None:
            raise InputError(f"a {phi.form} potential has no restriction to the sphere")
        return phi.sphere()

    def geodesic(self, x, u, step, ctx):
        """x cos t + u sin t."""
        return x * ctx.cos(step) + u * ctx.sin(step)

    def check(self, X, name):
        if np.abs(np.einsum("ij,ij->i", X, X) - 1).max() > UNIT_TOLERANCE:
            raise InputError(f"{name} must be unit vectors on the sphere")


EUCLIDEAN, SPHERE = Euclidean(), Sphere()
#: Every manifold by name.
MANIFOLDS: dict[str, Manifold] = {m.name: m for m in (EUCLIDEAN, SPHERE)}


def manifold(spec: str) -> Manifold:
    """The manifold named ``spec`` (a manifold is returned as it is).

    >>> manifold("sphere") is SPHERE
    True
    """
    found = MANIFOLDS.get(spec) if isinstance(spec, str) else None
    if found is None:
        raise InputError(f"manifold must be 'euclidean' or 'sphere', got {spec!r}")
    return found
