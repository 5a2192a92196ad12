"""The symmetry group of a ReLU teacher–student problem, its orbits and isotropy groups.

Student rows w_1..w_k, teacher rows w*_1..w*_d, unit output weights, x ~ N(0, I_d).
The loss is invariant under

- S_k, permuting the students: W ↦ Π W;
- when the teacher is square with orthonormal rows (W* = I is the case of Safran &
  Shamir), S_d permuting teachers and input coordinates together: in the teacher's
  coordinates Y = W W*ᵀ this is Y ↦ Y Pᵀ (x ↦ Px keeps N(0, I) and the teacher set).

So G = S_k × S_d acts by Y ↦ Π Y Pᵀ, of order k!·d! (Arjevani & Field's setting), and
G = S_k for any other teacher. Sign changes are *not* symmetries for ReLU: x ↦ Dx with
D = diag(±1) keeps the Gaussian but sends the teacher unit σ(x_j) to σ(−x_j), a
different function (σ is not odd), and the output weights are fixed.

Entries are first replaced by *value classes*: exact equality for integer, rational
and SymPy inputs (``tolerance`` ignored), and for floats the classes of sorted
values whose consecutive gaps are ≤ ``tolerance`` (default 1e-6; a chain of gaps each
≤ tolerance is one class). The rest is exact combinatorics on the class matrix:
colour refinement of rows and columns (order-preserving, so cells stay intervals),
individualisation of the first smallest non-singleton cell, and the lexicographically
greatest leaf over one child per orbit of the isotropy group of the node. Two children
are in one orbit iff their individualised structures are isomorphic, decided by a
backtracking search; the isotropy order is the product of those orbit sizes along the
path, and the orbit size of the point is the order of G over the order of its isotropy.

Isotropy names follow Arjevani & Field: when the isotropy acts faithfully on the rows
with row and column orbits of sizes n_1 ≥ … ≥ n_m paired and order Π n_i!, it is
Δ(S_{n_1} × … × S_{n_m}) (e.g. Δ S_k for W = I, Δ(S_{k−1} × S_1) for the Safran–Shamir
minima); otherwise it is named by its order and orbit sizes.

>>> import numpy as np
>>> c = canonical(np.eye(3, dtype=int))
>>> c.orbit_size, c.isotropy
(6, 'ΔS_3')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from ..core.errors import InputError

#: Default tolerance on float entries (absolute) for value classes.
TOLERANCE = 1e-6


@dataclass(frozen=True)
class Canonical:
    """A point's canonical representative (same type as the input), the class matrix
    that identifies its orbit, the orbit size, the isotropy order and name (None when
    not asked for)."""

    representative: np.ndarray
    key: tuple
    orbit_size: int
    isotropy_order: int
    isotropy: str | None


def canonical(W, teacher=None, *, tolerance: float = TOLERANCE, named: bool = True) -> Canonical:
    """Canonical form of the student W (k, d) under the problem's group (teacher I if None);
    ``named=False`` skips the isotropy's name, the slower part."""
    W = _matrix(W, "student weights")
    k, d = W.shape
    square = teacher is None or _orthonormal_square(teacher, d, tolerance)
    Y = W if teacher is None or not square else W @ _matrix(teacher, "teacher weights").T
    labels = _classes(Y, tolerance)
    structure = _Structure(labels, permute_columns=square)
    colours, order = structure.canonical()
    rows, cols = order[:k], order[k:] - k
    Y_rep = Y[np.ix_(rows, cols)]
    rep = Y_rep if teacher is None or not square else Y_rep @ _matrix(teacher, "teacher weights")
    group = math.factorial(k) * (math.factorial(d) if square else 1)
    key = (square, tuple(map(tuple, labels[np.ix_(rows, cols)])), _class_values(Y, labels))
    return Canonical(rep, key, group // colours.aut_order, colours.aut_order,
                     structure.name(colours) if named else None)


def same_orbit(X, Y, teacher=None, *, tolerance: float = TOLERANCE) -> bool:
    """Whether X and Y lie in one orbit of the group (value classes as in :func:`canonical`)."""
    return len(orbit_groups([X, Y], teacher, tolerance=tolerance)) == 1


# ------------------------------------------------------------------------------- inputs

def _matrix(W, name: str) -> np.ndarray:
    A = np.asarray(W)
    if A.ndim != 2 or 0 in A.shape:
        raise InputError(f"{name} must be a non-empty 2-D array, got shape {A.shape}")
    if A.dtype.kind not in "iubfO":
        raise InputError(f"{name} must be numbers, got dtype {A.dtype}")
    if A.dtype.kind == "f" and not np.all(np.isfinite(A)):
        raise InputError(f"{name} must be finite")
    return A


def _orthonormal_square(teacher, d: int, tolerance: float) -> bool:
    T = _matrix(teacher, "teacher weights")
    if T.shape != (d, d):
        return False
    gram = T @ T.T - np.eye(d, dtype=int)
    if T.dtype.kind == "f":
        return bool(np.abs(gram).max() <= tolerance)
    return all(x == 0 for x in gram.ravel())


def _classes(Y: np.ndarray, tolerance: float) -> np.ndarray:
    """Integer class labels, ordered by value: exact for exact entries, gap-chained for floats."""
    flat = Y.ravel()
    if Y.dtype.kind == "f":
        order = np.argsort(flat, kind="stable")
        jumps = np.diff(flat[order]) > tolerance
        labels = np.empty(len(flat), dtype=int)
        labels[order] = np.concatenate([[0], np.cumsum(jumps)])
        return labels.reshape(Y.shape)
    values = sorted({_exact(x) for x in flat})
    index = {v: i for i, v in enumerate(values)}
    return np.array([index[_exact(x)] for x in flat]).reshape(Y.shape)


def _exact(x):
    if isinstance(x, (int, np.integer, Fraction, bool, np.bool_)):
        return Fraction(int(x)) if not isinstance(x, Fraction) else x
    if isinstance(x, float):
        raise InputError("an object array mixes floats with exact numbers; pass a float "
                         "array with a tolerance")
    return x  # a SymPy number: compared exactly, sorted by its value


def _class_values(Y: np.ndarray, labels: np.ndarray) -> tuple:
    """One float value a class (its mean), so keys of different points can be compared."""
    values = np.asarray(Y, dtype=float).ravel()
    return tuple(float(values[labels.ravel() == c].mean()) for c in range(labels.max() + 1))


# ------------------------------------------------------------------------------- search

@dataclass(frozen=True)
class _Colours:
    cells: tuple          # colour of each vertex (rows 0..k−1, columns k..k+d−1)
    aut_order: int = 1


def _ranks(signatures: np.ndarray) -> np.ndarray:
    """Dense lexicographic rank of each row of an integer array."""
    order = np.lexsort(signatures.T[::-1])
    ordered = signatures[order]
    ranks = np.empty(len(order), dtype=int)
    ranks[order] = np.concatenate([[0], np.cumsum(np.any(ordered[1:] != ordered[:-1], axis=1))])
    return ranks


class _Structure:
    """The bipartite row/column structure of a class matrix under row × column permutations."""

    def __init__(self, labels: np.ndarray, *, permute_columns: bool):
        self.M = labels
        self.k, self.d = labels.shape
        column_colour = [1] * self.d if permute_columns else list(range(1, self.d + 1))
        self.start = self._refine([0] * self.k + column_colour)

    # colour refinement: a vertex's new colour is (old colour, sorted (neighbour colour, −class));
    # row colours stay below column colours, so rows and columns are ranked apart
    def _refine(self, colours) -> tuple:
        k, M = self.k, self.M
        classes = int(M.max()) + 1
        colours = np.asarray(colours)
        while True:
            rows, cols = colours[:k], colours[k:]
            row_codes = np.sort(cols[None, :] * classes + (classes - 1 - M), axis=1)
            col_codes = np.sort(rows[:, None] * classes + (classes - 1 - M), axis=0).T
            row_rank = _ranks(np.column_stack([rows, row_codes]))
            col_rank = _ranks(np.column_stack([cols, col_codes]))
            new = np.concatenate([row_rank, col_rank + row_rank.max() + 1])
            if len(np.unique(new)) == len(np.unique(colours)):
                return tuple(int(c) for c in new)
            colours = new

    def _target(self, colours: tuple) -> list | None:
        """The vertices of the first smallest non-singleton cell (by colour), or None."""
        cells: dict = {}
        for v, c in enumerate(colours):
            cells.setdefault(c, []).append(v)
        open_cells = [cells[c] for c in sorted(cells) if len(cells[c]) > 1]
        return min(open_cells, key=len) if open_cells else None

    def _individualise(self, colours: tuple, v: int) -> tuple:
        """Split v off before the rest of its cell (colours doubled to make room), refine."""
        doubled = [2 * c + 1 for c in colours]
        doubled[v] -= 1
        return self._refine(doubled)

    def _leaf(self, colours: tuple) -> tuple:
        order = np.argsort(colours)
        rows, cols = order[:self.k], order[self.k:] - self.k
        return tuple(map(tuple, self.M[np.ix_(rows, cols)]))

    def canonical(self) -> tuple[_Colours, np.ndarray]:
        """(colours of the greatest leaf with the isotropy order, the vertex order of that leaf)."""
        _, leaf_colours, aut_order = self._search(self.start)
        return _Colours(leaf_colours, aut_order), np.argsort(leaf_colours)

    def _search(self, colours: tuple) -> tuple:
        """(greatest leaf, its colours, |isotropy|) below a node, one child per isotropy orbit."""
        cell = self._target(colours)
        if cell is None:
            return self._leaf(colours), colours, 1
        children = [self._individualise(colours, v) for v in cell]
        orbits = self._orbits(children)
        best, first_orbit = None, len(orbits[0])
        aut = None
        for orbit in orbits:
            leaf, leaf_colours, order = self._search(children[orbit[0]])
            if aut is None:
                aut = first_orbit * order
            if best is None or leaf > best[0]:
                best = (leaf, leaf_colours)
        return best[0], best[1], aut

    def _orbits(self, children: list) -> list[list[int]]:
        """Children grouped by isomorphism of their coloured structures (isotropy orbits)."""
        orbits: list[list[int]] = []
        for i, child in enumerate(children):
            for orbit in orbits:
                if self._isomorphic(children[orbit[0]], child):
                    orbit.append(i)
                    break
            else:
                orbits.append([i])
        return orbits

    def _isomorphic(self, a: tuple, b: tuple) -> bool:
        """Whether a colour-preserving row × column permutation maps colouring a to b."""
        if sorted(a) != sorted(b) or self._quotient(a) != self._quotient(b):
            return False
        cell_a = self._target(a)
        if cell_a is None:
            return self._leaf(a) == self._leaf(b)
        x, colour = cell_a[0], a[cell_a[0]]
        child = self._individualise(a, x)
        return any(self._isomorphic(child, self._individualise(b, y))
                   for y in range(len(b)) if b[y] == colour)

    def _quotient(self, colours: tuple) -> tuple:
        k = self.k
        pairs: dict = {}
        for i in range(k):
            for j in range(self.d):
                pairs.setdefault((colours[i], colours[k + j]), []).append(self.M[i, j])
        return tuple(sorted((key, tuple(sorted(v))) for key, v in pairs.items()))

    # ---------------------------------------------------------------------- naming
    def name(self, colours: _Colours) -> str:
        """Δ(S_{n_1} × … × S_{n_m}) when that is what the isotropy is, else order and orbits."""
        if colours.aut_order == 1:
            return "1"
        rows = self._orbit_sizes(self.start, range(self.k))
        cols = self._orbit_sizes(self.start, range(self.k, self.k + self.d))
        product = math.prod(math.factorial(n) for n in rows)
        faithful = self._row_kernel_trivial()
        if sorted(rows) == sorted(cols) and product == colours.aut_order and faithful:
            sizes = sorted(rows, reverse=True)
            if len(sizes) == 1:
                return f"ΔS_{sizes[0]}"
            return "Δ(" + " × ".join(f"S_{n}" for n in sizes) + ")"
        return (f"order {colours.aut_order}, row orbits {sorted(rows, reverse=True)}, "
                f"column orbits {sorted(cols, reverse=True)}")

    def _orbit_sizes(self, colours: tuple, vertices) -> list[int]:
        """Sizes of the isotropy orbits on ``vertices`` (isomorphism of individualised structures)."""
        vertices = list(vertices)
        orbits = self._orbits([self._individualise(colours, v) for v in vertices])
        return [len(o) for o in orbits]

    def _row_kernel_trivial(self) -> bool:
        """No non-trivial isotropy element fixes every row (columns are then moved faithfully)."""
        fixed = self._refine(list(range(self.k)) + [self.k + c for c in self.start[self.k:]])
        return self._search(fixed)[2] == 1


def _within(a, b, tolerance: float) -> bool:
    """max |a − b| ≤ tolerance, entry by entry."""
    return bool(np.all(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)) <= tolerance))


def orbit_groups(points, teacher=None, *, tolerance: float = TOLERANCE) -> list[tuple[Canonical, list[int]]]:
    """Points grouped by orbit: (canonical form of the first member, member indices), in order
    of first appearance; equal inputs are canonicalised once, and only first members named."""
    groups: list[tuple[Canonical, list[int]]] = []
    seen: dict[bytes, Canonical] = {}
    for index, point in enumerate(points):
        point = np.asarray(point)
        form = seen.get(point.tobytes()) or canonical(point, teacher, tolerance=tolerance, named=False)
        seen[point.tobytes()] = form
        for first, members in groups:
            if first.key[:2] == form.key[:2] \
                    and _within(first.representative, form.representative, tolerance):
                members.append(index)
                break
        else:
            groups.append((canonical(point, teacher, tolerance=tolerance), [index]))
    return groups
