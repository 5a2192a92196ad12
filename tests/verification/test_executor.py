import copy
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from theory.cli import main
from theory.core.errors import InputError
from theory.teacher_student.relu_sweep import sweep
from theory.verification.executor import run_all


def cube(task):
    return {"x": task["x"], "cube": task["x"] ** 3}


def test_parallel_results_come_back_in_task_order():
    tasks = [{"x": i} for i in range(12)]
    assert [r["cube"] for r in run_all(cube, tasks, workers=2)] == [i**3 for i in range(12)]


def test_resume_skips_finished_tasks_and_refuses_another_configuration(tmp_path):
    tasks = [{"x": i} for i in range(4)]
    run_all(cube, tasks, checkpoint=tmp_path, config={"what": "cubes"})
    (tmp_path / "results" / "2.json").unlink()
    (tmp_path / "results" / "0.json").write_text(json.dumps({"x": 0, "cube": "kept"}))
    again = run_all(cube, tasks, checkpoint=tmp_path, config={"what": "cubes"})
    assert again[0]["cube"] == "kept" and again[2]["cube"] == 8   # 0 reused, 2 recomputed
    with pytest.raises(InputError, match="another configuration"):
        run_all(cube, tasks, checkpoint=tmp_path, config={"what": "squares"})


SLOW_SWEEP = """
import sys, time
from theory.verification.executor import run_all
def slow(task):
    time.sleep(0.3)
    return {"i": task["i"]}
if __name__ == "__main__":
    run_all(slow, [{"i": i} for i in range(40)], checkpoint=sys.argv[1], config={"t": 1})
"""


def test_a_killed_sweep_loses_no_finished_run(tmp_path):
    script = tmp_path / "sweep.py"
    script.write_text(SLOW_SWEEP)
    folder = tmp_path / "ckpt"
    process = subprocess.Popen([sys.executable, str(script), str(folder)], start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline and len(list((folder / "results").glob("*.json"))) < 3:
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = {p.name: p.read_text() for p in (folder / "results").glob("*.json")}
    assert 3 <= len(finished) < 40
    subprocess.run([sys.executable, str(script), str(folder)], check=True, timeout=120)
    results = sorted((folder / "results").glob("*.json"))
    assert len(results) == 40
    for name, text in finished.items():  # what was finished before the kill is untouched
        assert (folder / "results" / name).read_text() == text


def threads_in_worker(task):
    """The largest BLAS/OpenMP pool size a task sees, and the process it ran in."""
    return {"pid": os.getpid(), "threads": max(pool["num_threads"] for pool in threadpool_info())}


#: Dask settings of a cluster configured elsewhere: no BLAS limits, non-daemonic workers.
UNLIMITED = {"distributed.nanny.pre-spawn-environ": {}, "distributed.worker.daemon": False}


@pytest.fixture(scope="module")
def dask_config():
    """The Dask configuration as this module found it (with distributed's defaults loaded)."""
    pytest.importorskip("dask.distributed")
    return copy.deepcopy(pytest.importorskip("dask").config.config)


@pytest.fixture(scope="module")
def unlimited_cluster(dask_config):
    """A Dask LocalCluster of 2 workers whose BLAS is *not* limited by Dask itself (as on a
    cluster configured elsewhere): the one-thread limit must come from run_all. The settings
    hold only while the workers start (their nannies read them then), not for later tests."""
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("dask.distributed")
    with dask.config.set(UNLIMITED):
        cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0")
    with cluster:
        yield cluster.scheduler_address


def test_the_cluster_fixture_leaves_the_dask_configuration_as_it_found_it(unlimited_cluster, dask_config):
    dask = pytest.importorskip("dask")
    for key in UNLIMITED:
        assert dask.config.get(key) == dask.config.get(key, config=dask_config)


def test_every_backend_runs_tasks_with_one_blas_thread(unlimited_cluster):
    assert max(pool["num_threads"] for pool in threadpool_info()) == os.cpu_count()  # unlimited here
    tasks = [{"i": i} for i in range(4)]
    for options in [{}, {"workers": 2}, {"backend": "dask", "scheduler": unlimited_cluster}]:
        records = run_all(threads_in_worker, tasks, **options)
        assert [r["threads"] for r in records] == [1] * 4, options
    assert len({r["pid"] for r in records} - {os.getpid()}) == 2  # both Dask workers served


def _agree(records, others, dps=20):
    """Same seeds, kinds and step counts; losses and positions equal to the polishing
    target 10^-(dps-5) (digits beyond it depend on the last bit of the float64 start)."""
    assert len(records) == len(others)
    for r, o in zip(records, others, strict=True):
        assert (r["k"], r["seed"], r["kind"], r["steps"]) == (o["k"], o["seed"], o["kind"], o["steps"])
        assert abs(r["loss"] - o["loss"]) < 10.0 ** -(dps - 5)
        assert np.abs(np.subtract(r["positions"], o["positions"])).max() < 10.0 ** -(dps - 5)


def test_dask_checkpoints_resume_on_a_local_or_a_given_cluster(unlimited_cluster, tmp_path):
    tasks = [{"x": i} for i in range(6)]
    first = run_all(cube, tasks, backend="dask", workers=2, checkpoint=tmp_path, config={"what": "cubes"})
    assert [r["cube"] for r in first] == [i**3 for i in range(6)]
    (tmp_path / "results" / "4.json").unlink()
    (tmp_path / "results" / "0.json").write_text(json.dumps({"x": 0, "cube": "kept"}))
    again = run_all(cube, tasks, backend="dask", scheduler=unlimited_cluster, checkpoint=tmp_path,
                    config={"what": "cubes"})
    assert again[0]["cube"] == "kept" and again[4]["cube"] == 64
    with pytest.raises(InputError, match="another configuration"):
        run_all(cube, tasks, backend="dask", scheduler=unlimited_cluster, checkpoint=tmp_path)


@pytest.mark.slow
def test_a_dask_sweep_matches_loky_and_resumes_from_its_checkpoint(unlimited_cluster, tmp_path):
    loky = sweep([2], 2, workers=2, checkpoint=tmp_path / "loky", seconds=60.0)
    own_cluster = sweep([2], 2, backend="dask", workers=2, checkpoint=tmp_path / "dask", seconds=60.0)
    _agree(own_cluster["records"], loky["records"])
    (tmp_path / "dask" / "results" / "1.json").unlink()
    kept = (tmp_path / "dask" / "results" / "0.json").read_text()
    again = sweep([2], 2, backend="dask", scheduler=unlimited_cluster, checkpoint=tmp_path / "dask",
                  seconds=60.0)
    _agree(again["records"], loky["records"])
    assert (tmp_path / "dask" / "results" / "0.json").read_text() == kept
    with pytest.raises(InputError, match="another configuration"):
        sweep([2], 3, backend="dask", scheduler=unlimited_cluster, checkpoint=tmp_path / "dask")


@pytest.mark.slow
def test_a_cluster_of_daemonic_workers_is_refused():
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("dask.distributed")
    with dask.config.set({"distributed.worker.daemon": True}):  # daemonic whatever the defaults
        cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=":0")
    with cluster, pytest.raises(InputError, match="daemonic"):
        run_all(cube, [{"x": 1}], backend="dask", scheduler=cluster.scheduler_address)


@pytest.mark.slow
def test_cli_runs_the_sweep_on_a_given_scheduler(unlimited_cluster, tmp_path, capsys):
    assert main(["sweep", "relu", "--k", "2", "--runs", "1", "--backend", "dask", "--scheduler",
                 unlimited_cluster, "--resume", str(tmp_path), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["table"]
    assert row["counts"]["global minimum"] == 1


def test_progress_bar_only_when_asked_or_on_a_terminal(capsys):
    tasks = [{"x": i} for i in range(5)]
    run_all(cube, tasks)  # stderr is captured, not a terminal: silent
    assert capsys.readouterr().err == ""
    run_all(cube, tasks, progress=True)
    assert "5/5" in capsys.readouterr().err


@pytest.mark.parametrize("options, message", [({"backend": "ray"}, "no backend 'ray': choose loky or dask"),
                                              ({"scheduler": "tcp://127.0.0.1:1"}, "needs backend='dask'"),
                                              ({"workers": 0}, "workers must be an integer from 1 to 256")])
def test_bad_engine_options_are_refused(options, message):
    with pytest.raises(InputError, match=message):
        run_all(cube, [{"x": 1}], **options)
