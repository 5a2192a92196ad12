"""Sweep seeded runs of a teacher–student problem and count where they end.

relu: k teachers = k students = d inputs, teacher W* = I, unit output weights;
each run starts from a Xavier-normal student, descends the population loss,
is polished by Newton's method to --dps digits and classified (global minimum,
spurious local minimum, saddle, degenerate, not converged). Spurious minima are
grouped by loss and deduplicated up to a permutation of the students. Every
finished run is checkpointed in the results folder; give the same folder to
--resume to continue a killed sweep (a folder from another configuration is
refused). The folder also receives summary.json. A progress bar counts finished
runs on stderr when it is a terminal (not with --quiet or --json).

The same sweep runs on a Dask cluster with --backend dask: a LocalCluster of
--workers processes, or the cluster of a running scheduler given by --scheduler
(needs the cluster extra: pip install 'theory[cluster]'). The workers of such a
cluster must be allowed to start child processes (time-bounded symbolic steps
fork): start them with DASK_DISTRIBUTED__WORKER__DAEMON=False dask worker ADDRESS;
daemonic workers are refused. Every run uses one BLAS thread, whatever the backend.

--protocol picks how runs descend: default (step 0.5 on L = E(f − f̂)², each run
polished and classified) or ss18 (Safran & Shamir's released code: N(0, 1/d) start,
step 0.1 on L/2, stop when every neuron's gradient is below 1e-9 in their scaling,
halve the step on divergence; runs descended in batches, one polish per orbit).

Examples:
  theory sweep relu --k 6..10 --runs 1000 --protocol ss18
  theory sweep relu --k 6..8 --runs 30 --workers 2 --plot spurious.png
  theory sweep relu --k 6 --runs 10 --resume sweep-k6 --json
  theory sweep relu --k 9..10 --runs 12 --backend dask --scheduler tcp://10.0.0.5:8786

Exit codes: 0 done, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import tempfile

from ..core import validators as valid
from ..core.errors import InputError
from ..core.exitcodes import ExitCode
from ..core.files import make_folder, output_file
from ..dynamics.kinds import EquilibriumKind as Kind
from ..teacher_student.relu_sweep import K_MAX, Protocol, plot, sweep
from ..verification.executor import BACKENDS


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("problem", choices=("relu",), help="the teacher–student problem")
    parser.add_argument("--k", required=True, help=f"k = d, a number or a range A..B (2 ≤ k ≤ {K_MAX})")
    parser.add_argument("--runs", type=int, required=True, help="seeds per k")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (loky, or a Dask LocalCluster)")
    parser.add_argument("--backend", choices=BACKENDS, default="loky", help="joblib backend")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="a running Dask scheduler (with --backend dask)")
    parser.add_argument("--resume", metavar="DIR", help="results folder (created, or resumed)")
    parser.add_argument("--plot", metavar="FILE", help="save the spurious fraction against k")
    parser.add_argument("--dps", type=int, default=20, help="digits of the Newton polishing")
    parser.add_argument("--seconds", type=float, default=120.0, help="time budget of one run")
    parser.add_argument("--protocol", choices=[p.value for p in Protocol], default=Protocol.DEFAULT.value,
                        help="default (step 0.5, per-run polish) or ss18 (Safran & Shamir's code)")
    parser.add_argument("--certify", action="store_true",
                        help="certify one representative of every spurious family (ball arithmetic)")


def parse_range(text: str) -> list[int]:
    """``"6..10"`` → [6, 7, 8, 9, 10]; ``"7"`` → [7]."""
    first, dots, last = text.partition("..")
    try:
        low, high = int(first), int(last if dots else first)
    except ValueError as why:
        raise InputError(f"--k must be a number or a range like 6..10, got {text!r}") from why
    if high < low:
        raise InputError(f"--k range {text!r} is empty")
    low, high = (valid.count(k, "--k", 2, K_MAX) for k in (low, high))
    return list(range(low, high + 1))


def run(args: argparse.Namespace) -> int:
    if args.plot:
        output_file(args.plot, "--plot")
    folder = args.resume or tempfile.mkdtemp(prefix="theory-sweep-relu-")
    make_folder(folder)  # a file or an unwritable place is refused before the runs
    result = sweep(parse_range(args.k), args.runs, workers=args.workers, checkpoint=folder,
                   dps=args.dps, seconds=args.seconds, backend=args.backend, scheduler=args.scheduler,
                   progress=False if args.quiet or args.json else None, protocol=args.protocol,
                   certify=args.certify)
    if args.plot:
        plot(result["table"], args.plot)
    if args.json:
        print(json.dumps({"folder": folder, "config": result["config"], "table": result["table"]}, indent=2))
    else:
        _print(result["table"], folder, args.quiet)
    return ExitCode.OK


def _print(table: list[dict], folder: str, quiet: bool) -> None:
    print(f"{'k':>3} {'runs':>5} {'global':>7} {'spurious':>9} {'saddle':>7} {'other':>6}  "
          f"{'spurious % (95% Wilson)':<24} families: loss ×runs [orbit size, isotropy, λ_min]")
    for row in table:
        c = row["counts"]
        other = c[Kind.DEGENERATE] + c[Kind.NOT_CONVERGED]
        low, high = row["interval"]
        share = f"{100 * row['spurious_fraction']:.1f} ({100 * low:.1f}–{100 * high:.1f})"
        print(f"{row['k']:>3} {row['runs']:>5} {c[Kind.GLOBAL_MINIMUM]:>7} "
              f"{c[Kind.SPURIOUS_LOCAL_MINIMUM]:>9} {c[Kind.SADDLE]:>7} {other:>6}  {share:<24} "
              f"{_families(row['families'])}")
    if not quiet:
        print("λ_min: least Hessian eigenvalue of L = E(f − f̂)² (twice Safran & Shamir's scaling)")
        print(f"results: {folder}/summary.json (one checkpoint a run in {folder}/results)")


def _families(rows: list[dict]) -> str:
    return "; ".join(f"{f['loss']:.6g} ×{f['runs']} [{f['orbit_size']}, {f['isotropy']}, "
                     f"{f['lambda_min']:.3g}{_certified(f)}]" for f in rows) or "—"


def _certified(family: dict) -> str:
    """", certified r = …" for a proven family, ", NOT certified: …" for a refused one, "" if not asked."""
    cert = family.get("certificate")
    if cert is None:
        return ""
    return f", certified r = {cert['radius']:.0e}" if cert["proven"] else f", NOT certified: {cert['failed']}"
