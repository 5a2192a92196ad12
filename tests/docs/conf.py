"""Sphinx configuration of the API reference (built by tests/docs/test_docs.py with -W).

Build by hand: ``python -m sphinx -W -b html tests/docs build/docs``.
"""

import theory

project = "theory"
author = "the theory developers"
release = version = theory.__version__

extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax", "sphinxarg.ext"]
# No intersphinx: the build runs offline (CI reaches package registries only).

root_doc = "index"
exclude_patterns = ["__pycache__"]
smartquotes = False  # keep "--option" and quotes in the command line's help as typed
html_theme = "alabaster"
html_static_path: list[str] = []

napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_ivar = True  # an Attributes section documents fields, not a second copy of each
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True}


def _lazy_name(app, env, node, contnode):
    """Resolve ``theory.NAME`` (and a bare NAME on the package's page) to where NAME is defined.

    ``theory`` imports its public names lazily (PEP 562), so they are documented in their
    home modules; a reference to the short name would otherwise render unlinked.
    """
    name = node.get("reftarget", "").removeprefix("theory.")
    if node.get("refdomain") != "py" or name not in theory._HOMES:
        return None
    node["reftarget"] = f"theory{theory._HOMES[name]}.{name}"
    return env.get_domain("py").resolve_xref(env, node["refdoc"], app.builder, node["reftype"],
                                             node["reftarget"], node, contnode)


def setup(app):
    app.connect("missing-reference", _lazy_name)
