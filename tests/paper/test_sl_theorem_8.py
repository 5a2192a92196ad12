"""Safran & Lee, Theorem 8: the evidence claim's logic, on a stand-in law (N(0, I_d) for every law)."""

import numpy as np
import pytest

from theory.core.verdict import Method, Verdict
from theory.paper.claims import Settings
from theory.paper.report import Finding, check_finding
from theory.proofs.safran_lee import theorem_8 as t8
from theory.separation.laws import Gaussian
from theory.separation.sweep import Law, stuck


@pytest.fixture
def quick(gaussian_laws):
    return t8.CLAIMS[0].run(Settings(quick=True))


def test_the_claim_is_evidence_never_proof(quick):
    assert quick.crashed is None and quick.claim.conjecture and not quick.claim.experiment
    dims = t8.QUICK[0]
    assert len(quick.deciding) == 2 * len(Law) * len(dims) == len(quick.checks)
    assert all(c.evidence.method is Method.EXPERIMENT for c in quick.checks)
    assert {check_finding(c) for c in quick.checks} <= {Finding.SUPPORTED, Finding.NOT_SUPPORTED,
                                                        Finding.UNDECIDED}
    assert quick.figures[0].name == "sl-thm8-risk" and len(quick.figures) == 1 + len(Law)
    p = Gaussian(4).radius_cdf(t8.LAM)                    # the stand-in law's best constant, P(1 − P)
    assert f"the best constant predictor has risk {p * (1 - p):.4f}" in quick.checks[0].evidence.detail


def test_the_fitted_rate_lies_in_its_interval_and_training_beats_the_start(quick):
    for check in quick.checks[::2]:
        p, low, high = check.evidence.data["exponent"]
        assert low <= p <= high
        moved = [c for c in check.evidence.data["cells"] if not stuck(c)]       # F̂ fell by ≥ 10 %
        assert len(moved) >= len(check.evidence.data["cells"]) - 1
        assert all(c["risk"][-1]["high"] < c["risk"][0]["low"] for c in moved)  # and so did the risk


def _interval(m, h):
    return {"mean": m, "low": m - h, "high": m + h}


def _run(first, last, width=64):
    risk = [_interval(0.6, 0.01), _interval(*first), _interval(*last)]
    return {"width": width, "recorded": [0, 10, 100], "risk": risk, "seconds": 0.1}


@pytest.mark.parametrize("first, last, verdict", [
    ((0.10, 0.005), (0.05, 0.005), Verdict.PROVEN),      # lower, and below P(1 − P)
    ((0.10, 0.005), (0.099, 0.005), Verdict.UNDECIDED),  # overlapping intervals
    ((0.10, 0.005), (0.20, 0.005), Verdict.REFUTED),     # more steps, higher risk
    ((0.40, 0.005), (0.30, 0.005), Verdict.REFUTED),     # lower, but no better than a constant
])
def test_the_steps_check_needs_disjoint_intervals_below_the_best_constant(gaussian_laws, first, last,
                                                                          verdict):
    p = Gaussian(4).radius_cdf(t8.LAM)              # P(1 − P) ≈ 0.21 on N(0, I_4)
    assert 0.2 < p * (1 - p) < 0.3
    assert t8._steps_check(Law.SPHERE_SUM, 4, _run(first, last)).verdict is verdict


def test_the_profile_figure_draws(gaussian_laws):
    figure = t8._profile_figure(Law.RADIAL_CAUCHY, 3, 16, 20).draw()
    target, profile = (line.get_ydata() for line in figure.axes[0].get_lines())
    assert target.tolist() == (np.linspace(0, 4, 81) <= t8.LAM).tolist()
    assert np.all((profile >= 0) & (profile <= 1)) and len(profile) == 81
