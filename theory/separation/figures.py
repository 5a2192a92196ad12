"""Figures of the separation: the radius densities of the laws, the strong class's risk against width and
steps, its radial profile, the weak class against the strong one.

Each function returns a :class:`matplotlib.figure.Figure` (Agg when there is no display).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .laws import BesselMixture, SphereSum
from .sweep import by_width, final_risk, stuck

#: Directions averaged over at each radius of a radial profile.
PROFILE_DIRECTIONS = 400


def radius_densities(dimensions: tuple[int, ...] = (2, 4, 8, 16), r_max: float = 2.5):
    """A figure of the radius densities of D_d (Eq. (4)) and D′_d (Eq. (5)) for each d, with the
    interval [0.9, 2.05] of Assumption 6(2) shaded."""
    r = np.linspace(1e-4, r_max, 4001)
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    for axis, law_class, title in ((left, BesselMixture, r"$\mathcal{D}_d$ (Eq. 4)"),
                                   (right, SphereSum, r"$\mathcal{D}'_d$ (Eq. 5)")):
        for d in dimensions:
            axis.plot(r, law_class(d).radius_pdf(r), label=f"d = {d}", lw=1)
        axis.axvspan(0.9, 2.05, color="0.9", zorder=0)
        axis.set(title=title, xlabel=r"$r = \|x\|$", ylabel="density of the radius", ylim=(0, None))
        axis.legend()
    figure.tight_layout()
    return figure


def risk_against_width(records: list[dict]) -> plt.Figure:
    """One panel per law: the median seed's risk (with its interval) against width r, log–log; colour: the
    number of GD steps, marker: the dimension d; runs stuck at their start are marked ×."""
    laws = list(dict.fromkeys(r["law"] for r in records))
    dims = sorted({r["d"] for r in records})
    steps = records[0]["recorded"][1:]
    colours = dict(zip(steps, plt.cm.viridis(np.linspace(0, 0.85, len(steps))), strict=True))
    markers = dict(zip(dims, "osD^v<>", strict=False))
    figure, axes = plt.subplots(1, len(laws), figsize=(4.6 * len(laws), 4.6), squeeze=False, sharey=True)
    for axis, law in zip(axes[0], laws, strict=True):
        cells = [r for r in records if r["law"] == law]
        for d in sorted({r["d"] for r in cells}):
            mine = [r for r in cells if r["d"] == d]
            for at in steps:
                row = by_width(mine, at)
                risks = [final_risk(r, at) for r in row]
                mean = np.array([e["mean"] for e in risks])
                error = np.array([[e["mean"] - e["low"] for e in risks],
                                  [e["high"] - e["mean"] for e in risks]])
                axis.errorbar([r["width"] for r in row], mean, yerr=error, marker=markers[d],
                              color=colours[at], capsize=2, ms=4, lw=1)
            dead = [r for r in mine if stuck(r)]
            axis.plot([r["width"] for r in dead], [final_risk(r)["mean"] for r in dead], "x", color="tab:red",
                      ms=7)
        widths = sorted({r["width"] for r in cells})
        axis.set(xscale="log", yscale="log", xlabel="width $r$ (median of the seeds)", title=f"${_tex(law)}$")
        axis.set_xticks(widths, [str(w) for w in widths])
        axis.minorticks_off()
        axis.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel(r"risk $E\,(N(x) - 1\{\|x\| \leq \lambda\})^2$")
    handles = [plt.Line2D([], [], color=colours[at], label=f"{at} steps") for at in steps]
    handles += [plt.Line2D([], [], color="k", marker=markers[d], ls="", label=f"d = {d}") for d in dims]
    handles.append(plt.Line2D([], [], color="tab:red", marker="x", ls="", label="stuck start"))
    figure.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    figure.tight_layout(rect=(0, 0.07, 1, 1))
    return figure


def radial_profile(network, lam: float, radii: np.ndarray, title: str, law=None, seed: int = 0) -> plt.Figure:
    """The network's output averaged over uniform directions at radius t, against 1{t ≤ λ}; with ``law``,
    the density of its radius ‖x‖ (a histogram of a sample) shaded behind."""
    profile = network.radial_profile(radii, PROFILE_DIRECTIONS, seed)
    figure, axis = plt.subplots(figsize=(5.5, 3.8))
    if law is not None:
        norms = np.linalg.norm(law.sample(20_000, np.random.default_rng(seed)), axis=1)
        shade = axis.twinx()
        shade.hist(norms[norms <= radii[-1]], bins=60, range=(radii[0], radii[-1]), density=True,
                   color="0.85")
        shade.set_ylabel(r"density of $\|x\|$ (grey)")
        axis.set_zorder(shade.get_zorder() + 1)
        axis.patch.set_visible(False)
    axis.plot(radii, (radii <= lam).astype(float), color="tab:red", label=r"target $1\{t \leq \lambda\}$")
    axis.plot(radii, profile, color="tab:blue", label="mean output at radius $t$")
    axis.set(xlabel=r"$t = \|x\|$", ylabel="output", title=title, ylim=(-0.05, 1.05))
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize=8)
    figure.tight_layout()
    return figure


def _tex(law: str) -> str:
    return {"D_d": "D_d", "D'_d": "D'_d", "Cauchy": r"\mathrm{radial\ Cauchy}"}.get(law, law)


def weak_against_strong(pairs: list[dict], level: float) -> plt.Figure:
    """Risk against GD steps (symmetric-log steps, log risk), one colour per width: the weak class solid, the
    strong class on the same data dashed, with their intervals; the level (Theorem 3's 1/400) dotted."""
    widths = [p["weak"]["width"] for p in pairs]
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(widths)))
    figure, axis = plt.subplots(figsize=(6.4, 4.4))
    for pair, colour in zip(pairs, colours, strict=True):
        for kind, style in (("weak", "-o"), ("strong", "--s")):
            run = pair[kind]
            mean = np.array([r["mean"] for r in run["risk"]])
            error = np.array([mean - [r["low"] for r in run["risk"]],
                              [r["high"] for r in run["risk"]] - mean])
            axis.errorbar(run["recorded"], mean, yerr=error, fmt=style, color=colour, ms=4, lw=1.2, capsize=2,
                          label=f"{kind}, r = {run['width']}")
    axis.axhline(level, color="tab:red", ls=":", label=f"level 1/{1 / level:.0f}")
    first = pairs[0]["weak"]
    axis.set(xscale="symlog", yscale="log", xlabel="GD steps $t$",
             ylabel=r"risk $E\,(N(x) - 1\{\|x\| \leq \lambda\})^2$",
             title=f"weak (Eq. 1) vs strong (Eq. 2) on ${_tex(first['law'])}$, d = {first['d']}, "
                   f"$\\lambda$ = {first['lam']:.3f}")
    axis.set_xlim(left=0)
    axis.grid(True, which="both", alpha=0.3)
    axis.legend(fontsize=7, ncol=2)
    figure.tight_layout()
    return figure
