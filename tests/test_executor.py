import json
import os
import signal
import subprocess
import sys
import time

import pytest

from theory.errors import InputError
from theory.executor import run_all


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
from theory.executor import run_all
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
