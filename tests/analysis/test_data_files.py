"""The analysis data files: every category known, no empty list, nothing listed twice, loaded once."""

from __future__ import annotations

import ast
import tomllib
from collections import Counter
from importlib.resources import files
from typing import Any

import pytest

from watchword.analysis import classify, data, features, lexicon
from watchword.analysis.categories import EmailCategory, ReportCategory, WordSet


def _raw(name: str) -> dict[str, Any]:
    with files("watchword.analysis.data").joinpath(f"{name}.toml").open("rb") as handle:
        return tomllib.load(handle)


def _lists(tree: dict[str, Any], path: str = "") -> list[tuple[str, list[Any]]]:
    found: list[tuple[str, list[Any]]] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            found.extend(_lists(value, f"{path}{key}."))
        elif isinstance(value, list):
            found.append((f"{path}{key}", value))
    return found


def test_every_lexicon_category_is_registered_and_every_registered_one_has_phrases() -> None:
    raw = _raw("lexicon")
    assert list(raw["email"]) == [str(c) for c in EmailCategory]
    assert list(raw["report"]) == [str(c) for c in ReportCategory]
    assert set(raw["words"]) == {str(w) for w in WordSet}
    for table in ("email", "report"):
        for name, phrases in raw[table].items():
            for phrase in phrases:
                if phrase.startswith("@"):
                    assert phrase.removeprefix("@email.") in raw["email"], (name, phrase)
                else:
                    assert 1 <= len(phrase.split(" ")) <= 3, (name, phrase)


def test_the_classifier_weighs_and_explains_every_email_category() -> None:
    for category in EmailCategory:
        assert category in classify.WEIGHTS, category
        assert category in classify.REASON_TEXTS, category


@pytest.mark.parametrize("name", ["lexicon", "brands"])
def test_no_list_is_empty_or_repeats_itself(name: str) -> None:
    lists = _lists(_raw(name))
    assert len(lists) > 20
    for where, items in lists:
        if name == "brands" and where.endswith(".domains") and not items:
            continue  # a brand people name but that sends from no domain of its own
        assert items, f"{name}.toml {where} is empty"
        repeated = [item for item, n in Counter(items).items() if n > 1]
        assert not repeated, f"{name}.toml {where} lists twice: {repeated}"
        assert all(isinstance(item, str) and item.strip() == item and item for item in items), where


@pytest.mark.parametrize("name", ["acts", "acts_done", "basis"])
def test_no_reading_list_repeats_an_entry(name: str) -> None:
    """The reading's act and basis lists (reading.py): an entry listed twice in one list is matched twice
    for nothing, and hides which copy a later edit should change."""
    lists = _lists(_raw(name))
    assert len(lists) > 20
    for where, items in lists:
        repeated = [item for item, n in Counter(items).items() if n > 1]
        assert not repeated, f"{name}.toml {where} lists twice: {repeated}"
        assert all(isinstance(item, str) and item for item in items), where


def test_every_brand_has_words_people_see() -> None:
    brands = _raw("brands")["brands"]
    assert len(brands) > 100
    assert all(entry["words"] for entry in brands.values())
    assert set(lexicon.BRANDS) == set(brands)


def test_the_loader_refuses_repeats_and_reads_each_file_once() -> None:
    with pytest.raises(ValueError, match="listed twice: verify"):
        data.unique_list("test", ["verify", "pay", "verify"])
    with pytest.raises(ValueError, match="non-empty list"):
        data.unique_list("test", [])
    assert data.load("lexicon") is data.load("lexicon")
    # The matcher sees the file's phrases: one the file lists is found in a message.
    tokens = lexicon.Tokens("Please verify your account today")
    assert lexicon.EMAIL_LEXICON.count(tokens).get("credential", 0) >= 1


def _literals(module: str) -> list[tuple[int, str, str]]:
    """(line, what it was read from, the string) for each `X.get("name")` and `X["name"]` in `module`."""
    source = files("watchword.analysis").joinpath(f"{module}.py").read_text(encoding="utf-8")
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get":
            owner, key = node.func.value, node.args[0] if node.args else None
        elif isinstance(node, ast.Subscript):
            owner, key = node.value, node.slice
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            found.append((node.lineno, ast.unparse(owner), key.value))
    return found


@pytest.mark.parametrize("module", ["features", "classify"])
def test_features_and_the_classifier_name_categories_and_features_from_the_registries(module: str) -> None:
    """Lexicon categories are spelled as `EmailCategory` members (a name not in categories.py fails at
    import), never as strings; a feature read by its name is one of `FEATURES`."""
    categories = {str(c) for c in EmailCategory}
    source = files("watchword.analysis").joinpath(f"{module}.py").read_text(encoding="utf-8")
    spelled = [
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and node.value in categories
    ]
    assert spelled == [], "spell these as EmailCategory members (analysis/categories.py)"
    unknown = [(line, name) for line, owner, name in _literals(module) if owner in ("v", "ev.values")]
    assert [(line, name) for line, name in unknown if name not in features.FEATURES] == []
    assert unknown  # the check sees the feature reads


def test_every_name_the_classifier_weighs_or_explains_is_a_feature() -> None:
    assert set(classify.WEIGHTS) <= set(features.FEATURES)
    assert set(classify.REASON_TEXTS) <= set(features.FEATURES)
    assert {str(c) for c in EmailCategory} <= set(features.FEATURES)
