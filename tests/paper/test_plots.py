import numpy as np
import pytest
import sympy as sp

from theory.core.errors import InputError
from theory.core.symbols import d, r
from theory.paper.plots import (
    DIMENSION_COLOURS,
    MARK_STYLES,
    convergence,
    radial_laplacian_sign,
    simulation,
    trajectories,
)


def test_trajectory_figure_is_saved_and_shows_every_electron(tmp_path):
    path = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.8, 0.6], [-0.6, 0.8]])]
    figure = trajectories(path, np.array([[0.0, 1.0], [1.0, 0.0]]), file=tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert len(figure.axes[0].lines) >= 3  # the circle and two paths


def test_trajectory_shape_errors_are_named():
    with pytest.raises(InputError, match="path must be"):
        trajectories([np.zeros((2, 3))], np.zeros((2, 2)))


def test_higher_dimensions_are_projected_with_each_proton_on_a_polygon_vertex():
    protons = np.eye(5)
    figure = trajectories([protons[[1, 0]] * 0.6 + 0.8 * protons[[2, 3]], protons[[1, 0]]], protons,
                          manifold="sphere")
    drawn = figure.axes[0].collections[0].get_offsets()  # the protons, drawn first
    assert np.allclose(np.linalg.norm(drawn, axis=1), 1)  # vertices of a regular pentagon
    ends = [line.get_xydata()[-1] for line in figure.axes[0].lines[:2]]
    assert np.allclose(ends, drawn[[1, 0]])                # an electron on w_j ends on vertex j


def test_an_antipodal_exchange_is_drawn_as_a_gap():
    path = [np.array([[1.0, 0.0]]), np.array([[-0.999, 0.0447]]), np.array([[-0.99, 0.141]])]
    figure = trajectories(path, np.array([[0.0, 1.0]]))
    line = figure.axes[0].lines[1]  # after the circle
    assert np.isnan(line.get_xydata()).any()
    assert "gap" in " ".join(t.get_text() for t in figure.axes[0].get_legend().get_texts())


def test_simulation_figure_has_both_panels(tmp_path):
    path = [np.array([[0.5], [-0.2]]), np.array([[0.9], [-0.8]])]
    figure = simulation(path, np.array([[1.0], [-1.0]]), [1.0, 0.0], [0.5, 1e-20], manifold="euclidean",
                        file=tmp_path / "s.png")
    assert len(figure.axes) == 2 and figure.axes[1].get_yscale() == "log"
    assert (tmp_path / "s.png").stat().st_size > 1000


def test_convergence_curves_are_on_a_log_scale():
    figure = convergence([1.0, 0.1, 0.01], [2.0, 0.2, 0.02])
    assert figure.axes[0].get_yscale() == "log"


def test_a_step_on_the_sphere_is_drawn_along_the_great_circle():
    from theory.paper.plots import _geodesic

    path = np.array([[[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]], [[0.0, 1.0, 0.0]]])
    arc = _geodesic(path, pieces=4)
    assert arc.shape == (9, 1, 3)
    assert np.allclose(np.linalg.norm(arc, axis=-1), 1)         # on the sphere, not on the chord
    assert np.allclose(arc[2, 0], [np.sqrt(0.5), np.sqrt(0.5), 0]) and np.allclose(arc[-1], path[-1])
    gap = _geodesic(np.array([[[1.0, 0, 0]], [[np.nan] * 3], [[0, 1.0, 0]]]), pieces=2)
    assert np.isnan(gap[1:4]).all() and np.allclose(gap[0, 0], [1, 0, 0])


def test_every_dimension_and_mark_of_a_radial_laplacian_is_drawn():
    dims = range(1, len(DIMENSION_COLOURS) + 1)
    marks = {f"r = √(d + {k})": sp.sqrt(d + k) for k in range(len(MARK_STYLES))}
    axis = radial_laplacian_sign(sp.exp(-r**2 / 2), dims, marks=marks).axes[0]
    curves = [line for line in axis.lines if line.get_label().startswith("d = ")]
    assert [line.get_label() for line in curves] == [f"d = {k}" for k in dims]
    assert len({line.get_color() for line in curves}) == len(DIMENSION_COLOURS)
    assert sum(line.get_label() in marks for line in axis.lines) == len(MARK_STYLES)   # legend entries
    verticals = [line for line in axis.lines if len(line.get_xdata()) and np.ptp(line.get_xdata()) == 0]
    assert len(verticals) == len(DIMENSION_COLOURS) * len(MARK_STYLES)


@pytest.mark.parametrize("dims,marks,problem", [
    (range(1, len(DIMENSION_COLOURS) + 2), {}, f"at most {len(DIMENSION_COLOURS)} dimensions"),
    ((2,), {f"m{k}": d + k for k in range(len(MARK_STYLES) + 1)}, f"at most {len(MARK_STYLES)} marks"),
])
def test_a_radial_laplacian_beyond_its_colours_or_styles_is_refused(dims, marks, problem):
    with pytest.raises(InputError, match=problem):
        radial_laplacian_sign(sp.exp(-r**2 / 2), dims, marks=marks)
