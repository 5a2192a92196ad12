import numpy as np
import pytest

from theory.core.errors import InputError
from theory.separation import sweep
from theory.separation.sweep import Law, grid, median_risks, stuck, width_rate


def _record(width, risk, seed=0, objective=(0.5, 0.1)):
    return {"width": width, "seed": seed, "recorded": [0, 10], "objective": list(objective),
            "risk": [{"mean": 0.5}, {"mean": risk}]}


def test_width_rate_recovers_an_exact_power_law():
    records = [_record(r, 2 * r ** -0.3) for r in (16, 32, 64, 128)]
    p, low, high = width_rate(records)
    assert p == pytest.approx(-0.3) and high - low < 1e-9


def test_width_rate_uses_the_median_over_seeds():
    """A stuck seed (risk 0.6) among three does not move the fit."""
    records = [_record(r, 2 * r ** -0.5 * f, seed) for r in (16, 64, 256)
               for seed, f in enumerate((1.0, 1.0, 0.6 / (2 * r ** -0.5)))]
    widths, medians = median_risks(records)
    assert widths.tolist() == [16, 64, 256] and medians == pytest.approx(2 * widths ** -0.5)
    assert width_rate(records)[0] == pytest.approx(-0.5)


def test_width_rate_needs_three_widths():
    assert np.isnan(width_rate([_record(16, 0.1), _record(32, 0.05)])[0])


def test_a_stuck_start_is_one_that_gd_did_not_move():
    assert stuck(_record(16, 0.6, objective=(0.6, 0.59))) and not stuck(_record(16, 0.1))


def test_grid_is_seeded_and_training_lowers_the_risk(gaussian_laws):
    """Cells are reproducible; at r = 32 and 200 steps the risk on N(0, I_2) is below its start and
    below P(1 − P), the best constant's risk (P = P[‖x‖ ≤ 1.5] = 1 − e^{−9/8})."""
    kwargs = {"dims": (2,), "widths": (32,), "steps": (200,), "test": 4000}
    one, = grid([Law.SPHERE_SUM], **kwargs)
    assert one == {**grid([Law.SPHERE_SUM], **kwargs)[0], "seconds": one["seconds"]}
    p = 1 - np.exp(-1.5 ** 2 / 2)
    assert one["n"] == sweep.PER_WIDTH * 32 and one["recorded"] == [0, 200]
    assert one["risk"][-1]["high"] < min(one["risk"][0]["low"], p * (1 - p))


@pytest.mark.parametrize("kwargs, name", [({"steps": ()}, "steps"), ({"widths": (0,)}, "width"),
                                          ({"dims": (-1,)}, "d"), ({"lam": 0}, "λ"), ({"test": 1}, "test")])
def test_bad_grids_are_refused(kwargs, name):
    with pytest.raises(InputError, match=name):
        grid([Law.SPHERE_SUM], **{"dims": (2,), "widths": (4,), "steps": (2,), **kwargs})


def test_an_unknown_law_is_refused_with_the_choices():
    with pytest.raises(InputError, match="D_d, D'_d, Cauchy"):
        grid(["Gauss"], dims=(2,), widths=(4,), steps=(2,))
