"""The report: one vocabulary, formulas typeset by the house printer, pages that compile clean."""

import re
import shutil
import subprocess
from dataclasses import replace

import pytest

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim, Paper, Settings
from theory.paper.report import (
    VOCABULARY,
    Finding,
    check_finding,
    corrected_finding,
    display,
    exit_status,
    finding,
    latex,
    markdown,
    tex_text,
    to_json,
    write,
)
from theory.proofs import all_claims

CLAIMS = {claim.key: claim for claim in all_claims()}
#: Claims whose statements ran off the page, held fallback names or broken exponents before.
HARD = ("thm3.6", "thm2.5", "table1-hermite-physicists", "conj3.14")  # cor4.3, thm5.1: the slow full test
OVERFULL_TOLERANCE_PT = 3.0


def _check(verdict, method, subject="as stated", latex=""):
    return Check("c", verdict, Evidence(method, "detail"), subject, latex)


def _result(*checks, conjecture=False):
    return Claim("k", "Theorem 0", r"x = x", check=lambda: list(checks), conjecture=conjecture).run()


@pytest.mark.parametrize("verdict,method,expected", [
    (Verdict.PROVEN, Method.EXACT, Finding.PROVEN), (Verdict.PROVEN, Method.INTERVAL, Finding.PROVEN),
    (Verdict.PROVEN, Method.NUMERIC, Finding.SUPPORTED),
    (Verdict.PROVEN, Method.EXPERIMENT, Finding.SUPPORTED),
    (Verdict.REFUTED, Method.COUNTEREXAMPLE, Finding.REFUTED),
    (Verdict.REFUTED, Method.EXACT, Finding.REFUTED),
    (Verdict.REFUTED, Method.EXPERIMENT, Finding.NOT_SUPPORTED),
    (Verdict.UNDECIDED, Method.TIMEOUT, Finding.UNDECIDED),
])
def test_a_check_finding_follows_from_its_verdict_and_method(verdict, method, expected):
    assert check_finding(_check(verdict, method)) is expected


def test_a_claim_is_proven_only_with_a_certified_check_and_an_experiment_never_refutes():
    assert finding(_result(_check(Verdict.PROVEN, Method.EXACT), _check(Verdict.PROVEN, Method.EXPERIMENT))) \
        is Finding.PROVEN
    assert finding(_result(_check(Verdict.PROVEN, Method.NUMERIC))) is Finding.SUPPORTED
    assert finding(_result(_check(Verdict.PROVEN, Method.EXACT),
                           _check(Verdict.REFUTED, Method.EXPERIMENT))) is Finding.NOT_SUPPORTED
    assert finding(_result(_check(Verdict.REFUTED, Method.EXPERIMENT),
                           _check(Verdict.REFUTED, Method.EXACT))) is Finding.REFUTED
    assert finding(_result(_check(Verdict.PROVEN, Method.EXACT), _check(Verdict.UNDECIDED, Method.TIMEOUT))) \
        is Finding.UNDECIDED


def test_a_corrected_statement_is_shown_only_where_the_statement_failed():
    extra = _check(Verdict.PROVEN, Method.EXACT, "corrected")
    held = _result(_check(Verdict.PROVEN, Method.EXACT), extra)
    failed = _result(_check(Verdict.REFUTED, Method.COUNTEREXAMPLE), extra)
    assert corrected_finding(held) is None and corrected_finding(failed) is Finding.PROVEN
    assert "(corrected statement)" not in markdown([held]) and "(beyond the statement)" in markdown([held])
    assert "| REFUTED | PROVEN |" in markdown([failed])


def test_a_refuted_identity_is_printed_as_an_inequality():
    result = _result(_check(Verdict.REFUTED, Method.COUNTEREXAMPLE, latex=r"\rho = \rho + 1"))
    assert r"\rho \neq \rho + 1" in markdown([result]) and r"\rho \neq \rho + 1" in latex([result])
    assert "identity checked" not in latex([result])


def test_one_vocabulary_in_markdown_latex_and_json():
    result = _result(_check(Verdict.PROVEN, Method.EXPERIMENT, "evidence"), conjecture=True)
    md, tex, data = markdown([result]), latex([result]), to_json([result])
    for word in VOCABULARY:
        assert f"**{word.value}**" in md and rf"\item[{word.value}]" in tex \
            and word.value in data["vocabulary"]
    claim = data["claims"][0]
    assert claim["finding"] == "SUPPORTED" and claim["checks"][0]["finding"] == "SUPPORTED"
    assert "SUPPORTED (evidence)" not in md + tex and "**proven**" not in md and r"\textbf{proven}" not in tex


def test_exit_status_counts_theorems_only_and_refuted_takes_precedence():
    refuted, undecided = _check(Verdict.REFUTED, Method.EXACT), _check(Verdict.UNDECIDED, Method.TIMEOUT)
    assert exit_status([_result(refuted), _result(undecided)])[0] == 1
    assert exit_status([_result(undecided)])[0] == 3
    assert exit_status([_result(refuted, conjecture=True)])[0] == 0


@pytest.mark.parametrize("text,tex", [
    ("ΔΦ = 3/(sqrt(r**2 + 1)*(r**4 + 2*r**2 + 1)) (at r = 0: 3)",
     r"ΔΦ = \ensuremath{\frac{3}{\sqrt{r^{2} + 1} \left(r^{4} + 2 r^{2} + 1\right)}} (at r = 0: 3)"),
    ("subharmonic on Interval.open(sqrt(3), oo), Hessian bounded",
     r"subharmonic on \ensuremath{\left(\sqrt{3}, \infty\right)}, Hessian bounded"),
    ("on Interval(0, 2)", r"on \ensuremath{\left[0, 2\right]}"),
    ("difference [a1**2*theta1/2, 0]", r"difference [\ensuremath{\frac{a_{1}^{2} \theta_{1}}{2}}, 0]"),
    ("check f = e^(3(ρ−1)), d = 5", r"check f = \ensuremath{e^{3(ρ−1)}}, d = 5"),
    ("(1 − ρ²)^((d−3)/2) f", r"(1 − \ensuremath{ρ²)^{(d−3)/2}} f"),
    ("f̂ ≪ 1 ⇒ |σ| → oo at rho = 1/3",
     r"\ensuremath{\hat{f}} ≪ 1 ⇒ \ensuremath{|}σ\ensuremath{|} → ∞ at ρ = 1/3"),
    ("σ = 2**(3/4)*besselk(0, Abs(theta - x)) gives",
     r"σ = \ensuremath{2^{\frac{3}{4}} K_{0}\left(\left|{\theta - x}\right|\right)} gives"),  # a call's comma
    ("sum from i = 1 realises f", "sum from i = 1 realises f"),            # no formula: left alone
    ("[0.21 +/- 4.6e-16] (arb)", "[0.21 ± 4.6e-16] (arb)"),
])
def test_formulas_in_the_text_are_read_back_and_typeset(text, tex):
    assert tex_text(text) == tex


def test_a_character_without_tex_is_a_query_mark_named_on_stderr(capsys):
    tex = latex([Claim("u", "⊛ in a title", "x", check=lambda: []).run()])
    assert r"\DeclareUnicodeCharacter{229B}{?}" in tex and "circled asterisk" not in tex
    assert "no TeX for U+229B (circled asterisk operator)" in capsys.readouterr().err


def test_a_long_statement_becomes_breakable_text_and_inline_math():
    statement = (r"a_i = -1,\ b_j = 1 \;\Rightarrow\; \text{every minimum is global; step } "
                 r"\alpha = \frac{1}{4k^2B}")
    tex = display(statement)
    head = r"\(\displaystyle a_i = -1,\allowbreak\ b_j = 1 \;\Rightarrow\; \)every minimum is global; step "
    assert head in tex
    assert r"\(\displaystyle  \alpha = \frac{1}{4k^2B}\)" in tex and r"\text{" not in tex
    assert display(r"\frac{\text{a}}{2}") .count(r"\text{a}") == 1  # \text inside a group stays math


def compile_report(results, folder):
    """Write the report, run pdflatex twice-safe once, and return the .tex and the log."""
    write(results, folder)
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "report.tex"],
                         check=False, cwd=folder, capture_output=True, text=True, timeout=300)
    log = (folder / "report.log").read_text(errors="replace")
    assert run.returncode == 0, [line for line in log.splitlines() if line.startswith("!")]
    return (folder / "report.tex").read_text(), log


def assert_clean(tex, log, stderr):
    """No character spelled by name or left out, no box wider than the page by more than a few points."""
    assert "no TeX for" not in stderr and not re.search(r"\[[a-z]+(?: [a-z-]+)+\]", tex)
    assert "Missing character" not in log and "not set up for use with LaTeX" not in log
    overfull = [float(width) for width in re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\)", log)]
    assert all(width <= OVERFULL_TOLERANCE_PT for width in overfull), overfull
    for raw in ("Interval", "**", "sqrt(", "operatorname{acos}", "identity checked"):
        assert raw not in tex, raw


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (see .ci/run)")
def test_report_of_the_hard_claims_compiles_clean(tmp_path, capsys):
    results = [CLAIMS[key].run(Settings(quick=True)) for key in HARD]
    tex, log = compile_report(results, tmp_path)
    assert_clean(tex, log, capsys.readouterr().err)
    first_page = tex.split(r"\clearpage")[0]
    assert all(rf"\texttt{{{key}}}" in first_page for key in HARD) and "Exit status 1" in first_page


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (see .ci/run)")
@pytest.mark.timeout(900)
def test_full_report_of_the_electrodynamics_paper_compiles_clean(tmp_path, capsys):
    chosen = [c for c in all_claims() if not c.experiment and c.paper and c.paper.key == "electrodynamics"]
    tex, log = compile_report([claim.run() for claim in chosen], tmp_path)
    assert_clean(tex, log, capsys.readouterr().err)


def test_an_english_word_before_a_formula_is_not_a_symbol():
    assert tex_text("factors of -2*rho/pi") == r"factors of \ensuremath{- \frac{2 \rho}{\pi}}"


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (see .ci/run)")
def test_two_papers_get_a_table_and_a_section_each_and_compile_clean(tmp_path, capsys):
    long = "A Title Long Enough to Need Two Lines of the Summary Table, on Convergence of Networks"
    first, second = (Paper(key, "Some, Authors, And, Others", long, "a venue, 2019")
                     for key in ("one", "two"))
    results = [replace(_result(_check(Verdict.PROVEN, Method.EXACT)), claim=Claim(
        key, "Theorem 1", "x = x", check=list, paper=paper)) for key, paper in (("a", first), ("b", second))]
    tex, log = compile_report(results, tmp_path)
    assert_clean(tex, log, capsys.readouterr().err)
    assert tex.count(r"\begin{tabularx}") == 2 and tex.count(r"\section*{Some, Authors") == 2
    # each table's totals
    assert tex.count(r"\itshape Some, Authors") == 2 and tex.count("}: 1 PROVEN.") == 2
    assert [p["key"] for p in to_json(results)["papers"]] == ["one", "two"]


def test_a_wide_figure_gets_more_of_the_text_width(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from theory.paper.report import _figure_width
    widths = []
    for size in ((6.4, 4.4), (10, 4), (13.8, 4.6)):
        figure = plt.figure(figsize=size)
        figure.savefig(tmp_path / "f.png", dpi=50)
        plt.close(figure)
        widths.append(_figure_width(tmp_path / "f.png"))
    assert widths[0] == 0.6 and widths[1] == pytest.approx(1.0) and widths[2] == 1.0
