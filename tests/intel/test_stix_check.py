"""The cached stix2-validator path (tests/support/stix_check.py) gives stix2-validator's own answers.

Each bundle below is checked twice, through the official `validate_instance` and through the cached
validators, and the two results must be equal in full (`as_dict()`: the verdict, and every error and
warning with its message, object by object), strict and lenient: our export (every object type it
makes), misp-stix's conversion of a MISP event, and objects of our export broken in ways the schemas,
the format checks, the MUST checks and (strict) the SHOULD checks catch. The broken ones must be found
invalid, so the comparison covers errors and not only clean passes.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.shares import hostile_share, misp_stix
from tests.support.stix_check import cached_validation, validate_stix_file, validate_stix_instance
from watchword.intel import misp, stix

pytestmark = pytest.mark.xdist_group("jsonschema")

Bundle = dict[str, Any]
Obj = dict[str, Any]


@functools.cache
def _ours() -> Bundle:
    return json.loads(stix.bundle_json(hostile_share("amber")))


@functools.cache
def _misp_converted() -> Bundle:
    share = hostile_share("green")
    share.indicators = [i for i in share.indicators if "'" not in i.value and i.value.isascii()]
    return json.loads(misp_stix(json.loads(misp.event_json(share, subject="An offer"))))


def _id(kind: str, digit: str) -> str:
    return f"{kind}--{digit * 8}-{digit * 4}-4{digit * 3}-8{digit * 3}-{digit * 12}"


def _set(key: str, value: Any) -> Callable[[Obj], None]:
    return lambda o: o.__setitem__(key, value)


def _drop(key: str) -> Callable[[Obj], None]:
    return lambda o: o.pop(key) and None


# (the type of the object of our export to break, how). Each broken object is checked in a bundle of its
# own: the other objects would only be checked again, valid, in every case. "strict" ones only fail there.
BREAKS: dict[str, tuple[str, Callable[[Obj], None]]] = {
    "indicator without created (schema: required)": ("indicator", _drop("created")),
    "indicator without pattern_type (schema: required)": ("indicator", _drop("pattern_type")),
    "campaign id not a UUID (schema: identifier)": ("campaign", _set("id", "campaign--not-a-uuid")),
    "indicator timestamp out of range (schema: timestamp)": ("indicator", _set("modified", "2026-13-45T25:61:00Z")),
    "indicator pattern unparsable (MUST: patterns)": ("indicator", _set("pattern", "[url:value = 'x'")),
    "relationship from a non-identifier (schema: ref)": ("relationship", _set("source_ref", "not-an-identifier")),
    "sighting count negative (schema: minimum)": ("sighting", _set("count", -1)),
    "custom property without x_ (strict: SHOULD)": ("campaign", _set("favourite_colour", "blue")),
    "an unknown object type (strict: custom objects)": ("campaign", _set("type", "pirate-ship")),
    "spec_version 2.0 on a 2.1 object (strict: a warning)": ("indicator", _set("spec_version", "2.0")),
    "labels empty (schema: minItems)": ("indicator", _set("labels", [])),
    "url observable with a non-URL value (format)": ("url", _set("value", "not a url at all")),
    "ipv4 observable with a wrong value (format)": ("ipv4-addr", _set("value", "999.1.1.1/99")),
    "file hash of the wrong length (schema: hashes)": ("file", _set("hashes", {"SHA-256": "abc"})),
    "marking definition without its extension": ("marking-definition", _drop("extensions")),
    "observed data without objects (schema: required)": ("observed-data", _drop("object_refs")),
}


def _broken(name: str) -> Bundle:
    kind, how = BREAKS[name]
    obj = copy.deepcopy(next(o for o in _ours()["objects"] if o["type"] == kind))
    how(obj)
    if obj["type"] == "pirate-ship":
        obj["id"] = _id("pirate-ship", "2")
    return {**_ours(), "objects": [obj]}


def _same(bundle: Bundle, strict: bool) -> dict[str, Any]:
    from stix2validator import ValidationOptions, validate_instance

    options = ValidationOptions(version="2.1", strict=strict)
    official = validate_instance(copy.deepcopy(bundle), options).as_dict()
    cached = validate_stix_instance(copy.deepcopy(bundle), options).as_dict()
    assert cached == official
    return official


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_the_cached_validator_answers_as_stix2_validator_on_valid_bundles(strict: bool) -> None:
    assert _same(_ours(), strict)["result"] is True
    assert {o["type"] for o in _ours()["objects"]} >= {kind for kind, _ in BREAKS.values()}
    converted = _same(_misp_converted(), strict)  # misp-stix's objects: valid when lenient (as the exports test it)
    assert converted["result"] is True or strict


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_the_cached_validator_gives_stix2_validator_s_errors_on_broken_bundles(strict: bool) -> None:
    for name in BREAKS:
        result = _same(_broken(name), strict)
        if strict or "strict" not in name:
            assert result["result"] is False, name
    envelope = {**_ours(), "id": _id("indicator", "3"), "objects": _ours()["objects"][:2]}
    assert _same(envelope, strict)["result"] is False  # the bundle's own schema


def test_every_entry_point_and_a_second_run_give_the_same_answers(tmp_path: Path) -> None:
    """validate_file through the cache, again inside `cached_validation()` once every validator is cached,
    and the official path restored after the block."""
    from stix2validator import ValidationOptions, validate_file

    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(_broken("indicator pattern unparsable (MUST: patterns)")))
    options = ValidationOptions(version="2.1", strict=True)

    def answer(result: Any) -> tuple[bool, list[dict[str, Any]]]:
        # A file's results have no `as_dict()` without a fatal error (stix2-validator 3.2 fails there).
        return result.is_valid, [o.as_dict() for o in result.object_results]

    official = answer(validate_file(str(path), options))
    assert official[0] is False and official[1]
    assert answer(validate_stix_file(str(path), options)) == official
    with cached_validation():
        assert answer(validate_file(str(path), options)) == official
    assert answer(validate_file(str(path), options)) == official
