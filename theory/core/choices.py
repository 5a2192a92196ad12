"""Closed sets of named choices: a string enum whose unknown names are input errors.

A :class:`Choice` member compares equal to, and prints as, its value, so records
and printed text keep the words they had as plain strings; looking one up by an
unknown name raises :class:`~theory.core.errors.InputError` naming the choices
(never a bare ``ValueError``).

>>> class Colour(Choice):
...     '''A colour.'''
...     DARK_RED = "dark red"
...     BLUE = "blue"
>>> Colour("dark-red"), Colour("BLUE") == "blue", Colour.find("green")
(<Colour.DARK_RED: 'dark red'>, True, None)
>>> Colour("green")
Traceback (most recent call last):
...
theory.core.errors.InputError: no colour 'green': choose dark red or blue
"""

from __future__ import annotations

import enum
import re

from .errors import InputError


def spelling(name: str) -> str:
    """A name folded for lookup: lower case, ``_`` and ``-`` read as spaces."""
    return " ".join(name.lower().replace("_", " ").replace("-", " ").split())


def listing(names) -> str:
    """``a, b or c``."""
    names = [str(n) for n in names]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


class Choice(enum.StrEnum):
    """A string enum looked up by its value or its member's name, in any case, ``_`` or ``-``
    for a space; the error for an unknown name calls a member by the class name in words
    (``EquilibriumKind`` → "equilibrium kind")."""

    @classmethod
    def _missing_(cls, value):
        found = cls.find(value)
        if found is None:
            raise InputError(f"no {cls.noun()} {value!r}: choose {listing(cls)}")
        return found

    @classmethod
    def find(cls, value):
        """The member ``value`` names (any spelling), or None when it names none."""
        if isinstance(value, cls):
            return value
        key = spelling(value) if isinstance(value, str) else None
        return next((c for c in cls if key in (spelling(c.value), spelling(c.name))), None)

    @classmethod
    def noun(cls) -> str:
        """What one member is called in messages, e.g. ``equilibrium kind``."""
        return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls.__name__).lower()
