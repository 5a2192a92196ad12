"""Certified equilibria: ball-arithmetic proofs that a critical point is a strict minimum or a saddle.

A :class:`Certificate` for a candidate x̃ (the flattened electrons of an
:class:`~theory.dynamics.equilibrium.Equilibrium`) is a proof in python-flint
``arb`` ball arithmetic, with no floating-point step in the chain of
inequalities, of three statements about the box B = {x : ‖x − x̃‖_∞ ≤ r}:

1. **one critical point.** Krawczyk's test on the gradient g = ∇L. With H(B) a
   ball enclosure of the Hessian over all of B and any matrix Y (here a float
   inverse of ∇²L(x̃): only a preconditioner, its errors cost nothing),

   .. math::  K(B) = \\tilde x - Y g(\\tilde x) + (I - Y H(B))(B - \\tilde x) \\subset \\operatorname{int} B

   implies that B holds exactly one zero x* of g, and x* ∈ K(B) (Krawczyk 1969,
   Moore 1977; uniqueness because I − Y H(B) then contracts). It needs g ∈ C¹
   on B only — no bound on third derivatives. That is why it is chosen over
   Safran–Shamir's radius r = (3λ − √(9λ² − 25 g L₃))/(2L₃): the ReLU loss is C²
   but not C³ where an electron is parallel to a proton or to another electron
   (W = V = I, Tian's collapsed point), so no L₃ exists there, while the
   Hessian is continuous and has an enclosure from a form without the
   removable singularity (below).
2. **type.** H(K(B)) encloses ∇²L(x*). A ball LDLᵀ of the symmetric H − μI
   (written here over ``arb`` entries, no pivoting) whose pivots all have a
   certified sign gives, by Sylvester's law of inertia, the same inertia for
   every symmetric matrix in the enclosure. At μ = 0 the number of negative
   pivots is the Morse index and no pivot is zero: a strict local minimum
   (index 0) or a non-degenerate saddle. λ_min is enclosed between two shifts
   μ₋ < μ₊ with no eigenvalue below μ₋ and at least one below μ₊; the clusters
   of the spectrum are counted at separating shifts between them.
3. **loss.** L over K(B), in ball arithmetic.

Evaluation over a ball. Φ = F(n₁, n₂, ρ) of a ridge potential on R^d and its
derivatives are the SymPy expressions of :func:`theory.dynamics.loss.kernel`,
evaluated with ``arb`` functions (:func:`~theory.core.balls.ball_function`); ρ, c = 1 − ρ² and
φ = acos ρ come from h = ‖θ̂ ∓ ŵ‖²/2 (ρ = ±(1 − h), c = h(2 − h),
φ = 2 asin √(h/2)), which stay valid balls when a pair is parallel. Where
∂²F/∂ρ² has a removable singularity 1/√c (ReLU: n₁n₂/(2π√c)) the term
∂²F/∂ρ² ∇ρ∇ρᵀ is evaluated as R · vvᵀ/‖v‖, R = √c ∂²F/∂ρ², v = ŵ − ρθ̂
(‖v‖ = √c), and where ‖v‖ may vanish each entry by abs(v_a v_b)/‖v‖ ≤ min(abs v_a, abs v_b):
a valid enclosure of a continuous Hessian, so the loss is C² there and step 1
applies. That is the argument at W = V = I (every electron on its proton, L ≥ 0 =
L(W) proves the minimum global): strictness and the spectrum come from the
Hessian enclosure of this form over the box, which exists although L is not C³.
(For ReLU the same holds at antiparallel pairs, F ≈ n₁n₂ψ³/(6π) in ψ = π − φ.)
The ball must avoid where Φ is not C²: a zero neuron (‖θ_i‖ > 0 is checked) and
any pair where the derivatives are not finite balls; both are refused by name.

Collapsed points (``symmetric=True``; Tian's ReLU point, the erf committee's):
every student is t·(1, …, 1) and W = I, so the point is fixed by the group of
student permutations × coordinate permutations, orthogonal maps that leave L
invariant. ∇L is equivariant, so on the fixed space span(𝟙) it lies in span(𝟙):
a zero of t ↦ 𝟙ᵀ∇L(t𝟙) is a critical point of L (symmetric criticality). Step 1
runs on that line; the coincident students make ∇²L singular (for ReLU exactly,
by positive homogeneity), so step 2 certifies the counts below −μ and in (−μ, μ)
at a shift μ in a clean gap: the Morse index is the count below −μ, the cluster
at 0 is reported as zero modes, and the point is a saddle once that count is ≥ 1.

Symmetry zero modes: the rotations that fix every proton. For electrons in the
span of the protons (every teacher–student case with W of full rank) they fix the
electrons too: there is no orbit to quotient, and the certificate says so.
With fixed output weights there is no charge-scaling direction. When a
configuration has zero modes the certificate refuses (a critical point on an
orbit is not isolated) rather than quotient on a guess.

A certificate that cannot be established is returned with ``proven = False`` and
``failed`` naming the inequality and by how much; it is never proven on a guess.

>>> import numpy as np
>>> from theory.teacher_student.relu import relu_potential
>>> RELU = relu_potential()
>>> from theory.dynamics.equilibrium import equilibrium
>>> cert = certify(equilibrium(RELU, np.eye(2) + 0.05, np.eye(2), manifold="euclidean"))
>>> print(cert.proven, cert.kind, cert.morse_index)
True strict local minimum 0
"""

from __future__ import annotations

import functools
import itertools
import time
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp
from flint import arb, arb_mat, ctx

from ..core.balls import ball, ball_function
from ..core.balls import precision as flint_precision
from ..core.choices import Choice
from ..core.errors import InputError
from ..dynamics.kinds import Claim, EquilibriumKind
from ..dynamics.loss import C, Loss, charges_of
from ..potentials.forms import N1, Ridge

#: Working precision of the ball arithmetic, in bits.
PRECISION = 192
#: Largest ‖∇L(x̃)‖ (Euclidean) at which a candidate counts as critical.
GRADIENT_TOLERANCE = 1e-12
#: Most separating shifts at which the spectrum's clusters are counted (one LDLᵀ each).
CLUSTER_SHIFTS = 12
#: Box radii tried by Krawczyk's test, largest first.
RADII = tuple(10.0 ** -e for e in range(2, 15, 2))



class CertifiedKind(Choice):
    """What a certificate established (printed as its value).

    ``ZERO_MODE_SADDLE`` is a saddle whose Hessian has a certified cluster of eigenvalues
    around 0 (coincident electrons); ``REFUSED``: nothing was proven.
    """

    STRICT_MINIMUM = "strict local minimum"
    SADDLE = "non-degenerate saddle"
    ZERO_MODE_SADDLE = "saddle with zero modes"
    REFUSED = "refused"


# ---------------------------------------------------------------------- the landscape in arb

def _squares(v) -> arb:
    """Σ v_a², with the lower end clipped at 0 (a ball containing 0 squares to a signed ball)."""
    return functools.reduce(lambda s, x: s + x * x, v, arb(0)).nonnegative_part()


class Landscape:
    """L(a, θ) of a Loss with fixed charges, in ball arithmetic on the flattened θ (R^{kd}).

    Ridge potentials on R^d only (``manifold="euclidean"``).
    """

    def __init__(self, loss: Loss, charges=None):
        if loss.manifold.codimension or not isinstance(loss.kernel.form, Ridge):
            raise InputError(f"certificates cover ridge potentials on R^d, not a {loss.kernel.form} "
                             f"potential on the {loss.manifold} manifold")
        self.loss, self.kernel = loss, loss.kernel
        self._charges = charges
        args = self.kernel.arguments  # (n1, n2, rho, c, phi)
        names = self.kernel.names
        self.first = [ball_function(self.kernel.derivatives[(a,)], args) for a in range(len(names))]
        self.value_kernel = ball_function(self.kernel.derivatives[()], args)
        self.coefficients = [ball_function(e, args) for e in self.kernel.coefficients]
        self.self_terms = [ball_function(e, (N1,)) for e in self.kernel.self_terms] \
            if self.kernel.self_terms else None
        rr = (names.index("rho"),) * 2
        regular = _regular_form(self.kernel.derivatives[rr])
        self.singular = regular is not None
        self.second = {key: ball_function(regular if key == rr and self.singular else e, args)
                       for key, e in self.kernel.derivatives.items() if len(key) == 2}
        self.rr = rr

    # ------------------------------------------------------------ configuration
    def setup(self, X: np.ndarray):
        """Charges and protons as exact balls, for electrons of shape (k, d)."""
        k, d = X.shape
        if d != self.loss.dimension:
            raise InputError(f"electrons have dimension {d} but protons {self.loss.dimension}")
        a = self.loss.default_charges(k) if self._charges is None else charges_of(self._charges, k)
        self.k, self.d = k, d
        self.a = [ball(v) for v in a]
        self.b = [ball(v) for v in self.loss.proton_charges]
        self.W = [[ball(v) for v in row] for row in self.loss.protons]

    def _rows(self, x) -> list:
        return [list(x[i * self.d:(i + 1) * self.d]) for i in range(self.k)]

    def smoothness(self, x) -> str | None:
        """Why the ball x is not in the C² region, or None: ‖θ_i‖ > 0 for every electron."""
        for i, row in enumerate(self._rows(x)):
            norm = _squares(row).sqrt()
            if not norm > 0:
                return (f"‖θ_{i}‖ > 0 fails over the ball: ‖θ_{i}‖ ∈ {norm.str(5, radius=False)} reaches 0, "
                        f"a zero neuron, where Φ is not differentiable")
        return None

    def _pairs(self, x):
        """For every electron i and every other charge j (electrons, then protons): the pair's data."""
        X = self._rows(x)
        Y = X + self.W
        charges = self.a + self.b
        norms = [_squares(y).sqrt() for y in Y]
        units = [[v / n for v in y] for y, n in zip(Y, norms, strict=True)]
        for i in range(self.k):
            for j in range(len(Y)):
                if j != i:
                    yield i, j, charges[j], _Pair(X[i], Y[j], norms[i], norms[j], units[i], units[j])

    def _arguments(self, p: _Pair) -> tuple:
        return (p.n1, p.n2, p.rho, p.c, p.phi)

    # ------------------------------------------------------------ value, gradient, Hessian
    def value(self, x) -> arb:
        """L = Σ_ij a_i a_j Φ(θ_i, θ_j) + 2 Σ a_i b_j Φ(θ_i, w_j) + Σ b_i b_j Φ(w_i, w_j)."""
        total = arb(0)
        for i, j, cj, p in self._pairs(x):
            total += (1 if j < self.k else 2) * self.a[i] * cj * self.value_kernel(*self._arguments(p))
        for i, row in enumerate(self._rows(x)):
            total += self.a[i] * self.a[i] * self._self_value(_squares(row).sqrt())
        m = len(self.W)
        for i in range(m):
            for j in range(m):
                if i == j:
                    total += self.b[i] * self.b[j] * self._self_value(_squares(self.W[i]).sqrt())
                else:
                    p = _Pair(self.W[i], self.W[j], *(_squares(w).sqrt() for w in (self.W[i], self.W[j])),
                              *([v / _squares(w).sqrt() for v in w] for w in (self.W[i], self.W[j])))
                    total += self.b[i] * self.b[j] * self.value_kernel(*self._arguments(p))
        return total

    def _self_value(self, n: arb) -> arb:
        if self.self_terms is None:
            return ball_function(self.kernel.self_value, ())()
        return self.self_terms[0](n)

    def gradient(self, x) -> np.ndarray:
        """∇_θi L = Σ_{j≠i} 2 a_i c_j (α θ_i + β y_j) + a_i² G′(‖θ_i‖)/‖θ_i‖ θ_i."""
        rows = self._rows(x)
        grad = [[arb(0)] * self.d for _ in range(self.k)]
        Y = rows + self.W
        for i, j, cj, p in self._pairs(x):
            alpha, beta = (f(*self._arguments(p)) for f in self.coefficients)
            w = 2 * self.a[i] * cj
            grad[i] = [g + w * (alpha * xi + beta * yj)
                       for g, xi, yj in zip(grad[i], rows[i], Y[j], strict=True)]
        if self.self_terms is not None:
            for i, row in enumerate(rows):
                n = _squares(row).sqrt()
                slope = self.self_terms[1](n) / n
                grad[i] = [g + self.a[i] * self.a[i] * slope * v for g, v in zip(grad[i], row, strict=True)]
        return np.array([v for row in grad for v in row], dtype=object)

    def hessian(self, x) -> np.ndarray:
        """∇²L: pair blocks 2 a_i c_j (∇_θθΦ, ∇_θwΦ) by the chain rule through (n₁, n₂, ρ), plus the
        self blocks a_i² (G″ θ̂θ̂ᵀ + G′/n (I − θ̂θ̂ᵀ))."""
        k, d = self.k, self.d
        H = np.array([[arb(0)] * (k * d) for _ in range(k * d)], dtype=object)
        for i, j, cj, p in self._pairs(x):
            xx, xy = self._pair_blocks(p)
            w = 2 * self.a[i] * cj
            H[i * d:(i + 1) * d, i * d:(i + 1) * d] += w * xx
            if j < k:
                H[i * d:(i + 1) * d, j * d:(j + 1) * d] += w * xy
        if self.self_terms is not None:
            for i, row in enumerate(self._rows(x)):
                n = _squares(row).sqrt()
                u = np.array([v / n for v in row], dtype=object)
                P = np.outer(u, u)
                block = self.self_terms[2](n) * P + self.self_terms[1](n) / n * (_eye(d) - P)
                H[i * d:(i + 1) * d, i * d:(i + 1) * d] += self.a[i] * self.a[i] * block
        return H

    def _pair_blocks(self, p: _Pair):
        """(∇_xxΦ, ∇_xyΦ) = Σ_a F_a (∇_xx u_a, ∇_xy u_a) + Σ_ab F_ab (∇_x u_a ∇_x u_bᵀ, ∇_x u_a ∇_y u_bᵀ),
        with (I − x̂x̂ᵀ)(I − ŷŷᵀ) = I − x̂x̂ᵀ − ŷŷᵀ + ρ x̂ŷᵀ; zero gradients (None) are skipped."""
        args = self._arguments(p)
        I = _eye(len(p.x))
        xh, yh = np.array(p.xh, dtype=object), np.array(p.yh, dtype=object)
        v, u = yh - p.rho * xh, xh - p.rho * yh  # ∇_x ρ = v/n₁, ∇_y ρ = u/n₂, ‖v‖ = ‖u‖ = √c
        xx_, yy_, xy_ = np.outer(xh, xh), np.outer(yh, yh), np.outer(xh, yh)
        derivatives = {"n1": (xh, None, (I - xx_) / p.n1, None),
                       "n2": (None, yh, None, None),
                       "rho": (v / p.n1, u / p.n2,
                               (3 * p.rho * xx_ - xy_ - xy_.T - p.rho * I) / (p.n1 * p.n1),
                               (I - xx_ - yy_ + p.rho * xy_) / (p.n1 * p.n2))}
        parts = [derivatives[name] for name in self.kernel.names]
        xx, xy = 0 * I, 0 * I
        for a_, (gx, _, hxx, hxy) in enumerate(parts):
            F = self.first[a_](*args)
            if hxx is not None:
                xx = xx + F * hxx
            if hxy is not None:
                xy = xy + F * hxy
            if gx is None:
                continue
            for b_, (gx_b, gy_b, _, _) in enumerate(parts):
                key = tuple(sorted((a_, b_)))
                F2 = self.second[key](*args)
                if F2.is_zero():
                    continue
                if key == self.rr and self.singular:  # R vvᵀ/‖v‖, R = √c F_ρρ
                    xx = xx + F2 * _over_norm(v, v) / (p.n1 * p.n1)
                    xy = xy + F2 * _over_norm(v, u) / (p.n1 * p.n2)
                    continue
                if gx_b is not None:
                    xx = xx + F2 * np.outer(gx, gx_b)
                if gy_b is not None:
                    xy = xy + F2 * np.outer(gx, gy_b)
        return xx, xy


@functools.lru_cache(maxsize=32)
def _regular_form(expr: sp.Expr) -> sp.Expr | None:
    """R = √c ∂²F/∂ρ² when ∂²F/∂ρ² blows up like 1/√c at coincidence (a removable singularity
    of the Hessian), else None (then a ball reaching c = 0 gives a non-finite Hessian, refused)."""
    if not expr.subs(C, 0).has(sp.zoo, sp.oo, sp.nan):
        return None
    regular = sp.cancel(expr * sp.sqrt(C))
    return None if regular.subs(C, 0).has(sp.zoo, sp.oo, sp.nan) else regular


def _over_norm(v: np.ndarray, u: np.ndarray) -> np.ndarray:
    """v uᵀ/‖v‖ for ‖u‖ = ‖v‖; where ‖v‖ may be 0, each entry in ±min(|v_a|, |u_b|)."""
    norm = _squares(v).sqrt()
    if norm > 0:
        return np.outer(v, u) / norm
    bound = np.array([[arb(0, min(float(va.abs_upper()), float(ub.abs_upper())) * (1 + 1e-12) + 1e-300)
                       for ub in u] for va in v], dtype=object)
    return bound


@dataclass
class _Pair:
    x: list
    y: list
    n1: arb
    n2: arb
    xh: list
    yh: list
    rho: arb = field(init=False)
    c: arb = field(init=False)
    phi: arb = field(init=False)

    def __post_init__(self):
        """ρ = ±(1 − h), c = h(2 − h), φ from h = ‖x̂ ∓ ŷ‖²/2 (sign of mid ρ): no cancellation, no ρ > 1."""
        dot = functools.reduce(lambda s, t: s + t[0] * t[1], zip(self.xh, self.yh, strict=True), arb(0))
        sign = 1 if dot.mid() >= 0 else -1
        h = _squares([a - sign * b for a, b in zip(self.xh, self.yh, strict=True)]) / 2
        self.rho = sign * (1 - h)
        self.c = (h * (2 - h)).nonnegative_part()
        half = 2 * (h / 2).nonnegative_part().sqrt().asin()
        self.phi = half if sign > 0 else arb.pi() - half


def _eye(n: int) -> np.ndarray:
    I = np.array([[arb(0)] * n for _ in range(n)], dtype=object)
    for i in range(n):
        I[i, i] = arb(1)
    return I


class Polynomial:
    """A landscape f(x₁, …, x_n) given as a SymPy expression (smooth everywhere), with exact
    symbolic gradient and Hessian evaluated on balls: test cases with a known spectrum.

    >>> x, y = sp.symbols("x y")
    >>> print(prove(Polynomial(x**2 / 2 + y**2 / 2 + y**4, (x, y)), [0, 0]).kind)
    strict local minimum
    """

    def __init__(self, expr: sp.Expr, symbols: tuple):
        self.symbols = tuple(symbols)
        self._value = ball_function(expr, self.symbols)
        self._gradient = [ball_function(sp.diff(expr, v), self.symbols) for v in self.symbols]
        self._hessian = [[ball_function(sp.diff(expr, v, w), self.symbols) for w in self.symbols]
                         for v in self.symbols]

    def smoothness(self, x) -> None:
        return None

    def value(self, x) -> arb:
        return self._value(*x)

    def gradient(self, x) -> np.ndarray:
        return np.array([f(*x) for f in self._gradient], dtype=object)

    def hessian(self, x) -> np.ndarray:
        return np.array([[f(*x) for f in row] for row in self._hessian], dtype=object)


# ---------------------------------------------------------------------- inertia

def inertia(H: np.ndarray, shift=0) -> tuple[int, int] | str:
    """(negatives, positives) of every symmetric matrix in the ball matrix H − μI, from a ball
    LDLᵀ without pivoting (Sylvester's law: A = LDLᵀ is a congruence); the lower triangle of H is
    used. A string naming the first pivot whose sign is not certified, when one is not."""
    n = len(H)
    A = np.array([[H[max(i, j), min(i, j)] for j in range(n)] for i in range(n)], dtype=object)
    mu = arb(shift) if not isinstance(shift, arb) else shift
    for i in range(n):
        A[i, i] = A[i, i] - mu
    negatives = 0
    for j in range(n):
        pivot = A[j, j]
        if not (pivot > 0 or pivot < 0):
            return (f"pivot d_{j} of the LDLᵀ of H − μI (μ = {mu.str(6, radius=False)}) is {pivot.str(5)}: "
                    "sign not certified")
        negatives += pivot < 0
        if j + 1 < n:
            column = A[j + 1:, j]
            A[j + 1:, j + 1:] = A[j + 1:, j + 1:] - np.outer(column, column / pivot)
    return negatives, n - negatives


class Spectrum:
    """Inertia counts of a ball Hessian H at shifts μ, through the congruence M = VᵀHV, G = VᵀV
    with V the (exact, float) eigenvectors of mid H: inertia(H − μI) = inertia(M − μG) (Sylvester)
    whenever the LDLᵀ of M − μG certifies every pivot, which also proves V non-singular. M is
    nearly diagonal, so the ball LDLᵀ does not amplify widths as it does on H itself."""

    def __init__(self, H: np.ndarray):
        self.estimate, V = np.linalg.eigh(_midpoints(H))
        Vb = arb_mat([[arb(float(v)) for v in row] for row in V])
        M, G = Vb.transpose() * arb_mat(H.tolist()) * Vb, Vb.transpose() * Vb
        n = len(H)
        self.M = np.array([[M[i, j] for j in range(n)] for i in range(n)], dtype=object)
        self.G = np.array([[G[i, j] for j in range(n)] for i in range(n)], dtype=object)

    def inertia(self, shift=0) -> tuple[int, int] | str:
        mu = shift if isinstance(shift, arb) else arb(float(shift))
        return inertia(self.M - mu * self.G)


# ---------------------------------------------------------------------- the certificate

@dataclass
class Certificate:
    """A proof (``proven``) about the box {x : ‖x − centre‖_∞ ≤ radius} in R^{kd}, or why none was found.

    ``kind`` is ``strict local minimum``, ``non-degenerate saddle`` or ``refused``;
    ``loss`` and ``lambda_min`` are arb balls enclosing L(x*) and λ_min(∇²L(x*));
    ``clusters`` lists (lower shift, upper shift, count) with exactly ``count``
    eigenvalues of ∇²L(x*) between the shifts; ``failed`` names the inequality that
    failed and by how much, ``check`` which step: "smoothness", "gradient" (not a
    critical point), "symmetry", "krawczyk", "inertia" or "claim" (the expected kind is wrong).

    >>> x = sp.Symbol("x")
    >>> prove(Polynomial(x**2, (x,)), [0])
    <Certificate strict local minimum (Morse index 0): unique critical point in ‖x − x̃‖_∞ ≤ 1e-02, L ∈ 0 ± 0.00e+00, λ_min ∈ 2.000000000 ± 2.00e-12>
    >>> prove(Polynomial(x**2, (x,)), [0.5]).failed
    '‖∇L(x̃)‖ ≤ 1e-12 fails: ‖∇L(x̃)‖ ∈ 1.00000 ± 0.00e+00, above by 1: not a critical point'
    """  # noqa: E501 - doctest output is verbatim

    proven: bool
    kind: CertifiedKind
    centre: np.ndarray
    radius: float | None = None
    morse_index: int | None = None
    loss: arb | None = None
    lambda_min: arb | None = None
    gradient_norm: arb | None = None
    clusters: list = field(default_factory=list)
    zero_modes: str = ""
    method: str = "Krawczyk: K(B) ⊂ int B with a ball enclosure of ∇²L over B; LDLᵀ inertia (Sylvester)"
    failed: str | None = None
    check: str | None = None
    seconds: float = 0.0

    def __repr__(self) -> str:
        if not self.proven:
            return f"<Certificate refused: {self.failed}>"
        where = "on the symmetric subspace " if self.zero_modes.startswith("restricted") else ""
        return (f"<Certificate {self.kind} (Morse index {self.morse_index}): unique critical point {where}in "
                f"‖x − x̃‖_∞ ≤ {self.radius:.0e}, L ∈ {show(self.loss)}, λ_min ∈ {show(self.lambda_min)}>")

    def to_json(self) -> dict:
        def text(v):
            return None if v is None else show(v, 17)

        return {"proven": self.proven, "kind": self.kind, "radius": self.radius, "norm": "max",
                "morse_index": self.morse_index, "loss": text(self.loss), "lambda_min": text(self.lambda_min),
                "gradient_norm": text(self.gradient_norm), "zero_modes": self.zero_modes,
                "clusters": [{"above": lo, "below": hi, "count": m} for lo, hi, m in self.clusters],
                "method": self.method, "failed": self.failed, "check": self.check, "seconds": self.seconds}


def show(ball: arb | None, digits: int = 10) -> str:
    """A ball as "mid ± rad" (arb's own str rounds the radius up to the digits shown)."""
    if ball is None:
        return "(not certified)"
    return f"{ball.mid().str(digits, radius=False)} ± {float(ball.rad()):.2e}"


def certify(equilibrium, *, expect: Claim | str | None = None, clusters: bool = True,
            gradient_tolerance: float = GRADIENT_TOLERANCE, precision: int = PRECISION) -> Certificate:
    """A ball-arithmetic certificate for an :class:`~theory.dynamics.equilibrium.Equilibrium`.

    ``expect`` (a :class:`~theory.dynamics.kinds.Claim` or its name, or None) is the claim
    to check; by default the equilibrium's own kind's
    (:attr:`~theory.dynamics.kinds.EquilibriumKind.claim`). Held electrons and optimised charges
    are not covered.

    >>> import numpy as np
    >>> from theory.teacher_student.relu import relu_potential
    >>> RELU = relu_potential()
    >>> from theory.dynamics.equilibrium import equilibrium
    >>> eq = equilibrium(RELU, np.eye(2) + 0.05, np.eye(2), manifold="euclidean")
    >>> certify(eq, expect="saddle").failed[:16]
    'λ_min < 0 fails:'
    """
    loss = getattr(equilibrium, "objective", None)
    if loss is None:
        raise InputError("this Equilibrium does not carry its Loss; make it with theory.equilibrium")
    if equilibrium.captured or equilibrium.creases:
        raise InputError("electrons held on a cusp or crease sit where Φ has no Hessian: nothing to certify")
    if expect is None:
        expect = EquilibriumKind(equilibrium.kind).claim
    return certify_point(loss, equilibrium.positions, equilibrium.charges, expect=expect, clusters=clusters,
                         gradient_tolerance=gradient_tolerance, precision=precision)


def certify_point(loss: Loss, electrons, charges=None, *, expect: Claim | str | None = None,
                  clusters: bool = True, gradient_tolerance: float = GRADIENT_TOLERANCE,
                  precision: int = PRECISION, symmetric: bool = False) -> Certificate:
    """A certificate for the electrons ``electrons`` (k, d) of ``loss`` (fixed ``charges``, default −1).

    The point is not polished: a point that is not critical to ``gradient_tolerance``
    is refused, naming ‖∇L‖. ``symmetric=True`` is for collapsed points (every electron
    t·(1, …, 1), protons permuted by coordinate permutations; :func:`collapsed`), where
    coincident electrons make the Hessian singular: uniqueness is proven on the fixed
    space of the symmetry, the Morse index counts eigenvalues below the zero cluster.
    """
    expect = None if expect is None else Claim(expect)
    X = _electrons(electrons)
    start = time.perf_counter()
    with flint_precision(precision):
        cert = _certify(Landscape(loss, charges), loss, X, expect, clusters, gradient_tolerance, symmetric)
    cert.seconds = time.perf_counter() - start
    return cert


def refine(loss: Loss, electrons, charges=None, *, steps: int = 8, precision: int = PRECISION) -> np.ndarray:
    """Newton's method on the ball landscape's midpoints (works where the float Hessian of
    :class:`Loss` does not, e.g. electrons on protons): an mpf (k, d) array, not a proof."""
    X = _electrons(electrons)
    land = Landscape(loss, charges)
    land.setup(X)
    with flint_precision(precision):
        x = np.array([ball(v if isinstance(v, mpmath.mpf) else float(v)) for v in X.ravel()], dtype=object)
        for _ in range(steps):
            g = land.gradient(x)
            if _squares(g).sqrt() < 1e-40:
                break
            step = np.linalg.lstsq(_midpoints(land.hessian(x)), [float(v.mid()) for v in g], rcond=None)[0]
            correction = arb_mat([[arb(float(v))] for v in step])
            x = np.array([(v - correction[i, 0]).mid() for i, v in enumerate(x)], dtype=object)
        digits = mpmath.mp.prec
        mpmath.mp.prec = precision
        try:
            values = [mpmath.mpf(v.mid().str(60, radius=False)) for v in x]
        finally:
            mpmath.mp.prec = digits
    return np.array(values, dtype=object).reshape(X.shape)


def _electrons(values) -> np.ndarray:
    """A finite (k, d) array, kept as mpf where given so (exact centres)."""
    array = np.array(values, dtype=object)
    if array.ndim != 2 or not array.size:
        raise InputError(f"electrons must be a non-empty (k, d) array, got shape {array.shape}")
    try:
        floats = array.astype(float)
    except (TypeError, ValueError) as why:
        raise InputError(f"electrons must be real numbers: {why}") from why
    if not np.isfinite(floats).all():
        raise InputError("electrons contain NaN or infinite coordinates")
    return array


class Restriction:
    """L on the linear subspace x = Q z (Q an exact n × m matrix): Qᵀ∇L(Qz), Qᵀ∇²L(Qz)Q."""

    def __init__(self, land: Landscape, Q: np.ndarray):
        self.land, self.Q = land, np.array([[ball(v) for v in row] for row in Q], dtype=object)

    def point(self, z):
        return self.Q.dot(z)

    def smoothness(self, z):
        return self.land.smoothness(self.point(z))

    def gradient(self, z):
        return self.Q.T.dot(self.land.gradient(self.point(z)))

    def hessian(self, z):
        return self.Q.T.dot(self.land.hessian(self.point(z))).dot(self.Q)


def collapsed(loss: Loss, X: np.ndarray) -> np.ndarray | str:
    """Q = 𝟙 (kd × 1) when every electron equals t·(1, …, 1) and the protons are permuted by every
    permutation of the coordinates (e.g. W = I): span Q is the fixed space of (student
    permutations) × (coordinate permutations), a group of orthogonal maps leaving L invariant,
    so a critical point of L on it is one of L (principle of symmetric criticality). Else why not."""
    W = loss.protons
    k, d = X.shape
    if len(set(X.ravel())) != 1:
        return "the electrons are not all equal to t·(1, …, 1)"
    rows = {tuple(w) for w in W}
    for perm in ([1, 0, *range(2, d)], [*range(1, d), 0]) if d > 1 else ():
        if {tuple(w[perm]) for w in W} != rows:
            return "the protons are not permuted by every permutation of the coordinates"
    if len(set(loss.proton_charges)) > 1:
        return "the proton charges differ"
    return np.ones((k * d, 1))


def _certify(land: Landscape, loss: Loss, X: np.ndarray, expect, clusters: bool, tolerance: float,
             symmetric: bool) -> Certificate:
    from ..dynamics.equilibrium import symmetry_zero_modes

    land.setup(X)
    modes = symmetry_zero_modes(loss, X.astype(float))
    if modes:
        return Certificate(False, CertifiedKind.REFUSED, X.astype(float), check="symmetry",
                           failed=f"{modes} symmetry zero modes (rotations fixing the protons move the "
                                  "electrons): the critical point is not isolated and the "
                                  "quotient is not taken")
    subspace = None
    if symmetric:
        subspace = collapsed(loss, X)
        if isinstance(subspace, str):
            raise InputError(f"symmetric=True needs a collapsed configuration: {subspace}")
    zero_modes = "none: rotations fixing the protons fix these electrons; fixed charges have no scaling mode"
    return prove(land, X.ravel(), expect=expect, clusters=clusters, tolerance=tolerance, subspace=subspace,
                 zero_modes=zero_modes)


def prove(land, point, *, expect: Claim | str | None = None, clusters: bool = True,
          tolerance: float = GRADIENT_TOLERANCE, subspace: np.ndarray | None = None,
          zero_modes: str = "") -> Certificate:
    """The certificate of ``point`` for any landscape with ``smoothness``, ``value``, ``gradient`` and
    ``hessian`` on arrays of arb balls (:class:`Landscape`, :class:`Polynomial`), at the current
    precision. ``subspace`` (an exact n × 1 basis through the point, see :func:`collapsed`) restricts
    Krawczyk's test to a fixed space of symmetry; ``expect`` is the claim checked."""
    expect = None if expect is None else Claim(expect)
    X = np.asarray(point, dtype=object)
    centre = np.array([ball(v if isinstance(v, mpmath.mpf) else float(v)) for v in X], dtype=object)
    refuse = functools.partial(Certificate, False, CertifiedKind.REFUSED, X.astype(float),
                               zero_modes=zero_modes)
    failure = land.smoothness(centre)
    if failure:
        return refuse(failed=failure, check="smoothness")
    g = land.gradient(centre)
    gnorm = _squares(g).sqrt()
    refuse = functools.partial(refuse, gradient_norm=gnorm)
    if not gnorm < tolerance:
        return refuse(failed=f"‖∇L(x̃)‖ ≤ {tolerance:g} fails: ‖∇L(x̃)‖ ∈ {show(gnorm, 6)}, above by "
                             f"{float(gnorm.lower()) - tolerance:.3g}: not a critical point",
                      check="gradient")
    if subspace is not None:
        restricted = Restriction(land, subspace)
        z0 = np.array([centre[0]], dtype=object)
        z, radius, failure = _krawczyk(restricted, z0, restricted.gradient(z0))
        box = None if z is None else restricted.point(z)
    else:
        box, radius, failure = _krawczyk(land, centre, g)
    if box is None:
        return refuse(failed=failure, check="krawczyk")
    refuse = functools.partial(refuse, radius=radius)
    H = land.hessian(box)
    if not all(v.is_finite() for v in H.ravel()):
        return refuse(failed="the Hessian enclosure at the critical point is not finite", check="inertia")
    spectrum = Spectrum(H)
    counts = spectrum.inertia(0)
    kind = CertifiedKind.SADDLE
    if isinstance(counts, str):
        degenerate = _zero_cluster(spectrum) if subspace is not None else None
        if degenerate is None or degenerate[0] == 0:
            return refuse(failed=f"non-degeneracy λ ≠ 0 for every eigenvalue fails: {counts}",
                          check="inertia")
        index, nearly, mu = degenerate
        kind = CertifiedKind.ZERO_MODE_SADDLE
        zero_modes = (f"{nearly} eigenvalues in (−{mu:.0e}, {mu:.0e}), not separated from 0: directions in "
                      f"which the coincident electrons separate (for a positively homogeneous σ such as ReLU "
                      f"they are exactly flat: moving coincident θ_i by t_i θ with Σ t_i = 0 keeps L); "
                      f"Morse index = eigenvalues below −{mu:.0e}")
    else:
        index = counts[0]
    lam = _lambda_min(spectrum)
    refuse = functools.partial(refuse, morse_index=index, lambda_min=lam, check="claim")
    if expect == Claim.MINIMUM and index > 0:
        by = f"by {-float(lam.upper()):.3g}" if lam is not None else "(λ_min not enclosed)"
        return refuse(failed=f"λ_min > 0 fails: λ_min ∈ {show(lam)}, negative {by}; Morse index {index}: "
                             f"a saddle, not a minimum")
    if expect == Claim.SADDLE and index == 0:
        return refuse(failed=f"λ_min < 0 fails: λ_min ∈ {show(lam)}: a strict minimum, not a saddle")
    if index == 0:
        kind = CertifiedKind.STRICT_MINIMUM
    if subspace is not None:
        zero_modes = ("restricted to the fixed space span(𝟙) of the symmetry group (radius in t); "
                      f"{zero_modes}")
    return Certificate(True, kind, X.astype(float), radius, index, land.value(box), lam, gnorm,
                       _clusters(spectrum) if clusters else [], zero_modes)


def _zero_cluster(spectrum: Spectrum):
    """(negatives below −μ, eigenvalues in (−μ, μ), μ) for the smallest μ = 10^{-e} at which both
    inertias of H ± μI are certified and no float estimate lies in [μ/10, 10μ] (a clean gap)."""
    for e in range(12, 1, -1):
        mu = 10.0 ** -e
        if np.any((np.abs(spectrum.estimate) > mu / 10) & (np.abs(spectrum.estimate) < 10 * mu)):
            continue
        below, above = spectrum.inertia(-mu), spectrum.inertia(mu)
        if isinstance(below, tuple) and isinstance(above, tuple):
            return below[0], above[0] - below[0], mu
    return None


def _krawczyk(land: Landscape, centre: np.ndarray, g: np.ndarray):
    """(K(B), r, None) for the largest r of :data:`RADII` with K(B) ⊂ int B, else (None, None, why).

    Once the test passes, K is iterated (B ← K(B) ∩ B, still x* ∈ B) to a tight box around x*."""
    n = len(centre)
    Y = np.linalg.pinv(_midpoints(land.hessian(centre)))
    Ym = arb_mat([[arb(float(v)) for v in row] for row in Y])
    Yg = Ym * arb_mat([[v] for v in g])
    closest = None  # (reach / r, message) of the nearest miss
    for r in RADII:
        offsets = [arb(0, r)] * n
        K = _krawczyk_step(land, centre, Ym, Yg, offsets)
        if isinstance(K, str):
            closest = closest or (np.inf, K)
            continue
        if all(abs(v) < r for v in K):
            for _ in range(12):  # contraction: quadratic once the box is small
                width = max(float(v.rad()) for v in K)
                if width < 2.0 ** -(ctx.prec - 40):
                    break
                step = _krawczyk_step(land, centre, Ym, Yg, K)
                if isinstance(step, str):
                    break
                K = [a.intersection(b) for a, b in zip(K, step, strict=True)]
                if max(float(v.rad()) for v in K) > width * 0.9:
                    break
            return np.array([c + o for c, o in zip(centre, K, strict=True)], dtype=object), r, None
        reach = max(float(abs(v).upper()) for v in K)
        if closest is None or reach / r < closest[0]:
            closest = (reach / r,
                       f"at r = {r:g}, max_i |K_i − x̃_i| ≤ {reach:.3g} exceeds r by {reach - r:.3g}")
    return None, None, (f"Krawczyk's K(B) ⊂ int B fails at every radius {RADII[0]:g} … {RADII[-1]:g}; "
                        f"nearest: {closest[1]}")


def _krawczyk_step(land: Landscape, centre, Ym, Yg, offsets):
    """K(B) − x̃ = −Y g(x̃) + (I − Y H(B))(B − x̃) for B = x̃ + offsets, or why H(B) is not available."""
    B = np.array([c + o for c, o in zip(centre, offsets, strict=True)], dtype=object)
    failure = land.smoothness(B)
    if failure:
        return failure
    HB = land.hessian(B)
    if not all(v.is_finite() for v in HB.ravel()):
        return "the Hessian enclosure over the box is not finite: a pair reaches a singular point of Φ"
    Z = -(Ym * arb_mat(HB.tolist()))
    for i in range(len(centre)):
        Z[i, i] = Z[i, i] + 1
    step = Z * arb_mat([[o] for o in offsets]) - Yg
    return [step[i, 0] for i in range(len(centre))]


def _midpoints(M: np.ndarray) -> np.ndarray:
    return np.array([[float(v.mid()) for v in row] for row in M])


def _lambda_min(spectrum: Spectrum) -> arb | None:
    """λ_min in [μ₋, μ₊]: H − μ₋I has no negative pivot, H − μ₊I at least one (shifts from the
    float estimate, widened until both inertias are certified)."""
    estimate = spectrum.estimate
    scale = max(1.0, float(np.abs(estimate).max()))
    for width in (1e-24, 1e-18, 1e-12, 1e-8, 1e-5, 1e-3):
        delta = arb(width * scale)
        lo, hi = arb(estimate[0]) - delta, arb(estimate[0]) + delta
        lower, upper = spectrum.inertia(lo), spectrum.inertia(hi)
        if isinstance(lower, tuple) and isinstance(upper, tuple) and lower[0] == 0 and upper[0] >= 1:
            return lo.union(hi)
    return None


def _clusters(spectrum: Spectrum) -> list:
    """(μ_a, μ_b, m): exactly m eigenvalues in (μ_a, μ_b), the μ certified shifts in the gaps
    between clusters of the float estimate (relative gap > 10⁻⁶, at most :data:`CLUSTER_SHIFTS`
    widest gaps); uncertified gaps merge clusters."""
    estimate = spectrum.estimate
    scale = max(1.0, float(np.abs(estimate).max()))
    gaps = np.diff(estimate)
    cuts = np.nonzero(gaps > 1e-6 * scale)[0]
    cuts = np.sort(cuts[np.argsort(gaps[cuts])[::-1][:CLUSTER_SHIFTS]])  # the widest gaps
    groups = np.split(estimate, cuts + 1)
    shifts = [groups[0][0] - 1e-6 * scale] + [(a[-1] + b[0]) / 2 for a, b in itertools.pairwise(groups)] \
        + [groups[-1][-1] + 1e-6 * scale]
    below = []
    for mu in shifts:
        counts = spectrum.inertia(mu)
        if isinstance(counts, tuple):
            below.append((float(mu), counts[0]))
    return [(lo, hi, b - a) for (lo, a), (hi, b) in itertools.pairwise(below) if b > a]
