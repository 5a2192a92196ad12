"""Results survive faults: torn or foreign checkpoints, two writers, dead workers, a dead parent,
a full disk."""

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from theory.cli import main
from theory.core import files
from theory.core.errors import InputError, WorkerLost
from theory.core.files import folder_lock, write_atomic
from theory.verification.executor import RUNNING, run_all


def cube(task):
    return {"x": task["x"], "cube": task["x"] ** 3}


def nap(task):
    """Quick for x < 4, long otherwise (a worker to kill)."""
    time.sleep(0.05 if task["x"] < 4 else 60)
    return {"x": task["x"]}


TASKS = [{"x": i} for i in range(4)]


def _checkpoint(tmp_path):
    run_all(cube, TASKS, checkpoint=tmp_path, config={"what": "cubes"})
    return tmp_path


@pytest.mark.parametrize("damage,named", [
    (lambda f: (f / "sweep.json").write_text((f / "sweep.json").read_text()[:20]), "sweep.json"),
    (lambda f: (f / "sweep.json").write_text("[]"), "sweep.json"),
    (lambda f: (f / "sweep.json").write_bytes(b"\xff\xfe"), "sweep.json"),
    (lambda f: (f / "results" / "1.json").write_text("{}"), "1.json"),
    (lambda f: (f / "results" / "1.json").write_text('{"x": 1, "cu'), "1.json"),
    (lambda f: (f / "results" / "2.json").write_text("[1, 2]"), "2.json"),
    (lambda f: (f / "results" / "9.json").write_text('{"x": 9}'), "9.json"),
    (lambda f: (f / "results" / "notes.json").write_text('{"x": 9}'), "notes.json"),
])
def test_a_corrupt_or_foreign_checkpoint_is_refused_naming_the_file(tmp_path, damage, named):
    folder = _checkpoint(tmp_path)
    damage(folder)
    with pytest.raises(InputError, match=named):
        run_all(cube, TASKS, checkpoint=folder, config={"what": "cubes"})


def test_a_folder_of_other_files_is_not_taken_for_a_checkpoint(tmp_path):
    (tmp_path / "thesis.tex").write_text("mine")
    with pytest.raises(InputError, match=r"no sweep\.json"):
        run_all(cube, TASKS, checkpoint=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".lock", "thesis.tex"]


def test_a_second_writer_of_a_results_folder_is_refused(tmp_path):
    with folder_lock(tmp_path), pytest.raises(InputError, match="in use by another run"):
        run_all(cube, TASKS, checkpoint=tmp_path)
    assert len(run_all(cube, TASKS, checkpoint=tmp_path)) == 4  # free again once released


RACE = """
import sys
from theory.verification.executor import run_all
def task(t):
    import time; time.sleep(0.2)
    return {"x": t["x"], "k": t["k"]}
k = int(sys.argv[2])
run_all(task, [{"x": i, "k": k} for i in range(4)], checkpoint=sys.argv[1], config={"k": k})
"""


def test_two_runs_started_at_once_on_one_folder_one_wins_and_no_result_mixes(tmp_path):
    script = tmp_path / "race.py"
    script.write_text(RACE)
    folder = tmp_path / "shared"
    runs = [subprocess.Popen([sys.executable, str(script), str(folder), str(k)], stderr=subprocess.PIPE,
                             text=True) for k in (5, 6)]
    outcomes = [(p.wait(timeout=60), p.stderr.read()) for p in runs]
    winners = [k for (code, _), k in zip(outcomes, (5, 6), strict=True) if code == 0]
    assert len(winners) >= 1
    for code, err in outcomes:
        assert code == 0 or ("in use by another run" in err or "another configuration" in err)
    stored = {json.loads(p.read_text())["k"] for p in (folder / "results").glob("*.json")}
    assert stored == {json.loads((folder / "sweep.json").read_text())["config"]["k"]}
    assert not list(folder.rglob("*.tmp"))


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    target = write_atomic(tmp_path / "report.md", "complete report")

    def full(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", full)
    with pytest.raises(InputError, match=r"cannot write .*report\.md: No space left on device"):
        write_atomic(target, "a new report that does not fit")
    assert target.read_text() == "complete report" and [p.name for p in tmp_path.iterdir()] == ["report.md"]


@pytest.mark.parametrize("path", ["/proc/theory-results", "/proc/self/status/x"])
def test_unwritable_folders_are_refused(path):
    with pytest.raises(InputError, match="cannot"):
        run_all(cube, TASKS, checkpoint=path)


def test_a_regular_file_given_as_folder_is_refused(tmp_path):
    file = tmp_path / "results.txt"
    file.write_text("x")
    with pytest.raises(InputError, match="a file of that name exists"):
        run_all(cube, TASKS, checkpoint=file)
    assert main(["sweep", "relu", "--k", "2", "--runs", "1", "--resume", str(file)]) == 2


def _markers(folder, wanted, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = {m.name: m.read_text() for m in (folder / RUNNING).glob("*") if m.name in wanted}
        if set(found) == wanted and all(found.values()):
            return {name: int(pid) for name, pid in found.items()}
        time.sleep(0.05)
    raise AssertionError(f"tasks {wanted} never started")


def test_a_killed_worker_is_reported_by_task_and_the_rest_is_kept(tmp_path):
    tasks = [{"x": i} for i in range(5)]

    def kill_task_4():
        (pid,) = _markers(tmp_path, {"4"}).values()
        os.kill(pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_task_4)
    killer.start()
    with pytest.raises(WorkerLost) as lost:
        run_all(nap, tasks, workers=2, checkpoint=tmp_path, config={"t": 1})
    killer.join()
    message = str(lost.value)
    assert "task(s) being run then: 4" in message and "4 of 5 finished results are kept" in message
    assert "run again with the same folder" in message
    assert sorted(p.name for p in (tmp_path / "results").glob("*.json")) == [f"{i}.json" for i in range(4)]


PARENT = """
import sys, time
from theory.verification.executor import run_all
def nap(task):  # defined here (pickled by value): the workers need not import the test module
    time.sleep(60)
    return {}
if __name__ == "__main__":
    run_all(nap, [{"x": i} for i in range(2)], workers=2, checkpoint=sys.argv[1])
"""


def _gone(pid, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:
            if Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
                return True  # a zombie: dead, waiting for init to reap it
        except OSError:
            return True
        time.sleep(0.1)
    return False


def test_workers_die_with_their_parent(tmp_path):
    root = Path(__file__).resolve().parents[2]
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    parent = subprocess.Popen([sys.executable, str(script), str(tmp_path / "run")], cwd=root)
    try:
        workers = _markers(tmp_path / "run", {"0", "1"}).values()
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.wait()
    assert all(_gone(pid, timeout=10) for pid in workers)
