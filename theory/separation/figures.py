"""Pictures of the radial laws (matplotlib imported inside each function)."""

from __future__ import annotations

import numpy as np

from .laws import BesselMixture, SphereSum


def radius_densities(dimensions: tuple[int, ...] = (2, 4, 8, 16), r_max: float = 2.5):
    """A figure of the radius densities of D_d (Eq. (4)) and D′_d (Eq. (5)) for each d, with the
    interval [0.9, 2.05] of Assumption 6(2) shaded."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
