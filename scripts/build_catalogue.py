"""Write a language's catalogue from a numbered translation list, then compile every catalogue.

    python scripts/build_catalogue.py ar translations.txt   # "N<TAB>text" per line, N as `--list` numbers them
    python scripts/build_catalogue.py --list                # the template's messages, numbered
    python scripts/build_catalogue.py --compile             # every locale/*/LC_MESSAGES/watchword.po -> .mo

The .po files are what translators edit (and what `pybabel update` keeps in step with the
template); the .mo files are compiled from them and committed, because the pages read .mo.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parents[1] / "src" / "watchword" / "locale"
DOMAIN = "watchword"


def template() -> Catalog:
    with (LOCALE / f"{DOMAIN}.pot").open("rb") as handle:
        return read_po(handle)


def numbered() -> list[str]:
    return [str(m.id) for m in template() if m.id]


def write_language(language: str, lines: list[str]) -> Path:
    ids = numbered()
    translated: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            continue
        number, text = line.rstrip("\n").split("\t", 1)
        translated[ids[int(number) - 1]] = text
    catalog = Catalog(locale=language, domain=DOMAIN, project="Watchword", fuzzy=False)
    for message in template():
        if message.id:
            catalog.add(
                message.id,
                translated.get(str(message.id), ""),
                locations=message.locations,
                flags=message.flags - {"fuzzy"},
            )
    target = LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False)
    return target


def compile_all() -> None:
    for po in sorted(LOCALE.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po.open("rb") as handle:
            catalog = read_po(handle)
        if po.parent.parent.name == "en":
            continue  # English is the source text: no catalogue needed
        with po.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)


def main(argv: list[str]) -> None:
    if argv == ["--list"]:
        for number, text in enumerate(numbered(), 1):
            print(f"{number}\t{text}")
    elif argv == ["--compile"]:
        compile_all()
    elif len(argv) == 2:
        print(write_language(argv[0], Path(argv[1]).read_text(encoding="utf-8").splitlines()))
        compile_all()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
