"""Loaded by every pytest run in the repository (the tests, the doctests of theory/, README.md)."""

import os
import shutil
import tempfile

_FOLDER = tempfile.mkdtemp(prefix="theory-cache-tests-")


def pytest_configure(config):
    """Derived closed forms are cached in a folder of this session's, never the user's cache
    (:mod:`theory.core.cache`); it is removed at the end."""
    os.environ["THEORY_CACHE_DIR"] = _FOLDER


def pytest_unconfigure(config):
    shutil.rmtree(_FOLDER, ignore_errors=True)
