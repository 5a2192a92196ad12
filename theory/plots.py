"""Figures: electrons finding protons, a potential with the sign of its Laplacian, convergence curves.

Each function returns a :class:`matplotlib.figure.Figure` on the active backend
(Agg when there is no display) and saves it when given ``file``.

>>> from theory.potential import potential
>>> figure = potential_and_laplacian(potential("sign").sphere(), d=3)
>>> [axis.get_title() for axis in figure.axes]
['Φ(ρ) = -2*acos(rho)/pi + 1', 'ΔΦ on S^2: superharmonic where ρ > 0']
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import sympy as sp

from .errors import InputError
from .laplacian import radial_laplacian, zonal_laplacian
from .potential import Potential
from .symbols import d as d_symbol
from .symbols import r, rho

ELECTRON, PROTON = "tab:blue", "tab:red"


def trajectories(path: list[np.ndarray], protons: np.ndarray, *, manifold: str = "sphere",
                 title: str = "", file: str | Path | None = None) -> plt.Figure:
    """Electron paths (blue, start ○ → end ●) and protons (red ✚), on S¹ / in R² (2-D) or on S² (3-D)."""
    path = np.asarray(path)
    protons = np.asarray(protons, dtype=float)
    if path.ndim != 3 or path.shape[2] != protons.shape[1]:
        raise InputError(f"path must be (steps, k, d) with d = {protons.shape[1]}, got {path.shape}")
    d = protons.shape[1]
    if d not in (2, 3):
        raise InputError(f"trajectories are drawn for d = 2 or 3, not d = {d}")
    figure = plt.figure(figsize=(5, 5))
    axis = figure.add_subplot(projection="3d" if d == 3 else None)
    if manifold == "sphere":
        _draw_sphere(axis, d)
    for i in range(path.shape[1]):
        axis.plot(*path[:, i, :].T, color=ELECTRON, lw=1.5)
        axis.scatter(*path[0, i, :], color=ELECTRON, facecolors="none", s=40)
        axis.scatter(*path[-1, i, :], color=ELECTRON, s=40)
    axis.scatter(*protons.T, color=PROTON, marker="P", s=120, label="protons w_j")
    axis.plot([], [], color=ELECTRON, label="electrons θ_i (○ start, ● end)")
    axis.legend(loc="upper right", fontsize=8)
    axis.set_title(title or f"electron–proton dynamics on {'S^' + str(d - 1) if manifold == 'sphere' else 'R^' + str(d)}")
    if d == 2:
        axis.set_aspect("equal")
    return _saved(figure, file)


def potential_and_laplacian(phi: Potential, *, d: int, file: str | Path | None = None) -> plt.Figure:
    """A zonal Φ(ρ) and ΔΦ on S^{d−1}, the ρ-intervals where ΔΦ > 0 shaded green, ΔΦ < 0 red."""
    if phi.form != "zonal" or phi.expr is None:
        raise InputError("potential_and_laplacian draws an exact zonal potential f(ρ); use .sphere()")
    grid = np.linspace(-0.999, 0.999, 801)
    f = sp.lambdify(rho, phi.expr, "numpy")
    lap = sp.lambdify(rho, zonal_laplacian(phi.expr, d), "numpy")
    values, laplacian = np.broadcast_to(f(grid), grid.shape), np.broadcast_to(lap(grid), grid.shape)
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(6, 5))
    top.plot(grid, values, color="black")
    top.set_title(f"Φ(ρ) = {phi.expr}")
    bottom.plot(grid, laplacian, color="black")
    bottom.axhline(0, color="grey", lw=0.8)
    bottom.fill_between(grid, laplacian, 0, where=laplacian > 0, color="tab:green", alpha=0.3, label="ΔΦ > 0")
    bottom.fill_between(grid, laplacian, 0, where=laplacian < 0, color="tab:red", alpha=0.3, label="ΔΦ < 0")
    bottom.set_title(f"ΔΦ on S^{d - 1}: {_sign_summary(grid, laplacian)}")
    bottom.set_xlabel("ρ = θᵀw")
    bottom.legend(fontsize=8)
    figure.tight_layout()
    return _saved(figure, file)


def convergence(losses, gradient_norms, *, title: str = "", file: str | Path | None = None) -> plt.Figure:
    """Loss and ‖∇L‖ against the step, on log scales."""
    figure, axis = plt.subplots(figsize=(6, 3.5))
    steps = np.arange(len(losses))
    axis.semilogy(steps, np.maximum(np.abs(losses), 1e-300), label="|L|", color="black")
    axis.semilogy(steps, np.maximum(gradient_norms, 1e-300), label="‖∇L‖", color="tab:blue")
    axis.set_xlabel("recorded step")
    axis.set_title(title or "convergence")
    axis.legend()
    figure.tight_layout()
    return _saved(figure, file)


def line_trajectories(paths, protons, *, steps=None, titles=(), ylabel: str = "position θ_i",
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
    figure, axes = plt.subplots(rows, columns, figsize=(4.2 * columns, 2.8 * rows), sharey=True, squeeze=False)
    for axis, path, title in zip(axes.flat, paths, list(titles) + [""] * len(paths)):
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


def radial_laplacian_sign(h: sp.Expr, dims, *, marks: dict[str, sp.Expr] | None = None, r_max: float = 4.0,
                     file: str | Path | None = None) -> plt.Figure:
    """ΔΦ(r) = h'' + (d − 1)h'/r of a radial h(r) on R^d, one curve per d, shaded where ΔΦ > 0; ``marks``
    (label → expression in d) are drawn as vertical lines for each d."""
    grid = np.linspace(1e-3, r_max, 800)
    figure, axis = plt.subplots(figsize=(6, 3.6))
    for colour, dim in zip(("tab:blue", "tab:orange", "tab:purple", "tab:brown"), dims):
        values = np.broadcast_to(sp.lambdify(r, radial_laplacian(h, dim), "numpy")(grid), grid.shape)
        axis.plot(grid, values, color=colour, label=f"d = {dim}")
        axis.fill_between(grid, values, 0, where=values > 0, color=colour, alpha=0.15)
        for (name, where), style in zip((marks or {}).items(), (":", "-.", "--")):
            axis.axvline(float(sp.sympify(where).subs(d_symbol, dim)), color=colour, ls=style, lw=1)
    for (name, _), style in zip((marks or {}).items(), (":", "-.", "--")):
        axis.plot([], [], color="grey", ls=style, label=name)
    axis.axhline(0, color="grey", lw=0.8)
    axis.set_xlabel("r = ‖θ − w‖")
    axis.set_title(f"ΔΦ for Φ = {h} (shaded: ΔΦ > 0)")
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
        axis.annotate(label, (where, 1), xycoords=("data", "axes fraction"), ha="center", va="bottom", fontsize=8)
    axis.set_xlabel(xlabel)
    axis.set_ylabel(ylabel)
    axis.set_title(title, pad=14)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return _saved(figure, file)


def _sign_summary(grid: np.ndarray, laplacian: np.ndarray) -> str:
    if np.all(np.abs(laplacian) < 1e-12):
        return "harmonic"
    if np.all(laplacian > 0):
        return "subharmonic on the grid"
    if np.all(laplacian < 0):
        return "superharmonic on the grid"
    positive = grid[laplacian > 0]
    return "superharmonic where ρ > 0" if positive.max() <= 0 else "changes sign"


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
