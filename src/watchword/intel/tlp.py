"""Traffic Light Protocol 2.0 levels and their published STIX marking definitions.

The stix2 library ships TLP 1.0 constants only (WHITE/GREEN/AMBER/RED). TLP
2.0 markings are defined by the OASIS TLP 2.0 STIX extension: fixed
marking-definition ids, a fixed `created`, and a property extension whose
`tlp_2_0` value names the level. Consumers recognise them by id, so these
values are part of the standard and must not change.
"""

from __future__ import annotations

from typing import Any

from watchword import errors
from watchword.domain.states import Tlp

TLP2_EXTENSION_ID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
TLP2_CREATED = "2022-10-01T00:00:00.000Z"

# level -> (marking-definition id, display name)
TLP2_MARKINGS: dict[str, tuple[str, str]] = {
    "clear": ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR"),
    "green": ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN"),
    "amber": ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER"),
    "amber+strict": ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT"),
    "red": ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED"),
}

LEVELS = tuple(str(level) for level in Tlp)  # the keys of TLP2_MARKINGS, in the same order
# Most permissive first: an import keeps the most restrictive marking it sees.
_RANK = {level: rank for rank, level in enumerate(LEVELS)}


def normalise(level: str) -> str:
    """'TLP:AMBER+STRICT', 'amber strict', 'white' -> the TLP 2.0 level name; ValueError otherwise."""
    value = level.strip().lower().removeprefix("tlp:").replace(" ", "+").replace("_", "+")
    if value == "white":  # TLP 1.0 name of CLEAR
        value = "clear"
    if value not in TLP2_MARKINGS:
        raise errors.Invalid(f"unknown TLP level {level!r}; use one of {', '.join(LEVELS)}")
    return value


def marking_id(level: str) -> str:
    return TLP2_MARKINGS[normalise(level)][0]


def marking_definition(level: str) -> dict[str, Any]:
    """The TLP 2.0 marking-definition object, exactly as published."""
    level = normalise(level)
    ident, name = TLP2_MARKINGS[level]
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": ident,
        "created": TLP2_CREATED,
        "name": name,
        "extensions": {TLP2_EXTENSION_ID: {"extension_type": "property-extension", "tlp_2_0": level}},
    }


def misp_tag(level: str) -> str:
    """MISP's taxonomy tag (tlp:clear, tlp:amber+strict ...)."""
    return f"tlp:{normalise(level)}"


def at_most(level: str, ceiling: str) -> bool:
    """Whether `level` is no more restrictive than `ceiling` (green is at most amber)."""
    return _RANK[normalise(level)] <= _RANK[normalise(ceiling)]


def stricter(a: str, b: str) -> str:
    return a if _RANK[normalise(a)] >= _RANK[normalise(b)] else b


def level_of_marking(marking_ref: str) -> str | None:
    for level, (ident, _) in TLP2_MARKINGS.items():
        if ident == marking_ref:
            return level
    # TLP 1.0 ids from the STIX 2.1 specification (stix2.TLP_*): still common in feeds.
    return {
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": "clear",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": "green",
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": "amber",
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": "red",
    }.get(marking_ref)
