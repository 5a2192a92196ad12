"""The whole pipeline for one activation: derive, classify, predict, confirm.

:func:`verify` derives Φ, classifies it (:mod:`theory.conditions.classify`), turns the
classification into a prediction that names the result it rests on, runs
seeded starts of the dynamics (:mod:`theory.dynamics.equilibrium`, in parallel through
:mod:`theory.verification.executor`) and compares.

Which prediction a class earns is a paper's knowledge: a :class:`Predictions` table,
by default the electrodynamics paper's
(:data:`theory.proofs.electrodynamics.predictions.TABLE`, whose module shows it). Each
prediction has a :class:`Rule`: what it forbids at an end point, and which hypothesis
to suspect when an end point breaks it. With free output weights
(``charges="optimal"``) the dynamics runs on the reduced loss ℓ(θ) = min_a L(a, θ)
(a = a*(θ) throughout) and end points are classified by the Hessian of ℓ; an end point
where an electron is switched off (a_i* ≈ 0) or two electrons merged is counted apart
(the hypotheses of the table's free-weight result), never as a counter-example.

A run whose loss falls below 0 contradicts every prediction that rests on
L = E(f − f̂)² ≥ 0 (realizability). The outcome is CONFIRMED, CONTRADICTED,
NO PREDICTION or UNDECIDED (no start reached a critical point).

>>> v = verify("radial:exp(-r^2/2)", manifold="euclidean", d=2, k=1, starts=2, dps=20)
>>> v.prediction.theorem, v.outcome.value, v.matched
('Theorem 3.6 (region-restricted)', 'CONFIRMED', 2)
"""

from __future__ import annotations

import enum
import json
import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..conditions.classify import Classification, classify
from ..core import validators as valid
from ..core.choices import Choice
from ..core.errors import InputError, TheoryError
from ..core.exitcodes import ExitCode
from ..core.files import make_folder, write_atomic
from ..core.latex import Typeset, readable
from ..core.latex import latex as house_latex
from ..dynamics.charges import FIXED, Fixed, Optimal, charge_policy
from ..dynamics.equilibrium import _potential, simulate
from ..dynamics.flow import Algorithm, work_budget
from ..dynamics.kinds import MINIMA, STOPS, EquilibriumKind
from ..dynamics.loss import kernel
from ..dynamics.matching import distances
from ..potentials.manifolds import Manifold
from ..potentials.manifolds import manifold as manifold_named
from ..potentials.potential import Potential
from .executor import check_engine, run_all

#: A loss below −NEGATIVE (float64) is taken as L < 0, not rounding.
NEGATIVE = 1e-9

#: The hypothesis to suspect when the loss falls below 0.
REALIZABLE = "Φ is realizable: L = E(f − f̂)² ≥ 0 (Φ a positive-definite kernel)"
#: The hypothesis to suspect when a prediction of :attr:`Rule.GLOBAL` is broken.
SMOOTH = "sup‖∇²Φ‖ ≤ B (Φ twice differentiable with a bounded Hessian)"


class Outcome(enum.Enum):
    CONFIRMED = "CONFIRMED"
    CONTRADICTED = "CONTRADICTED"
    NO_PREDICTION = "NO PREDICTION"
    UNDECIDED = "UNDECIDED"

    @property
    def exit_code(self) -> ExitCode:
        """0 confirmed, 1 contradicted, 3 no prediction or undecided."""
        return {Outcome.CONFIRMED: ExitCode.OK, Outcome.CONTRADICTED: ExitCode.REFUTED}.get(
            self, ExitCode.UNDECIDED)


class Rule(Choice):
    """What a prediction forbids at an end point."""

    STRICT = "strict"      # a strict local minimum with an electron off every proton and electron
    GLOBAL = "global"      # a local minimum that is not global
    NEAR = "near"          # a local minimum with every electron farther than R from every proton
    CHARGED = "charged"    # a local minimum of min_a L, L > 0, with a charged electron off the charges


@dataclass(frozen=True)
class Prediction:
    """What the theory predicts about the end points (``rule``, a :class:`Rule` or its name), and what it
    rests on; ``radius`` is R of :attr:`Rule.NEAR`."""

    theorem: str
    statement: str
    hypotheses: tuple[str, ...]
    rule: Rule
    radius: float | None = None

    def __post_init__(self):
        object.__setattr__(self, "rule", Rule(self.rule))

    def counterexample(self, run: dict) -> tuple[str, str] | None:
        """(why ``run`` contradicts the prediction, the hypothesis to suspect), else ``None``."""
        if self.rule is not Rule.STRICT and run["final_loss"] < -NEGATIVE:
            return ((f"the loss fell to {run['final_loss']:.6g} < 0, below the value 0 of every "
                    "global minimum: L is not E(f − f̂)²"), REALIZABLE)
        strict = run["kind"] == EquilibriumKind.SPURIOUS_LOCAL_MINIMUM
        if self.rule is Rule.STRICT and strict and run["isolated"]:
            return (("a strict local minimum with an electron off every proton and every other "
                    "electron"), "Φ harmonic on M (or a bug in the classifier)")
        if self.rule is Rule.GLOBAL and strict:
            return f"a strict local minimum with L = {run['loss']} > 0", SMOOTH
        if self.rule is Rule.CHARGED and run["kind"] in MINIMA[1:] and run["isolated_charged"]:
            return ((f"a local minimum of min_a L with L = {run['loss']} > 0 and an electron away from "
                     "every proton and electron carrying a_i* ≠ 0, where Δ_{θ_i} L = −2cλ(a_i*)² < 0 "
                     "for ΔΦ = λΦ and Φ(θ, θ) = c, so it cannot be one"),
                    "Φ λ-harmonic (ΔΦ = λΦ, λ > 0) with Φ(θ, θ) constant on M")
        if self.rule is Rule.NEAR and run["kind"] in MINIMA and run["nearest"] > self.radius:
            return ((f"a local minimum with every electron farther than {self.radius:.6g} from every "
                    f"proton (nearest pair {run['nearest']:.6g})"), "Φ translation invariant")
        return None

    def to_json(self) -> dict:
        return {"theorem": self.theorem, "statement": self.statement,
                "hypotheses": list(self.hypotheses), "rule": self.rule.value, "radius": self.radius}


@dataclass(frozen=True)
class Predictions:
    """A paper's theorem table, as :func:`verify` reads it.

    ``predict(classification, policy)`` is the prediction for a classified Φ under a charge
    policy (or ``None``) and the reason it was (not) made; ``refuse(policy, k)`` says why the
    paper predicts nothing for k electrons with these charges (``None``: it does);
    ``free_result`` names the result whose hypotheses (distinct electrons, a_i* ≠ 0) the end
    points with optimised charges are checked against (:attr:`Verification.violations`).
    """

    predict: Callable[[Classification, Fixed | Optimal], tuple[Prediction | None, str]]
    refuse: Callable[[Fixed | Optimal, int], str | None]
    free_result: str


def default_table() -> Predictions:
    """The default table: the electrodynamics paper's (:mod:`theory.proofs.electrodynamics.predictions`)."""
    from ..proofs.electrodynamics.predictions import TABLE  # the paper side, read only when verify runs

    return TABLE


def predict(classification: Classification, charges=FIXED, table: Predictions | None = None
            ) -> tuple[Prediction | None, str]:
    """The prediction of ``table`` (default :func:`default_table`) for fixed or free output weights
    (``charges``: a charge policy or its name, :func:`~theory.dynamics.charges.charge_policy`) and
    the reason it was (not) made.

    >>> from theory.potentials.potential import given
    >>> prediction, why = predict(classify(given("exp(-r^2/2)", "radial"), d=3))
    >>> prediction.theorem, why
    ('Theorem 3.6 (region-restricted)', 'Φ is strictly subharmonic on Interval.open(sqrt(3), oo)')
    """
    return (table or default_table()).predict(classification, charge_policy(charges))


# --------------------------------------------------------------------------- starts

def _start(task: dict) -> dict:
    """One seeded start: simulate, and record what the predictions need (JSON).

    A start the dynamics cannot continue (an electron on a singular point of Φ)
    is kept as kind ``failed`` with the reason, not allowed to end the sweep.
    """
    policy = charge_policy(task["charges"], task["k"])
    try:
        run = simulate(task["potential"], d=task["d"], k=task["k"], manifold=task["manifold"],
                       protons=np.array(task["protons"]), algorithm=task["algorithm"], charges=policy,
                       seed=task["seed"], dps=task["dps"], seconds=task["seconds"],
                       **work_budget(task["algorithm"], task.get("budget")))
    except TheoryError as why:
        return {"seed": task["seed"], "kind": EquilibriumKind.FAILED, "reason": str(why), "matched": False,
                "final_loss": math.nan, "nearest": math.nan, "isolated": False, "isolated_charged": False}
    record = run.to_json()
    X, W = run.equilibrium.positions.astype(float), run.protons
    to_protons = distances(X, W)
    to_others = distances(X, X) + np.diag(np.full(len(X), np.inf))
    near = np.minimum(to_protons.min(axis=1), to_others.min(axis=1))
    charged = np.abs(run.equilibrium.charges.astype(float)) > task["tolerance"]
    losses = run.trajectory.losses
    record.update(final_loss=float(losses[-1]) if losses else float(run.equilibrium.loss),
                  nearest=float(to_protons.min()), isolated=bool(np.any(near > task["tolerance"])),
                  isolated_charged=bool(np.any((near > task["tolerance"]) & charged)),
                  hypothesis=_violated(to_others.min(), charged, task["tolerance"]) if policy.optimised
                  else None)
    return record


def _violated(closest: float, charged: np.ndarray, tolerance: float) -> str | None:
    """Which hypothesis of a free-weight result (distinct electrons, a_i* ≠ 0) fails at an end
    point, if any."""
    if closest < tolerance:
        return "two electrons merged (θ_i = θ_j)"
    if not charged.all():
        return "an electron switched off (a_i* = 0)"
    return None


def wilson(successes: int, n: int, z: float = 1.959963984540054) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95% by default).

    >>> [round(v, 4) for v in wilson(50, 50)]
    [0.9287, 1.0]
    """
    if n == 0:
        return (0.0, 1.0)
    p, z2 = successes / n, z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


# --------------------------------------------------------------------------- result

@dataclass
class Verification(Typeset):
    """Predicted against observed for one activation, manifold, d, k; ``charges`` is the charge policy.

    It renders as Markdown (:meth:`to_markdown`) and LaTeX (:meth:`latex`); :meth:`headline`
    is the one-line verdict.

    >>> v = verify("radial:exp(-r^2/2)", manifold="euclidean", d=2, k=1, starts=2, progress=False)
    >>> v
    <Verification exp(-r**2/2) on euclidean, d = 2, k = 1, fixed charges: CONFIRMED, 2/2 matched>
    """

    potential: Potential
    manifold: str
    d: int
    k: int
    charges: Fixed | Optimal
    classification: Classification
    prediction: Prediction | None
    reason: str
    algorithm: Algorithm
    protons: np.ndarray
    runs: list[dict]
    table: Predictions
    counterexamples: list[dict] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return sum(bool(r["matched"]) for r in self.runs)

    @property
    def interval(self) -> tuple[float, float]:
        return wilson(self.matched, len(self.runs))

    @property
    def kinds(self) -> dict[str, int]:
        return dict(Counter(str(r["kind"]) for r in self.runs))  # printed keys, as in the JSON

    @property
    def spurious(self) -> list[dict]:
        return [r for r in self.runs if r["kind"] == EquilibriumKind.SPURIOUS_LOCAL_MINIMUM]

    @property
    def violations(self) -> dict[str, int]:
        """Free weights: end points with L > 0 where a hypothesis of the table's free-weight result
        (:attr:`Predictions.free_result`) fails, by hypothesis."""
        return dict(Counter(r["hypothesis"] for r in self.runs if r.get("hypothesis") and r["kind"] in STOPS))

    @property
    def outcome(self) -> Outcome:
        if self.prediction is None:
            return Outcome.NO_PREDICTION
        if self.counterexamples:
            return Outcome.CONTRADICTED
        uninformative = (EquilibriumKind.NOT_CONVERGED, EquilibriumKind.FAILED)
        informative = any(r["kind"] not in uninformative for r in self.runs)
        return Outcome.CONFIRMED if informative else Outcome.UNDECIDED

    def __repr__(self) -> str:
        return (f"<Verification {self.potential.expr} on {self.manifold}, d = {self.d}, k = {self.k}, "
                f"{self.charges.describe} charges: {self.outcome.value}, "
                f"{self.matched}/{len(self.runs)} matched>")

    def headline(self) -> str:
        low, high = self.interval
        text = (f"{self.outcome.value}: {self.matched}/{len(self.runs)} starts matched "
                f"(Wilson 95% [{low:.3f}, {high:.3f}])")
        if self.outcome is Outcome.CONTRADICTED:
            suspects = "; ".join(sorted({r["suspect"] for r in self.counterexamples}))
            text = (f"!!! {text}. {len(self.counterexamples)} counter-example(s) to "
                    f"{self.prediction.theorem}; suspect the hypothesis: {suspects} !!!")
        return text

    def latex(self) -> str:
        phi = house_latex(self.potential.expr) if self.potential.exact else r"\text{numeric}"
        low, high = self.interval
        theorem = self.prediction.theorem if self.prediction else "no prediction"
        return (rf"\Phi = {phi},\quad {self.classification.latex()},\quad "
                rf"\text{{{theorem}: {self.outcome.value}, matched {self.matched}/{len(self.runs)} "
                rf"[{low:.3f}, {high:.3f}]}}")

    def to_markdown(self) -> str:
        p = self.prediction
        lines = [f"# verify {self.potential.name} on {self.manifold}, d = {self.d}, k = {self.k}", "",
                 f"**{self.headline()}**", "",
                 f"**Φ** = `{self.potential.expr}` — {self.potential.method}; $${self.potential.latex()}$$",
                 "", "## Classification", "", self.classification.to_markdown(), "", "## Prediction", "",
                 f"{p.theorem}: {p.statement}." if p else f"NO PREDICTION: {self.reason}.", ""]
        if p:
            lines += [f"Because {self.reason}; hypotheses: " + "; ".join(p.hypotheses) + ".", ""]
        observed = (f"{len(self.runs)} seeded starts, algorithm `{self.algorithm}`, "
                    f"charges {self.charges.describe}.")
        lines += ["## Observed", "", observed, "", "| kind | count |", "|---|---|"]
        lines += [f"| {kind} | {n} |" for kind, n in sorted(self.kinds.items())]
        if self.violations:
            counts = "; ".join(f"{why}: {n}" for why, n in self.violations.items())
            lines += ["", f"End points with L > 0 outside the hypotheses of {self.table.free_result} "
                      f"(not counter-examples): {counts}."]
        for title, runs in (("Counter-examples", self.counterexamples), ("Spurious minima", self.spurious)):
            if runs:
                lines += ["", f"## {title}", ""] + [_run_line(r) for r in runs]
        return "\n".join(lines)

    def to_tex(self) -> str:
        """The verification as a standalone LaTeX document (compiles with pdflatex on its own)."""
        from ..paper.report import display, standalone, tex_text

        p = self.prediction
        classes = "\n".join(rf"{tex_text(c.name)} & {c.verdict.value} & "
                             rf"{'' if c.region is None else '$' + house_latex(c.region) + '$'} \\\\"
                             for c in self.classification.conditions)
        kinds = "\n".join(rf"{tex_text(kind)} & {n} \\\\" for kind, n in sorted(self.kinds.items()))
        prediction = (f"{p.theorem}: {p.statement}. Because {self.reason}." if p
                      else f"No prediction: {self.reason}.")
        heading = f"verify {self.potential.name} on {self.manifold}, d = {self.d}, k = {self.k}"
        body = [rf"\section*{{{tex_text(heading)}}}",
                rf"\textbf{{{tex_text(self.headline())}}}", "", display(self.potential.latex()),
                tex_text(self.potential.method), r"\subsection*{Classification}",
                display(self.classification.latex()),
                r"\begin{center}\begin{tabular}{lll}\toprule class & verdict & region \\\\ \midrule", classes,
                r"\bottomrule\end{tabular}\end{center}", r"\subsection*{Prediction}", tex_text(prediction),
                r"\subsection*{Observed}",
                tex_text(f"{len(self.runs)} seeded starts, algorithm {self.algorithm}, "
                         f"charges {self.charges.describe}."),
                r"\begin{center}\begin{tabular}{lr}\toprule end point & starts \\\\ \midrule", kinds,
                r"\bottomrule\end{tabular}\end{center}"]
        for title, runs in (("Counter-examples", self.counterexamples), ("Spurious minima", self.spurious)):
            if runs:
                body += [rf"\subsection*{{{title}}}", r"\begin{itemize}\raggedright",
                         *(r"\item " + tex_text(_run_line(r)[2:]) for r in runs), r"\end{itemize}"]
        return standalone("\n".join(body))

    def to_text(self) -> str:
        """A terminal summary: the headline, Φ, the Earnshaw classes, the prediction and the end points."""
        p = self.prediction
        lines = [self.headline(), f"Φ = {readable(str(self.potential.expr))}  ({self.potential.method})",
                 "classes: " + ", ".join(f"{c.name} {c.verdict.value}"
                                         for c in self.classification.conditions),
                 f"prediction: {p.theorem}: {p.statement}" if p else f"no prediction: {self.reason}",
                 f"observed ({len(self.runs)} starts, {self.algorithm}, charges {self.charges.describe}): "
                 + ", ".join(f"{kind} {n}" for kind, n in sorted(self.kinds.items()))]
        for title, runs in (("counter-example", self.counterexamples), ("spurious minimum", self.spurious)):
            lines += [f"{title}: {readable(_run_line(r)[2:])}" for r in runs]
        return "\n".join(lines)

    def to_json(self) -> dict:
        low, high = self.interval
        return {"potential": str(self.potential.expr), "method": self.potential.method,
                "latex": self.potential.latex(), "manifold": self.manifold, "d": self.d, "k": self.k,
                "charges": self.charges.mode.value, "classification": self.classification.to_json(),
                "prediction": self.prediction.to_json() if self.prediction else None,
                "reason": self.reason, "algorithm": self.algorithm, "protons": self.protons.tolist(),
                "outcome": self.outcome.value, "matched": self.matched, "starts": len(self.runs),
                "wilson95": [low, high], "kinds": self.kinds, "hypothesis_violations": self.violations,
                "counterexamples": self.counterexamples,
                "spurious": self.spurious}

    def write(self, folder) -> list[Path]:
        """verify.md, verify.tex and verify.json in ``folder``."""
        folder = make_folder(folder)
        texts = {"verify.md": self.to_markdown(), "verify.tex": self.to_tex(),
                 "verify.json": json.dumps(self.to_json(), indent=2, default=str)}
        return [write_atomic(folder / name, text) for name, text in texts.items()]


def _run_line(run: dict) -> str:
    eig = ", ".join(f"{float(v):.4g}" for v in run["hessian_eigenvalues"][:8])
    why = f" — {run['contradiction']}" if "contradiction" in run else ""
    return (f"- seed {run['seed']}: {run['kind']}, L = {float(run['loss']):.6g} (float run: "
            f"{run['final_loss']:.6g}), ‖∇L‖ = {float(run['gradient_norm']):.3g}, Hessian [{eig}], "
            f"θ = {np.round(run['positions'], 6).tolist()}{why}")


# --------------------------------------------------------------------------- driver

def verify(activation_or_potential, *, manifold: str, d: int, k: int, charges=FIXED,
           starts: int = 20, seed: int = 0, dps: int = 30, workers: int = 1, checkpoint=None,
           seconds: float | None = 30.0, budget: int | None = None, tolerance: float = 1e-6,
           algorithm: Algorithm | str | None = None, progress: bool | None = None,
           table: Predictions | None = None) -> Verification:
    """Derive, classify, predict and confirm over ``starts`` seeded runs.

    Parameters
    ----------
    activation_or_potential : str or Potential
        An activation name, ``"FORM:FORMULA"`` (e.g. ``"radial:exp(-r^2/2)"``) or a Potential.
    manifold : {"sphere", "euclidean"}
    d, k : int
        Dimension and number of electrons (= protons).
    charges : {"fixed", "optimal"} or Fixed() or Optimal()
        Output weights a_i = −1, b_j = +1 (Assumption 1), or free: optimised,
        a = a*(θ) throughout, end points classified on ℓ(θ) = min_a L(a, θ)
        (:mod:`theory.dynamics.charges`; ``"free"`` is the old name of ``"optimal"``).
    starts, seed : int
        Start ``i`` uses seed ``seed + i``; the protons (orthonormal when k ≤ d,
        else random) come from a stream independent of every start.
    dps : int
        Digits of the Newton polishing and of the Hessian.
    workers : int
        joblib workers; ``checkpoint`` keeps finished starts (resumable).
    seconds : float or None
        Wall-clock budget of each start (``None``: none).
    budget : int, optional
        Deterministic work budget of each start, the same whatever the machine's load:
        field evaluations of the flow or iterations of descent (:func:`theory.dynamics.flow.work_budget`).
    algorithm : str, optional
        An :class:`~theory.dynamics.flow.Algorithm`; default ``gd`` for a Φ with a cusp, else ``flow``.
    progress : bool, optional
        A progress bar over the starts on stderr; by default only when stderr is a terminal.
    table : Predictions, optional
        The paper's predictions by class; by default the electrodynamics paper's (:func:`default_table`).


    Examples
    --------
    The Gaussian potential is strictly subharmonic for r² > d, so every local minimum has an
    electron near a proton (the region version of Theorem 3.6); three starts confirm it:

    >>> v = verify("radial:exp(-r^2/2)", manifold="euclidean", d=2, k=1, starts=3, progress=False)
    >>> v.prediction.theorem, v.headline()
    ('Theorem 3.6 (region-restricted)', 'CONFIRMED: 3/3 starts matched (Wilson 95% [0.439, 1.000])')
    """
    d, k, starts = valid.count(d, "d"), valid.count(k, "k"), valid.count(starts, "starts", 1, valid.RUNS_MAX)
    manifold = manifold_named(manifold)
    policy, table = charge_policy(charges, k), table or default_table()
    if refusal := table.refuse(policy, k):
        raise InputError(refusal)
    valid.hessian_memory(d, k, "verify")
    check_engine(workers, "loky", None)
    seed, dps = valid.seed(seed), valid.digits(dps)
    seconds = valid.seconds(seconds, optional=True)
    work_budget(Algorithm.FLOW, budget)  # checked here: a bad budget is the caller's error, not each start's
    phi = _potential(activation_or_potential)
    spec = activation_or_potential if isinstance(activation_or_potential, str) else _spec(phi)
    classification = classify(phi, d=d, manifold=manifold)
    prediction, reason = table.predict(classification, policy)
    protons = _protons(d, k, manifold, seed)
    algorithm = Algorithm(algorithm or (Algorithm.GD if _cusp(classification.potential) else Algorithm.FLOW))
    mode = policy.mode.value  # the name, as the workers and the checkpoint's JSON take it
    tasks = [{"potential": spec, "d": d, "k": k, "manifold": manifold, "protons": protons.tolist(),
              "algorithm": algorithm, "charges": mode, "seed": seed + i, "dps": dps, "seconds": seconds,
              "budget": budget, "tolerance": tolerance} for i in range(starts)]
    runs = run_all(_start, tasks, workers=workers, checkpoint=checkpoint, progress=progress,
                   config={"verify": spec, "d": d, "k": k, "manifold": manifold, "charges": mode})
    result = Verification(classification.potential, manifold, d, k, policy, classification, prediction,
                          reason, algorithm, protons, runs, table)
    if prediction:
        result.counterexamples = [dict(r, contradiction=found[0], suspect=found[1]) for r in runs
                                  if (found := prediction.counterexample(r))]
    return result


def _spec(phi: Potential) -> str:
    if phi.activation is not None:
        return phi.activation.name
    if not phi.exact:
        raise InputError("a numeric potential without an activation cannot be sent to the workers")
    return f"{phi.form}:{phi.expr}"


def _protons(d: int, k: int, manifold: Manifold, seed: int) -> np.ndarray:
    if not (isinstance(d, int) and isinstance(k, int) and d >= 1 and k >= 1):
        raise InputError(f"d and k must be integers ≥ 1, got d={d!r}, k={k!r}")
    if k <= d:
        return np.eye(d)[:k]
    W = np.random.default_rng([seed, 0x5EED]).normal(size=(k, d))
    return manifold.retract(W)


def _cusp(phi: Potential) -> bool:
    """A cusp at coincidence (sign, ‖θ − w‖): the flow chatters there, so use descent."""
    return float(kernel(phi).cusp) > 0
