"""The paper's claims: verdicts, corrections, the report files and the command."""

import json

import pytest

from proofs import all_claims
from theory.claims import Check, Claim
from theory.cli import main
from theory.report import label, latex, markdown
from theory.verdict import Evidence, Method, Verdict

CLAIMS = {claim.key: claim for claim in all_claims()}


@pytest.fixture(scope="module")
def results():
    keys = ["table1-sign", "table1-relu", "table1-exponential", "table1-hermite-probabilists", "thm2.5",
            "thm3.3", "lemma3.8", "thm3.10", "thm4.2", "thm4.4", "conj3.14"]
    return {key: CLAIMS[key].run() for key in keys}


def test_keys_are_unique_and_every_claim_has_a_statement():
    keys = [claim.key for claim in all_claims()]
    assert len(keys) == len(set(keys))
    assert all(claim.statement and claim.source for claim in all_claims())


@pytest.mark.parametrize("key,stated,corrected", [
    ("table1-sign", Verdict.REFUTED, Verdict.PROVEN),          # √2·sgn gives twice the stated Φ
    ("table1-relu", Verdict.PROVEN, None),
    ("table1-exponential", Verdict.REFUTED, Verdict.PROVEN),   # e^{t−2} gives e^{ρ−3}; e^{t−1} is right
    ("table1-hermite-probabilists", Verdict.REFUTED, Verdict.PROVEN),  # He_m needs 1/√(m!)
    ("thm2.5", Verdict.REFUTED, Verdict.PROVEN),               # the sum must start at i = 0
    ("thm3.3", Verdict.PROVEN, None),                          # Coulomb: trace of the Hessian is 0
    ("lemma3.8", Verdict.PROVEN, None),
    ("thm3.10", Verdict.PROVEN, None),                         # diagonal entry −2(l−2)la², saddles
    ("thm4.2", Verdict.REFUTED, Verdict.PROVEN),               # "constant c" impossible; region r² > d
    ("thm4.4", Verdict.REFUTED, Verdict.PROVEN),               # residual is −c_N k_N ρ^N
    ("conj3.14", Verdict.REFUTED, None),                       # ‖θ − w‖ is not realizable
])
def test_verdicts(results, key, stated, corrected):
    assert results[key].verdict is stated
    assert results[key].corrected_verdict is corrected


def test_a_refutation_carries_a_counterexample(results):
    check = results["table1-exponential"].checks[0]
    assert check.evidence.method is Method.COUNTEREXAMPLE and "rho" in check.evidence.data["point"]


def test_a_check_that_raises_is_undecided_not_passed():
    def broken():
        raise RuntimeError("boom")

    result = Claim("broken", "test", "x", check=broken).run()
    assert result.verdict is Verdict.UNDECIDED and "boom" in str(result.checks[0].evidence)


def test_conjecture_verdict_comes_from_evidence_only():
    claim = Claim("c", "test", "x", conjecture=True, check=lambda: [
        Check("runs", Verdict.PROVEN, Evidence(Method.EXPERIMENT, "50 of 50 matched"), "evidence")])
    result = claim.run()
    assert result.verdict is Verdict.PROVEN and label(result) == "SUPPORTED (evidence)"  # never "proven"


def test_reports_render_every_claim(results):
    values = list(results.values())
    md, tex = markdown(values), latex(values)
    for key in results:
        assert f"`{key}`" in md
    assert tex.count(r"\begin{") == tex.count(r"\end{")
    assert tex.count("{") - tex.count(r"\{") == tex.count("}") - tex.count(r"\}")


def test_prove_command_writes_the_report_and_exits_1_on_a_refutation(tmp_path, capsys):
    code = main(["prove", "--only", "table1-relu", "--only", "thm2.5", "--report", str(tmp_path)])
    assert code == 1
    data = json.loads((tmp_path / "report.json").read_text())
    assert [c["key"] for c in data["claims"]] == ["table1-relu", "thm2.5"]
    assert data["summary"] == {"proven": 1, "refuted": 1, "undecided": 0}
    assert (tmp_path / "report.md").read_text().count("## ") == 2


def test_prove_only_all_proven_exits_0(capsys):
    assert main(["prove", "--only", "table1-relu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["claims"][0]["verdict"] == "proven"


def test_unknown_claim_prefix_is_a_usage_error(capsys):
    assert main(["prove", "--only", "nosuchclaim"]) == 2
    assert "no claim key" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.parametrize("key", ["thm3.9", "conj3.13"])
def test_free_weight_claims_run_on_the_library_dynamics(key):
    result = CLAIMS[key].run()
    assert result.verdict is Verdict.PROVEN and label(result) == "SUPPORTED (evidence)"
    assert all(check.evidence.method is Method.EXPERIMENT for check in result.checks)
