import numpy as np
import pytest

from theory.errors import InputError
from theory.plots import convergence, trajectories


def test_trajectory_figure_is_saved_and_shows_every_electron(tmp_path):
    path = [np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[0.8, 0.6], [-0.6, 0.8]])]
    figure = trajectories(path, np.array([[0.0, 1.0], [1.0, 0.0]]), file=tmp_path / "t.png")
    assert (tmp_path / "t.png").stat().st_size > 1000
    assert len(figure.axes[0].lines) >= 3  # the circle and two paths


def test_trajectory_shape_errors_are_named():
    with pytest.raises(InputError, match="path must be"):
        trajectories([np.zeros((2, 3))], np.zeros((2, 2)))
    with pytest.raises(InputError, match="d = 2 or 3"):
        trajectories([np.zeros((1, 4))], np.zeros((1, 4)))


def test_convergence_curves_are_on_a_log_scale():
    figure = convergence([1.0, 0.1, 0.01], [2.0, 0.2, 0.02])
    assert figure.axes[0].get_yscale() == "log"
