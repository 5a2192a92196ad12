"""Safran & Lee, Assumption 6 for the paper's laws: the claims' verdicts and what decides them."""

import pytest

from theory.core.verdict import Method, Verdict
from theory.paper.claims import Settings
from theory.paper.report import Finding, corrected_finding, finding
from theory.proofs.safran_lee import assumption_6 as a6


@pytest.fixture(scope="module")
def results():
    return {claim.key: claim.run(Settings(quick=True)) for claim in a6.CLAIMS}


def test_every_claim_runs_and_only_proofs_decide(results):
    for result in results.values():
        assert result.crashed is None
        for check in result.deciding:
            assert check.evidence.method in (Method.EXACT, Method.INCONCLUSIVE)
            assert (check.verdict is Verdict.UNDECIDED) == (check.evidence.method is Method.INCONCLUSIVE)


def test_sphere_sum_fails_positivity_and_the_appendix_step_but_its_bound_holds(results):
    result = results["sl-asm6-sphere-sum"]
    assert finding(result) is Finding.REFUTED and corrected_finding(result) is Finding.PROVEN
    refuted = [c.name for c in result.deciding if c.verdict is Verdict.REFUTED]
    assert len(refuted) == 2 and "condition 2" in refuted[0] and "appendix" in refuted[1]
    assert "8/(3√3)" in next(c for c in result.deciding if "appendix" in c.name).evidence.detail


def test_the_bessel_mixture_is_proven_on_mass_and_surveyed_on_density_and_tail(results):
    result = results["sl-asm6-bessel"]
    verdicts = [c.verdict for c in result.deciding]
    assert verdicts == [Verdict.PROVEN, Verdict.UNDECIDED, Verdict.UNDECIDED]
    assert finding(result) is Finding.UNDECIDED
    surveys = [c for c in result.checks if c.subject == "evidence"]
    assert [c.verdict for c in surveys] == [Verdict.PROVEN] * 2
    assert 0.2 < surveys[1].evidence.data["constants"]["c2"] < 0.5


def test_cauchy_needs_the_shrinking_scale(results):
    result = results["sl-asm6-cauchy"]
    assert [c.verdict for c in result.deciding] == [Verdict.PROVEN, Verdict.UNDECIDED, Verdict.PROVEN]
    fixed = [c for c in result.checks if c.subject == "evidence" and "scale 1:" in c.name]
    assert [c.verdict for c in fixed if c.evidence.method is Method.EXACT] == [Verdict.REFUTED] * 2
