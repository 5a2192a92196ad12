"""Run many independent, seeded tasks in parallel and keep every finished one.

Parallelism is joblib's, with no scheduler of our own: worker processes on this
machine (``backend="loky"``, the default), or the same tasks on a Dask cluster
(``backend="dask"``: joblib's Dask backend on a ``dask.distributed.Client``, a
:class:`~dask.distributed.LocalCluster` of ``workers`` processes unless a
``scheduler`` address is given). Every task runs with its BLAS/OpenMP thread
pools limited to one thread (threadpoolctl), so parallel workers do not
oversubscribe the cores and a record does not depend on the backend. With a
``checkpoint`` folder each finished task is written at once as
``results/<index>.json`` (write-and-rename under a unique temporary name);
running again with the same folder skips what is there, and a folder made for
another configuration, or holding a file that is not a result, is refused
(naming the file) rather than mixed. A second run on a folder in use is refused
(:func:`theory.core.files.folder_lock`). A worker that dies (killed, out of
memory) stops the run with :class:`~theory.core.errors.WorkerLost` naming the
task it was running; finished results are kept. Workers of this machine exit
when their parent does. A tqdm progress bar on stderr counts finished tasks.

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
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from joblib import Parallel, delayed, parallel_config
from joblib.externals.loky.process_executor import BrokenProcessPool
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from ..core import validators as valid
from ..core.choices import Choice
from ..core.errors import InputError, WorkerLost
from ..core.files import folder_lock, make_folder, write_atomic


class Backend(Choice):
    """The joblib backends :func:`run_all` runs on: loky processes on this machine, or a Dask cluster."""

    LOKY = "loky"
    DASK = "dask"


#: The backends' names, as the command line spells them.
BACKENDS = tuple(b.value for b in Backend)


def run_all(task_fn: Callable[[dict], dict], tasks: Sequence[dict], *, workers: int = 1,
            checkpoint: str | Path | None = None, config: dict | None = None,
            backend: Backend | str = Backend.LOKY, scheduler: str | None = None,
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
    backend : Backend or str
        ``loky`` (the default) or ``dask``.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); dask backend only.
    progress : bool, optional
        Show a progress bar on stderr; by default only when stderr is a terminal.
    """
    backend = check_engine(workers, backend, scheduler)
    with contextlib.ExitStack() as stack:
        folder = stack.enter_context(folder_lock(checkpoint)) if checkpoint else None
        results = _finished(_prepare(folder, tasks, config), len(tasks)) if folder else {}
        running = folder / RUNNING if folder else Path(stack.enter_context(_scratch()))
        running.mkdir(exist_ok=True)
        # markers of a killed earlier run (the folder is locked: none is live)
        for stale in running.iterdir():
            stale.unlink()
        todo = [i for i in range(len(tasks)) if i not in results]
        disable = None if progress is None else not progress
        bar = stack.enter_context(tqdm(total=len(tasks), initial=len(results), unit="task",
                                       dynamic_ncols=True, disable=disable))
        stack.enter_context(_engine(backend, workers, scheduler))
        runner = Parallel(return_as="generator_unordered")
        calls = (delayed(_indexed)(task_fn, i, tasks[i], running, os.getpid()) for i in todo)
        try:
            for index, result in runner(calls):
                results[index] = result
                if folder:
                    _save(folder / "results" / f"{index}.json", result)
                bar.update()
        except BrokenProcessPool as why:
            raise _lost(why, running, results, len(tasks), folder) from None
    return [results[i] for i in range(len(tasks))]


#: Subfolder of markers ``<index>`` (holding the worker's pid) of the tasks being run.
RUNNING = "running"


@contextlib.contextmanager
def _scratch() -> Iterator[str]:
    path = tempfile.mkdtemp(prefix="theory-running-")
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _lost(why: Exception, running: Path, results: dict, total: int, folder: Path | None) -> WorkerLost:
    """The error for a worker that died: the task(s) it was running, what is kept, how to go on."""
    dead = sorted(int(m.name) for m in running.iterdir() if m.name.isdigit() and not _alive(m))
    tasks = ", ".join(map(str, dead)) if dead else "unknown"
    kept = (f"{len(results)} of {total} finished results are kept in {folder}; run again with the same "
            "folder to resume") if folder else \
        f"{len(results)} of {total} tasks had finished (give a checkpoint folder to keep them)"
    return WorkerLost(f"a worker process died (killed by a signal or out of memory: {type(why).__name__}); "
                      f"task(s) being run then: {tasks}; {kept}")


def _alive(marker: Path) -> bool:
    try:
        os.kill(int(marker.read_text()), 0)
    except (ValueError, OSError):
        return False
    return True


def check_engine(workers: int, backend: Backend | str, scheduler: str | None) -> Backend:
    """The backend named, after refusing engine options :func:`run_all` cannot use (callers
    check them before any work)."""
    valid.count(workers, "workers", 1, valid.WORKERS_MAX)
    backend = Backend(backend)
    if scheduler is not None and backend is not Backend.DASK:
        raise InputError(f"a scheduler address needs backend='dask', not {backend.value!r}")
    return backend


@contextlib.contextmanager
def _engine(backend: Backend, workers: int, scheduler: str | None) -> Iterator[None]:
    """The joblib configuration of ``backend``: loky processes whose BLAS pools start with one
    thread, or a Dask client (on ``scheduler``, or on a LocalCluster of one-thread workers)."""
    if backend is Backend.LOKY:
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


def _indexed(task_fn: Callable, index: int, task: dict, running: Path, parent: int) -> tuple[int, dict]:
    """Run one task with every BLAS/OpenMP pool of the worker limited to one thread, marked as running
    in ``running/<index>`` (the worker's pid) until it returns."""
    if os.getppid() == parent:  # a worker process of this machine: exit with the parent
        _follow(parent)
    marker = running / str(index)
    with contextlib.suppress(OSError):
        marker.write_text(str(os.getpid()))
    try:
        with threadpool_limits(limits=1):
            return index, task_fn(task)
    finally:
        with contextlib.suppress(OSError):
            marker.unlink()


_FOLLOWING: set[int] = set()


def _follow(parent: int, every: float = 0.5) -> None:
    """Start (once a process) a daemon thread that ends this process when ``parent`` has died."""
    if parent in _FOLLOWING:
        return
    _FOLLOWING.add(parent)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="theory-parent-watch", daemon=True).start()


def _fingerprint(tasks: Sequence[dict], config: dict | None) -> str:
    text = json.dumps({"config": config, "tasks": list(tasks)}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


MANIFEST = "sweep.json"


def _prepare(folder: Path, tasks: Sequence[dict], config: dict | None) -> Path:
    """Check the manifest of a (locked) checkpoint folder, or write it into a new one."""
    fingerprint = _fingerprint(tasks, config)
    manifest = folder / MANIFEST
    if manifest.exists():
        stored = _read(manifest)
        if not isinstance(stored, dict) or not isinstance(stored.get("fingerprint"), str):
            raise InputError(f"{manifest} is not a checkpoint manifest of theory (no fingerprint); "
                             "use a new folder")
        if stored["fingerprint"] != fingerprint:
            raise InputError(f"checkpoint {folder} was made for another configuration "
                             f"({stored.get('config')}); use a new folder instead of mixing results")
    elif any(p.name != ".lock" for p in folder.iterdir()):
        raise InputError(f"{folder} holds files but no {MANIFEST}: not a checkpoint folder; "
                         "use a new or empty folder")
    else:
        _save(manifest, {"fingerprint": fingerprint, "config": config, "tasks": len(tasks)})
    make_folder(folder / "results")
    return folder


def _read(path: Path) -> Any:
    """The JSON in ``path``, or an InputError naming the file."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as why:
        raise InputError(f"checkpoint file {path} cannot be read ({why}); it is corrupt or not theory's: "
                         "remove it to recompute that task, or use a new folder") from None


def _finished(folder: Path, total: int) -> dict[int, dict]:
    """The results already in ``folder/results``; anything that is not one refuses the folder."""
    done = {}
    for path in sorted((folder / "results").glob("*.json")):
        if not path.stem.isdigit() or int(path.stem) >= total:
            raise InputError(f"checkpoint file {path} is not a result of this run's {total} tasks; "
                             "remove it or use a new folder")
        record = _read(path)
        if not isinstance(record, dict) or not record:
            raise InputError(f"checkpoint file {path} holds {record!r}, not a result; "
                             "remove it to recompute that task")
        done[int(path.stem)] = record
    return done


def _save(path: Path, data: Any) -> None:
    """Write and rename under a unique temporary name: a killed run never leaves a torn result."""
    write_atomic(path, json.dumps(data, default=str))
