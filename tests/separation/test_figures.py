"""The radius-density figure draws one curve per law and dimension, each a density of mass ≤ 1."""

import numpy as np

from theory.separation.figures import radius_densities


def test_radius_densities_draws_each_dimension():
    figure = radius_densities((2, 5), r_max=2.5)
    for axis in figure.axes:
        lines = axis.get_lines()
        assert len(lines) == 2
        for line in lines:
            r, density = line.get_data()
            assert density.min() >= 0 and np.trapezoid(density, r) <= 1 + 1e-3
