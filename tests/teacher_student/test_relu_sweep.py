"""The ReLU spurious-minimum sweep: classification, deduplication, checkpoints, CLI."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from theory.cli import main
from theory.core.errors import InputError
from theory.dynamics.kinds import EquilibriumKind as Kind
from theory.teacher_student.relu_sweep import families, summarise, sweep, wilson, xavier_start

X = np.array([[1.0, 0.2], [0.1, 0.9]])


def _record(kind, loss, positions, k=2, lambda_min=0.01):
    return {"k": k, "kind": kind, "loss": loss, "positions": np.asarray(positions).tolist(),
            "lambda_min": lambda_min}


def test_families_are_orbits_of_students_and_coordinates():
    other = np.array([[0.9, 0.1], [0.3, 1.0]])
    swapped = X[::-1][:, ::-1]  # students and coordinates permuted together: the same orbit
    records = [_record(Kind.SPURIOUS_LOCAL_MINIMUM, 0.05, X),
               _record(Kind.SPURIOUS_LOCAL_MINIMUM, 0.05, swapped + 1e-9),
               _record(Kind.SPURIOUS_LOCAL_MINIMUM, 0.05, X[::-1]),
               _record(Kind.SPURIOUS_LOCAL_MINIMUM, 0.05 * (1 + 1e-9), other),
               _record(Kind.GLOBAL_MINIMUM, 0.0, np.eye(2)), _record(Kind.SADDLE, 0.05, X)]
    rows = families(records)
    assert [row["runs"] for row in rows] == [3, 1]  # X[::-1] is X with its students swapped
    assert [row["orbit_size"] for row in rows] == [4, 4] and rows[0]["isotropy"] == "1"


def test_wilson_interval_contains_the_estimate_and_narrows():
    low, high = wilson(30, 100)
    assert low < 0.3 < high and wilson(300, 1000)[1] - wilson(300, 1000)[0] < high - low
    assert wilson(0, 100)[0] == 0.0 and 0 < wilson(0, 100)[1] < 0.04


def test_summary_counts_and_fraction():
    records = [_record(Kind.SPURIOUS_LOCAL_MINIMUM, 0.1, X), _record(Kind.GLOBAL_MINIMUM, 0.0, X),
               _record(Kind.GLOBAL_MINIMUM, 0.0, X), _record(Kind.NOT_CONVERGED, 0.3, X)]
    (row,) = summarise(records)
    assert row["spurious_fraction"] == 0.25
    assert row["counts"]["global minimum"] == 2 and row["counts"]["not converged"] == 1


def test_xavier_start_is_seeded_with_variance_one_over_k():
    assert np.array_equal(xavier_start(5, 3), xavier_start(5, 3))
    big = xavier_start(40, 0)
    assert abs(big.var() - 1 / 40) < 0.1 / 40


def test_small_sweep_reaches_global_minima_and_resumes(tmp_path):
    first = sweep([3], 2, checkpoint=tmp_path, dps=20, seconds=60.0)
    assert [r["kind"] for r in first["records"]] == ["global minimum"] * 2
    assert json.loads((tmp_path / "summary.json").read_text())["table"] == first["table"]
    (tmp_path / "results" / "1.json").unlink()
    again = sweep([3], 2, checkpoint=tmp_path, dps=20, seconds=60.0)
    assert again["records"] == first["records"]


def test_cli_writes_json_and_plot_and_refuses_a_foreign_checkpoint(tmp_path, capsys):
    folder, picture = tmp_path / "sweep", tmp_path / "fraction.png"
    assert main(["sweep", "relu", "--k", "2..3", "--runs", "1", "--resume", str(folder), "--json",
                 "--plot", str(picture)]) == 0
    table = json.loads(capsys.readouterr().out)["table"]
    assert [row["k"] for row in table] == [2, 3] and picture.stat().st_size > 1000
    assert main(["sweep", "relu", "--k", "2..3", "--runs", "2", "--resume", str(folder)]) == 2
    assert "another configuration" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--k", "1..3", "--runs", "2"], ["--k", "6..30", "--runs", "2"],
                                  ["--k", "8..6", "--runs", "2"], ["--k", "six", "--runs", "2"],
                                  ["--k", "4", "--runs", "0"], ["--k", "4", "--runs", "2", "--dps", "5"],
                                  ["--k", "4", "--runs", "2", "--workers", "0"],
                                  ["--k", "4", "--runs", "2", "--scheduler", "tcp://127.0.0.1:1"]],
                         ids=["k-low", "k-high", "empty", "text", "runs", "dps", "workers",
                              "scheduler-without-dask"])
def test_cli_refuses_bad_input(argv, tmp_path, capsys):
    assert main(["sweep", "relu", *argv, "--resume", str(tmp_path / "x")]) == 2
    assert "error" in capsys.readouterr().err


def test_sweep_refuses_k_out_of_range():
    with pytest.raises(InputError, match="k must be an integer from 2 to 20"):
        sweep([0], 1)


@pytest.mark.slow
def test_killed_sweep_resumes_without_losing_finished_runs(tmp_path):
    folder = tmp_path / "sweep"
    command = [sys.executable, "-m", "theory", "sweep", "relu", "--k", "5", "--runs", "6",
               "--resume", str(folder), "--quiet"]
    process = subprocess.Popen(command, env=dict(os.environ), start_new_session=True)
    results = folder / "results"
    while not (results.exists() and len(list(results.glob("*.json"))) >= 2):
        assert process.poll() is None, "the sweep ended before it could be killed"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    kept = {p.name: p.read_text() for p in results.glob("*.json")}
    assert 2 <= len(kept) < 6
    subprocess.run(command, check=True, env=dict(os.environ))
    assert {p.name: p.read_text() for p in results.glob("*.json") if p.name in kept} == kept
    assert len(list(results.glob("*.json"))) == 6
