"""What a partner receives: the shared corpus imported, the largest campaigns marked malicious,
every export format checked as the partner would check it.

    .venv/bin/python bench/exports.py [--data ../shared/data] [--top 12] [--limit N] [--with-ham]

1. Every phishing message of ../shared/data (and with --with-ham the ham and spam too) is
   submitted as a report through intake and the worker (analysis, campaign assignment): the
   path production takes, on a scratch SQLite database.
2. The --top largest campaigns are given the verdict malicious (services.decisions), as an
   analyst would, and exported in every format (intel.formats, which runs the leak check).
3. Per format it prints: values exported; values on warninglists, counted with the official
   pymispwarninglists library (exact value, and a URL's host) — over all its lists, and over
   the lists Watchword treats as "legitimate" (dynamic DNS, disposable mail, VPN ranges and
   parking are information, not legitimacy: known.warninglists.EXCLUDED_LISTS); victim
   identifiers found by an independent leak scan (plain substring search of each recipient's
   address, local part, display-name words and domain, in plain, percent, double-percent,
   base64 and hex forms — not the detector the exports use); exports the leak check refused;
   and for STIX the errors of stix2-validator in strict mode. The MISP feed (misp-feed: each
   campaign's <uuid>.json as `watchword export misp-feed` writes it, manifest entry included)
   is checked like the MISP event, and each event file must load in PyMISP.
4. With --with-ham, clustering is checked too: how many ham (and spam) reports sit in a
   campaign that holds phishing (target 0 for ham).

The corpus is read at run time and never copied; nothing here is imported by tests.
"""

from __future__ import annotations

import argparse
import base64
import csv
import io
import json
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import quote

from pymisp import MISPEvent
from pymispwarninglists import WarningLists
from sqlalchemy import select
from stix2validator import ValidationOptions, validate_string

from watchword.config import Settings
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import IntakeError, submit
from watchword.intel import formats, misp_feed
from watchword.intel.scrub import LeakError
from watchword.known import warninglists
from watchword.runtime import open_runtime
from watchword.services import decisions
from watchword.services.bulletins import share_for_export
from watchword.store.models import AnalysisRecord, Campaign, Report
from watchword.worker import Worker

_WORD = re.compile(r"[^\W_]{3,}")


def _settings(tmp: Path) -> Settings:
    return Settings(
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'watchword.db'}",
        blob_dir=tmp / "blobs",
        secret_key_file=tmp / "secret.key",
        org_name="Bench Security Team",
    )


def import_corpus(rt, data: Path, labels: tuple[str, ...], limit: int | None) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Submit the corpus; report id -> the corpus label of its first message."""
    rows = [json.loads(line) for line in (data / "labels.jsonl").read_text().splitlines() if line.strip()]
    rows = sorted((r for r in rows if r["label"] in labels), key=lambda r: (r.get("month") or "", r["path"]))
    if limit:
        rows = rows[:limit]
    label_of: dict[int, str] = {}
    count = 0
    for row in rows:
        raw = (data / row["path"]).read_bytes()
        try:
            receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=raw))
        except IntakeError:
            continue
        label_of.setdefault(receipt.report_id, row["label"])
        count += 1
        if count % 200 == 0:
            Worker(rt).run_until_idle()
    Worker(rt).run_until_idle()
    return label_of


def campaign_labels(rt, label_of: dict[int, str]) -> dict[int, Counter[str]]:  # type: ignore[no-untyped-def]
    """Campaign id -> how many of its reports carry each corpus label."""
    members: dict[int, Counter[str]] = defaultdict(Counter)
    with rt.db.session() as session:
        for report_id, campaign_id in session.execute(select(Report.id, Report.campaign_id)):
            if campaign_id is not None and report_id in label_of:
                members[campaign_id][label_of[report_id]] += 1
    return members


def mixed_campaigns(members: dict[int, Counter[str]]) -> Counter[str]:
    """Ham and spam reports in campaigns that hold phishing, and how many such campaigns."""
    out: Counter[str] = Counter()
    for counts in members.values():
        out["campaigns"] += 1
        if counts["phish"]:
            out["campaigns holding phishing"] += 1
            out["ham reports in phishing campaigns"] += counts["ham"]
            out["spam reports in phishing campaigns"] += counts["spam"]
            out["phishing campaigns with ham"] += bool(counts["ham"])
    return out


def _forms(token: str) -> set[str]:
    """The plain, percent, double-percent, base64 and hex forms of one identifier (lower case)."""
    forms = {token, quote(token, safe=""), quote(quote(token, safe=""), safe=""), token.encode().hex()}
    if len(token) >= 6:
        for pad in (b"", b"\x00", b"\x00\x00"):  # base64 of the token at each alignment
            encoded = base64.b64encode(pad + token.encode()).decode()
            forms.add(encoded[4 if pad else 0 : -4].lower())
    return {f.lower() for f in forms if len(f) >= 4}


def victim_tokens(results: list[dict]) -> tuple[set[str], set[str]]:  # type: ignore[type-arg]
    """The recipients' identifiers, read straight from the stored analyses' headers:
    (full addresses in every form, searched in the whole export; local parts, names and
    domains, searched in the exported values only, where our own prose is not)."""
    addresses: set[str] = set()
    tokens: set[str] = set()
    for result in results:
        headers = result.get("headers") or {}
        for name in ("to", "cc", "delivered-to", "x-original-to"):
            for display, address in getaddresses([str(headers.get(name, ""))]):
                address = address.lower()
                if "@" in address:
                    local, _, domain = address.partition("@")
                    addresses |= _forms(address)
                    if len(local) >= 4:
                        tokens |= _forms(local)
                    if "." in domain and not warninglists.known_legitimate("domain", domain):
                        tokens |= _forms(domain)
                for word in _WORD.findall(display.lower()):
                    if len(word) >= 4:
                        tokens.add(word)
    return addresses, tokens


FORMATS = (*formats.FORMATS, "misp-feed")


def _render(share, fmt: str, subject: str | None) -> str:  # type: ignore[no-untyped-def]
    """The rendered export; for the MISP feed, the event file and its manifest entry, after
    checking that PyMISP loads the event as a subscribing MISP would."""
    if fmt != "misp-feed":
        return formats.render(share, fmt, subject)[0]
    event = misp_feed.feed_event(share, subject)
    loaded = MISPEvent()
    loaded.load(event.body)
    assert loaded.uuid == event.uuid, "PyMISP read another event"
    body = json.loads(event.body)
    body["manifest"] = event.manifest
    return json.dumps(body)


def _exported_values(fmt: str, body: str) -> list[str]:
    if fmt == "stix.json":
        objects = json.loads(body)["objects"]
        out = []
        for o in objects:
            if o["type"] == "indicator":
                found = re.search(r"= '((?:[^'\\]|\\.)*)'\]$", o["pattern"])
                if found:
                    out.append(found.group(1).replace("\\'", "'").replace("\\\\", "\\"))
        return out
    if fmt in ("misp.json", "misp-feed"):
        event = json.loads(body)["Event"]
        return [a["value"] for a in event.get("Attribute", [])]
    if fmt == "csv":
        return [row["value"].lstrip("'") for row in csv.DictReader(io.StringIO(body))]
    return [line for line in body.splitlines() if line and not line.startswith("#")]


def _listed(value: str, official: WarningLists, legit_names: set[str]) -> tuple[bool, bool]:
    """(on any official list, on a list Watchword treats as legitimate): exact value, and a URL's host."""
    candidates = [value]
    if "://" in value:
        host = value.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].split("@")[-1].split(":")[0]
        candidates.append(host)
    if "@" in value and "://" not in value:
        candidates = [value]  # an address: its domain (gmail.com) is not the value shared
    names = {w.name for c in candidates for w in official.search(c)}
    return bool(names), bool(names & legit_names)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[1] / ".." / "shared" / "data")
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--limit", type=int, default=None, help="import only the first N messages")
    parser.add_argument("--with-ham", action="store_true", help="import ham and spam as well")
    args = parser.parse_args()
    if not (args.data / "labels.jsonl").exists():
        print(f"no corpus at {args.data}", file=sys.stderr)
        return 2
    labels = ("phish", "ham", "spam") if args.with_ham else ("phish",)
    official = WarningLists(slow_search=False)
    excluded = set()
    for name in warninglists.EXCLUDED_LISTS:
        excluded.add(json.loads((warninglists.lists_dir() / name / "list.json").read_text())["name"])
    legit_names = {w.name for w in official.warninglists.values()} - excluded
    with tempfile.TemporaryDirectory() as tmp:
        rt = open_runtime(_settings(Path(tmp)), migrate=True)
        started = time.perf_counter()
        label_of = import_corpus(rt, args.data, labels, args.limit)
        print(f"imported {len(label_of)} reports ({', '.join(labels)}) in {time.perf_counter() - started:.0f}s")
        members = campaign_labels(rt, label_of)
        if args.with_ham:
            print("clustering:", ", ".join(f"{k} {v}" for k, v in mixed_campaigns(members).items()))
        with rt.db.write() as session:
            top = list(
                session.scalars(
                    select(Campaign)
                    .where(Campaign.merged_into_id.is_(None))
                    .order_by(Campaign.member_count.desc(), Campaign.id)
                )
            )
            # With ham and spam imported, the largest campaigns an analyst would call malicious
            # are those holding phishing (a newsletter's cluster is no one's threat).
            top = [c for c in top if members.get(c.id, Counter())["phish"]][: args.top]
            for campaign in top:
                decisions.set_verdict(session, campaign.id, "malicious", "bench")
            print("campaigns marked malicious (id: reports):", ", ".join(f"{c.id}: {c.member_count}" for c in top))
        totals: dict[str, Counter[str]] = defaultdict(Counter)
        withheld: Counter[str] = Counter()
        for campaign in top:
            print(f"  exporting campaign {campaign.id} ...", flush=True)
            with rt.db.write() as session:
                # As the console and the CLI do: the title and subject redacted (services.bulletins).
                share, subject = share_for_export(session, rt.settings, campaign_id=campaign.id)
                for reason, n in share.withheld.items():
                    withheld[re.sub(r" \(.*\)$", "", reason)] += n
                results = list(
                    session.scalars(
                        select(AnalysisRecord.result)
                        .join(Report, Report.id == AnalysisRecord.report_id)
                        .where(Report.campaign_id == campaign.id)
                    )
                )
                addresses, tokens = victim_tokens(results)
                for fmt in FORMATS:
                    stats = totals[fmt]
                    try:
                        body = _render(share, fmt, subject)
                    except LeakError:
                        stats["refused by the leak check"] += 1
                        continue
                    values = _exported_values(fmt, body)
                    stats["values exported"] += len(values)
                    for value in values:
                        any_list, legit = _listed(value, official, legit_names)
                        stats["on any warninglist"] += any_list
                        stats["on a 'legitimate' warninglist"] += legit
                    lowered = body.lower()
                    in_values = "\n".join(values).lower()
                    stats["victim identifiers found"] += sum(1 for t in addresses if t in lowered) + sum(
                        1 for t in tokens if t in in_values
                    )
                    if fmt == "stix.json":
                        result = validate_string(body, ValidationOptions(version="2.1", strict=True))
                        stats["strict-validation errors"] += len(result.errors)
        rt.close()
    print()
    columns = [
        "values exported",
        "on a 'legitimate' warninglist",
        "on any warninglist",
        "victim identifiers found",
        "refused by the leak check",
        "strict-validation errors",
    ]
    print(f"{'format':<14}" + "".join(f"{c:>32}" for c in columns))
    for fmt in FORMATS:
        row = totals[fmt]
        cells = [str(row[c]) if (c != "strict-validation errors" or fmt == "stix.json") else "-" for c in columns]
        print(f"{fmt:<14}" + "".join(f"{v:>32}" for v in cells))
    print()
    print("withheld from the campaigns' exports, by reason:")
    for reason, n in withheld.most_common():
        print(f"  {n:6d}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
