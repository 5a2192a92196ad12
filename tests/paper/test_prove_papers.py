"""`theory prove` across papers: the registry, selection by paper, and the Zhang et al. claims."""

import json

import numpy as np
import pytest

from theory.cli import main
from theory.core.errors import InputError
from theory.core.verdict import Verdict
from theory.paper.claims import Settings
from theory.paper.prove import claims
from theory.proofs import PAPERS, all_claims
from theory.proofs.zhang._runs import envelope_rate, geometric_rate, power_law
from theory.teacher_student.relu_samples import conditioned_teacher


def test_every_claim_carries_the_paper_it_came_from():
    keys = {p.key for p in PAPERS}
    assert keys >= {"electrodynamics", "safran-lee", "zhang"}
    everything = all_claims()
    assert all(c.paper is not None and c.paper.key in keys for c in everything)
    assert [c.paper.key for c in everything] == sorted((c.paper.key for c in everything),
                                                        key=[p.key for p in PAPERS].index)


def test_claims_select_by_paper_and_prefix():
    assert [c.key for c in claims(papers="zhang")] == ["zhang-init", "zhang-linear", "zhang-floor"]
    assert [c.key for c in claims("zhang-l", papers=["zhang"])] == ["zhang-linear"]
    assert not [c for c in claims(papers="electrodynamics") if c.key.startswith("zhang")]
    with pytest.raises(InputError, match="electrodynamics, safran-lee, zhang"):
        claims(papers="nonsense")


def test_list_groups_claims_under_their_paper(capsys):
    assert main(["prove", "--list"]) == 0
    out = capsys.readouterr().out
    titles = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert len(titles) == len(PAPERS) and "Zhang, Yu, Wang & Gu" in titles[-1]
    assert out.index("zhang-init") > out.index(titles[-1]) > out.index("table1-relu")


def test_unknown_paper_is_a_usage_error(capsys):
    assert main(["prove", "--paper", "nope"]) == 2  # main returns argparse's exit code
    assert "zhang" in capsys.readouterr().err


def test_conditioned_teacher_has_the_asked_condition_number():
    for k, d, kappa in [(3, 3, 1.0), (3, 5, 4.0), (5, 5, 10.0)]:
        W = conditioned_teacher(k, d, kappa, seed=2)
        assert W.shape == (k, d) and np.linalg.cond(W) == pytest.approx(kappa, rel=1e-12)
    assert np.array_equal(conditioned_teacher(3, 4, 2.0, seed=1), conditioned_teacher(3, 4, 2.0, seed=1))
    for bad in [{"k": 4, "d": 3, "kappa": 2.0}, {"k": 2, "d": 3, "kappa": 0.5},
                {"k": 2, "d": 3, "kappa": float("nan")}]:
        with pytest.raises(InputError):
            conditioned_teacher(**bad)


def test_fits_recover_exact_power_laws_and_rates():
    ns = np.array([1000, 2000, 4000, 8000])
    p, low, high = power_law(ns, 3 * ns ** -0.5 * np.array([1.01, 0.99, 1.02, 0.98]))
    assert low < -0.5 < high and abs(p + 0.5) < 0.03
    rate, r2 = geometric_rate(2 * 0.9 ** np.arange(200))
    assert rate == pytest.approx(0.9, rel=1e-12) and r2 == pytest.approx(1, abs=1e-12)
    assert np.isnan(geometric_rate([1.0, 0.5, 0.4])[0])  # too few steps below e₀/10: no fit
    assert envelope_rate([1.0, 0.5, 0.3, 0.1]) == pytest.approx(np.sqrt(0.3))  # max(0.5, √0.3, ∛0.1)
    assert envelope_rate([1.0, 1.2, 0.1]) == pytest.approx(1.2)  # a first step uphill: ρ̂ > 1


def test_linear_convergence_claim_is_supported_with_rates_below_one():
    [result] = [c.run(Settings(quick=True)) for c in claims("zhang-linear")]
    assert result.verdict is Verdict.PROVEN  # shown as SUPPORTED: the claim is decided by evidence
    runs = result.checks[0].evidence.data["runs"]
    assert len(runs) == 4 and all(r["envelope"] < 1 and 0.9 < r["rate"] < 1 for r in runs)
    assert json.loads(json.dumps(result.to_json()))["paper"] == "zhang"


@pytest.mark.slow
def test_statistical_floor_and_initialisation_claims():
    results = {c.key: c.run(Settings(quick=True)) for c in claims(["zhang-floor", "zhang-init"])}
    floor, init = results["zhang-floor"], results["zhang-init"]
    p, low, _high = floor.checks[0].evidence.data["exponent"]
    assert floor.verdict is Verdict.PROVEN and low <= -0.5 and -1 < p < 0
    assert init.verdict is Verdict.PROVEN and "κ = 5" in str(init.checks[0].evidence)
