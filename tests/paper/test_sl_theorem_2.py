"""Safran & Lee, Theorem 2 (negative half): the evidence claim's logic, on a stand-in law (N(0, I_d))."""

import math

import numpy as np
import pytest

from theory.core.verdict import Method
from theory.paper.claims import Settings
from theory.proofs.safran_lee import theorem_2 as t2
from theory.separation.laws import Gaussian


def test_the_dimension_rate_of_an_exact_power_law():
    dims = [4, 8, 16, 32]
    p, low, high = t2.dimension_rate(dims, [3 * d ** -2.0 for d in dims])
    assert p == pytest.approx(-2) and high - low < 1e-9
    assert all(math.isnan(v) for v in t2.dimension_rate([4, 8], [1.0, 0.5]))


def test_lowest_takes_the_minimum_over_runs_and_steps():
    runs = [{"width": 4, "recorded": [0, 10], "risk": [{"mean": 0.5}, {"mean": 0.2}]},
            {"width": 16, "recorded": [0, 10], "risk": [{"mean": 0.4}, {"mean": 0.3}]}]
    assert t2.lowest(runs) == {"mean": 0.2, "width": 4, "step": 10}


def test_the_quick_claim_runs_and_reports_its_fit(gaussian_laws):
    result = t2.CLAIMS[0].run(Settings(quick=True))
    assert result.crashed is None and result.claim.conjecture and len(result.checks) == 1
    check = result.checks[0]
    p, low, high = check.evidence.data["exponent"]
    assert check.evidence.method is Method.EXPERIMENT and low <= p <= high
    best = check.evidence.data["lowest"]
    assert set(best) == set(t2.QUICK[0]) and np.all(np.array(list(best.values())) > 0)
    p16 = Gaussian(16).radius_cdf(t2.LAM)                 # the stand-in law's best constant, P(1 − P)
    assert "the best constant predictor has risk" in check.evidence.detail
    assert f"{p16 * (1 - p16):.4f} on D_d at λ = {t2.LAM}" in check.evidence.detail
