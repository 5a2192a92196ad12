"""Safran & Lee, Theorem 10: the claims' logic (quick runs on the stand-in law N(0, I_d), then the frozen
reading on D′_d itself), and the verdict rule."""

import pytest

from theory.core.verdict import Method, Verdict
from theory.paper.claims import Settings
from theory.proofs.safran_lee import theorem_10 as t10
from theory.separation.marginals import Pair
from theory.separation.sweep import Law


def test_the_averaged_reading_is_evidence_with_its_numbers_and_a_finding_as_stated(gaussian_laws):
    quick = t10.CLAIMS[0].run(Settings(quick=True))
    assert quick.crashed is None and quick.claim.conjecture and quick.claim.correction
    dims, widths = t10.QUICK[:2]
    assert len(quick.deciding) == 2 * len(Law) * len(dims)
    assert {c.evidence.method for c in quick.deciding} == {Method.EXPERIMENT, Method.NUMERIC}
    assert quick.verdict is Verdict.PROVEN
    for check in (c for c in quick.deciding if c.evidence.method is Method.EXPERIMENT):
        data = check.evidence.data
        assert len(data["cases"]) == len([r for r in widths if r >= 2]) * len(Pair)
        assert data["beta"] < data["smallest_low"] <= data["smallest_high"]
    # dependent pairs: the statement as stated has no 2-D density to bound
    [stated] = [c for c in quick.checks if c.subject == "as stated"]
    assert stated.verdict is Verdict.REFUTED and len(stated.evidence.data["refusals"]) == 2


def test_the_frozen_reading_fails_on_the_sphere_sum():
    """At d = 4 a few percent of frozen two-feature layers put no mass of D′_4 near the disc."""
    [check] = t10.frozen_evidence((4,), 50, 20_000)
    assert check.verdict is Verdict.REFUTED and check.evidence.method is Method.NUMERIC
    assert 0 < sum(g > 0 for g in check.evidence.data["gaps"]) < 25
    assert "0 of 20000 sampled points in the disc" in check.evidence.detail


@pytest.mark.parametrize("low, high, verdict", [(2e-6, 0.1, Verdict.PROVEN), (0.0, 0.1, Verdict.UNDECIDED),
                                                (0.0, 5e-7, Verdict.REFUTED)])
def test_the_verdict_needs_a_lower_bound_above_beta_or_an_upper_bound_below(low, high, verdict):
    assert t10.bound_verdict(low, high, 1e-6) is verdict
