"""`theory simulate`: output, JSON fields, exit codes."""

import json

import numpy as np
import pytest

from theory.cli import main


def test_simulate_relu_sphere_json(capsys):
    code = main(["simulate", "relu", "--manifold", "sphere", "--d", "3", "--k", "3", "--seed", "1",
                 "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 0
    assert record["converged"] is True and record["kind"] == "global minimum"
    assert float(record["gradient_norm"]) < 1e-25
    assert len(record["hessian_eigenvalues"]) == 6
    assert sorted(m["proton"] for m in record["matching"]) == [0, 1, 2]
    assert all(m["distance"] < 1e-20 for m in record["matching"])
    assert float(record["loss"]) < 1e-25


def test_simulate_elu_on_the_sphere_classifies_in_float64(capsys):
    code = main(["simulate", "elu", "--manifold", "sphere", "--d", "3", "--k", "2", "--seed", "1", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and record["converged"] is True and record["kind"] == "global minimum"
    assert float(record["gradient_norm"]) < 1e-12 and float(record["loss"]) < 1e-14
    assert len(record["hessian_eigenvalues"]) == 4 and min(map(float, record["hessian_eigenvalues"])) > 0.1
    assert all(m["distance"] < 1e-10 for m in record["matching"])


def test_simulate_text_and_protons_file(tmp_path, capsys):
    path = tmp_path / "protons.txt"
    np.savetxt(path, [[0.5, -1.0]])
    code = main(["simulate", "radial:exp(-r^2/2)", "--manifold", "euclidean", "--d", "2", "--k", "1",
                 "--protons", str(path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "global minimum" in out and "matched     True" in out


def test_unconverged_run_exits_3(capsys):
    code = main(["simulate", "relu", "--d", "3", "--k", "3", "--budget", "3", "--json"])
    record = json.loads(capsys.readouterr().out)
    assert code == 3 and record["converged"] is False and record["matched"] is False


def test_usage_errors_exit_2(capsys):
    assert main(["simulate", "relu", "--d", "2", "--k", "0"]) == 2
    assert main(["simulate", "relu", "--d", "2", "--k", "1", "--protons", "/nonexistent"]) == 2
    assert "error" in capsys.readouterr().err


def test_optimised_weights_json_and_plot(tmp_path, capsys):
    figure = tmp_path / "run.png"
    code = main(["simulate", "sign", "--d", "2", "--k", "2", "--algorithm", "nodewise-optimal", "--seed", "2",
                 "--dps", "20", "--json", "--plot", str(figure)])
    record = json.loads(capsys.readouterr().out)
    assert code == 0 and record["kind"] == "global minimum" and record["output_weights"] == "optimal"
    assert [float(a) for a in record["charges"]] == [-1.0, -1.0]
    assert figure.stat().st_size > 10_000


@pytest.mark.slow
def test_charges_optimal_classifies_by_the_reduced_hessian(capsys):
    common = ["simulate", "radial:exp(-r^2/2)", "--manifold", "euclidean", "--d", "2", "--k", "2",
              "--protons", "random", "--seed", "1", "--dps", "20", "--json"]
    records = []
    for charges in ("optimal", "fixed"):
        assert main([*common, "--charges", charges]) == 0
        records.append(json.loads(capsys.readouterr().out))
    optimal, fixed = records
    assert optimal["kind"] == fixed["kind"] == "global minimum"
    # the Schur complement subtracts H_θa H_aa⁻¹ H_aθ ⪰ 0: each eigenvalue at most the fixed-charge
    # one, and strictly less here (at the match H_θa ≠ 0: electron l's field on θ_i scales with a_l)
    reduced, full = ([float(v) for v in r["hessian_eigenvalues"]] for r in (optimal, fixed))
    assert all(0 < r <= f + 1e-12 for r, f in zip(reduced, full, strict=True))
    assert sum(reduced) < sum(full) - 0.1
