"""Theorem 3.6, Corollary 4.3 and Theorem 5.1: their checks, fast pieces by default, whole
claims marked slow."""

import numpy as np
import pytest
import sympy as sp

from theory.core.symbols import r
from theory.core.verdict import Method, Verdict
from theory.dynamics.loss import Loss
from theory.potentials.potential import potential
from theory.proofs import all_claims
from theory.proofs.electrodynamics import corollary_4_3, theorem_3_6, theorem_5_1


def test_registered_in_the_papers_order():
    keys = [claim.key for claim in all_claims()]
    assert keys.index("thm3.3") < keys.index("thm3.6") < keys.index("lemma3.8")
    assert keys.index("thm4.2") < keys.index("cor4.3") < keys.index("thm4.4") < keys.index("thm5.1")


# ------------------------------------------------------------------ Theorem 3.6

def test_correlated_move_drops_the_electron_pairs():
    assert theorem_3_6._correlated_trace().verdict is Verdict.PROVEN


def test_matched_protons_are_not_a_minimum_of_a_potential_meeting_the_hypotheses():
    check = theorem_3_6._matched_is_not_minimal()
    assert check.verdict is Verdict.REFUTED and check.evidence.method is Method.COUNTEREXAMPLE
    # independently, in exact algebra: the electron–electron distance stays, each electron–proton
    # distance d becomes √(d² + t²), so L(w + v) − L(w) = −2 Σ_ij [Φ(√(d_ij² + t²)) − Φ(d_ij)] < 0
    w, t = theorem_3_6.PROTONS, theorem_3_6.MOVE
    phi = sp.Lambda(r, theorem_3_6.PLUMMER)
    distances = [sp.sqrt(sum((a - b) ** 2 for a, b in zip(x, y, strict=True))) for x in w for y in w]
    drop = -2 * sum(phi(sp.sqrt(e**2 + t**2)) - phi(e) for e in distances)
    assert sp.simplify(drop - (4 / sp.sqrt(5) + 8 / sp.sqrt(21) - 4)) == 0 and drop.is_negative


def test_electrons_leave_the_protons_under_algorithm_1():
    assert theorem_3_6.drift(seeds=(0,), iterations=100).verdict is Verdict.PROVEN


def test_bounded_hessian_detects_the_cusp_and_the_singularity():
    assert theorem_3_6._bounded_hessian(-1 / sp.sqrt(1 + r**2))
    assert not theorem_3_6._bounded_hessian(sp.exp(-r))                  # h'/r → −∞ at the cusp
    assert not theorem_3_6._bounded_hessian(r ** sp.Rational(-3, 2))


def test_survey_reports_why_a_candidate_fails():
    check = theorem_3_6.survey({"r²": r**2})
    assert check.verdict is Verdict.PROVEN
    assert f"r²: subharmonic on {sp.Interval.open(0, sp.oo)}" in check.evidence.detail
    assert "not realizable" in check.evidence.detail and check.evidence.data["complete"] == []


# ------------------------------------------------------------------ Corollary 4.3

def test_algorithm_2_matches_each_electron_to_its_own_proton():
    run = corollary_4_3.instance(4, 3, 16, seed=2)
    assert sorted(run["matching"]) == [0, 1, 2]
    assert run["distance"] < run["first_order"] < 1e-4


def test_exponential_laplacian_on_the_sphere():
    assert corollary_4_3._laplacian(3).verdict is Verdict.PROVEN


# ------------------------------------------------------------------ Theorem 5.1

def test_signed_correlation_is_refuted_by_the_antipodal_node():
    check = theorem_5_1._signed_counterexample()
    assert check.verdict is Verdict.REFUTED and check.evidence.data["theta"] == [-1, 0, 0]


def test_single_node_threshold_and_paired_electrons_above_the_linear_level():
    assert theorem_5_1._single_node().verdict is Verdict.PROVEN
    assert theorem_5_1._level_matters().verdict is Verdict.PROVEN
    # the limit it states, L*(k, C/k) → 1 − 2C/(π(C + 2)), met at k = 10⁸, C = 3 to O(1/k)
    k = 10**8
    far = sp.N(theorem_5_1._pair_loss(sp.Integer(k), sp.Rational(3, k)), 30)
    assert abs(far - sp.N(1 - 6 / (5 * sp.pi), 30)) < 10 / k


def test_capped_search_stays_above_the_level_and_can_go_below_it():
    assert theorem_5_1.search(ks=(2,), starts=2).verdict is Verdict.UNDECIDED    # no violation found
    # cap near 1: small loss
    assert theorem_5_1.smallest_capped_loss(2, 0.99, starts=2) < float(theorem_5_1.LEVEL)


def test_profile_loss_is_the_loss_at_optimal_charges():
    z = np.random.default_rng(3).normal(size=2 * 3)
    value = theorem_5_1._profile_loss(z, 2, 3, 0.4)
    zz = z.reshape(2, 3)
    first = 0.4 * np.tanh(zz[:, 0])
    rest = zz[:, 1:] / np.linalg.norm(zz[:, 1:], axis=1)[:, None]
    thetas = np.column_stack([first, np.sqrt(1 - first**2)[:, None] * rest])
    loss = Loss(potential("sign").sphere(), [[1, 0, 0]], manifold="sphere")
    assert abs(loss.value(thetas, loss.optimal_charges(thetas)) - value) < 1e-12


# ------------------------------------------------------------------ whole claims

@pytest.mark.slow
@pytest.mark.parametrize("key,stated,corrected", [
    ("thm3.6", Verdict.REFUTED, Verdict.PROVEN),     # matched configuration is not a minimum
    ("cor4.3", Verdict.UNDECIDED, None),             # asymptotic, probabilistic: evidence only
    ("thm5.1", Verdict.REFUTED, Verdict.UNDECIDED),  # signed correlation false; |·| supported numerically
])
def test_verdicts(key, stated, corrected):
    result = next(c for c in all_claims() if c.key == key).run()
    assert result.verdict is stated and result.corrected_verdict is corrected
    assert all(c.verdict is Verdict.PROVEN for c in result.checks if c.subject == "evidence")
