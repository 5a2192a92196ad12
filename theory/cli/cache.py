"""Show or clear the on-disk cache of derived potentials and kernels.

The folder is $THEORY_CACHE_DIR, else $XDG_CACHE_HOME/theory, else ~/.cache/theory;
THEORY_CACHE=off turns the cache off. Deleting entries is always safe: they are
derived again when next needed.

Examples:
  theory cache
  theory cache --clear
"""

from __future__ import annotations

import argparse
import json

from ..core.exitcodes import ExitCode


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--clear", action="store_true", help="delete every entry and say how many")


def run(args: argparse.Namespace) -> int:
    from ..core import cache  # SymPy only when the subcommand runs

    folder = cache.directory()
    if args.clear:
        removed = cache.clear()
        record = {"directory": str(folder), "removed": removed}
        text = f"removed {removed} entr{'y' if removed == 1 else 'ies'} from {folder}"
    else:
        files = cache.entries()
        size = sum(path.stat().st_size for path in files if path.exists())
        record = {"directory": str(folder), "entries": len(files), "bytes": size, "enabled": cache.enabled()}
        text = (f"cache: {folder}\nentries: {len(files)}\nsize: {_size(size)}"
                + ("" if cache.enabled() else "\n(disabled: THEORY_CACHE=off)"))
    print(json.dumps(record) if args.json else text)
    return ExitCode.OK


def _size(count: int) -> str:
    if count < 1024:
        return f"{count} B"
    return f"{count / 1024:.1f} KiB" if count < 1024**2 else f"{count / 1024**2:.1f} MiB"
