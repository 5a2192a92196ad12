"""Figures: electrons finding protons, a potential with the sign of its Laplacian, convergence curves.

Each function returns a :class:`matplotlib.figure.Figure` on the active backend
(Agg when there is no display) and saves it when given ``file``. Titles, labels and
legends are mathtext, formulas printed by the house printer; electrons and
protons are numbered from 1, as in the report's text (θ₁, w₁).

>>> from theory.potentials.potential import potential
>>> figure = potential_and_laplacian(potential("sign").sphere(), d=3)
>>> [axis.get_title() for axis in figure.axes]
['$\\\\Phi(\\\\rho) = - \\\\frac{2 \\\\arccos{\\\\left(\\\\rho \\\\right)}}{\\\\pi} + 1$', '$\\\\Delta\\\\Phi$ on $S^{2}$: superharmonic where $\\\\rho > 0$']
"""  # noqa: E501 - doctest output is verbatim

from __future__ import annotations

import itertools
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from ..conditions.laplacian import radial_laplacian, zonal_laplacian
from ..core.errors import InputError
from ..core.latex import latex as house_latex
from ..core.parsing import as_expression, as_number
from ..core.symbols import d as d_symbol
from ..core.symbols import r, rho
from ..potentials.forms import Zonal
from ..potentials.manifolds import Manifold
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential

ELECTRON, PROTON = "tab:blue", "tab:red"


def trajectories(path: list[np.ndarray], protons: np.ndarray, *, manifold: str = "sphere",
                 title: str = "", file: str | Path | None = None) -> plt.Figure:
    """Electron paths (start ○ → end ●) and protons (red ✚): on S¹ / in R² in the plane, on S²
    in 3-D, on R¹ against the step, otherwise projected on the protons' two main directions."""
    path, protons, manifold = *_checked(path, protons), manifold_named(manifold)
    figure = plt.figure(figsize=(5.5, 5))
    _draw_trajectories(figure, figure.add_subplot(**_axes_kind(protons)), path, protons, manifold, title)
    return _saved(figure, file)


def simulation(path, protons, losses, gradient_norms, *, manifold: str = "sphere", title: str = "",
               file: str | Path | None = None) -> plt.Figure:
    """One figure of a run: the trajectories (left) and the loss and ‖∇L‖ curves (right)."""
    path, protons, manifold = *_checked(path, protons), manifold_named(manifold)
    figure = plt.figure(figsize=(11, 4.8))
    _draw_trajectories(figure, figure.add_subplot(1, 2, 1, **_axes_kind(protons)), path, protons, manifold,
                       "")
    _draw_convergence(figure.add_subplot(1, 2, 2), losses, gradient_norms, "loss and gradient norm")
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return _saved(figure, file)


def _checked(path, protons) -> tuple[np.ndarray, np.ndarray]:
    path, protons = np.asarray(path, dtype=float), np.asarray(protons, dtype=float)
    if path.ndim != 3 or protons.ndim != 2 or path.shape[2] != protons.shape[1]:
        raise InputError(f"path must be (steps, k, d) with d = {protons.shape[-1]}, got {path.shape}")
    return path, protons


def _axes_kind(protons: np.ndarray) -> dict:
    return {"projection": "3d"} if protons.shape[1] == 3 else {}


def _draw_trajectories(figure, axis, path: np.ndarray, protons: np.ndarray, manifold: Manifold,
                       title: str):
    d = protons.shape[1]
    space = f"${manifold.latex(d)}$"
    if d == 1:
        return _draw_line(axis, path, protons, title or f"electron–proton dynamics on {space}")
    if d > 3:
        P = _polygon_projection(protons)
        path, protons = path @ P.T, protons @ P.T
        space += ", projected: protons to a polygon's vertices"
    if manifold.codimension and d <= 3:
        _draw_sphere(axis, d)
        path = _geodesic(_broken_at_flips(path))
    axis.scatter(*protons.T, color=PROTON, marker="P", s=220, alpha=0.45, label="protons $w_j$", zorder=2)
    colours = plt.cm.tab10(np.arange(path.shape[1]) % 10)
    for i, colour in enumerate(colours):
        axis.plot(*path[:, i, :].T, color=colour, lw=1.8, label=f"$\\theta_{{{i + 1}}}$", zorder=3)
        axis.scatter(*path[0, i, :], color=colour, facecolors="none", s=60, lw=1.5, zorder=4)
        axis.scatter(*path[-1, i, :], color=colour, edgecolors="black", s=60, zorder=5)
    axis.plot([], [], " ", label="○ start   ● end")
    if np.isnan(path).any():
        axis.plot([], [], " ", label=r"gap: $\theta \mapsto -\theta$ (odd $\Phi$, same unit)")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=4, fontsize=8, frameon=False)
    axis.set_title(title or f"electrons on {space}", fontsize=10)
    if path.shape[2] == 2:
        axis.set_aspect("equal")
    else:
        axis.set_box_aspect((1, 1, 1))
    return axis


def _draw_line(axis, path: np.ndarray, protons: np.ndarray, title: str):
    """R¹: each electron's position against the recorded step, protons as dashed lines."""
    steps = np.arange(len(path))
    for w in protons[:, 0]:
        axis.axhline(w, color=PROTON, ls="--", lw=1)
    for i in range(path.shape[1]):
        axis.plot(steps, path[:, i, 0], lw=1.5, label=f"$\\theta_{{{i + 1}}}$")
    axis.plot([], [], color=PROTON, ls="--", label="protons $w_j$")
    axis.set_xlabel("recorded step")
    axis.set_ylabel("position")
    axis.legend(fontsize=8)
    axis.set_title(title, fontsize=10)
    return axis


def _broken_at_flips(path: np.ndarray) -> np.ndarray:
    """Insert a gap (NaN) where an electron jumps to (nearly) its antipode between two records:
    the exchange θ_i ↦ −θ_i, a_i ↦ −a_i of an odd Φ, not a motion across the sphere."""
    rows = [path[0]]
    for before, after in itertools.pairwise(path):
        flipped = np.linalg.norm(after + before, axis=1) < 0.1
        if flipped.any():
            gap = np.array(before, dtype=float)
            gap[flipped] = np.nan
            rows.append(gap)
        rows.append(after)
    return np.array(rows)


def _geodesic(path: np.ndarray, pieces: int = 8) -> np.ndarray:
    """Each step between two records on the sphere as ``pieces`` points of the great-circle arc
    sin((1−t)ω)a/sin ω + sin(tω)b/sin ω, ω = arccos aᵀb (drawn as an arc, not a chord)."""
    a, b = path[:-1, None], path[1:, None]                      # (steps, 1, k, d)
    t = np.linspace(0, 1, pieces, endpoint=False)[None, :, None, None]
    omega = np.arccos(np.clip(np.sum(a * b, axis=-1, keepdims=True), -1, 1))
    small = omega < 1e-9
    sin = np.where(small, 1, np.sin(omega))
    arc = np.where(small, (1 - t) * a + t * b, (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / sin)
    arc[:, 0] = path[:-1]                                        # each record itself, even before a gap
    return np.concatenate([arc.reshape(-1, *path.shape[1:]), path[-1:]])


def _polygon_projection(protons: np.ndarray) -> np.ndarray:
    """The linear map R^d → R² sending proton j to vertex j of a regular polygon (least squares;
    exact when the protons are independent), so an electron on a proton lands on its vertex."""
    angles = np.pi / 2 + 2 * np.pi * np.arange(len(protons)) / len(protons)
    vertices = np.c_[np.cos(angles), np.sin(angles)]
    return vertices.T @ np.linalg.pinv(protons.T)


def potential_and_laplacian(phi: Potential, *, d: int, file: str | Path | None = None) -> plt.Figure:
    """A zonal Φ(ρ) and ΔΦ on S^{d−1}, the ρ-intervals where ΔΦ > 0 shaded green, ΔΦ < 0 red."""
    if not isinstance(phi.form, Zonal) or phi.expr is None:
        raise InputError("potential_and_laplacian draws an exact zonal potential f(ρ); use .sphere()")
    grid = np.linspace(-0.999, 0.999, 801)
    f = sp.lambdify(rho, phi.expr, "numpy")
    lap = sp.lambdify(rho, zonal_laplacian(phi.expr, d), "numpy")
    values, laplacian = np.broadcast_to(f(grid), grid.shape), np.broadcast_to(lap(grid), grid.shape)
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6, 5))
    top.plot(grid, values, color="black")
    top.set_title(rf"$\Phi(\rho) = {house_latex(phi.expr)}$")
    bottom.plot(grid, laplacian, color="black")
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.fill_between(grid, laplacian, 0, where=laplacian > 0, color="tab:green", alpha=0.3,
                        label=r"$\Delta\Phi > 0$")
    bottom.fill_between(grid, laplacian, 0, where=laplacian < 0, color="tab:red", alpha=0.3,
                        label=r"$\Delta\Phi < 0$")
    bottom.set_title(rf"$\Delta\Phi$ on $S^{{{d - 1}}}$: {_sign_summary(grid, laplacian)}")
    bottom.set_xlabel(r"$\rho = \theta^{\top} w$")
    bottom.legend(fontsize=8)
    figure.tight_layout()
    return _saved(figure, file)


def convergence(losses, gradient_norms, *, title: str = "", file: str | Path | None = None) -> plt.Figure:
    """Loss and ‖∇L‖ against the step, on log scales."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    _draw_convergence(axis, losses, gradient_norms, title or "convergence")
    figure.tight_layout()
    return _saved(figure, file)


def line_trajectories(paths, protons, *, steps=None, titles=(), ylabel: str = r"position $\theta_i$",
                      file: str | Path | None = None) -> plt.Figure:
    """Electrons on a line (or angles on S¹): one panel per run, each electron's coordinate against the
    step (blue), the protons w_j as red dashed lines. ``paths`` holds one (records, k) array per run,
    recorded at the step numbers ``steps`` (default 0, 1, 2, …)."""
    protons = np.asarray(protons, dtype=float).ravel()
    paths = [np.asarray(path, dtype=float) for path in paths]
    if not paths or any(path.ndim != 2 for path in paths):
        raise InputError("line_trajectories needs one (records, k) array of positions per run")
    columns = min(len(paths), 2)
    rows = -(-len(paths) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), sharey=True,
                                squeeze=False)
    # the paths are the shortest: the grid may have a spare axis and the titles are padded with blanks
    for axis, path, title in zip(axes.flat, paths, list(titles) + [""] * len(paths), strict=False):
        for w in protons:
            axis.axhline(w, color=PROTON, ls="--", lw=1)
        axis.plot(np.arange(len(path)) if steps is None else steps, path, color=ELECTRON, lw=1.3)
        axis.set_xscale("symlog", linthresh=1)
        axis.set_title(title, fontsize=9)
        axis.set_xlabel("step")
    for axis in axes.flat[len(paths):]:
        axis.set_visible(False)
    axes[0, 0].set_ylabel(ylabel)
    figure.tight_layout()
    return _saved(figure, file)


#: One colour a dimension and one line style a mark in :func:`radial_laplacian_sign`: its limits.
DIMENSION_COLOURS = tuple(f"tab:{c}" for c in ("blue", "orange", "purple", "brown", "green", "red", "pink",
                                               "olive", "cyan"))   # grey is the marks' legend
MARK_STYLES = (":", "-.", "--", (0, (5, 2, 1, 2, 1, 2)))


def radial_laplacian_sign(h: sp.Expr, dims, *, marks: dict[str, sp.Expr] | None = None, r_max: float = 4.0,
                          file: str | Path | None = None) -> plt.Figure:
    """ΔΦ(r) = h'' + (d − 1)h'/r of a radial h(r) on R^d, one curve per d, shaded where ΔΦ > 0; ``marks``
    (label → expression in d) are drawn as vertical lines for each d.

    At most ``len(DIMENSION_COLOURS)`` (9) dimensions and ``len(MARK_STYLES)`` (4) marks, each told
    apart by its colour or style; more raise :class:`~theory.core.errors.InputError`."""
    dims, marks = list(dims), dict(marks or {})
    for what, drawn_by, given, limit in (("dimensions", "colour", dims, DIMENSION_COLOURS),
                                         ("marks", "line style", marks, MARK_STYLES)):
        if len(given) > len(limit):
            raise InputError(f"radial_laplacian_sign draws at most {len(limit)} {what} (one {drawn_by} "
                             f"each), got {len(given)}")
    grid = np.linspace(1e-3, r_max, 800)
    figure, axis = plt.subplots(figsize=(6, 3.6))
    styles = MARK_STYLES[:len(marks)]
    for colour, dim in zip(DIMENSION_COLOURS[:len(dims)], dims, strict=True):
        values = np.broadcast_to(sp.lambdify(r, radial_laplacian(h, dim), "numpy")(grid), grid.shape)
        axis.plot(grid, values, color=colour, label=f"d = {dim}")
        axis.fill_between(grid, values, 0, where=values > 0, color=colour, alpha=0.15)
        for (name, where), style in zip(marks.items(), styles, strict=True):
            mark = as_number(as_expression(where, {"d": d_symbol}, what=f"mark {name!r}").subs(d_symbol, dim),
                             what=f"mark {name!r} at d = {dim}")
            axis.axvline(float(mark), color=colour, ls=style, lw=1)
    for name, style in zip(marks, styles, strict=True):
        axis.plot([], [], color="grey", ls=style, label=name)
    axis.axhline(0, color="grey", lw=0.8)
    axis.set_xlabel(r"$r = \|\theta - w\|$")
    axis.set_title(rf"$\Delta\Phi$ for $\Phi = {house_latex(h)}$ (shaded: $\Delta\Phi > 0$)")
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _saved(figure, file)


def profiles(x, curves: dict[str, np.ndarray], *, xlabel: str, ylabel: str, title: str = "",
             marks: dict[str, float] | None = None, file: str | Path | None = None) -> plt.Figure:
    """Several functions of one variable on common axes (label → values on ``x``), with ``marks``
    (label → x) as vertical dotted lines."""
    figure, axis = plt.subplots(figsize=(6, 3.4))
    for label, values in curves.items():
        axis.plot(x, values, label=label)
    for label, where in (marks or {}).items():
        axis.axvline(where, color="grey", ls=":", lw=1)
        axis.annotate(label, (where, 1), xycoords=("data", "axes fraction"), ha="center", va="bottom",
                      fontsize=8)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, pad=14)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _saved(figure, file)
#: Values below this are drawn on it (an exact 0, e.g. a loss at a global minimum, has no logarithm).
FLOOR = 1e-16


def _draw_convergence(axis, losses, gradient_norms, title: str) -> None:
    steps = np.arange(len(losses))
    axis.semilogy(steps, np.maximum(np.abs(losses), FLOOR), label="$|L|$", color="black")
    axis.semilogy(np.arange(len(gradient_norms)), np.maximum(gradient_norms, FLOOR), label=r"$\|\nabla L\|$",
                  color="tab:blue")
    axis.set_xlabel("recorded step")
    axis.set_title(f"{title} (values $< 10^{{{round(np.log10(FLOOR))}}}$ drawn at it)", fontsize=10)
    axis.grid(True, which="major", alpha=0.3)
    axis.legend()


def _sign_summary(grid: np.ndarray, laplacian: np.ndarray) -> str:
    if np.all(np.abs(laplacian) < 1e-12):
        return "harmonic"
    if np.all(laplacian > 0):
        return "subharmonic on the grid"
    if np.all(laplacian < 0):
        return "superharmonic on the grid"
    positive = grid[laplacian > 0]
    return "superharmonic where $\\rho > 0$" if positive.max() <= 0 else "changes sign"


def _draw_sphere(axis, d: int) -> None:
    angles = np.linspace(0, 2 * np.pi, 200)
    if d == 2:
        axis.plot(np.cos(angles), np.sin(angles), color="lightgrey", lw=1)
        return
    u, v = np.meshgrid(angles, np.linspace(0, np.pi, 30))
    axis.plot_wireframe(np.cos(u) * np.sin(v), np.sin(u) * np.sin(v), np.cos(v), color="lightgrey", lw=0.3)


def _saved(figure: plt.Figure, file) -> plt.Figure:
    if file is not None:
        figure.savefig(file, dpi=120, bbox_inches="tight")
    return figure
