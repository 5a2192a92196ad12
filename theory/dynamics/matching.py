"""Rows matched to rows: electrons to protons, a student's hidden units to a teacher's.

For rows θ_i of X and w_j of W the distances are D_ij = ‖θ_i − w_j‖. :func:`nearest`
gives each θ_i its nearest w_j (several rows may share one); :func:`match_rows` the
one-to-one matching π of least total cost Σ_i c(θ_i, w_π(i)), with c the distance or
(``squared``) its square, by the Hungarian method (:func:`scipy.optimize.linear_sum_assignment`).

>>> X, W = np.array([[0.9, 0.0], [0.0, 0.2]]), np.array([[0.0, 0.0], [1.0, 0.0]])
>>> nearest(X, W)
(array([1, 0]), array([0.1, 0.2]))
>>> [(i, j, round(c, 12)) for i, j, c in match_rows(X, W)]
[(0, 1, 0.1), (1, 0, 0.2)]
"""

from __future__ import annotations

import numpy as np


def distances(X: np.ndarray, W: np.ndarray) -> np.ndarray:
    """D_ij = ‖θ_i − w_j‖ for the rows θ_i of X and w_j of W, a (len X, len W) array."""
    return np.linalg.norm(X[:, None, :] - W[None, :, :], axis=2)


def nearest(X: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row θ_i of X: j(i) = argmin_j ‖θ_i − w_j‖ (the first of equals) and that distance."""
    D = distances(X, W)
    closest = D.argmin(axis=1)
    return closest, D[np.arange(len(X)), closest]


def match_rows(X: np.ndarray, W: np.ndarray, *, squared: bool = False) -> list[tuple[int, int, float]]:
    """The one-to-one matching π of rows of X to rows of W that minimises Σ_i ‖θ_i − w_π(i)‖
    (``squared``: Σ_i ‖θ_i − w_π(i)‖²), as triples (i, π(i), cost of the pair) in the order of i;
    min(len X, len W) pairs."""
    from scipy.optimize import linear_sum_assignment  # scipy.optimize only when rows are matched

    D = X[:, None, :] - W[None, :, :]
    cost = (D * D).sum(axis=2) if squared else np.linalg.norm(D, axis=2)
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j), float(cost[i, j])) for i, j in zip(rows, cols, strict=True)]
