"""Safran & Shamir's gradient descent: their gradient, step, stopping rule and restarts."""

import numpy as np
import pytest

from theory.cli import main
from theory.core.errors import InputError
from theory.teacher_student import relu, ss18
from theory.teacher_student.relu_sweep import sweep


def _their_loop(W, V, step=ss18.STEP, tolerance=ss18.GRADIENT_TOLERANCE):
    """findMinimum.m one run at a time, unbatched: the reference for the batched descent."""
    start, eta, steps = W.copy(), step / (2 * np.pi), 0
    while True:
        G = ss18.scaled_gradient(W[None], V)[0]
        W, steps = W - eta * G, steps + 1
        norm = np.sqrt((G * G).sum(axis=1).max())
        if norm > ss18.DIVERGENCE:
            W, eta, steps = start.copy(), eta / 2, 0
        elif norm <= tolerance:
            return W, steps


def test_scaled_gradient_is_pi_times_the_engines_gradient_of_L():
    W = ss18.xavier_starts(4, 4, [7])[0]
    G = ss18.scaled_gradient(W[None], np.eye(4))[0]
    assert np.allclose(G, np.pi * relu.tian_gradient(W, np.eye(4)), atol=1e-14)
    assert ss18.loss(W[None], np.eye(4))[0] == pytest.approx(relu.population_loss(W, np.eye(4)), rel=1e-13)


def test_xavier_start_has_variance_one_over_d():
    big = ss18.xavier_starts(30, 50, [0])[0]
    assert big.shape == (30, 50) and abs(big.var() - 1 / 50) < 0.1 / 50
    assert np.array_equal(ss18.xavier_starts(3, 3, [5]), ss18.xavier_starts(3, 3, [5]))


def test_batched_descent_matches_their_loop_run_by_run():
    starts = ss18.xavier_starts(4, 4, range(3))
    run = ss18.descend(starts, np.eye(4))
    for r in range(3):
        W, steps = _their_loop(starts[r], np.eye(4))
        assert run.steps[r] == steps and np.allclose(run.positions[r], W, atol=1e-12)
    assert run.converged.all() and np.all(run.loss < 1e-15)


def test_a_stopped_run_meets_their_gradient_test():
    run = ss18.descend(ss18.xavier_starts(5, 5, [1]), np.eye(5))
    G = ss18.scaled_gradient(run.positions, np.eye(5))
    assert np.sqrt((G * G).sum(axis=2).max()) <= ss18.GRADIENT_TOLERANCE


def test_divergence_halves_the_step_and_restarts():
    run = ss18.descend(ss18.xavier_starts(3, 3, [0]), np.eye(3), step=20.0, max_steps=20_000)
    assert run.converged[0] and run.step[0] == 20.0 / 16 and run.loss[0] < 1e-15


def test_the_step_cap_reports_not_converged():
    run = ss18.descend(ss18.xavier_starts(3, 3, [0, 1]), np.eye(3), max_steps=5)
    assert not run.converged.any() and np.all(run.steps == 5)


@pytest.mark.parametrize("starts, teacher", [(np.ones((2, 2)), np.eye(2)), (np.ones((1, 2, 3)), np.eye(2)),
                                             (np.full((1, 2, 2), np.nan), np.eye(2)),
                                             (np.zeros((1, 2, 2)), np.eye(2))],
                         ids=["2-d", "dimension", "nan", "zero-row"])
def test_bad_starts_are_refused(starts, teacher):
    with pytest.raises(InputError):
        ss18.descend(starts, teacher)


def test_ss18_sweep_names_runs_and_a_seven_unit_spurious_orbit(tmp_path):
    result = sweep([7], 12, protocol="ss18", checkpoint=tmp_path, dps=20)
    (row,) = result["table"]
    kinds = {r["kind"] for r in result["records"]}
    assert kinds <= {"global minimum", "spurious local minimum"} and row["runs"] == 12
    assert result["config"]["protocol"] == "ss18" and row["families"]  # seed 5 ends in one
    for family in row["families"]:  # the family Safran & Shamir found at k = 7
        assert family["isotropy"] == "Δ(S_6 × S_1)" and family["orbit_size"] == 5040 * 7
        assert family["lambda_min"] > 0 and family["loss"] > 2 * ss18.BAD_VALUE
    spurious = row["counts"]["spurious local minimum"]
    assert sum(f["runs"] for f in row["families"]) == spurious
    assert row["interval"][0] <= spurious / 12 <= row["interval"][1]


def test_cli_protocol_is_a_closed_set(tmp_path, capsys):
    assert main(["sweep", "relu", "--k", "3", "--runs", "2", "--protocol", "ss18",
                 "--resume", str(tmp_path / "a")]) == 0
    assert "spurious %" in capsys.readouterr().out
    # argparse's code, returned
    assert main(["sweep", "relu", "--k", "3", "--runs", "2", "--protocol", "ss17"]) == 2
    assert "--protocol" in capsys.readouterr().err
    with pytest.raises(InputError, match="no protocol 'ss17': choose default or ss18"):
        sweep([3], 2, protocol="ss17")
    assert sweep([3], 1, protocol="SS18")["config"]["protocol"] == "ss18"   # any case


def test_sweep_certifies_every_spurious_family():
    # seed 5 of k = 7 ends in the Δ(S_6 × S_1) family (README's table)
    [row] = sweep([7], 6, protocol="ss18", certify=True)["table"]
    [family] = row["families"]
    cert = family["certificate"]
    assert cert["proven"] and cert["kind"] == "strict local minimum" and cert["radius"] <= 1e-4
    assert np.asarray(family["representative"]).shape == (7, 7)
