"""stix2-validator with its schema registry built and crawled once per process.

stix2-validator checks each object of a bundle against its type's schema, and for every object it
builds a new `referencing.Registry` holding only that schema (`stix2validator.validator.
load_validator`). The registry is never crawled: every `$ref` the check follows (`../common/core.json`,
`timestamp.json`, ... 47 refs to timestamp.json alone) finds its target missing, so `referencing`
crawls all the registry's uncrawled resources and retrieves the file again, for each reference of each
object. In a profile of three validations of a 15-indicator bundle that crawling was 1.56 of 2.78 s.

`cached_validation()` swaps `load_validator` for one that builds the official validator once per
schema (the same call, the same patched schema, the same format checker) and gives it a registry that
already holds every schema file of that directory, retrieved by stix2-validator's own
`retrieve_from_filesystem` and crawled once. A reference then finds its target at once; a reference
to anything else is retrieved by the same callback as before. Nothing else of the check changes: the
schema errors, the MUST and SHOULD checks and the results are stix2-validator's.
`tests/intel/test_stix_check.py` shows that both paths return the same results, errors and warnings
word for word, on valid bundles and on broken ones.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tests.support.untraced import untraced

_VALIDATORS: dict[tuple[str, str | None], Any] = {}


@functools.cache
def _crawled_registry(schema_dir: str) -> Any:
    """Every schema file under `schema_dir` (its examples aside, as `find_schema` skips them), keyed by
    the file URI a relative `$ref` resolves to, retrieved as stix2-validator retrieves it, crawled."""
    from referencing import Registry
    from stix2validator.validator import retrieve_from_filesystem

    retrieve = functools.partial(retrieve_from_filesystem, schema_dir=schema_dir)
    uris = sorted(p.as_uri() for p in Path(schema_dir).rglob("*.json") if "examples" not in p.parts)
    return Registry(retrieve=retrieve).with_resources((uri, retrieve(uri)) for uri in uris).crawl()


def _cached_load_validator(official: Callable[[str, Any, str], Any]) -> Callable[[str, Any, str], Any]:
    def load_validator(schema_path: str, schema: Any, schema_dir: str) -> Any:
        key = (schema_path, schema_dir)
        validator = _VALIDATORS.get(key)
        if validator is None:
            from referencing.jsonschema import DRAFT202012

            # The official validator (its schema is the one stix2-validator patched and keeps per path),
            # its registry replaced by the crawled one plus this schema under its path, as the official
            # registry holds it; the resolver is made afresh from that registry.
            validator = official(schema_path, schema, schema_dir)
            registry = _crawled_registry(schema_dir).with_resource(
                schema_path, DRAFT202012.create_resource(validator.schema)
            )
            validator = validator.evolve(registry=registry, _resolver=None)
            _VALIDATORS[key] = validator
        return validator

    return load_validator


@contextlib.contextmanager
def cached_validation() -> Iterator[None]:
    """stix2-validator's checks inside the block use the cached validators."""
    import stix2validator.validator as module

    official = module.load_validator
    module.load_validator = _cached_load_validator(official)
    try:
        yield
    finally:
        module.load_validator = official


def _cached(check: Callable[..., Any], *args: Any) -> Any:
    with cached_validation():
        return check(*args)


def validate_stix_string(body: str, options: Any) -> Any:
    """`stix2validator.validate_string(body, options)` through the cached validators, untraced."""
    from stix2validator import validate_string

    return untraced(_cached, validate_string, body, options)


def validate_stix_instance(instance: Any, options: Any) -> Any:
    """`stix2validator.validate_instance(instance, options)` through the cached validators, untraced."""
    from stix2validator import validate_instance

    return untraced(_cached, validate_instance, instance, options)


def validate_stix_file(path: str, options: Any) -> Any:
    """`stix2validator.validate_file(path, options)` through the cached validators, untraced."""
    from stix2validator import validate_file

    return untraced(_cached, validate_file, path, options)
