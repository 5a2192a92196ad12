"""Reports of checked claims: Markdown, LaTeX and JSON, with the claims' figures.

:func:`write` puts ``report.md``, ``report.tex`` (compiles with pdflatex) and
``report.json`` in a folder, and the figures the checks ask for in
``figures/NAME.png``. The first page holds the title, how the claims were
checked, the vocabulary (:class:`Finding`, defined once in :data:`VOCABULARY` and
used in Markdown, LaTeX and JSON alike), the table of all claims and the exit
status. Statements are LaTeX and break across lines (:func:`display`). Text from
the claims is Unicode (θ, ‖θ − w‖, S^{d−1}) with SymPy's text form of formulas in
it; :func:`tex_text` reads those formulas back (:mod:`theory.core.parsing`) and
typesets them with the house printer, sets ``x^{…}`` and ``x_i`` fragments as
math, and gives each non-ASCII character a ``\\DeclareUnicodeCharacter``.

>>> tex_text("Φ on S^{d−1} & R^d: sqrt(2)*t**2 on Interval.open(sqrt(3), oo)")
'Φ on \\\\ensuremath{S^{d−1}} \\\\& \\\\ensuremath{R^{d}}: \\\\ensuremath{\\\\sqrt{2} t^{2}} on \\\\ensuremath{\\\\left(\\\\sqrt{3}, \\\\infty\\\\right)}'
"""  # noqa: E501 - doctest output is verbatim

from __future__ import annotations

import enum
import io
import json
import re
import struct
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import sympy as sp

from ..core.errors import InputError
from ..core.files import make_folder, write_atomic
from ..core.latex import latex as house_latex
from ..core.parsing import parse_expression
from ..core.verdict import Method, Verdict
from .claims import Check, Result, Subject

FIGURES = "figures"


class Finding(enum.Enum):
    """The report's vocabulary, one word per outcome; :data:`VOCABULARY` defines each."""

    PROVEN = "PROVEN"
    REFUTED = "REFUTED"
    SUPPORTED = "SUPPORTED"
    NOT_SUPPORTED = "NOT SUPPORTED"
    UNDECIDED = "UNDECIDED"


VOCABULARY = {
    Finding.PROVEN: "the statement holds, by exact algebra or certified (ball) arithmetic (experiments "
                    "reported beside it agree)",
    Finding.REFUTED: "the statement fails, by a certified counter-example or exact algebra",
    Finding.SUPPORTED: "every experiment or high-precision computation agrees with the statement, and no "
                       "certified check covers it (evidence, not proof; its strength, runs and tolerances, "
                       "is given with it)",
    Finding.NOT_SUPPORTED: "an experiment disagrees with the statement, without a certified counter-example",
    Finding.UNDECIDED: "nothing was decided; the reason is given",
}
#: Methods whose outcome is certified: they may make a finding PROVEN or REFUTED.
CERTIFIED = frozenset({Method.EXACT, Method.INTERVAL, Method.COUNTEREXAMPLE})


def papers(results: Sequence[Result]) -> list:
    """The papers of ``results``, in the order their claims come."""
    return list(dict.fromkeys(r.claim.paper for r in results if r.claim.paper))


def _title(results: Sequence[Result]) -> str:
    """The one paper's citation, or the number of papers (the table names each)."""
    cited = papers(results)
    if not cited:
        return "Claims"
    return f"Claims of {cited[0]}" if len(cited) == 1 else f"Claims of {len(cited)} papers"


def _parts(results: Sequence[Result]):
    """(paper or None, its results) in order: one part a paper."""
    for paper in [*papers(results), None]:
        part = [r for r in results if r.claim.paper is paper]
        if part:
            yield paper, part


def check_finding(check: Check) -> Finding:
    """PROVEN/REFUTED for a certified check, SUPPORTED/NOT SUPPORTED for an experimental one."""
    if check.verdict is Verdict.UNDECIDED:
        return Finding.UNDECIDED
    certified = check.evidence.method in CERTIFIED
    if check.verdict is Verdict.PROVEN:
        return Finding.PROVEN if certified else Finding.SUPPORTED
    return Finding.REFUTED if certified else Finding.NOT_SUPPORTED


def _combined(checks: Sequence[Check]) -> Finding:
    """The checks' conjunction: any failure decides (certified: REFUTED, else NOT SUPPORTED), then any
    UNDECIDED; passing checks give PROVEN when one of them is certified, else SUPPORTED."""
    findings = {check_finding(c) for c in checks}
    for finding in (Finding.REFUTED, Finding.NOT_SUPPORTED, Finding.UNDECIDED, Finding.PROVEN,
                    Finding.SUPPORTED):
        if finding in findings:
            return finding
    return Finding.UNDECIDED


def finding(result: Result) -> Finding:
    """The claim's finding from the checks that decide it (the statement as stated)."""
    return _combined(result.deciding)


def corrected_finding(result: Result) -> Finding | None:
    """The corrected statement's finding, only where the statement as given was not established."""
    corrected = [c for c in result.checks if c.subject is Subject.CORRECTED]
    if not corrected or finding(result) in (Finding.PROVEN, Finding.SUPPORTED):
        return None
    return _combined(corrected)


def label(result: Result) -> str:
    """The finding as printed (:class:`Finding`)."""
    return finding(result).value


def summary(results: Sequence[Result]) -> dict[str, int]:
    """How many claims have each finding."""
    counts = {f.value: 0 for f in Finding}
    for result in results:
        counts[finding(result).value] += 1
    return counts


def exit_status(results: Sequence[Result]) -> tuple[int, str]:
    """``theory prove``'s exit status for these results and what it means (conjectures do not count)."""
    verdict = Verdict.all(r.verdict for r in results if not r.claim.conjecture)
    meaning = {Verdict.PROVEN: "no theorem was refuted or left undecided",
               Verdict.REFUTED:
                   "at least one theorem was refuted (this takes precedence over undecided ones)",
               Verdict.UNDECIDED: "no theorem was refuted, at least one was left undecided"}[verdict]
    return verdict.exit_code, meaning


def _subject(result: Result, check: Check) -> str:
    if check.subject is not Subject.CORRECTED:
        return ""
    return "corrected statement" if corrected_finding(result) else "beyond the statement"


def _method_paragraph() -> list[str]:
    methods = ", ".join(m.value for m in Method if m in CERTIFIED)
    return [f"Each claim is re-derived symbolically with SymPy and checked independently at high precision "
            f"(mpmath); certified methods are {methods} (python-flint ball arithmetic). "
            "Verdicts are about each statement as given; where it fails, a corrected statement is checked "
            "and reported beside it."]


def markdown(results: Sequence[Result], folder: Path | None = None) -> str:
    """The report in Markdown; figures already saved under ``folder/figures`` are shown."""
    code, meaning = exit_status(results)
    headed = len(papers(results)) > 1
    lines = [f"# {_title(results)}", "", *_method_paragraph(), "",
             *(f"- **{f.value}**: {text}" for f, text in VOCABULARY.items()), "",
             "| claim | source | finding | corrected statement | seconds |", "|---|---|---|---|---|"]
    for paper, part in _parts(results):
        lines += [f"| **{paper or 'other claims'}** | | | | |"] if headed else []
        for r in part:
            corrected = corrected_finding(r)
            lines.append(f"| `{r.claim.key}` | {r.claim.source} | {label(r)} | "
                         f"{corrected.value if corrected else ''} | {r.seconds:.1f} |")
    counts = summary(results)
    lines += ["", "Totals: " + ", ".join(f"{n} {v}" for v, n in counts.items() if n) + ".", "",
              f"Exit status {code}: {meaning}.", ""]
    for paper, part in _parts(results):
        lines += [f"# {paper or 'Other claims'}", ""] if headed else []
        lines += _markdown_sections(part, folder)
    return "\n".join(lines)


def _markdown_sections(results: Sequence[Result], folder: Path | None) -> list[str]:
    lines = []
    for r in results:
        lines += [f"## {r.claim.source} — {label(r)}", "", f"$${r.claim.statement}$$", ""]
        if r.claim.hypotheses:
            lines += ["Hypotheses: " + "; ".join(r.claim.hypotheses) + ".", ""]
        if r.claim.correction and corrected_finding(r):
            lines += [f"Correction: ${r.claim.correction}$", ""]
        for check in r.checks:
            subject = _subject(r, check)
            lines.append(f"- **{check_finding(check).value}**{f' ({subject})' if subject else ''} "
                         f"{check.name} — {check.evidence}")
            if check.latex and check.verdict is not Verdict.UNDECIDED:
                lines.append(f"  $${_identity(check)}$$")
        for figure in _drawn(r, folder):
            lines += ["", f"![{figure.caption}]({FIGURES}/{figure.name}.png)", "", f"*{figure.caption}*"]
        lines += ["", f"_checked in {r.seconds:.1f} s_", ""]
    return lines


def _identity(check: Check) -> str:
    """The identity a check is about: ``=`` where it holds, ``\\neq`` where it was refuted."""
    if check.verdict is Verdict.REFUTED:
        return check.latex.replace(" = ", r" \neq ", 1)
    return check.latex


def latex(results: Sequence[Result], folder: Path | None = None) -> str:
    """A standalone LaTeX document (pdflatex, packages of texlive-latex-base/-recommended only)."""
    headed = len(papers(results)) > 1
    tables = "\n".join(_tex_table(paper, part, headed) for paper, part in _parts(results))
    counts = ", ".join(f"{n} {v}" for v, n in summary(results).items() if n)
    code, meaning = exit_status(results)
    vocabulary = "\n".join(rf"  \item[{f.value}] {tex_text(text)}" for f, text in VOCABULARY.items())
    body = "\n".join([
        r"\begin{center}{\large\bfseries " + tex_text(_title(results).replace("*", "")) + r"}\end{center}",
        r"{\small\noindent " + tex_text(_method_paragraph()[0]) + "}",
        r"\begin{description}\setlength{\itemsep}{0pt}\setlength{\parskip}{0pt}\footnotesize", vocabulary,
        r"\end{description}",
        rf"\noindent Totals: {counts}. \textbf{{Exit status {code}}}: {tex_text(meaning)}.",
        tables, r"\clearpage",
        *(_tex_part(paper, part, headed, folder) for paper, part in _parts(results))])
    return standalone(body)


def _tex_table(paper, results: Sequence[Result], headed: bool) -> str:
    """One paper's summary table (its name and totals above it when the report has several papers)."""
    counts = ", ".join(f"{n} {v}" for v, n in summary(results).items() if n)
    head = [rf"{{\raggedright\itshape {tex_text(str(paper or 'other claims'))}}}: {counts}.\par"] \
        if headed else []
    rows = (rf"{{\scriptsize\texttt{{{tex_text(r.claim.key)}}}}} & {tex_text(r.claim.source)} & {label(r)} & "
            rf"{corrected.value if (corrected := corrected_finding(r)) else ''} & {r.seconds:.1f} \\"
            for r in results)
    # heading and table: one page
    return "\n".join([r"\par\medskip\noindent\begin{minipage}{\textwidth}", *head,
                      r"\smallskip\footnotesize\setlength{\tabcolsep}{4pt}",
                      r"\begin{tabularx}{\textwidth}{@{}l>{\raggedright\arraybackslash}Xllr@{}}",
                      r"\toprule claim & source & finding & corrected & s \\ \midrule", *rows,
                      r"\bottomrule", r"\end{tabularx}", r"\end{minipage}\par\medskip"])


def _tex_part(paper, results: Sequence[Result], headed: bool, folder: Path | None) -> str:
    head = [r"\clearpage", rf"\section*{{{tex_text(str(paper or 'Other claims'))}}}"] if headed else []
    return "\n".join([*head, *(_tex_section(r, folder) for r in results)])


def standalone(body: str) -> str:
    """``body`` as a document of its own (pdflatex, packages of texlive-latex-base/-recommended only),
    with a ``\\DeclareUnicodeCharacter`` for each non-ASCII character in it."""
    preamble = [r"\documentclass[11pt]{article}", r"\usepackage[utf8]{inputenc}",
                r"\usepackage[margin=2.2cm,top=1.8cm]{geometry}", r"\usepackage{amsmath,amssymb}",
                r"\usepackage{graphicx,booktabs,tabularx}", r"\usepackage[font=small]{caption}",
                r"\setlength{\emergencystretch}{3em}", r"\setlength{\parindent}{0pt}",
                r"\renewcommand{\labelitemi}{\ensuremath{\bullet}}",  # \textbullet is TS1: a bitmap font
                *_unicode_declarations(body)]
    return "\n".join([*preamble, r"\begin{document}", body, r"\end{document}", ""])


def _tex_section(r: Result, folder: Path | None) -> str:
    lines = [rf"\subsection*{{{tex_text(r.claim.source)} --- {label(r)}}}", display(r.claim.statement)]
    if r.claim.hypotheses:
        lines.append(r"\noindent Hypotheses: " + tex_text("; ".join(r.claim.hypotheses)) + ".\n")
    if r.claim.correction and corrected_finding(r):
        lines.append(r"\noindent Correction: " + display(r.claim.correction, inline=True) + "\n")
    lines.append(r"\begin{itemize}\raggedright")  # long numbers in the evidence: no overfull lines
    for c in r.checks:
        subject = _subject(r, c)
        head = rf"\textbf{{{check_finding(c).value}}}" + (f" ({subject})" if subject else "")
        formula = ""
        if c.latex and c.verdict is not Verdict.UNDECIDED:
            formula = r"\\ " + display(_identity(c), inline=True)
        lines.append(rf"  \item {head} {tex_text(c.name)}{formula}"
                     "\n" rf"    \\ {{\small {tex_text(str(c.evidence))}}}")
    lines.append(r"\end{itemize}")
    for figure in _drawn(r, folder):
        width = _figure_width(Path(folder) / FIGURES / f"{figure.name}.png")
        lines += [r"\begin{center}",
                  rf"\includegraphics[width={width:.2f}\textwidth]{{{FIGURES}/{figure.name}.png}}",
                  rf"\captionof{{figure}}{{{tex_text(figure.caption)}}}", r"\end{center}"]
    lines.append(rf"\noindent{{\small\itshape checked in {r.seconds:.1f} s}}" "\n")
    return "\n".join(lines)


def display(formula: str, *, inline: bool = False) -> str:
    """A formula that breaks across lines: its top-level ``\\text{…}`` pieces become running text and the
    math between them inline ``\\displaystyle`` math, which TeX breaks after relations and operators."""
    pieces = []
    for is_text, piece in _text_pieces(formula):
        if is_text:
            pieces.append(piece)
        elif piece.strip():
            pieces.append(r"\(\displaystyle " + piece.replace(r",\ ", r",\allowbreak\ ") + r"\)")
    body = "".join(pieces)
    if inline:
        return body
    return r"\begin{center}\begin{minipage}{0.94\textwidth}\centering " + body + r"\end{minipage}\end{center}"


def _text_pieces(formula: str):
    """Split LaTeX math at its top-level ``\\text{…}`` groups: (False, math), (True, text), …"""
    out, depth, position, index = [], 0, 0, 0
    while index < len(formula):
        if formula.startswith(r"\text{", index) and depth == 0:
            close = _closing(formula, index + len(r"\text{") - 1)
            out += [(False, formula[position:index]), (True, formula[index + 6:close])]
            index = position = close + 1
            continue
        if formula.startswith(r"\left", index) or formula[index] == "{":
            depth += 1
        elif formula.startswith(r"\right", index) or formula[index] == "}":
            depth -= 1
        escaped = formula[index] == "\\" and index + 1 < len(formula) and not formula[index + 1].isalpha()
        index += 2 if escaped else 1
    return [*out, (False, formula[position:])]


def _closing(text: str, opening: int) -> int:
    """The index of the brace that closes the one at ``opening`` (``\\{`` and ``\\}`` are escaped)."""
    depth, index = 0, opening
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        depth += {"{": 1, "}": -1}.get(text[index], 0)
        if depth == 0:
            return index
        index += 1
    raise ValueError(f"unbalanced braces in {text!r}")


def to_json(results: Sequence[Result]) -> dict:
    """The report as JSON: each claim's ``finding`` (and ``corrected_finding``) in the report's vocabulary
    beside the three-valued ``verdict``; ``vocabulary`` defines the words."""
    code, meaning = exit_status(results)
    return {"papers": [{"key": p.key, "citation": str(p)} for p in papers(results)],
            "vocabulary": {f.value: text for f, text in VOCABULARY.items()},
            "summary": summary(results), "exit_status": {"code": code, "meaning": meaning},
            "claims": [_claim_json(r) for r in results]}


def _claim_json(result: Result) -> dict:
    corrected = corrected_finding(result)
    data = result.to_json()
    data.update(finding=finding(result).value, corrected_finding=corrected.value if corrected else None)
    for check, entry in zip(result.checks, data["checks"], strict=True):
        entry["finding"] = check_finding(check).value
    return data


def draw(result: Result, folder: str | Path) -> list[Path]:
    """Render a result's figures to ``folder/figures/NAME.png``; a figure that fails is reported on stderr
    and left out (the report never shows a figure it could not draw)."""
    import matplotlib.pyplot as plt  # only when figures are drawn: `theory prove --help` stays light

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
        except Exception as why:  # a broken picture must not lose the report
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
        heading = f"\\begin{{document}}\n\\noindent\\textbf{{{note}}}\\par\n"
        tex = tex.replace("\\begin{document}\n", heading, 1)
    stem = "report.partial" if partial else "report"
    outputs = {f"{stem}.md": md, f"{stem}.tex": tex, f"{stem}.json": json.dumps(record, indent=2)}
    paths = [write_atomic(folder / name, text) for name, text in outputs.items()]
    if not partial:
        for extension in ("md", "tex", "json"):
            (folder / f"report.partial.{extension}").unlink(missing_ok=True)
    return paths


def _figure_width(png: Path) -> float:
    """The share of the text width for a figure: 0.6 for one panel, more for a wide one (width/height
    above 1.5, e.g. a row of panels), up to the whole width; the size is read from the PNG header."""
    with png.open("rb") as image:
        width, height = struct.unpack(">II", image.read(24)[16:24])
    return min(1.0, max(0.6, 0.4 * width / height))


def _drawn(result: Result, folder: Path | None):
    return [f for f in result.figures if folder and (Path(folder) / FIGURES / f"{f.name}.png").exists()]


# A run of characters with a superscript or subscript: non-space characters and {…} groups (which may hold
# spaces), e.g. "S^{d−1}", "e^{−‖θ − w‖²/2}", "θ_i", "(1 − r²)e^{−r²/2}" → "(1 − " + "r²)e^{−r²/2}".
_SCRIPTED = re.compile(r"(?:[^\s{}]|\{[^{}]*\})*[\^_](?:[^\s{}]|\{[^{}]*\})+")
# Computer Modern in OT1 has no <, >, |, ~, \, $ in text; the math fonts do (TS1 would need bitmap fonts).
_TEXT_ESCAPES = {"\\": r"\ensuremath{\backslash}", "&": r"\&", "%": r"\%", "$": r"\ensuremath{\$}",
                 "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\ensuremath{\sim}", "^": r"\^{}",
                 "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}",
                 "*": r"*\allowbreak{}"}  # break lines inside long SymPy output such as a*b*c
_MATH_ESCAPES = {"\\": r"\backslash ", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "~": r"\sim "}


def tex_text(text: str) -> str:
    """Plain Unicode text as LaTeX text: formulas SymPy printed as text (``sqrt(2)*t**2``,
    ``Interval.open(sqrt(3), oo)``) read back and typeset by the house printer, scripted
    fragments set as math, special characters escaped."""
    formulas: list[str] = []

    def hold(tex: str) -> str:
        formulas.append(tex)
        return chr(_HELD + len(formulas) - 1)

    text = _COMBINING_HAT.sub(lambda m: hold(rf"\ensuremath{{\hat{{{m.group(1)}}}}}"), text)
    text = _sympy_formulas(text, hold).replace("+/-", "±")
    text = re.sub(r"\b(oo|rho|theta|EmptySet)\b", lambda m: _PROSE_NAMES[m.group()], text)
    out, position = [], 0
    for match in _SCRIPTED.finditer(text):
        fragment = match.group().rstrip(",;:.")
        out.append(_escape(text[position:match.start()], _TEXT_ESCAPES))
        out.append(r"\ensuremath{" + _scripts(_escape(fragment, _MATH_ESCAPES)) + "}")
        position = match.start() + len(fragment)
    tex = "".join(out) + _escape(text[position:], _TEXT_ESCAPES)
    return re.sub(f"[{chr(_HELD)}-{chr(_HELD + 4095)}]", lambda m: formulas[ord(m.group()) - _HELD], tex)


_PROSE_NAMES = {"oo": "∞", "rho": "ρ", "theta": "θ", "EmptySet": "∅"}  # SymPy's names in running text
_HELD = 0xF0000  # private-use characters hold typeset formulas while the rest of the text is escaped
_COMBINING_HAT = re.compile("(\\w)\u0302")
_INTERVAL = re.compile(r"Interval(?:\.(open|Lopen|Ropen))?\(")
_GREEK = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "kappa", "lambda", "mu", "nu",
          "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"]
#: Names SymPy prints for symbols: a letter with digits, a Greek name with digits, the house names.
_SYMBOL_NAME = re.compile(rf"(?:[A-Za-z]|{'|'.join(_GREEK)}|na|nb|dot|oo)_?\d*")
_FORMULA_CHARS = re.compile(r"[\w.*/+\-(), ]")
_CALL = re.compile(r"\b(?:sqrt|exp|log|Abs|besselk|erf|sign|acos|asin|atan|cos|sin|gamma)\(")


def _sympy_formulas(text: str, hold) -> str:
    """Replace SymPy's text form of expressions and intervals by held house LaTeX."""
    out, index = [], 0
    while index < len(text):
        interval = _INTERVAL.match(text, index) if text[index] == "I" else None
        found = _interval(text, interval) if interval else None
        found = found or (_expression(text, index) if _starts_formula(text, index) else None)
        if found is None:
            out.append(text[index])
            index += 1
            continue
        end, expr = found
        out.append(hold(r"\ensuremath{" + house_latex(expr) + "}"))
        index = end
    return "".join(out)


def _starts_formula(text: str, index: int) -> bool:
    return (text[index].isalnum() or text[index] in "(-") and (index == 0 or not text[index - 1].isalnum())


def _expression(text: str, start: int):
    """The longest SymPy expression text at ``start`` that has a product, power or call, read back."""
    end = start
    while end < len(text) and _FORMULA_CHARS.match(text[end]):
        end += 1
    candidate = text[start:end]
    if "*" not in candidate and not _CALL.search(candidate):
        return None
    for stop in sorted({m.start() for m in re.finditer(r"(?=\s)|$", candidate)}, reverse=True):
        piece = candidate[:stop].rstrip(" .,")
        if ("*" in piece or _CALL.search(piece)) and piece.count("(") == piece.count(")"):
            expr = _read(piece)
            if expr is not None:
                return start + len(piece), expr
    return None


def _interval(text: str, match: re.Match):
    """``Interval(a, b)``, ``Interval.open(a, b)`` … at ``match`` as a SymPy interval."""
    depth, end = 1, match.end()
    while end < len(text) and depth:
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        end += 1
    ends = [_read(part.strip()) for part in text[match.end():end - 1].split(",")]
    if depth or len(ends) != 2 or None in ends:
        return None
    left, right = {"open": (True, True), "Lopen": (True, False), "Ropen": (False, True)}.get(
        match.group(1), (False, False))
    return end, sp.Interval(*ends, left_open=left, right_open=right)


def _read(piece: str):
    """``piece`` read by the project's parser with its names as plain symbols; ``None`` if it
    is no formula."""
    names = {name: sp.Symbol(name) for name in re.findall(r"[A-Za-z_]\w*\b(?!\()", piece)}
    if not all(_SYMBOL_NAME.fullmatch(name) for name in names):
        return None  # an English word ("of", "at") is no symbol
    names |= {"oo": sp.oo, "pi": sp.pi}
    try:
        return parse_expression(piece, names)
    except InputError:
        return None


def _scripts(math: str) -> str:
    """Plain-text scripts as TeX groups: e^(3(ρ−1)) → e^{3(ρ−1)}, x_ij → x_{ij} (TeX scripts one token)."""
    out, index = [], 0
    while index < len(math):
        if math[index] in "^_" and math[index + 1:index + 2] == "(":
            depth, end = 1, index + 2
            while end < len(math) and depth:
                depth += {"(": 1, ")": -1}.get(math[end], 0)
                end += 1
            if depth == 0:
                out.append(math[index] + "{" + math[index + 2:end - 1] + "}")
                index = end
                continue
        out.append(math[index])
        index += 1
    return re.sub(r"([\^_])([A-Za-z0-9]+)", r"\1{\2}", "".join(out))


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
    "↦": r"\mapsto", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "⇐": r"\Leftarrow", "≪": r"\ll",
    "≫": r"\gg", "∉": r"\notin", "⊂": r"\subset", "∪": r"\cup", "∩": r"\cap", "∖": r"\setminus",
    "∘": r"\circ", "∼": r"\sim", "⊤": r"\top", "ℓ": r"\ell", "∀": r"\forall",
    "∃": r"\exists", "ξ": r"\xi", "ζ": r"\zeta", "Ω": r"\Omega", "Ψ": r"\Psi", "Θ": r"\Theta",
    "∅": r"\emptyset", "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "ℚ": r"\mathbb{Q}", "↑": r"\uparrow",
    "↓": r"\downarrow", "∂": r"\partial", "∇": r"\nabla", "∈": r"\in", "∏": r"\prod", "∑": r"\sum",
    "−": "-", "∓": r"\mp", "√": r"\surd", "∞": r"\infty", "∫": r"\int", "≈": r"\approx", "≍": r"\asymp",
    "≠": r"\neq", "≡": r"\equiv", "∝": r"\propto", "≤": r"\leq", "≥": r"\geq", "⊆": r"\subseteq",
    "⊗": r"\otimes",
    "⊥": r"\perp", "⋆": r"\star", "⟨": r"\langle", "⟩": r"\rangle", "○": r"\circ", "●": r"\bullet",
    "✚": r"+", "ᵀ": r"^{\top}", "⁺": "^{+}", "⁻": "^{-}", "⁽": "^{(}", "⁾": "^{)}",
    **{sup: f"^{{{c}}}" for sup, c in zip("⁰¹²³⁴⁵⁶⁷⁸⁹ⁱⁿᵏᵐʲ", "0123456789inkmj", strict=True)},
    **{sub: f"_{{{c}}}" for sub, c in zip("₀₁₂₃₄₅₆₇₈₉ᵢⱼₖ", "0123456789ijk", strict=True)},
}
_TEXT_UNICODE = {"–": r"\textendash{}", "—": r"\textemdash{}", "’": "'", "“": "``", "”": "''"}


def _unicode_declarations(body: str) -> list[str]:
    """\\DeclareUnicodeCharacter for every non-ASCII character of ``body``; one without a TeX meaning
    is printed as a query mark and named on stderr (never spelled out in the document)."""
    declarations = []
    for char in sorted({c for c in body if ord(c) > 127}):
        if char in UNICODE:
            meaning = rf"\ensuremath{{{UNICODE[char]}}}"
        elif char in _TEXT_UNICODE:
            meaning = rf"\text{{{_TEXT_UNICODE[char]}}}"
        else:
            name = unicodedata.name(char, "no name").lower()
            print(f"report: no TeX for U+{ord(char):04X} ({name}); printed as ?", file=sys.stderr)
            meaning = "?"
        declarations.append(rf"\DeclareUnicodeCharacter{{{ord(char):04X}}}{{{meaning}}}")
    return declarations
