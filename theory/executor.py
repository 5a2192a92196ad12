"""Run many independent, seeded tasks in parallel and keep every finished one.

Parallelism is joblib's: processes on this machine by default (``backend="loky"``),
or any joblib backend — ``"dask"`` or ``"ray"`` once their joblib integration is
registered — with no scheduler of our own. With a ``checkpoint`` folder each
finished task is written at once as ``results/<index>.json``; running again
with the same folder skips what is there, and a folder made for another
configuration is refused rather than mixed.

>>> def square(task):
...     return {"value": task["x"] ** 2}
>>> [r["value"] for r in run_all(square, [{"x": 1}, {"x": 2}, {"x": 3}])]
[1, 4, 9]
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed

from .errors import InputError


def run_all(task_fn: Callable[[dict], dict], tasks: Sequence[dict], *, workers: int = 1,
            checkpoint: str | Path | None = None, config: dict | None = None,
            backend: str = "loky", progress: bool | None = None) -> list[dict]:
    """``[task_fn(task) for task in tasks]``, in parallel, checkpointed, in task order.

    Parameters
    ----------
    task_fn : callable
        A module-level function (picklable) from a task dict to a JSON-serialisable dict.
    workers : int
        Number of joblib workers (1 runs in this process).
    checkpoint : path, optional
        Folder for finished results; resumed when it exists.
    config : dict, optional
        What the tasks mean (activation, d, k, …); stored with the checkpoint and
        compared on resume.
    progress : bool, optional
        Print ``done/total`` to stderr; by default only when stderr is a terminal.
    """
    if not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    results: dict[int, dict] = {}
    folder = _prepare(Path(checkpoint), tasks, config) if checkpoint else None
    if folder:
        results = _finished(folder)
    todo = [i for i in range(len(tasks)) if i not in results]
    show = sys.stderr.isatty() if progress is None else progress
    runner = Parallel(n_jobs=workers, backend=backend, return_as="generator_unordered")
    for index, result in runner(delayed(_indexed)(task_fn, i, tasks[i]) for i in todo):
        results[index] = result
        if folder:
            _save(folder / "results" / f"{index}.json", result)
        if show:
            print(f"\r{len(results)}/{len(tasks)} done", end="", file=sys.stderr, flush=True)
    if show:
        print(file=sys.stderr)
    return [results[i] for i in range(len(tasks))]


def _indexed(task_fn: Callable, index: int, task: dict) -> tuple[int, dict]:
    return index, task_fn(task)


def _fingerprint(tasks: Sequence[dict], config: dict | None) -> str:
    text = json.dumps({"config": config, "tasks": list(tasks)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _prepare(folder: Path, tasks: Sequence[dict], config: dict | None) -> Path:
    fingerprint = _fingerprint(tasks, config)
    manifest = folder / "sweep.json"
    if manifest.exists():
        stored = json.loads(manifest.read_text())
        if stored.get("fingerprint") != fingerprint:
            raise InputError(f"checkpoint {folder} was made for another configuration "
                             f"({stored.get('config')}); use a new folder instead of mixing results")
    else:
        (folder / "results").mkdir(parents=True, exist_ok=True)
        _save(manifest, {"fingerprint": fingerprint, "config": config, "tasks": len(tasks)})
    return folder


def _finished(folder: Path) -> dict[int, dict]:
    done = {}
    for path in (folder / "results").glob("*.json"):
        try:
            done[int(path.stem)] = json.loads(path.read_text())
        except (ValueError, json.JSONDecodeError):
            continue  # a partly written file from a killed run: the task is simply run again
    return done


def _save(path: Path, data: Any) -> None:
    """Write atomically: a killed run never leaves a half-written result behind."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, default=str))
    os.replace(temporary, path)
