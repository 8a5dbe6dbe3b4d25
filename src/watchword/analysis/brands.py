"""Well-known, often-imitated brands and the registrable domains they really send from.

Written by hand from public knowledge of which brands phishing imitates most
(banks, parcel carriers, mail and cloud providers, marketplaces, wallets).
The lists are data, not code (`data/brands.toml`); this module loads them
once and derives the label tables. `auth` uses them for lookalike and display-name checks and
`classify` for "mentions a brand but was not sent by it". A brand is listed
under the words people see (display names, subjects); the domains are
registrable domains (no subdomains) as tldextract returns them.

Words that are also ordinary words or first names ("chase", "target",
"orange", "apple" in prose) are kept out of `words` or made specific, because
a false brand match costs more than a missed one: it would put a reason in
front of an analyst that is simply wrong.
"""

from __future__ import annotations

from watchword.analysis import data

_DATA = data.load("brands")

# name -> (words shown to people, legitimate registrable domains), from data/brands.toml.
BRANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    name: (
        tuple(data.unique_list(f"brands.toml {name} words", entry["words"])),
        tuple(data.unique_list(f"brands.toml {name} domains", entry["domains"])) if entry["domains"] else (),
    )
    for name, entry in _DATA["brands"].items()
}


def _set(name: str) -> frozenset[str]:
    return frozenset(data.unique_list(f"brands.toml [sets] {name}", _DATA["sets"][name]))


BRAND_DOMAINS: dict[str, frozenset[str]] = {name: frozenset(d) for name, (_, d) in BRANDS.items() if d}
ALL_BRAND_DOMAINS: frozenset[str] = frozenset(d for ds in BRAND_DOMAINS.values() for d in ds)

# The second-level label of each brand's primary domains ("paypal", "docusign"):
# what lookalikes imitate. Labels of 3 letters or fewer are kept only for exact
# skeleton matches, never for edit distance: "ups" -> "ups1" is too common to mean anything.
BRAND_LABELS: dict[str, str] = {}
for _name, (_words0, _domains) in BRANDS.items():
    for _d in _domains:
        _label = _d.split(".", 1)[0]
        if len(_label) >= 3 and _label not in BRAND_LABELS and _label not in {"mail", "gov", "cash"}:
            BRAND_LABELS[_label] = _name

# Brand-owned platforms that host anyone's content or mail (cloud storage, site
# builders, tenant domains). A host there is not an imitation of the brand, and
# not the brand speaking either: it is neither a lookalike nor a brand domain.
SHARED_INFRASTRUCTURE: frozenset[str] = _set("shared_infrastructure")

# Consumer mailboxes anyone can open in a minute: a reply going there from a
# "company" message is a classic fraud pattern.
FREEMAIL: frozenset[str] = _set("freemail")

# Well-known URL shorteners: a shortened link hides its destination from the reader.
SHORTENERS: frozenset[str] = _set("shorteners")

# Top-level domains that are cheap and dominate abuse statistics. A weak signal on its own.
SUSPICIOUS_TLDS: frozenset[str] = _set("suspicious_tlds")

# Brand labels that are also ordinary words or very short: imitating them proves
# nothing ("live-music.xyz", "box-office.net", "wise-owl.org"), so they are left
# out of lookalike checks while still counting as the brand's own domains.
_NOT_DISTINCTIVE = _set("not_distinctive")
# "apple", "outlook", "gmail" and friends are excluded above only from the
# substring test (they occur inside innocent names: "pineapple", "outlookindia");
# the skeleton, edit-distance and whole-token tests still use them.
LOOKALIKE_LABELS: dict[str, str] = {
    label: name
    for label, name in BRAND_LABELS.items()
    if label not in _NOT_DISTINCTIVE or label in {"apple", "outlook", "gmail", "hotmail", "icloud", "azure"}
}
SUBSTRING_LABELS: dict[str, str] = {
    label: name
    for label, name in BRAND_LABELS.items()
    if (label not in _NOT_DISTINCTIVE and len(label) >= 5) or label == "icloud"
}
TOKEN_LABELS: dict[str, str] = {
    label: name
    for label, name in BRAND_LABELS.items()
    if label not in _NOT_DISTINCTIVE or label in {"apple", "dpd", "fbi", "icloud", "okx"}
}
TOKEN_LABELS["appleid"] = "Apple"  # the most imitated Apple word in hostnames
