"""Reports of checked claims: Markdown, LaTeX and JSON, with the claims' figures.

:func:`write` puts ``report.md``, ``report.tex`` (compiles with pdflatex) and
``report.json`` in a folder, and the figures the checks ask for in
``figures/NAME.png``. Text from the claims is Unicode (θ, ‖θ − w‖, S^{d−1});
:func:`tex_text` turns it into LaTeX: ``x^{…}`` and ``x_i`` fragments become
math, and every non-ASCII character gets a ``\\DeclareUnicodeCharacter``.

>>> tex_text("Φ on S^{d−1} & R^d: 50% of θ_i")
'Φ on \\\\ensuremath{S^{d−1}} \\\\& \\\\ensuremath{R^{d}}: 50\\\\% of \\\\ensuremath{θ_{i}}'
"""

from __future__ import annotations

import io
import json
import re
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt

from .claims import Result
from ..core.files import make_folder, write_atomic
from ..core.verdict import Verdict

FIGURES = "figures"
_BADGE = {Verdict.PROVEN: "PROVEN", Verdict.REFUTED: "REFUTED", Verdict.UNDECIDED: "UNDECIDED"}


def papers(results: Sequence[Result]) -> list:
    """The papers of ``results``, in the order their claims come."""
    return list(dict.fromkeys(r.claim.paper for r in results if r.claim.paper))


def _title(results: Sequence[Result]) -> str:
    return "Claims of " + "; ".join(map(str, papers(results))) if papers(results) else "Claims"


def _parts(results: Sequence[Result]):
    """(paper or None, its results) in order: one part a paper."""
    for paper in [*papers(results), None]:
        part = [r for r in results if r.claim.paper is paper]
        if part:
            yield paper, part


def summary(results: Sequence[Result]) -> dict[str, int]:
    counts = {v.value: 0 for v in Verdict}
    for result in results:
        counts[result.verdict.value] += 1
    return counts


def markdown(results: Sequence[Result], folder: Path | None = None) -> str:
    """The report in Markdown; figures already saved under ``folder/figures`` are shown."""
    lines = [f"# {_title(results)}", "",
             ("Verdicts are about each statement *as stated*; where a statement holds only after a "
              "correction, the verdict is REFUTED and the corrected statement is checked separately. "
              "Conjectures get numerical evidence, never proof."), "",
             "| claim | source | verdict | corrected | seconds |", "|---|---|---|---|---|"]
    for r in results:
        corrected = _BADGE[r.corrected_verdict] if r.corrected_verdict else ""
        lines.append(f"| `{r.claim.key}` | {r.claim.source} | {label(r)} | {corrected} | {r.seconds:.1f} |")
    counts = summary(results)
    lines += ["", "Totals: " + ", ".join(f"{n} {v}" for v, n in counts.items()), ""]
    for paper, part in _parts(results):
        lines += [f"# {paper}", ""] if paper and len(papers(results)) > 1 else []
        lines += _markdown_sections(part, folder)
    return "\n".join(lines)


def _markdown_sections(results: Sequence[Result], folder: Path | None) -> list[str]:
    lines = []
    for r in results:
        lines += [f"## {r.claim.source} — {label(r)}", "", f"$${r.claim.statement}$$", ""]
        if r.claim.hypotheses:
            lines += ["Hypotheses: " + "; ".join(r.claim.hypotheses) + ".", ""]
        if r.claim.correction:
            lines += [f"Correction: ${r.claim.correction}$", ""]
        for check in r.checks:
            lines.append(f"- **{check.verdict.value}** ({check.subject}) {check.name} — {check.evidence}")
        for figure in _drawn(r, folder):
            lines += ["", f"![{figure.caption}]({FIGURES}/{figure.name}.png)", "", f"*{figure.caption}*"]
        lines += ["", f"_checked in {r.seconds:.1f} s_", ""]
    return lines


def latex(results: Sequence[Result], folder: Path | None = None) -> str:
    """A standalone LaTeX document (pdflatex, packages of texlive-latex-base/-recommended only)."""
    rows = "\n".join(
        rf"\texttt{{{tex_text(r.claim.key)}}} & {tex_text(r.claim.source)} & {label(r)} & "
        rf"{r.corrected_verdict.value if r.corrected_verdict else '--'} & {r.seconds:.1f} \\" for r in results)
    counts = ", ".join(f"{n} {v}" for v, n in summary(results).items())
    body = "\n".join([
        rf"\section*{{{tex_text(_title(results))}}}",
        tex_text("Verdicts are about each statement as stated; where a statement holds only after a "
                 "correction, the verdict is REFUTED and the corrected statement is checked separately. "
                 "Conjectures get numerical evidence, never proof."), "",
        r"\begin{center}\small", r"\begin{tabularx}{\textwidth}{@{}l>{\raggedright\arraybackslash}Xlll@{}}",
        r"\toprule claim & source & verdict & corrected & seconds \\ \midrule", rows,
        r"\bottomrule", r"\end{tabularx}", r"\end{center}", f"Totals: {counts}.", "",
        *(_tex_part(paper, part, len(papers(results)) > 1, folder) for paper, part in _parts(results))])
    preamble = [r"\documentclass[11pt]{article}", r"\usepackage[utf8]{inputenc}",
                r"\usepackage[margin=2.2cm]{geometry}", r"\usepackage{amsmath,amssymb}",
                r"\usepackage{graphicx,booktabs,tabularx}", r"\usepackage[font=small]{caption}",
                r"\setlength{\emergencystretch}{3em}",                 r"\renewcommand{\labelitemi}{\ensuremath{\bullet}}",  # \textbullet is TS1: a bitmap font
                *_unicode_declarations(body)]
    return "\n".join([*preamble, r"\begin{document}", body, r"\end{document}", ""])


def _tex_part(paper, results: Sequence[Result], headed: bool, folder: Path | None) -> str:
    head = [rf"\section*{{{tex_text(str(paper))}}}"] if paper and headed else []
    return "\n".join([*head, *(_tex_section(r, folder) for r in results)])


def _tex_section(r: Result, folder: Path | None) -> str:
    lines = [rf"\subsection*{{{tex_text(r.claim.source)} --- {label(r)}}}",
             r"\begin{equation*}", r"\begin{gathered}", r.claim.statement, r"\end{gathered}", r"\end{equation*}"]
    if r.claim.hypotheses:
        lines.append(r"\noindent Hypotheses: " + tex_text("; ".join(r.claim.hypotheses)) + ".\n")
    if r.claim.correction:
        lines.append(rf"\noindent Correction: \(\displaystyle {r.claim.correction}\)" "\n")
    lines.append(r"\begin{itemize}\raggedright")  # long numbers in the evidence: no overfull lines
    for c in r.checks:
        formula = rf" \\ identity checked: \(\displaystyle {c.latex}\)" if c.latex and len(c.latex) < 160 else ""
        lines.append(rf"  \item \textbf{{{c.verdict.value}}} ({c.subject}) {tex_text(c.name)}{formula}"
                     "\n" rf"    \\ {{\small {tex_text(str(c.evidence))}}}")
    lines.append(r"\end{itemize}")
    for figure in _drawn(r, folder):
        lines += [r"\begin{center}", rf"\includegraphics[width=0.6\textwidth]{{{FIGURES}/{figure.name}.png}}",
                  rf"\captionof{{figure}}{{{tex_text(figure.caption)}}}", r"\end{center}"]
    lines.append(rf"\noindent{{\small\itshape checked in {r.seconds:.1f} s}}" "\n")
    return "\n".join(lines)


def to_json(results: Sequence[Result]) -> dict:
    return {"papers": [{"key": p.key, "citation": str(p)} for p in papers(results)],
            "summary": summary(results), "claims": [r.to_json() for r in results]}


def draw(result: Result, folder: str | Path) -> list[Path]:
    """Render a result's figures to ``folder/figures/NAME.png``; a figure that fails is reported on stderr
    and left out (the report never shows a figure it could not draw)."""
    directory = Path(folder) / FIGURES
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for figure in result.figures:
        path = directory / f"{figure.name}.png"
        path.unlink(missing_ok=True)
        try:
            picture, png = figure.draw(), io.BytesIO()
            picture.savefig(png, format="png", dpi=130, bbox_inches="tight")
            plt.close(picture)
            paths.append(write_atomic(path, png.getvalue()))
        except Exception as why:  # noqa: BLE001 — a broken picture must not lose the report
            print(f"figure {figure.name} of {result.claim.key} not drawn: {type(why).__name__}: {why}",
                  file=sys.stderr)
    return paths


def write(results: Sequence[Result], folder: str | Path, *, figures: bool = True,
          total: int | None = None) -> list[Path]:
    """Write report.md, report.tex and report.json into ``folder`` (created if needed), drawing the
    figures first unless ``figures=False`` (they were drawn with :func:`draw` as each result came in).

    With fewer results than ``total`` claims the report is partial: it goes to report.partial.md/.tex/.json,
    marked "partial: N of M claims", and a complete report already in ``folder`` stays untouched. Every
    file is written beside and renamed into place; a complete report removes the partial files."""
    folder = make_folder(folder)
    if figures:
        for result in results:
            draw(result, folder)
    partial = total is not None and len(results) < total
    record = to_json(results)
    md, tex = markdown(results, folder), latex(results, folder)
    if partial:
        note = f"partial: {len(results)} of {total} claims"
        record = {"partial": {"claims": len(results), "of": total}, **record}
        md = f"> **{note}** (the run stopped or is still running)\n\n{md}"
        tex = tex.replace("\\begin{document}\n", f"\\begin{{document}}\n\\noindent\\textbf{{{note}}}\\par\n", 1)
    stem = "report.partial" if partial else "report"
    outputs = {f"{stem}.md": md, f"{stem}.tex": tex, f"{stem}.json": json.dumps(record, indent=2)}
    paths = [write_atomic(folder / name, text) for name, text in outputs.items()]
    if not partial:
        for extension in ("md", "tex", "json"):
            (folder / f"report.partial.{extension}").unlink(missing_ok=True)
    return paths


def label(result: Result) -> str:
    """The verdict as shown: a conjecture's evidence supports it or finds a counter-example, never proves."""
    if result.claim.conjecture:
        return {Verdict.PROVEN: "SUPPORTED (evidence)", Verdict.REFUTED: "COUNTER-EXAMPLE FOUND",
                Verdict.UNDECIDED: "UNDECIDED (evidence)"}[result.verdict]
    return _BADGE[result.verdict]


def _drawn(result: Result, folder: Path | None):
    return [f for f in result.figures if folder and (Path(folder) / FIGURES / f"{f.name}.png").exists()]


# A run of characters with a superscript or subscript: non-space characters and {…} groups (which may hold
# spaces), e.g. "S^{d−1}", "e^{−‖θ − w‖²/2}", "θ_i", "(1 − r²)e^{−r²/2}" → "(1 − " + "r²)e^{−r²/2}".
_SCRIPTED = re.compile(r"(?:[^\s{}]|\{[^{}]*\})*[\^_](?:[^\s{}]|\{[^{}]*\})+")
# Computer Modern in OT1 has no <, >, |, ~, \, $ in text; the math fonts do (TS1 would need bitmap fonts).
_TEXT_ESCAPES = {"\\": r"\ensuremath{\backslash}", "&": r"\&", "%": r"\%", "$": r"\ensuremath{\$}", "#": r"\#",
                 "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\ensuremath{\sim}", "^": r"\^{}",
                 "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}",
                 "*": r"*\allowbreak{}"}  # break lines inside long SymPy output such as a*b*c
_MATH_ESCAPES = {"\\": r"\backslash ", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "~": r"\sim "}


def tex_text(text: str) -> str:
    """Plain Unicode text as LaTeX text: special characters escaped, scripted fragments set as math."""
    out, position = [], 0
    for match in _SCRIPTED.finditer(text):
        fragment = match.group().rstrip(",;:.")
        out.append(_escape(text[position:match.start()], _TEXT_ESCAPES))
        out.append(r"\ensuremath{" + _scripts(_escape(fragment, _MATH_ESCAPES)) + "}")
        position = match.start() + len(fragment)
    return "".join(out) + _escape(text[position:], _TEXT_ESCAPES)


def _scripts(math: str) -> str:
    """Plain-text scripts as TeX groups: e^(−|x|) → e^{−|x|}, x_ij → x_{ij} (TeX scripts one token only)."""
    math = re.sub(r"([\^_])\(([^()]*)\)", r"\1{\2}", math)
    return re.sub(r"([\^_])([A-Za-z0-9]+)", r"\1{\2}", math)


def _escape(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(char, char) for char in text)


# How each non-ASCII character of the claims' texts is typeset (in text and in math).
UNICODE = {
    "±": r"\pm", "·": r"\cdot", "×": r"\times", "½": r"\tfrac12", "′": r"'", "″": r"''",
    "Γ": r"\Gamma", "Δ": r"\Delta", "Λ": r"\Lambda", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi",
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\varepsilon", "η": r"\eta",
    "θ": r"\theta", "ϑ": r"\vartheta", "κ": r"\kappa", "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu",
    "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma", "τ": r"\tau", "φ": r"\varphi", "χ": r"\chi", "ψ": r"\psi",
    "ω": r"\omega", "ℂ": r"\mathbb{C}", "ℝ": r"\mathbb{R}",
    "‖": r"\|", "…": r"\ldots", "⋯": r"\cdots", "←": r"\leftarrow", "→": r"\to", "↔": r"\leftrightarrow",
    "↦": r"\mapsto", "∂": r"\partial", "∇": r"\nabla", "∈": r"\in", "∏": r"\prod", "∑": r"\sum",
    "−": "-", "∓": r"\mp", "√": r"\surd", "∞": r"\infty", "∫": r"\int", "≈": r"\approx", "≍": r"\asymp",
    "≠": r"\neq", "≡": r"\equiv", "≤": r"\leq", "≥": r"\geq", "⊆": r"\subseteq", "⊗": r"\otimes",
    "⊥": r"\perp", "⋆": r"\star", "⟨": r"\langle", "⟩": r"\rangle", "○": r"\circ", "●": r"\bullet",
    "✚": r"+", "ᵀ": r"^{\top}", "⁺": "^{+}", "⁻": "^{-}", "⁽": "^{(}", "⁾": "^{)}",
    **{sup: f"^{{{c}}}" for sup, c in zip("⁰¹²³⁴⁵⁶⁷⁸⁹ⁱⁿᵏᵐʲ", "0123456789inkmj")},
    **{sub: f"_{{{c}}}" for sub, c in zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖ", "0123456789ijk")},
}
_TEXT_UNICODE = {"–": r"\textendash{}", "—": r"\textemdash{}", "’": "'", "“": "``", "”": "''"}


def _unicode_declarations(body: str) -> list[str]:
    """\\DeclareUnicodeCharacter for every non-ASCII character of ``body``; an unknown one is shown by name."""
    declarations = []
    for char in sorted({c for c in body if ord(c) > 127}):
        if char in UNICODE:
            meaning = rf"\ensuremath{{{UNICODE[char]}}}"
        elif char in _TEXT_UNICODE:
            meaning = rf"\text{{{_TEXT_UNICODE[char]}}}"
        else:
            meaning = r"\text{\ttfamily[" + unicodedata.name(char, f"U+{ord(char):04X}").lower() + "]}"
        declarations.append(rf"\DeclareUnicodeCharacter{{{ord(char):04X}}}{{{meaning}}}")
    return declarations
