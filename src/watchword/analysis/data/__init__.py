"""Analysis data files (phrase lists, brand lists), read once per process.

The lists are data, not code: edited as TOML, shipped as package data, loaded
here and checked on load (unknown names, empty lists, repeats are refused) and
again by `tests/analysis/test_data_files.py`.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib.resources import files
from typing import Any


@cache
def load(name: str) -> dict[str, Any]:
    """The parsed `<name>.toml` beside this module."""
    with files(__package__).joinpath(f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def unique_list(where: str, items: Any) -> list[str]:
    """`items` as a list of strings, refused if it is empty, not strings, or repeats one."""
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise ValueError(f"{where}: expected a non-empty list of non-empty strings")
    seen: set[str] = set()
    repeated = [i for i in items if i in seen or seen.add(i)]  # type: ignore[func-returns-value]
    if repeated:
        raise ValueError(f"{where}: listed twice: {', '.join(repeated[:5])}")
    return items
