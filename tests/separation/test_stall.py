"""The weak class beside the strong class on the same data (theory.separation.stall), on N(0, I_d)."""

import numpy as np
import pytest

from theory.core.errors import InputError
from theory.separation.risk import population_risk
from theory.separation.stall import grid, pair, points_per_width
from theory.separation.sweep import Law, risk_seed, training_sample
from theory.separation.weak import SmoothActivation, initialise

TASK = {"law": Law.SPHERE_SUM.value, "d": 3, "width": 4, "lam": 1.5, "steps": [5, 20], "seed": 3,
        "test": 2000, "per_width": 40, "activation": "tanh"}

pytestmark = pytest.mark.usefixtures("gaussian_laws")


def test_both_classes_train_on_one_sample_and_are_scored_on_one_test_sample():
    law, network_seed, X, _y = training_sample(TASK)
    again = training_sample(TASK)[2]
    assert np.array_equal(X, again) and len(X) == 160
    result = pair(TASK)
    weak, strong = result["weak"], result["strong"]
    assert weak["n"] == strong["n"] == 160 and weak["recorded"] == strong["recorded"] == [0, 5, 20]
    start = initialise(3, 4, network_seed, SmoothActivation.TANH)
    expected = population_risk(start, law, 1.5, 2000, risk_seed(TASK), width=4)
    assert weak["risk"][0]["mean"] == pytest.approx(expected.mean, rel=1e-12)


def test_points_per_width_gives_about_n_points_and_at_least_16_per_unit():
    assert points_per_width(1000, 64) * 64 >= 1000 and points_per_width(1000, 1000) == 16


@pytest.mark.parametrize("kwargs", [{"steps": (3,)}, {"steps": ()}, {"n": 0}, {"activation": "relu"},
                                    {"widths": (0,)}, {"lams": lambda d: (-1.0,)}])
def test_bad_grids_are_refused(kwargs):
    args = {"dims": (3,), "widths": (4,), "steps": (10,), "lams": lambda d: (1.5,)} | kwargs
    with pytest.raises(InputError):
        grid(Law.SPHERE_SUM, args.pop("dims"), args.pop("widths"), args.pop("steps"), args.pop("lams"),
             **args)
