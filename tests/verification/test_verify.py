"""theory.verify and `theory verify`: the 'must show' cases, fast here, full under -m slow."""

import json
import shutil
import subprocess

import numpy as np
import pytest

from theory.cli import main
from theory.conditions.classify import classify
from theory.core.errors import InputError
from theory.dynamics.charges import Fixed, Optimal
from theory.dynamics.kinds import EquilibriumKind as Kind
from theory.potentials.potential import given, potential
from theory.verification.verify import Outcome, Prediction, predict, verify, wilson

GAUSSIAN = "radial:exp(-r^2/2)"
#: Strictly subharmonic with a bounded Hessian, but not a positive-definite kernel.
MULTIQUADRIC = "radial:sqrt(1+r^2)"


def _antipodal_pair(positions) -> bool:
    X = np.array(positions)
    return any(np.allclose(X[i], -X[j], atol=1e-6) for i in range(len(X)) for j in range(i))


def _sign_circle(starts):
    v = verify("sign", manifold="sphere", d=2, k=3, starts=starts, dps=20)
    assert v.prediction.theorem == "Theorem 3.3 (Earnshaw)" and v.algorithm == "gd"
    assert v.outcome is Outcome.CONFIRMED and not v.counterexamples
    # every start that missed the protons ends with two antipodal electrons (their fields
    # cancel: a non-strict critical point with L > 0, which Theorem 3.3 does not exclude)
    for run in v.runs:
        assert run["matched"] or (float(run["loss"]) > 0.1 and _antipodal_pair(run["positions"]))
    return v


def test_sign_on_the_circle():
    v = _sign_circle(8)
    assert v.matched >= 4


@pytest.mark.slow
def test_sign_on_the_circle_50_starts():
    v = _sign_circle(50)
    assert v.matched >= 30


@pytest.mark.very_slow
def test_sign_on_the_circle_with_algorithm_3_matches_every_start():
    """Free output weights and Algorithm 3 avoid the antipodal trap: 50/50 (25 s on 2 workers)."""
    v = verify("sign", manifold="sphere", d=2, k=3, charges="optimal", algorithm="nodewise-optimal",
               starts=50, dps=20, workers=2, progress=False)
    assert v.prediction.theorem == "Theorem 3.3 (Earnshaw)" and v.outcome is Outcome.CONFIRMED
    assert v.matched == 50


def _gaussian(starts):
    v = verify(GAUSSIAN, manifold="euclidean", d=2, k=2, starts=starts, dps=20)
    assert v.prediction.rule == "near" and v.prediction.radius == pytest.approx(np.sqrt(2))
    assert v.outcome is Outcome.CONFIRMED
    minima = [r for r in v.runs if r["kind"] in (Kind.GLOBAL_MINIMUM, Kind.SPURIOUS_LOCAL_MINIMUM)]
    assert minima and all(r["nearest"] <= np.sqrt(2) for r in minima)
    return v


def test_gaussian_region_restricted_prediction():
    _gaussian(4)


@pytest.mark.very_slow
def test_gaussian_region_restricted_prediction_50_starts():
    v = _gaussian(50)
    low, _ = v.interval
    assert low > 0.5


def test_broken_hypothesis_is_contradicted():
    v = verify(MULTIQUADRIC, manifold="euclidean", d=2, k=1, starts=2, dps=20, budget=500, seconds=None)
    assert v.classification["strictly subharmonic"].verdict.value == "proven"
    assert v.prediction.theorem == "Theorem 3.6"
    assert v.outcome is Outcome.CONTRADICTED and len(v.counterexamples) == 2
    example = v.counterexamples[0]
    assert example["final_loss"] < 0 and "realizable" in example["suspect"]
    assert v.headline().startswith("!!! CONTRADICTED") and "realizable" in v.headline()


def test_a_bad_work_budget_is_refused_before_any_start():
    with pytest.raises(InputError, match="work budget"):
        verify(GAUSSIAN, manifold="euclidean", d=2, k=1, starts=1, budget=0)


def test_relu_has_no_prediction():
    v = verify("relu", manifold="sphere", d=3, k=3, starts=2, dps=20)
    assert v.prediction is None and v.outcome is Outcome.NO_PREDICTION
    assert "strictly subharmonic on" in v.reason and sum(v.kinds.values()) == 2


@pytest.mark.very_slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("d", [6, 7, 8])
def test_relu_spurious_fraction(d):
    v = verify("relu", manifold="sphere", d=d, k=d, starts=20, dps=20, workers=2)
    assert v.outcome is Outcome.NO_PREDICTION
    assert sum(v.kinds.values()) == 20
    for run in v.spurious:
        assert float(run["loss"]) > 0 and all(float(e) > 0 for e in run["hessian_eigenvalues"])


def test_near_rule_flags_a_far_minimum():
    p = Prediction("T", "s", ("h",), "near", radius=1.0)
    far = {"kind": Kind.SPURIOUS_LOCAL_MINIMUM, "nearest": 2.0, "final_loss": 0.3}
    assert p.counterexample(far)[1] == "Φ translation invariant"
    assert p.counterexample(dict(far, nearest=0.5)) is None
    assert p.counterexample(dict(far, kind=Kind.SADDLE)) is None


def test_strict_rule_ignores_minima_on_the_charges():
    p = Prediction("T", "s", ("h",), "strict")
    run = {"kind": Kind.SPURIOUS_LOCAL_MINIMUM, "isolated": False, "final_loss": -1.0, "loss": "1"}
    assert p.counterexample(run) is None
    assert p.counterexample(dict(run, isolated=True)) is not None


def test_wilson_interval():
    low, high = wilson(50, 50)
    assert high == 1.0 and 0.92 < low < 0.93
    low, high = wilson(5, 10)
    assert low < 0.5 < high and low == pytest.approx(1 - high)


def test_renderings_and_checkpoint(tmp_path):
    v = verify(GAUSSIAN, manifold="euclidean", d=2, k=1, starts=2, dps=20, checkpoint=tmp_path / "c")
    again = verify(GAUSSIAN, manifold="euclidean", d=2, k=1, starts=2, dps=20, checkpoint=tmp_path / "c")
    assert again.runs == v.runs and len(list((tmp_path / "c" / "results").glob("*.json"))) == 2
    assert "Theorem 3.6 (region-restricted)" in v.to_markdown()
    assert v._repr_latex_().startswith("$\\Phi = ") and "CONFIRMED" in v.latex()
    record = json.loads(json.dumps(v.to_json(), default=str))
    assert record["outcome"] == "CONFIRMED" and record["matched"] == 2 and record["starts"] == 2


LAPLACE = "radial:exp(-r)"  # λ-harmonic on R¹ (ΔΦ = Φ off the proton), realizable (Table 1)


def test_free_weights_lambda_harmonic_algorithm_3_confirms_theorem_3_9():
    v = verify(LAPLACE, manifold="euclidean", d=1, k=3, charges="optimal", starts=2, dps=20,
               algorithm="nodewise-optimal")
    assert v.prediction.theorem == "Theorem 3.9" and v.prediction.rule == "charged"
    assert v.outcome is Outcome.CONFIRMED and v.matched == 2
    assert all(float(a) == pytest.approx(-1) for run in v.runs for a in run["charges"])


def test_free_weights_end_points_outside_the_hypotheses_are_not_counterexamples():
    """Plain descent, seeds 0 and 1: two electrons settle on protons with a* ≠ −1 and screen the
    half-line beyond them, where the third sees no field and its optimal weight is 0."""
    v = verify(LAPLACE, manifold="euclidean", d=1, k=3, charges="optimal", starts=2, dps=20)
    assert v.violations == {"an electron switched off (a_i* = 0)": 2} and v.matched == 0
    assert v.outcome is Outcome.CONFIRMED and not v.counterexamples
    assert "outside the hypotheses of Theorem 3.9" in v.to_markdown()


def _without_seconds(runs):
    return [dict(r, trajectory=dict(r["trajectory"], seconds=None)) for r in runs]


def test_free_and_optimal_weights_give_one_verification():
    """The old name ``free`` (DeprecationWarning) and the policy Optimal() run the same starts."""
    with pytest.warns(DeprecationWarning, match="now spelled charges='optimal'"):
        old = verify(LAPLACE, manifold="euclidean", d=1, k=3, charges="free", starts=2, dps=20)
    new = verify(LAPLACE, manifold="euclidean", d=1, k=3, charges=Optimal(), starts=2, dps=20)
    assert old.charges == new.charges == Optimal() and old.violations == new.violations
    assert old.prediction == new.prediction and old.outcome is new.outcome is Outcome.CONFIRMED
    assert _without_seconds(old.runs) == _without_seconds(new.runs) and len(old.runs) == 2
    assert old.to_json()["charges"] == "optimal" and "optimised charges" in repr(new)


def test_verify_refuses_charges_outside_the_papers_predictions():
    with pytest.raises(InputError, match="Assumption 1"):
        verify(LAPLACE, manifold="euclidean", d=1, k=2, charges=Fixed(-0.5), starts=1)
    with pytest.raises(InputError, match="expected 2 finite charges"):
        verify(LAPLACE, manifold="euclidean", d=1, k=2, charges=[-1.0], starts=1)
    # a_i = −1 spelled out is Assumption 1
    spelled = verify(LAPLACE, manifold="euclidean", d=1, k=1, charges=[-1.0], starts=1, dps=20)
    assert spelled.charges.describe == "fixed"


def test_free_weights_predictions():
    # Theorem 3.6 needs fixed a
    assert predict(classify(given("exp(-r^2/2)", "radial"), d=2), "optimal")[0] is None
    harmonic, _ = predict(classify(potential("sign").sphere(), d=2), "optimal")
    assert harmonic.theorem == "Theorem 3.3 (Earnshaw)"
    p = Prediction("T", "s", ("h",), "charged")
    run = {"kind": Kind.SPURIOUS_LOCAL_MINIMUM, "isolated_charged": True, "final_loss": 0.5, "loss": "0.5"}
    why, suspect = p.counterexample(run)
    assert "λ-harmonic" in suspect and "−2cλ(a_i*)² < 0" in why and "Lemma" not in why  # the fact
    eigen, _ = predict(classify(given("exp(-r)", "radial"), d=1), "optimal")
    assert eigen.theorem == "Theorem 3.9" and "Lemma 3.8" in eigen.statement   # the paper cites it
    assert p.counterexample(dict(run, isolated_charged=False)) is None
    assert p.counterexample(dict(run, kind=Kind.SADDLE)) is None
    with pytest.raises(InputError, match="choose fixed or optimal"):
        verify(LAPLACE, manifold="euclidean", d=1, k=1, charges="optimised")


@pytest.mark.very_slow
def test_sign_on_the_two_sphere_with_free_weights_conjecture_3_13():
    v = verify("sign", manifold="sphere", d=3, k=3, charges="optimal", starts=20, dps=20, workers=2)
    assert v.outcome is Outcome.NO_PREDICTION and v.matched >= 18


def test_cli_exit_codes(tmp_path, capsys):
    common = ["--manifold", "euclidean", "--d", "2", "--k", "1", "--starts", "1", "--dps", "20"]
    assert main(["verify", GAUSSIAN, *common, "--report", str(tmp_path)]) == 0
    assert {p.name for p in tmp_path.iterdir()} == {"verify.md", "verify.tex", "verify.json"}
    capsys.readouterr()
    assert main(["verify", MULTIQUADRIC, *common, "--budget", "500", "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["outcome"] == "CONTRADICTED"
    assert main(["verify", "relu", "--manifold", "sphere", "--d", "2", "--k", "1", "--starts", "1",
                 "--quiet"]) == 3
    assert main(["verify", LAPLACE, "--manifold", "euclidean", "--d", "1", "--k", "1", "--starts", "1",
                 "--dps", "20", "--charges", "optimal"]) == 0


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed (see .ci/run)")
def test_verify_report_compiles_on_its_own_and_the_terminal_gets_no_markdown(tmp_path, capsys):
    common = ["--manifold", "euclidean", "--d", "2", "--k", "1", "--starts", "1", "--dps", "20", "--budget",
              "500"]
    assert main(["verify", MULTIQUADRIC, *common, "--report", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.startswith("!!! CONTRADICTED") and "counter-example: seed 0" in out
    assert not any(mark in out for mark in ("|---", "**", "## ", "$$", "`"))
    tex = (tmp_path / "verify.tex").read_text()
    assert tex.startswith(r"\documentclass") and r"\subsection*{Counter-examples}" in tex
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "verify.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    log = (tmp_path / "verify.log").read_text(errors="replace")
    assert run.returncode == 0 and "Missing character" not in log and "Overfull" not in log
    assert main(["verify", MULTIQUADRIC, *common, "--markdown"]) == 1
    assert "| kind | count |" in capsys.readouterr().out


def test_a_prediction_rule_is_a_closed_choice():
    from theory.core.errors import InputError
    from theory.verification.verify import Rule
    assert Prediction("T", "s", ("h",), "near", radius=1.0).rule is Rule.NEAR
    assert Prediction("T", "s", ("h",), Rule.STRICT).to_json()["rule"] == "strict"
    with pytest.raises(InputError, match="strict, global, near"):
        Prediction("T", "s", ("h",), "nowhere")
