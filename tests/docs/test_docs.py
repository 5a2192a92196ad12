"""The API reference: Sphinx builds it from the docstrings with warnings as errors.

The sources are beside this file (``conf.py``, ``index.rst``, ``cli.rst``, ``api/``);
``python -m sphinx -W -b html tests/docs build/docs`` builds it by hand.
"""

from __future__ import annotations

import html
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import theory
import theory.cli
import theory.proofs

SOURCES = Path(__file__).resolve().parent
INTERNAL = {"theory.__main__"}


def public_modules() -> set[str]:
    """Every module of every subpackage of theory (and theory.proofs) without a leading underscore."""
    found = {"theory", "theory.proofs"}
    for package in (theory, theory.proofs):
        found |= {m.name for m in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")}
    return {m for m in found - INTERNAL if not any(part.startswith("_") for part in m.split("."))}


def documented_modules() -> set[str]:
    text = "\n".join(p.read_text(encoding="utf-8") for p in SOURCES.rglob("*.rst"))
    return set(re.findall(r"^\.\. automodule:: (\S+)", text, re.MULTILINE))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("docs")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
                           "-d", str(out / "doctrees"), str(SOURCES), str(out / "html")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and not done.stderr, f"sphinx-build -W failed:\n{done.stderr}"
    return out / "html"


def test_the_reference_builds_without_warnings(built):
    assert (built / "index.html").is_file() and (built / "objects.inv").is_file()


def test_every_public_module_has_a_page_or_is_a_subcommand():
    subcommands = {f"theory.cli.{name}" for name in theory.cli.SUBCOMMANDS}
    assert public_modules() - subcommands == documented_modules()  # and nothing stale is listed


def test_every_public_name_is_documented_where_it_is_defined(built):
    html = "\n".join(p.read_text(encoding="utf-8") for p in (built / "api").glob("*.html"))
    for name, home in theory._HOMES.items():
        assert f'id="theory{home}.{name}"' in html, name


def test_the_package_page_links_its_lazy_names(built):
    page = (built / "index.html").read_text(encoding="utf-8")
    for target in ("potentials.html#theory.potentials.potential.potential",
                   "conditions.html#theory.conditions.classify.classify",
                   "paper.html#theory.paper.prove.prove"):
        assert f'href="api/{target}"' in page


def test_the_command_line_page_has_every_subcommand_with_its_options(built):
    page = html.unescape(re.sub(r"<[^>]+>", "", (built / "cli.html").read_text(encoding="utf-8")))
    for name in theory.cli.SUBCOMMANDS:
        assert f"theory {name} [-h] [--debug] [--json] [--quiet]" in page
    assert "--potential" in page and "--charges" in page


def test_formulas_reach_mathjax(built):
    page = (built / "api" / "conditions.html").read_text(encoding="utf-8")
    assert "mathjax" in page.lower() and r"\Delta" in page
