"""Reports of checked claims: Markdown, LaTeX and JSON.

:func:`write` puts ``report.md``, ``report.tex`` and ``report.json`` in a folder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from .claims import Result
from .verdict import Verdict

PAPER = ("Panigrahy, Rahimi, Sachdeva, Zhang, *Convergence Results for Neural Networks via "
         "Electrodynamics*, arXiv 1702.00458 (v2), ITCS 2018")
_BADGE = {Verdict.PROVEN: "PROVEN", Verdict.REFUTED: "REFUTED", Verdict.UNDECIDED: "UNDECIDED"}


def summary(results: Sequence[Result]) -> dict[str, int]:
    counts = {v.value: 0 for v in Verdict}
    for result in results:
        counts[result.verdict.value] += 1
    return counts


def markdown(results: Sequence[Result]) -> str:
    lines = [f"# Claims of {PAPER}", "",
             ("Verdicts are about each statement *as stated*; where a statement holds only after a "
              "correction, the verdict is REFUTED and the corrected statement is checked separately. "
              "Conjectures get numerical evidence, never proof."), "",
             "| claim | source | verdict | corrected |", "|---|---|---|---|"]
    for r in results:
        corrected = _BADGE[r.corrected_verdict] if r.corrected_verdict else ""
        lines.append(f"| `{r.claim.key}` | {r.claim.source} | {label(r)} | {corrected} |")
    counts = summary(results)
    lines += ["", "Totals: " + ", ".join(f"{n} {v}" for v, n in counts.items()), ""]
    for r in results:
        lines += [f"## {r.claim.source} — {label(r)}", "", f"$${r.claim.statement}$$", ""]
        if r.claim.hypotheses:
            lines += ["Hypotheses: " + "; ".join(r.claim.hypotheses) + ".", ""]
        if r.claim.correction:
            lines += [f"Correction: ${r.claim.correction}$", ""]
        for check in r.checks:
            lines.append(f"- **{check.verdict.value}** ({check.subject}) {check.name} — {check.evidence}")
        lines += ["", f"_checked in {r.seconds:.1f} s_", ""]
    return "\n".join(lines)


def latex(results: Sequence[Result]) -> str:
    rows = []
    for r in results:
        corrected = r.corrected_verdict.value if r.corrected_verdict else "--"
        rows.append(rf"\texttt{{{_tex(r.claim.key)}}} & {_tex(r.claim.source)} & {label(r)} & {corrected} \\")
    sections = []
    for r in results:
        items = "\n".join(rf"  \item \textbf{{{c.verdict.value}}} ({c.subject}) {_tex(c.name)}: "
                          rf"{_tex(str(c.evidence))}" for c in r.checks)
        sections.append(rf"\subsection*{{{_tex(r.claim.source)} --- {label(r)}}}" "\n"
                        rf"\[ {r.claim.statement} \]" "\n" rf"\begin{{itemize}}" "\n" f"{items}\n"
                        rf"\end{{itemize}}")
    body = "\n".join(rows)
    return (r"\documentclass{article}" "\n" r"\usepackage{amsmath,amssymb}" "\n"
            r"\usepackage[T1]{fontenc}" "\n" r"\usepackage[utf8]{inputenc}" "\n"
            r"\begin{document}" "\n" rf"\section*{{Claims of {_tex(PAPER.replace('*', ''))}}}" "\n"
            r"\begin{tabular}{llll}" "\n" r"claim & source & verdict & corrected \\ \hline" "\n"
            f"{body}\n" r"\end{tabular}" "\n" + "\n".join(sections) + "\n" r"\end{document}" "\n")


def to_json(results: Sequence[Result]) -> dict:
    return {"paper": PAPER, "summary": summary(results), "claims": [r.to_json() for r in results]}


def write(results: Sequence[Result], folder: str | Path) -> list[Path]:
    """Write report.md, report.tex and report.json into ``folder`` (created if needed)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    outputs = {"report.md": markdown(results), "report.tex": latex(results),
               "report.json": json.dumps(to_json(results), indent=2)}
    paths = []
    for name, text in outputs.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def label(result: Result) -> str:
    """The verdict as shown: a conjecture's evidence supports it or finds a counter-example, never proves."""
    if result.claim.conjecture:
        return {Verdict.PROVEN: "SUPPORTED (evidence)", Verdict.REFUTED: "COUNTER-EXAMPLE FOUND",
                Verdict.UNDECIDED: "UNDECIDED (evidence)"}[result.verdict]
    return _BADGE[result.verdict]


def _tex(text: str) -> str:
    """Escape text for LaTeX outside math mode; Unicode math letters are kept (utf8 input)."""
    for char, escaped in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"),
                          ("#", r"\#"), ("_", r"\_"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(char, escaped)
    return text
