"""Safran & Lee, Theorem 3 (negative half): the evidence claim's logic, on a stand-in law (N(0, I_d))."""

import math

import pytest

from theory.core.verdict import Method, Verdict
from theory.paper.claims import Settings
from theory.paper.report import Finding, check_finding
from theory.proofs.safran_lee import theorem_3 as t3
from theory.separation.laws import Gaussian
from theory.separation.stall import THEOREM_3_LEVEL


@pytest.fixture
def quick(gaussian_laws):
    return t3.CLAIMS[0].run(Settings(quick=True))


def test_the_claim_is_evidence_with_its_hypotheses_and_eq_11_checked(quick):
    assert quick.crashed is None and quick.claim.conjecture and not quick.claim.experiment
    assert len(quick.deciding) == len(quick.checks) == len(t3.QUICK[0]) + 2
    assert all(c.evidence.method is Method.EXPERIMENT for c in quick.checks)
    assert {check_finding(c) for c in quick.checks} <= {Finding.SUPPORTED, Finding.NOT_SUPPORTED,
                                                        Finding.UNDECIDED}
    hypotheses, displacement = quick.checks[-2:]
    assert hypotheses.verdict is Verdict.PROVEN and displacement.verdict is Verdict.PROVEN
    assert [f.name for f in quick.figures] == ["sl-thm3-risk"]
    p = Gaussian(4).radius_cdf(math.sqrt(2))              # the stand-in law's best constant, P(1 − P)
    detail = quick.checks[0].evidence.detail
    assert f"the best constant predictor has risk {p * (1 - p):.4f} on D'_4" in detail


def test_every_weak_run_trained_within_the_step_bound_and_lowered_its_risk(quick):
    for pair in quick.checks[0].evidence.data["pairs"]:
        weak = pair["weak"]
        assert weak["step_size"] <= 2 / max(weak["smoothness"]) - 1 / weak["recorded"][-1]
        assert weak["objective"][-1] < weak["objective"][0]
        assert weak["risk"][-1]["high"] < weak["risk"][0]["low"]
        assert pair["strong"]["n"] == weak["n"]                  # the same training sample


def _run(*means, half=1e-4):
    return {"risk": [{"mean": m, "low": m - half, "high": m + half} for m in means]}


@pytest.mark.parametrize("runs, verdict", [
    ([_run(0.5, 0.1), _run(0.4, 0.01)], Verdict.PROVEN),
    ([_run(0.5, 0.1), _run(0.4, 0.001)], Verdict.REFUTED),                 # a run went below 1/400
    ([_run(0.5, 0.1), _run(0.4, THEOREM_3_LEVEL)], Verdict.UNDECIDED),     # an interval straddles it
])
def test_the_stall_verdict_needs_every_interval_above_the_level(runs, verdict):
    assert t3.stall_verdict(runs) is verdict


@pytest.mark.parametrize("d", [4, 9, 100])
def test_the_radii_lie_in_the_proofs_range(d):
    for lam in t3.radii("both")(d):
        assert 2 - 1 / math.sqrt(d) - 1e-12 <= lam ** 2 <= 2 + 1e-12
    assert t3.radii("median")(d) == (math.sqrt(2),)


def test_the_figure_draws_weak_strong_and_the_level(quick):
    figure = quick.figures[0].draw()
    axis = figure.axes[0]
    pairs = list(quick.checks[0].evidence.data["pairs"])
    assert len(axis.containers) == 2 * len(pairs)                 # an errorbar per class and width
    assert any(list(line.get_ydata()) == [THEOREM_3_LEVEL] * 2 for line in axis.get_lines())
