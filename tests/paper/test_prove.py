"""The paper's claims: verdicts, corrections, the report files and the command."""

import json
import re
import shutil
import subprocess
import sys

import matplotlib.pyplot as plt
import pytest

from theory.cli import main
from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Figure, Settings
from theory.paper.report import label, latex, markdown, tex_text, write
from theory.proofs import all_claims

CLAIMS = {claim.key: claim for claim in all_claims()}


@pytest.fixture(scope="module")
def results():
    keys = ["table1-sign", "table1-relu", "table1-exponential", "table1-hermite-probabilists",
            "table1-hermite-physicists", "thm2.5", "thm3.3", "lemma3.8", "thm3.10", "thm4.2", "thm4.4",
            "conj3.14"]
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
    assert result.verdict is Verdict.PROVEN and label(result) == "SUPPORTED"  # never "proven"


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
    assert [c["id"] for c in data["claims"]] == ["table1-relu", "thm2.5"]
    assert data["summary"] == {"PROVEN": 1, "REFUTED": 1, "SUPPORTED": 0, "NOT SUPPORTED": 0, "UNDECIDED": 0}
    assert (tmp_path / "report.md").read_text().count("## ") == 2


def test_prove_only_all_proven_exits_0(capsys):
    assert main(["prove", "--only", "table1-relu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["claims"][0]["verdict"] == "proven"


def test_unknown_claim_prefix_is_a_usage_error(capsys):
    assert main(["prove", "--only", "nosuchclaim"]) == 2
    assert "no claim key" in capsys.readouterr().err


@pytest.mark.parametrize("key,facts", [
    ("table1-relu", {"name": "ReLU", "consistent": True, "correction": None,
                     "derived_potential": "(-rho*acos(rho) + pi*rho + sqrt(1 - rho**2))/pi"}),
    ("table1-exponential", {"name": "Exponential", "consistent": False, "derived_potential": "exp(rho - 3)",
                            "correction": "exp(t - 1)"}),
    ("table1-hermite-physicists", {"name": "Hermite, m = 3, physicists' H_3", "consistent": False,
                                   "derived_potential": "48*rho*(8*rho**2 + 3)",
                                   "correction": "sqrt(6)*(t**3 - 3*t)/6"}),
])
def test_table1_rows_report_the_derived_potential_and_the_correction(results, key, facts):
    assert results[key].facts == facts
    assert results[key].to_json()["facts"] == facts


def test_json_names_each_claim_with_its_verdict_and_deciding_evidence(results):
    data = results["thm4.2"].to_json()
    assert data["id"] == "thm4.2" and data["verdict"] == "refuted"
    # the deciding checks are the ones about the statement as stated: 2 of thm4.2's 5 checks
    assert len(data["evidence"]) == 2 and "c must grow like 2d" in data["evidence"][1]


def test_a_check_function_may_ask_for_the_settings():
    seen = []
    asks = Claim("asks", "test", "x", check=lambda settings: seen.append(settings) or [
        Check("digits", Verdict.PROVEN, Evidence(Method.EXACT, f"{settings.digits(30)} digits"))])
    ignores = Claim("ignores", "test", "x", check=lambda: [
        Check("plain", Verdict.PROVEN, Evidence(Method.EXACT, "no settings"))])
    assert asks.run(Settings(quick=True)).checks[0].evidence.detail == "15 digits"
    assert asks.run(Settings(dps=40)).checks[0].evidence.detail == "40 digits"
    assert seen == [Settings(quick=True), Settings(dps=40)]
    assert ignores.run(Settings(quick=True)).verdict is Verdict.PROVEN
    assert Settings().choose(20, 6) == 20 and Settings(quick=True).choose(20, 6) == 6


def test_prove_passes_dps_to_the_quadrature_of_a_product_row(capsys):
    assert main(["prove", "--only", "table1-gaussian", "--dps", "20", "--json"]) == 0
    names = [check["name"] for check in json.loads(capsys.readouterr().out)["claims"][0]["checks"]]
    assert any("20 digits" in name for name in names)


@pytest.mark.parametrize("dps", ["3", "5000"])
def test_prove_refuses_a_working_precision_out_of_range(capsys, dps):
    assert main(["prove", "--only", "table1-relu", "--dps", dps]) == 2
    assert "--dps" in capsys.readouterr().err


def test_progress_bar_on_a_terminal_and_silent_under_quiet(capsys, monkeypatch):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    main(["prove", "--only", "table1-relu"])
    # tqdm may skip the 1/1 refresh of a fast claim (mininterval): not asserted
    err = capsys.readouterr().err
    assert "/1 [" in err and "claim/s" in err and "table1-relu" in err
    main(["prove", "--only", "table1-relu", "--quiet"])
    assert capsys.readouterr().err == ""


def test_tex_text_sets_scripts_as_math_and_escapes_the_rest():
    assert tex_text("R^d & x_ij") == r"\ensuremath{R^{d}} \& \ensuremath{x_{ij}}"
    assert tex_text("e^(−|θ−w|) on R¹") == r"\ensuremath{e^{−|θ−w|}} on R¹"   # TeX scripts take one token
    assert tex_text("e^{−‖θ − w‖}, 5% < 1") == r"\ensuremath{e^{−‖θ − w‖}}, 5\% \ensuremath{<} 1"
    assert tex_text("{#1 $}") == r"\{\#1 \ensuremath{\$}\}"


def _unicode_claim(draw) -> Claim:
    text = "‖θ − w‖ < 1 & 50% of x_i ~ N(0, I_d), a|b \\ {c} #1 $5 ^ e^{−r²/2} ⊛ — done"
    return Claim("unicode", "Σ, Φ and ∇ in a title: S^{d−1}", r"\Phi(\theta, w) = e^{-\|\theta - w\|}",
                 hypotheses=(text,), check=lambda: [Check(text, Verdict.PROVEN, Evidence(Method.EXACT, text),
                                                          figures=(Figure("unicode-figure", text, draw),))])


def test_a_figure_that_cannot_be_drawn_is_left_out_of_the_report(tmp_path, capsys):
    def broken():
        raise ValueError("no data")

    write([_unicode_claim(broken).run()], tmp_path)
    assert "figure unicode-figure of unicode not drawn: ValueError: no data" in capsys.readouterr().err
    assert "includegraphics" not in (tmp_path / "report.tex").read_text()
    assert "figures/" not in (tmp_path / "report.md").read_text()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (see .ci/run)")
def test_report_compiles_with_pdflatex(tmp_path, results):
    def picture():
        figure, axis = plt.subplots()
        axis.plot([0, 1], [1, 0])
        return figure

    chosen = [results[key] for key in ("table1-exponential", "thm2.5", "thm4.2")]
    chosen.append(_unicode_claim(picture).run())
    write(chosen, tmp_path)
    pictures = sorted(p.name for p in (tmp_path / "figures").iterdir())
    assert pictures == ["thm4.2-laplacian.png", "unicode-figure.png"]
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "report.tex"],
                         check=False, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    log = (tmp_path / "report.log").read_text(errors="replace")
    assert run.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
    assert (tmp_path / "report.pdf").stat().st_size > 10_000
    assert "Missing character" not in log and "undefined" not in log
    assert not re.search(r"\.\d+pk\b", log), "a bitmap (pk) font was needed"
    assert "circled asterisk operator" not in (tmp_path / "report.tex").read_text()  # never spelled out
@pytest.mark.slow
@pytest.mark.parametrize("key", ["thm3.9", "conj3.13"])
def test_free_weight_claims_run_on_the_library_dynamics(key):
    result = CLAIMS[key].run()
    assert result.verdict is Verdict.PROVEN and label(result) == "SUPPORTED"
    assert all(check.evidence.method is Method.EXPERIMENT for check in result.checks)
