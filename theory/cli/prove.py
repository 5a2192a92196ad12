"""Re-check the claims of the papers in theory.proofs and write a report.

Papers (--paper, default all): electrodynamics — Panigrahy, Rahimi, Sachdeva & Zhang
(arXiv 1702.00458, ITCS 2018); safran-lee — Safran & Lee (COLT 2022); zhang — Zhang,
Yu, Wang & Gu (AISTATS 2019).

Each claim is checked symbolically and numerically and gets a verdict
PROVEN / REFUTED / UNDECIDED about the statement as stated; corrected statements
are checked and reported beside it. The report (Markdown, LaTeX for pdflatex,
JSON, and the claims' figures in figures/) is complete or absent: while the run
goes on, report.partial.md/.tex/.json ("partial: N of M claims") keep what is
finished, so an interrupted run keeps its work and never replaces a complete
report with a partial one. A report folder in use by another run is refused.

--quick asks every claim for a cheaper check (fewer starts and steps, half the
digits); --dps sets the working precision of the claims that compute with
mpmath. A progress bar runs on stderr when it is a terminal (not with --quiet
or --json).

Examples:
  theory prove --report report/
  theory prove --quick
  theory prove --only table1 --json
  theory prove --paper zhang
  theory prove --list
"""

from __future__ import annotations

import argparse
import json
import sys

from tqdm import tqdm

from ..core import validators as valid
from ..core.exitcodes import ExitCode
from ..core.verdict import Verdict
from ..paper.claims import Settings
from ..paper.prove import claims, prove
from ..paper.report import check_finding, corrected_finding, label, summary, to_json
from ..proofs import PAPERS


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--report", metavar="DIR", help="write report.md, report.tex, report.json here")
    parser.add_argument("--paper", default="all", choices=("all", *(p.key for p in PAPERS)),
                        help="check the claims of one paper (default: all)")
    parser.add_argument("--only", metavar="PREFIX", action="append",
                        help="check only claims whose key starts with PREFIX (repeatable)")
    parser.add_argument("--experiments", action="store_true",
                        help="also run the slow experiments (Section 5 reproduction)")
    parser.add_argument("--quick", action="store_true",
                        help="cheaper checks: fewer starts and steps, half the digits (a smoke run)")
    parser.add_argument("--dps", type=int, metavar="N",
                        help="working precision in digits for claims that use mpmath "
                             "(default: each claim's own)")
    parser.add_argument("--list", action="store_true", help="list the claims and exit")


def run(args: argparse.Namespace) -> int:
    papers = None if args.paper == "all" else (args.paper,)
    if args.list:
        shown = None
        for claim in claims(args.only, experiments=args.experiments, papers=papers):
            if claim.paper is not shown:
                print(f"{'' if shown is None else chr(10)}{claim.paper}")
                shown = claim.paper
            print(f"  {claim.key:30} {claim.source}")
        return ExitCode.OK
    if args.dps is not None:
        valid.digits(args.dps, "--dps")
    settings = Settings(quick=args.quick, dps=args.dps)
    chosen = claims(args.only, experiments=args.experiments, papers=papers)
    silent = args.quiet or args.json or not sys.stderr.isatty()
    with tqdm(total=len(chosen), unit="claim", file=sys.stderr, disable=silent, leave=False) as bar:
        def progress(_number, _total, claim, result):
            if result is None:
                bar.set_postfix_str(claim.key)
            else:
                bar.update(1)

        results = prove(args.only, experiments=args.experiments, papers=papers, settings=settings,
                        report=args.report, progress=progress)
    if args.json:
        print(json.dumps(to_json(results), indent=2))
    else:
        _print(results, args)
    return _exit_code(results)


def _exit_code(results) -> ExitCode:
    """The verdict of the claims stated as fact; a check that crashed is a defect (4), reported on stderr."""
    crashed = [r for r in results if r.crashed]
    for r in crashed:
        print(f"theory prove: internal error: the check of {r.claim.key} raised {r.crashed} "
              "(a defect of theory, not a verdict; its traceback is in the report's JSON)", file=sys.stderr)
    verdict = Verdict.all(r.verdict for r in results if not r.claim.conjecture).exit_code
    return ExitCode.worst([verdict, *(ExitCode.INTERNAL for _ in crashed)])


def _print(results, args) -> None:
    width = max(len(r.claim.key) for r in results)
    for r in results:
        corrected = corrected_finding(r)
        print(f"{r.claim.key:{width}}  {label(r):13}"
              + (f"  corrected statement: {corrected.value}" if corrected else ""))
        if not args.quiet and r.verdict is not Verdict.PROVEN:
            for check in r.checks:
                print(f"{'':{width}}    {check_finding(check).value:13} {check.subject}: {check.name}")
    counts = summary(results)
    print("\n" + ", ".join(f"{n} {v}" for v, n in counts.items() if n)
          + (f"; report in {args.report}" if args.report else ""))
