"""Section 5, Table 2: SGD on samples of random teacher networks of growing depth and width.

The paper trains a student on (x, f(x)), x ~ N(0, I_d), for a teacher f with
standard Gaussian weights, and states three observations: depth-2 networks are
learned (the error falls quickly to a small constant, more slowly for more
hidden nodes); deeper networks of large width are not learned; and at small
width more depth also keeps the error away from 0. Table 2 gives the test error
reached for depths 3, 5, 9, 17 and widths 5, 10, 20, 40 (data below); the paper
names neither the activation, nor d, nor how the error is normalised.

Our scaled-down reproduction (:func:`theory.teacher_student.sampled.depth_width_grid`): d = 10,
depths 2, 3, 5, 9, widths 5, 10, 20, ReLU and erf, student of the teacher's
architecture, online minibatch SGD (2·10⁴ steps of 64 fresh samples, η = 0.02)
instead of 10⁶ gradient-descent steps at η ≈ 10⁻⁵, weights N(0, 1/fan-in)
instead of N(0, 1) (so deep teachers neither explode nor saturate), and the
relative test error E(f̂ − f)²/Var f (1 = no better than a constant). An error
below 0.05 counts as learned; above it a run is *stuck* if its error fell by
less than 2 % over the last tenth of the steps, and otherwise still falling,
which decides nothing (UNDECIDED). Only under ``theory prove --experiments``.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import kendalltau

from theory.core.verdict import Evidence, Method, Verdict
from theory.paper.claims import Check, Claim
from theory.teacher_student.sampled import depth_width_grid

#: Table 2 of the paper: test error by (depth, width).
PAPER_TABLE_2 = {
    (3, 5): 0.0033, (3, 10): 0.0264, (3, 20): 0.1503, (3, 40): 0.2362,
    (5, 5): 0.0036, (5, 10): 0.0579, (5, 20): 0.2400, (5, 40): 0.4397,
    (9, 5): 0.0085, (9, 10): 0.1662, (9, 20): 0.4171, (9, 40): 0.6071,
    (17, 5): 0.0845, (17, 10): 0.3862, (17, 20): 0.4934, (17, 40): 0.5777,
}
SCALE = {"d": 10, "steps": 20_000, "batch": 64, "step_size": 0.02}
ACTIVATIONS, DEPTHS, WIDTHS = ("relu", "erf"), (2, 3, 5, 9), (5, 10, 20)
LEARNED = 0.05
#: A run whose error fell by less than this fraction over its last tenth has settled.
SETTLED = 0.02


def status(record: dict) -> str:
    """'learned' (error < LEARNED), 'stuck' (above it and settled) or 'falling' (above it and still
    falling: the step budget, not the network, decides)."""
    if record["test_error"] < LEARNED:
        return "learned"
    before, last = record["curve"][-2:]
    return "stuck" if record["diverged"] or before - last < SETTLED * before else "falling"


def side_by_side(records: list[dict]) -> str:
    """'depth×width ours (paper …)' for every cell, one line; ↓ marks an error still falling."""
    cells = []
    for r in records:
        paper = PAPER_TABLE_2.get((r["depth"], r["width"]))
        cells.append(f"{r['depth']}×{r['width']} {r['test_error']:.4f}"
                     + ("↓" if status(r) == "falling" else "") + (" (diverged)" if r["diverged"] else "")
                     + (f" (paper {paper})" if paper is not None else ""))
    return "; ".join(cells)


def _all_are(records: list[dict], wanted: str, opposite: str) -> Verdict:
    """PROVEN if every cell has status ``wanted``, REFUTED if one has ``opposite``, else UNDECIDED."""
    states = [status(r) for r in records]
    if states and all(s == wanted for s in states):
        return Verdict.PROVEN
    return Verdict.REFUTED if opposite in states else Verdict.UNDECIDED


def trend(records: list[dict], key: str, errors=None) -> tuple[float, float]:
    """Kendall's τ between ``key`` (depth or width) and the error over the cells with depth ≥ 3, and
    the one-sided p-value of τ > 0 (both nan when ``key`` is constant); ``errors`` replaces our
    errors, e.g. by the paper's."""
    deep = [r for r in records if r["depth"] >= 3]
    if len({r[key] for r in deep}) < 2:
        return float("nan"), float("nan")
    values = [r["test_error"] for r in deep] if errors is None else [errors(r) for r in deep]
    result = kendalltau([r[key] for r in deep], values, alternative="greater")
    return float(result.statistic), float(result.pvalue)


def paper_trend(records: list[dict], key: str) -> tuple[float, float]:
    """The same τ and p on the paper's Table 2, over our cells that the table has."""
    cells = [r for r in records if (r["depth"], r["width"]) in PAPER_TABLE_2]
    return trend(cells, key, lambda r: PAPER_TABLE_2[r["depth"], r["width"]])


def _grows(records: list[dict], key: str, spec: str) -> Check:
    """The error grows with ``key``: PROVEN when τ > 0 at one-sided level 5 %, REFUTED when τ < 0 at
    that level, UNDECIDED otherwise (no significant trend either way)."""
    (tau, p), (paper_tau, paper_p) = trend(records, key), paper_trend(records, key)
    verdict = Verdict.UNDECIDED if np.isnan(tau) or 0.05 <= p <= 0.95 else Verdict.from_bool(p < 0.05)
    return Check(f"the error grows with {key} ({spec}, depth ≥ 3)", verdict, Evidence(
        Method.EXPERIMENT, f"Kendall τ({key}, error) = {tau:.2f}, one-sided p = {p:.3f}; on the paper's "
        f"table over the same cells τ = {paper_tau:.2f}, p = {paper_p:.3f}"), "evidence")


def checks_of(spec: str, records: list[dict], scale: dict) -> list[Check]:
    """The observations of Section 5, judged on one activation's grid."""
    setting = (f"{spec}, d = {scale['d']}, {scale['steps']} SGD steps × {scale['batch']} samples, "
               f"η = {scale['step_size']}")
    shallow = [r for r in records if r["depth"] == 2]
    wide = [r for r in records if r["depth"] >= 3 and r["width"] == max(r["width"] for r in records)]
    matching = ", ".join(f"width {r['width']}: {r['matching_error']:.2f}" for r in shallow)
    return [
        Check(f"depth 2 is learned at every width ({setting})",
              _all_are(shallow, "learned", "stuck"),
              Evidence(Method.EXPERIMENT, f"relative test error by depth×width, ours (paper): "
                       f"{side_by_side(records)}; depth-2 neuron matching error {matching}",
                       {"records": records}), "evidence"),
        _grows(records, "depth", spec),
        _grows(records, "width", spec),
        Check(f"depth > 2 at the largest width is not learned ({spec})",
              _all_are(wide, "stuck", "learned"),
              Evidence(Method.EXPERIMENT, ", ".join(f"depth {r['depth']}: {r['test_error']:.4f} ({status(r)})"
                                                    for r in wide)),
              "evidence"),
    ]


def table_2(activations=ACTIVATIONS, depths=DEPTHS, widths=WIDTHS, scale=None) -> list[Check]:
    scale = scale or SCALE
    checks = []
    for spec in activations:
        checks += checks_of(spec, depth_width_grid(spec, depths, widths, seed=5, **scale), scale)
    return checks


CLAIMS = [Claim("sec5-table2", "Section 5, Table 2 (SGD on random teacher networks; scaled down)",
                r"\text{depth-2 networks are learned by gradient descent; deeper, wider ones are not}",
                check=table_2, conjecture=True, experiment=True,
                hypotheses=("x ~ N(0, I_d)", "teacher with Gaussian weights",
                            "student of the same architecture"))]
