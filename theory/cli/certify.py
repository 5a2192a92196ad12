"""Prove in ball arithmetic (python-flint arb) that a configuration is a strict minimum or a saddle.

The electrons (one a row, from --electrons FILE, a whitespace table) are polished
by Newton's method on the ball landscape's midpoints (unless --no-polish;
not with --symmetric), then Krawczyk's test with a Hessian
enclosure over a max-norm box proves exactly one critical point in it, and a ball
LDLᵀ of ∇²L − μI certifies the Morse index, λ_min and the clusters of the spectrum
(Sylvester's law of inertia). Ridge potentials on R^d, fixed charges a_i = −1.
A certificate that cannot be established names the inequality that failed.

Examples:
  theory certify relu --protons identity --electrons student.txt
  theory certify relu --protons identity --electrons tian3.txt --symmetric --expect saddle
  theory certify "erf(1/sqrt(2))" --protons identity --electrons collapsed.txt --symmetric --json

--symmetric: every electron is t·(1, …, 1) and the protons are permuted by the
coordinate permutations (W = I); uniqueness is proven on that fixed space.

Exit codes: 0 certified, 1 the expected kind is refuted, 2 usage error or not a
critical point, 3 not certified (the failed inequality is printed).
"""

from __future__ import annotations

import argparse
import json

import numpy as np

from ..core import validators as valid
from ..core.files import read_table
from ..dynamics.equilibrium import Protons, _potential
from ..dynamics.kinds import Claim
from ..dynamics.loss import Loss
from ..verification.certificate import Certificate, certify_point, refine, show


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("activation", help="activation name (relu, erf(1/sqrt(2)), …) or ridge:FORMULA")
    parser.add_argument("--electrons", required=True, metavar="FILE", help="one electron a row")
    parser.add_argument("--protons", default="identity", help="identity (= orthonormal, k = d) or a FILE")
    parser.add_argument("--expect", choices=list(Claim), help="the kind to prove (default: any)")
    parser.add_argument("--symmetric", action="store_true",
                        help="a collapsed point: prove on the fixed space")
    parser.add_argument("--no-polish", action="store_true", help="certify the electrons as given")


def run(args: argparse.Namespace) -> int:
    valid.text(args.activation, "activation")
    X = read_table(args.electrons, "--electrons")
    identity = Protons.find(args.protons) is Protons.ORTHONORMAL
    W = np.eye(X.shape[1]) if identity else read_table(args.protons, "--protons", " (or use identity)")
    phi = _potential(args.activation)
    loss = Loss(phi, W, manifold="euclidean")
    if not args.no_polish and not args.symmetric:
        X = refine(loss, X)
    cert = certify_point(loss, X, expect=args.expect, symmetric=args.symmetric)
    report(cert, args.json, args.quiet)
    return exit_code(cert)


def exit_code(cert: Certificate) -> int:
    """0 proven, 1 the claim is refuted, 2 not a critical point, 3 otherwise not certified."""
    if cert.proven:
        return 0
    return {"claim": 1, "gradient": 2}.get(cert.check, 3)


def report(cert: Certificate, as_json: bool, quiet: bool) -> None:
    if as_json:
        print(json.dumps(cert.to_json(), indent=2))
        return
    if quiet:
        print(cert.kind if cert.proven else f"refused: {cert.failed}")
        return
    print(f"certificate  {'PROVEN' if cert.proven else 'REFUSED'} ({cert.seconds:.2f} s)")
    if not cert.proven:
        print(f"failed       {cert.failed}")
        return
    print(f"kind         {cert.kind}, Morse index {cert.morse_index}")
    print(f"radius       {cert.radius:g} (max norm): exactly one critical point in the box")
    print(f"loss         {show(cert.loss, 16)}")
    print(f"λ_min        {show(cert.lambda_min, 16)}")
    print(f"‖∇L(x̃)‖      ≤ {float(cert.gradient_norm.upper()):.3g}")
    if cert.clusters:
        shown = ", ".join(f"{m} in ({lo:.6g}, {hi:.6g})" for lo, hi, m in cert.clusters[:8])
        print(f"spectrum     {shown}{' …' if len(cert.clusters) > 8 else ''}")
    print(f"zero modes   {cert.zero_modes}")
