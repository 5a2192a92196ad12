"""Run many independent, seeded tasks in parallel and keep every finished one.

Parallelism is joblib's, with no scheduler of our own: worker processes on this
machine (``backend="loky"``, the default), or the same tasks on a Dask cluster
(``backend="dask"``: joblib's Dask backend on a ``dask.distributed.Client``, a
:class:`~dask.distributed.LocalCluster` of ``workers`` processes unless a
``scheduler`` address is given). Every task runs with its BLAS/OpenMP thread
pools limited to one thread (threadpoolctl), so parallel workers do not
oversubscribe the cores and a record does not depend on the backend. With a
``checkpoint`` folder each finished task is written at once as
``results/<index>.json``; running again with the same folder skips what is
there, and a folder made for another configuration is refused rather than mixed.
A tqdm progress bar on stderr counts finished tasks.

>>> def square(task):
...     return {"value": task["x"] ** 2}
>>> [r["value"] for r in run_all(square, [{"x": 1}, {"x": 2}, {"x": 3}])]
[1, 4, 9]
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed, parallel_config
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from ..core.errors import InputError

#: The joblib backends :func:`run_all` accepts.
BACKENDS = ("loky", "dask")


def run_all(task_fn: Callable[[dict], dict], tasks: Sequence[dict], *, workers: int = 1,
            checkpoint: str | Path | None = None, config: dict | None = None,
            backend: str = "loky", scheduler: str | None = None,
            progress: bool | None = None) -> list[dict]:
    """``[task_fn(task) for task in tasks]``, in parallel, checkpointed, in task order.

    Parameters
    ----------
    task_fn : callable
        A module-level function (picklable) from a task dict to a JSON-serialisable dict.
    workers : int
        Number of worker processes (loky: 1 runs in this process; dask: the size of
        the LocalCluster, ignored when ``scheduler`` is given: the cluster's workers are used).
    checkpoint : path, optional
        Folder for finished results; resumed when it exists.
    config : dict, optional
        What the tasks mean (activation, d, k, …); stored with the checkpoint and
        compared on resume.
    backend : {"loky", "dask"}
        joblib backend.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); dask backend only.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.
    """
    if not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a positive integer, got {workers!r}")
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if scheduler is not None and backend != "dask":
        raise InputError(f"a scheduler address needs backend='dask', not {backend!r}")
    results: dict[int, dict] = {}
    folder = _prepare(Path(checkpoint), tasks, config) if checkpoint else None
    if folder:
        results = _finished(folder)
    todo = [i for i in range(len(tasks)) if i not in results]
    bar = tqdm(total=len(tasks), initial=len(results), unit="task", dynamic_ncols=True,
               disable=None if progress is None else not progress)
    with bar, _engine(backend, workers, scheduler):
        runner = Parallel(return_as="generator_unordered")
        for index, result in runner(delayed(_indexed)(task_fn, i, tasks[i]) for i in todo):
            results[index] = result
            if folder:
                _save(folder / "results" / f"{index}.json", result)
            bar.update()
    return [results[i] for i in range(len(tasks))]


@contextlib.contextmanager
def _engine(backend: str, workers: int, scheduler: str | None) -> Iterator[None]:
    """The joblib configuration of ``backend``: loky processes whose BLAS pools start with one
    thread, or a Dask client (on ``scheduler``, or on a LocalCluster of one-thread workers)."""
    if backend == "loky":
        with parallel_config(backend="loky", n_jobs=workers, inner_max_num_threads=1):
            yield
        return
    try:
        import dask
        from dask.distributed import Client, LocalCluster
    except ImportError as why:
        raise InputError("backend 'dask' needs dask.distributed: pip install 'theory[cluster]'") from why
    with contextlib.ExitStack() as stack:
        if scheduler is None:
            # non-daemonic workers: time-bounded symbolic steps (theory.core.timebound) fork children
            stack.enter_context(dask.config.set({"distributed.worker.daemon": False}))
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                       processes=True, dashboard_address=":0"))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(_connect(Client, scheduler))
        stack.enter_context(parallel_config(backend="dask", client=client))
        yield


def _connect(Client, address: str):
    """A client of the scheduler at ``address`` whose workers may start child processes."""
    try:
        client = Client(address, timeout=30)
    except (OSError, TimeoutError, ValueError) as why:
        raise InputError(f"cannot reach the Dask scheduler at {address!r}: {why}") from why
    if any(client.run(_daemonic).values()):
        client.close()
        raise InputError(f"the Dask workers of {address} are daemonic and cannot start the child processes "
                         "of time-bounded steps; start them with DASK_DISTRIBUTED__WORKER__DAEMON=False")
    return client


def _daemonic() -> bool:
    return multiprocessing.current_process().daemon


def _indexed(task_fn: Callable, index: int, task: dict) -> tuple[int, dict]:
    """Run one task with every BLAS/OpenMP pool of the worker limited to one thread."""
    with threadpool_limits(limits=1):
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
