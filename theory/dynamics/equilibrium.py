"""Equilibria of the electron–proton dynamics: refine, classify, match.

A critical point θ* of L is a local minimum when λ_min(∇²L(θ*)) ≥ 0 and a strict
one when λ_min > 0 (paper Definition 3.2; on S^{d−1} the Riemannian Hessian on
the tangent space). :func:`equilibrium` polishes a configuration by Newton's
method at ``dps`` digits, computes the Hessian's eigenvalues at that precision
(``eigsy`` on a local mpmath context) and names the point:

* ``global minimum`` — L = 0 to working precision (L ≥ 0 always, being
  E(f̂ + f)²; for a potential given directly, with every electron on a proton).
  It is *matched* when every electron is on a proton; L = 0 off them is another
  parametrisation of the teacher (for an even Φ, Φ(−θ, ·) = Φ(θ, ·), an electron
  is reported as whichever of ±θ_i is nearer to a proton, :func:`mirrored`);
* ``saddle`` — some eigenvalue is negative;
* ``spurious local minimum`` — L > 0 and all eigenvalues positive, apart
  from the zero modes forced by symmetry;
* ``degenerate`` — more zero eigenvalues than symmetry explains;
* ``non-smooth critical point`` — L > 0 with electrons held on the cusp of a
  proton, or coordinates held on a crease of a product potential with kinks
  (see :mod:`theory.dynamics.flow`), where the Hessian does not exist; or a
  configuration with a coincident pair where Φ is not C² (sign, step:
  Φ ~ √(1 − ρ)) whose one-sided slopes along every coordinate direction are ≥ 0
  (:attr:`Equilibrium.one_sided` holds them and the directional second
  derivatives, numeric evidence from Richardson-extrapolated one-sided
  differences at ``dps`` digits);
* ``not converged``.

With optimised output weights (``charges="optimal"``: the policy
:class:`~theory.dynamics.charges.Optimal`) the function is the
reduced loss ℓ(θ) = min_a L(a, θ): the point is refined by Newton on ℓ and
classified by the eigenvalues of ∇²ℓ, the Schur complement
H_θθ − H_θa H_aa⁻¹ H_aθ at a = a*(θ) (:meth:`theory.dynamics.loss.Loss.reduced_hessian`);
the charges reported are a*(θ) at ``dps`` digits. For an odd Φ an electron
whose a_i* > 0 is reported as −θ_i with charge −a_i* (the same hidden unit); for a
σ positively homogeneous of degree p on R^d, as abs(a_i*)^{1/p}θ_i with charge sign(a_i*)
(:func:`~theory.dynamics.flow.scale_degree`).

A numeric potential (tanh, sigmoid, softplus, swish, mish, ELU: the float64
:class:`~theory.dynamics.kernel.NumericKernel` on R^d, :class:`~theory.dynamics.kernel.ZonalNumericKernel`
on the sphere) has no loss at ``dps`` digits: the point
is polished by Newton's method in float64 (:func:`float64_newton`, the analytic Hessian)
and classified by :func:`float64_kind` from the float64 eigenvalues — numeric evidence,
not proven, and said so in ``reason``.

Zero modes from symmetry: Φ is invariant under rotations about the origin
(ridge, zonal) or under rigid motions (radial); those fixing every proton move
the electrons without changing L. Their number is computed and reported.

>>> import numpy as np
>>> from theory.potentials.potential import given
>>> eq = equilibrium(given("exp(-r^2/2)", "radial"), [[0.9, 0.1]], [[1.0, 0.0]], dps=30)
>>> print(eq.kind, eq.matched)
global minimum True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mpmath
import numpy as np

from ..core import validators as valid
from ..core.choices import Choice, spelling
from ..core.errors import DerivationError, InputError
from ..potentials.activations import Parity
from ..potentials.forms import Geometry
from ..potentials.manifolds import Manifold
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential, given
from ..potentials.potential import potential as derive
from .arithmetic import arithmetic
from .charges import FIXED, Fixed, Optimal, charge_policy
from .flow import Algorithm, Trajectory, odd, polish, reflection, run_algorithm, scale_degree
from .kernel import NumericKernel, ZonalNumericKernel
from .kinds import EquilibriumKind
from .loss import Loss, NotSmooth
from .matching import match_rows


@dataclass
class Equilibrium:
    """A refined configuration and what it is. Numbers are mpmath at ``dps`` digits.

    >>> from theory.potentials.potential import given
    >>> equilibrium(given("exp(-r^2/2)", "radial"), [[0.9, 0.1]], [[1.0, 0.0]])
    <Equilibrium global minimum: ‖∇L‖ = 0.0, L = 0.0, matched θ0→w0>
    """

    positions: np.ndarray
    charges: np.ndarray
    converged: bool
    reason: str
    gradient_norm: object
    loss: object
    eigenvalues: list
    kind: EquilibriumKind
    matching: list
    matched: bool
    symmetry_zero_modes: int = 0
    captured: list = field(default_factory=list)
    dps: int = 30
    creases: list = field(default_factory=list)
    one_sided: list = field(default_factory=list)
    objective: Loss | None = field(default=None, repr=False, compare=False)
    certificate: object = None

    def __repr__(self) -> str:
        pairs = ", ".join(f"θ{i}→w{j}" for i, j, _ in self.matching)
        state = f"matched {pairs}" if self.matched else "not matched"
        return (f"<Equilibrium {self.kind}: ‖∇L‖ = {_short(self.gradient_norm)}, L = {_short(self.loss)}, "
                f"{state}>")

    def to_json(self) -> dict:
        def text(v):
            return None if v is None else str(v)

        return {"converged": self.converged, "reason": self.reason, "kind": self.kind,
                "matched": self.matched, "gradient_norm": text(self.gradient_norm),
                "loss": text(self.loss), "hessian_eigenvalues": [text(v) for v in self.eigenvalues],
                "symmetry_zero_modes": self.symmetry_zero_modes,
                "matching": [{"electron": i, "proton": j, "distance": dist} for i, j, dist in self.matching],
                "captured": [list(p) for p in self.captured],
                "creases": [list(c) for c in self.creases], "dps": self.dps,
                "one_sided": [{"electron": i, "direction": u, "slope": text(slope), "second": text(second)}
                              for i, u, slope, second in self.one_sided],
                "charges": [text(a) for a in self.charges],
                "positions": [[float(v) for v in row] for row in self.positions],
                **({"certificate": self.certificate.to_json()} if self.certificate is not None else {})}


def equilibrium(phi: Potential, electrons, protons, *, manifold: str | None = None, charges=None,
                dps: int = 30, tolerance: float = 1e-8, captured=(), creases=(), refine: bool = True,
                seconds: float = 60.0, certify: bool = False) -> Equilibrium:
    """Refine ``electrons`` to a critical point of L and classify it.

    Parameters
    ----------
    phi : Potential
    electrons, protons : arrays (k, d), (m, d)
        One charge a row.
    manifold : {"euclidean", "sphere"}, optional
    charges : array (k,), "fixed", "optimal" or a charge policy, optional
        Electron charges (:func:`~theory.dynamics.charges.charge_policy`), default −1
        (protons +1; eq. 9); ``"optimal"``: a = a*(θ), and the point is a critical point
        of ℓ(θ) = min_a L(a, θ). For a ridge σ on R^d positively homogeneous of degree p
        (ReLU, leaky ReLU, ReLU^p) ℓ is constant on each ray θ_i ↦ sθ_i: Newton steps across the
        rays, the point is reported as the canonical rows abs(a_i)^{1/p}θ_i with charges sign(a_i)
        (so 2w with a = −½ is the proton w), and the k rays count as symmetry zero modes.
    dps : int
        Working digits; the target is ‖∇L‖ < 10^{−(dps−5)}.
    tolerance : float
        Largest electron–proton distance that counts as matched.
    captured : sequence of (electron, proton)
        Electrons held on a cusp (placed on the proton exactly).
    creases : sequence of (electron, coordinate, value)
        Coordinates held on a crease of a product potential with kinks (placed on it
        exactly); such electrons stay where they are, unpolished, like captured ones.
    refine : bool
        ``False`` skips Newton (for a run that did not converge): the result is
        ``not converged`` and never matched.
    certify : bool
        Attach a ball-arithmetic :class:`~theory.verification.certificate.Certificate`
        (``.certificate``) to a converged point: proven, or refused naming the failed inequality.


    Examples
    --------
    Two electrons released near two protons of the Gaussian potential:

    >>> from theory.potentials.potential import given
    >>> eq = equilibrium(given("exp(-r^2/2)", "radial"), [[0.8, 0.1], [0.1, 1.2]], [[1, 0], [0, 1]])
    >>> print(eq.kind, eq.matched, eq.dps)
    global minimum True 30
    """
    loss = Loss(phi, protons, manifold=manifold)
    X = loss.manifold.positions(electrons, "electrons")
    policy = charge_policy(charges, len(X))
    if isinstance(loss.kernel, NumericKernel | ZonalNumericKernel):
        if captured or creases or certify:
            raise DerivationError("the potential is numeric: its equilibria are classified in float64 "
                                  "(no held electrons, no certificate)")
        return _float64_equilibrium(loss, X, policy, tolerance, refine)
    held = {int(i): int(j) for i, j in captured}
    for i, j in held.items():
        X[i] = loss.protons[j]
    creases = sorted((int(i), int(k), float(value)) for i, k, value in creases)
    for i, k, value in creases:
        X[i, k] = value
    if policy.optimised:
        X = _canonical(loss, X)
    a = policy.charges(loss, X)
    fixed = sorted(set(held) | {i for i, _, _ in creases})
    free = [i for i in range(len(X)) if i not in fixed]
    active = loss.with_fixed(X[fixed], a[fixed])
    arith = arithmetic(dps)
    exact = isinstance(electrons, np.ndarray) and electrons.dtype == object and \
        not (held or creases or policy.optimised)
    Xmp = arith.array(electrons if exact else X)  # mpf input stays exact
    converged, reason = refine, "Newton polishing reached the target"
    if free and refine:
        try:
            Xmp[free], _ = polish(active, Xmp[free], policy.restricted(a, free), dps=dps, seconds=seconds)
        except NotSmooth as why:
            return _nonsmooth(loss, Xmp, a, why, dps, tolerance)
        except DerivationError as why:
            converged, reason = False, str(why)
    elif not refine:
        reason = "the run did not converge; not refined"
    else:
        reason = "every electron is held on a cusp or crease: nothing to polish"
    if policy.optimised:  # the charges at the refined point, all electrons (held ones included) optimised
        a = policy.charges(loss, Xmp, dps=dps)
        degree = scale_degree(loss, policy)
        if degree is not None:        # the free units' canonical rows abs(a_i)^{1/p}θ_i, charges sign(a_i)
            for i in free:
                Xmp[i] = Xmp[i] * abs(a[i]) ** (arith.ctx.mpf(1) / degree)
                a[i] = arith.ctx.sign(a[i])
        active = loss.with_fixed(X[fixed], a[fixed])
    Xmp = mirrored(Xmp, loss.protons, reflection(loss) is Parity.EVEN)
    try:
        eq = _classify(loss, active, Xmp, a, free, held, creases, converged, reason, dps, tolerance, policy)
    except NotSmooth as why:
        return _nonsmooth(loss, Xmp, a, why, dps, tolerance)
    if certify and eq.converged:
        from ..verification.certificate import certify as certificate  # flint only when asked for

        eq.certificate = certificate(eq)
    return eq


def _nonsmooth(loss: Loss, X, a, why: NotSmooth, dps: int, tolerance: float) -> Equilibrium:
    """A configuration where L is not C²: L ≥ 0 proves a global minimum when L = 0 with every
    electron on a proton; otherwise the one-sided slopes decide (all ≥ 0: a non-smooth
    critical point; one < 0: a descent direction, not a critical point)."""
    ctx = arithmetic(dps).ctx
    value = loss.value(X, a, dps=dps)
    matching = match_rows(X.astype(float), loss.protons)
    on_protons = len(matching) == len(X) and all(dist < tolerance for _, _, dist in matching)
    one_sided = _one_sided(loss, X, a, dps)
    zero = ctx.mpf(10) ** -(dps // 3)
    steepest = min(slope for _, _, slope, _ in one_sided)
    if abs(value) < ctx.mpf(10) ** -(dps - 5) and on_protons:
        kind, reason = EquilibriumKind.GLOBAL_MINIMUM, f"{why}; L = 0 and L ≥ 0"
    elif steepest >= -zero:
        kind, reason = EquilibriumKind.NON_SMOOTH, f"{why}; every one-sided slope is ≥ 0"
    else:
        kind = EquilibriumKind.NOT_CONVERGED
        reason = f"{why}; a one-sided slope is {ctx.nstr(steepest, 5)} < 0"
    converged = kind != EquilibriumKind.NOT_CONVERGED
    return Equilibrium(X, a, converged, reason, None, value, [], kind, matching,
                       converged and on_protons, dps=dps, one_sided=one_sided, objective=loss)


def _one_sided(loss: Loss, X, a, dps: int) -> list:
    """(electron, direction, slope, second) along ± each tangent basis vector u of each electron:
    L(x + hu) = L + s h + q h²/2 + …, s and q from h and h/2 (h = 10^−(dps/3); Richardson:
    s = 2D(h/2) − D(h), q = 4(D(h) − D(h/2))/h with D(h) = (L(x + hu) − L)/h); on the sphere
    along the geodesic x cos h + u sin h. Numeric evidence, not a proof."""
    arith = arithmetic(dps)
    ctx, d = arith.ctx, X.shape[1]
    base, h = loss.value(X, a, dps=dps), ctx.mpf(10) ** -(dps // 3)
    basis = loss.tangent_basis(X.astype(float))
    out = []
    for column in range(basis.shape[1]):
        i = int(np.nonzero(basis[:, column])[0][0]) // d
        for sign in (1, -1):
            u = arith.array(sign * basis[i * d:(i + 1) * d, column])
            D = []
            for step in (h, h / 2):
                Y = X.copy()
                Y[i] = loss.manifold.geodesic(X[i], u, step, ctx)
                D.append((loss.value(Y, a, dps=dps, validate=False) - base) / step)
            out.append((i, [float(v) for v in u], 2 * D[1] - D[0], 4 * (D[0] - D[1]) / h))
    return out


def _canonical(loss: Loss, X: np.ndarray) -> np.ndarray:
    """For an odd Φ, the representative −θ_i of every electron with a_i* > 0."""
    if odd(loss):
        X = X.copy()
        X[loss.best_charges(X) > 0] *= -1
    return X


def mirrored(X, protons: np.ndarray, even: bool):
    """For an even Φ (Φ(−θ, ·) = Φ(θ, ·): L, its gradient and Hessian are unchanged when θ_i ↦ −θ_i), the
    representative ±θ_i nearer to a proton, so an electron on −w_j matches w_j; X itself otherwise."""
    if not even:
        return X
    rows = np.asarray(X, dtype=float)[:, None, :]
    near, far = (np.abs(rows - sign * protons[None]).sum(axis=2).min(axis=1) for sign in (1, -1))
    return np.where((far < near)[:, None], -X, X)


def _classify(loss: Loss, active: Loss, Xmp, a, free, held, creases, converged, reason, dps, tolerance,
              policy: Fixed | Optimal):
    ctx = arithmetic(dps).ctx
    gnorm = ctx.mpf(0)
    if free:
        g = active.gradient(Xmp[free], a[free], dps=dps)
        gnorm = ctx.sqrt(ctx.fsum(v * v for v in g.ravel()))
    if converged and gnorm > ctx.mpf(10) ** -(dps - 5):
        converged, reason = False, f"‖∇L‖ = {ctx.nstr(gnorm, 5)} at the optimal charges of all electrons"
    value = loss.value(Xmp, a, dps=dps)
    matching = match_rows(Xmp.astype(float), loss.protons)
    on_protons = len(matching) == len(Xmp) and all(dist < tolerance for _, _, dist in matching)
    eigenvalues, symmetric, kind = [], 0, EquilibriumKind.NOT_CONVERGED
    if converged and free:
        hessian = policy.restricted(a, free).hessian(active, Xmp[free], dps=dps)
        eigenvalues = sorted(ctx.eigsy(ctx.matrix(hessian.tolist()), eigvals_only=True))
        symmetric = symmetry_zero_modes(active, Xmp[free].astype(float))
        symmetric += len(free) if scale_degree(loss, policy) is not None else 0    # the rays θ_i ↦ sθ_i
    if converged:
        zero_is_global = on_protons or loss.potential.activation is not None     # L = E(…)² ≥ 0
        kind = _kind(value, eigenvalues, symmetric, zero_is_global, bool(held or creases), dps, ctx)
    matched = converged and on_protons
    return Equilibrium(Xmp, a, converged, reason, gnorm, value, eigenvalues, kind, matching, matched,
                       symmetric, sorted(held.items()), dps, creases, objective=loss)


def _kind(value, eigenvalues, symmetric: int, zero_is_global: bool, held: bool, dps: int,
          ctx) -> EquilibriumKind:
    """L = 0 is the global minimum where ``zero_is_global`` (on the protons, or L a mean square, so L ≥ 0);
    else the eigenvalues decide."""
    small = ctx.mpf(10) ** -(dps - 5)
    if abs(value) < small and zero_is_global:
        return EquilibriumKind.GLOBAL_MINIMUM
    if held:
        return EquilibriumKind.NON_SMOOTH
    scale = max([abs(v) for v in eigenvalues] + [ctx.mpf(1)])
    zero = scale * ctx.mpf(10) ** -(dps // 2)
    if eigenvalues and eigenvalues[0] < -zero:
        return EquilibriumKind.SADDLE
    if sum(1 for v in eigenvalues if abs(v) <= zero) > symmetric:
        return EquilibriumKind.DEGENERATE
    return EquilibriumKind.SPURIOUS_LOCAL_MINIMUM


#: The digits float64 carries: the kinds' thresholds are those of dps = 16 (zero eigenvalue ≤ 10⁻⁸·scale).
FLOAT_DIGITS = 16


def float64_newton(policy, objective, Y: np.ndarray, gtol: float, steps: int) -> tuple[np.ndarray, float]:
    """Newton steps y ← R_y(−B H⁻¹Bᵀ∇) (least squares where H is singular) while ‖∇‖ falls, in float64,
    with ``policy.gradient(objective, Y)``, the Hessian ``policy.hessian(objective, Y)`` in the tangent
    basis B = ``objective.tangent_basis(Y)`` and the retraction R of ``objective.manifold``: (y, ‖∇‖)."""
    shape = Y.shape
    gradient = policy.gradient(objective, Y).ravel()
    norm = float(np.linalg.norm(gradient))
    for _ in range(steps):
        if norm < gtol:
            break
        basis = objective.tangent_basis(Y)
        step = basis @ np.linalg.lstsq(policy.hessian(objective, Y), basis.T @ gradient, rcond=None)[0]
        trial = objective.manifold.retract(Y - step.reshape(shape))
        trial_gradient = policy.gradient(objective, trial).ravel()
        trial_norm = float(np.linalg.norm(trial_gradient))
        if not trial_norm < norm:
            break
        Y, gradient, norm = trial, trial_gradient, trial_norm
    return Y, norm


def float64_kind(value, eigenvalues: list, symmetric: int,
                 zero_is_global: bool) -> tuple[EquilibriumKind, str]:
    """The kind of :func:`equilibrium`'s rule at the thresholds of :data:`FLOAT_DIGITS` (L = 0 below
    10⁻¹¹, an eigenvalue zero within 10⁻⁸·max abs(λ)) from sorted float64 eigenvalues, and what it
    rests on."""
    kind = _kind(value, eigenvalues, symmetric, zero_is_global, False, FLOAT_DIGITS, mpmath)
    zero = max([abs(v) for v in eigenvalues] + [1.0]) * 10.0 ** -(FLOAT_DIGITS // 2)
    index = sum(1 for v in eigenvalues if v < -zero)
    flat = sum(1 for v in eigenvalues if abs(v) <= zero)
    return kind, (f"λ_min = {eigenvalues[0]:.6g}, index {index}, {flat} of {len(eigenvalues)} eigenvalues "
                  f"within ±{zero:.1g} ({symmetric} explained by symmetry): numeric evidence (float64 "
                  "eigenvalues of the analytic Hessian), not certified")


def _float64_equilibrium(loss: Loss, X: np.ndarray, policy: Fixed | Optimal, tolerance: float,
                         refine: bool, gtol: float = 1e-11, steps: int = 30) -> Equilibrium:
    """:func:`equilibrium` of a numeric potential: Newton and the kind in float64 (:func:`float64_kind`)."""
    if policy.optimised:
        X = _canonical(loss, X)
    if refine:
        X, norm = float64_newton(policy, loss, X, gtol, steps)
    else:
        norm = float(np.linalg.norm(policy.gradient(loss, X)))
    converged = refine and norm < gtol
    X = mirrored(X, loss.protons, reflection(loss) is Parity.EVEN)
    a = policy.charges(loss, X)
    value = loss.value(X, a)
    matching = match_rows(X, loss.protons)
    on_protons = len(matching) == len(X) and all(dist < tolerance for _, _, dist in matching)
    eigenvalues, symmetric, kind = [], 0, EquilibriumKind.NOT_CONVERGED
    reason = ("the run did not converge; not refined" if not refine else
              f"Newton in float64 ended with ‖∇L‖ = {norm:.3g}" + ("" if converged else f" ≥ {gtol:g}"))
    if converged:
        eigenvalues = [float(v) for v in np.linalg.eigvalsh(policy.hessian(loss, X))]
        symmetric = symmetry_zero_modes(loss, X)
        kind, evidence = float64_kind(value, eigenvalues, symmetric, True)     # numeric σ: L = E(…)² ≥ 0
        reason += f"; L = {value:.3g} in float64; {evidence}"
    return Equilibrium(X, a, converged, reason, norm, value, eigenvalues, kind, matching,
                       converged and on_protons, symmetric, dps=FLOAT_DIGITS, objective=loss)


def symmetry_zero_modes(loss: Loss, X: np.ndarray) -> int:
    """How many independent motions of the electrons leave L unchanged by symmetry.

    Rotations that fix every proton (about the origin for ridge and zonal Φ, about
    the first proton for radial Φ): skew A on the orthogonal complement of the
    protons' span. The count is the rank of A ↦ (A(θ_i − centre))_i in the
    tangent space.
    """
    W = loss.protons
    centre = W[0] if loss.potential.form.geometry is Geometry.DISTANCE else np.zeros(W.shape[1])
    _, singular, span = np.linalg.svd(W - centre)
    complement = span[int(np.sum(singular > 1e-10)):]
    basis = loss.tangent_basis(X)
    motions = []
    for p in range(len(complement)):
        for q in range(p + 1, len(complement)):
            A = np.outer(complement[p], complement[q]) - np.outer(complement[q], complement[p])
            motions.append(basis.T @ ((X - centre) @ A.T).ravel())
    if not motions:
        return 0
    return int(np.linalg.matrix_rank(np.array(motions), tol=1e-8))


# ---------------------------------------------------------------------- simulation

class Protons(Choice):
    """A named proton layout: ``orthonormal`` (also spelled ``identity``) is e_1 … e_k, k ≤ d;
    ``random`` is k Gaussian draws retracted to the manifold."""

    ORTHONORMAL = "orthonormal"
    RANDOM = "random"

    @classmethod
    def find(cls, value):
        """The layout ``value`` names, ``identity`` read as ``orthonormal``; None for none."""
        if isinstance(value, str) and spelling(value) == "identity":
            return cls.ORTHONORMAL
        return super().find(value)


@dataclass
class Simulation:
    """A seeded run and the equilibrium it ends in; ``charges`` is the run's charge policy."""

    trajectory: Trajectory
    equilibrium: Equilibrium
    protons: np.ndarray
    start: np.ndarray
    seed: int
    manifold: str = "sphere"
    charges: Fixed | Optimal = FIXED

    @property
    def converged(self) -> bool:
        return self.trajectory.converged and self.equilibrium.converged

    def to_json(self) -> dict:
        record = self.equilibrium.to_json()
        record.update(converged=self.converged, seed=self.seed, trajectory=self.trajectory.summary(),
                      protons=self.protons.tolist(), output_weights=self.charges.mode.value)
        return record


def simulate(phi, *, d: int, k: int, manifold: str = "sphere", protons="orthonormal",
             algorithm: Algorithm | str = Algorithm.FLOW, charges=FIXED, seed: int = 0, dps: int = 30,
             gtol: float = 1e-10, seconds: float = 60.0, **options) -> Simulation:
    """Run the dynamics from a seeded random start and classify where it ends.

    ``phi`` is a Potential, an activation name, or ``"radial:EXPR"`` /
    ``"zonal:EXPR"`` / ``"ridge:EXPR"`` for a given potential. ``protons`` is
    ``"orthonormal"`` (= ``"identity"``: e_1 … e_k, k ≤ d), ``"random"``, or an array.
    ``charges`` is ``"fixed"`` (a_i = −1), ``"optimal"`` (a = a*(θ) throughout;
    implied by ``algorithm="nodewise-optimal"``) or anything else
    :func:`~theory.dynamics.charges.charge_policy` reads. ``seed`` draws the start and the
    random choices of ``sgd`` and ``nodewise-optimal``.

    >>> run = simulate("radial:exp(-r^2/2)", d=2, k=1, manifold="euclidean",
    ...                protons=[[1.0, 0.0]], seed=0, dps=20)
    >>> run.converged, run.equilibrium.kind
    (True, <EquilibriumKind.GLOBAL_MINIMUM: 'global minimum'>)
    """
    d, k = valid.count(d, "d"), valid.count(k, "k")
    valid.hessian_memory(d, k, "simulate")
    seed, dps = valid.seed(seed), valid.digits(dps)
    seconds = valid.seconds(seconds, optional=True)
    phi, manifold = _potential(phi), manifold_named(manifold)
    policy = charge_policy(charges, k)
    if Algorithm(algorithm) is Algorithm.NODEWISE_OPTIMAL:
        policy = Optimal()
    rng = np.random.default_rng(seed)
    W = _protons(protons, d, k, manifold, rng)
    start = manifold.retract(rng.normal(size=(k, d)))
    loss = Loss(phi, W, manifold=manifold)
    run = run_algorithm(loss, start, algorithm, policy, seed=seed, gtol=gtol, seconds=seconds, **options)
    eq = equilibrium(loss.potential, run.positions, W, manifold=manifold, dps=dps, charges=policy,
                     captured=run.captured, creases=run.creases, refine=run.converged, seconds=seconds)
    return Simulation(run, eq, W, start, seed, manifold, policy)


def _potential(spec) -> Potential:
    if isinstance(spec, Potential):
        return spec
    if isinstance(spec, str) and ":" in spec:
        form, _, expr = spec.partition(":")
        return given(expr, form.strip())
    return derive(spec)


def _protons(spec, d: int, k: int, manifold: Manifold, rng: np.random.Generator) -> np.ndarray:
    if isinstance(spec, str):
        layout = Protons.find(spec)
        if layout is Protons.ORTHONORMAL:
            if k > d:
                raise InputError(f"{k} orthonormal protons do not fit in dimension {d}")
            return np.eye(d)[:k]
        if layout is Protons.RANDOM:
            return manifold.retract(rng.normal(size=(k, d)))
        raise InputError(f"protons must be orthonormal, identity, random or an array, got {spec!r}")
    W = manifold.positions(spec, "protons")
    if W.shape[1] != d:
        raise InputError(f"protons have dimension {W.shape[1]}, expected d = {d}")
    return W


def _short(value) -> str:
    """A number in six significant digits (mpf or float)."""
    return mpmath.nstr(value, 6) if not isinstance(value, float) else f"{value:.6g}"
