"""Benchmark the analysis pipeline and indicator extraction on the shared corpus.

    .venv/bin/python bench/analyze.py [--limit N] [--corpus DIR] [--peer-limit N] [--stages] [--digest]

Reads *.eml from DIR/{phishing,spam,ham} (default /work/shared/data, read
only, never copied), interleaved so a --limit sample mixes the three. One
process, one core. Prints:

1. the whole pipeline (watchword.analysis.pipeline.run on raw bytes):
   emails/s and MB/s of raw message;
2. on the same decoded bodies (text parts + HTML parts as the pipeline's MIME
   stage left them): our text+link+indicator stages, our scan alone, and
   ioc-finder's find_iocs, in MB/s and bodies/s, with the ratio;
3. href recall: of every absolute http(s) `<a href>` in the HTML parts (found
   by the standard library's html.parser, independently of lexbor), the share
   whose normalised target is among our url indicators, and the share among
   ioc-finder's urls when it is given the HTML-stripped text. A redirector's
   href (google.com/url?q=..., Safe Links, analysis/redirectors.py) is found
   when its destination is: by design the pipeline stores the destination, not
   the wrapper, as the indicator (tests/analysis/test_redirectors.py). Whether
   the destination was decoded right is those tests' business, not this count's;
4. junk: url indicator values ending in ) " > . ' , or containing =3D or
   whitespace (should be 0); a `)` that closes a `(` inside the URL is not junk.

With --digest, after the timed pass: a SHA-256 over every email's analysis as canonical JSON
(`Analysis.to_dict()` and the unrounded risk, one line per email in corpus order, as
bench/analysis_equal.py writes them), so that two trees' outputs can be compared byte for byte
(run both with PYTHONHASHSEED=0: one reason line depends on a set's order, see analysis_equal.py).

I/O is done before any clock starts. Rates are per CPU second of this
process (time.process_time): on a machine shared with other jobs, wall time
measures the neighbours; CPU time measures the code. Wall time is printed too. ioc-finder is a benchmark-only
dependency (`pip install .[bench]`); without it its columns are skipped.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
import warnings
from html.parser import HTMLParser
from itertools import zip_longest
from pathlib import Path

from watchword.analysis.indicators import extract_indicators, find_indicators
from watchword.analysis.pipeline import STAGES, run
from watchword.analysis.redirectors import unwrap
from watchword.analysis.text import extract_text_and_links
from watchword.analysis.urls import normalise_host, normalise_url
from watchword.domain import Analysis, Document

DEFAULT_CORPUS = Path("/work/shared/data")
FOLDERS = ("phishing", "spam", "ham")
JUNK_TAIL = (")", '"', ">", ".", "'", ",")
clock = time.process_time


class _Hrefs(HTMLParser):
    """Collects `<a href>` values and the text outside script/style: the independent reference."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.text: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "a":
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.text.append(data)


def is_junk(url: str) -> bool:
    """Markup or punctuation glued to a URL. A `)` closing a `(` inside the URL belongs to it."""
    if "=3D" in url or any(c.isspace() for c in url):
        return True
    if url.endswith(")"):
        return url.count(")") > url.count("(")
    return url.endswith(JUNK_TAIL)


def href_found(target: str, urls: set[str], domains: set[str]) -> str | None:
    """How a normalised href target is among a message's indicators: "exact", "destination" or None.

    A redirector is replaced by its destination (the wrapper is shared by everyone and
    must never be exported as bad), so its href counts when the destination URL is a url
    indicator, or, for a wrapper naming only the destination's host (Mimecast), that host
    is a domain indicator.
    """
    if target in urls:
        return "exact"
    wrapped = unwrap(target)
    if wrapped is None:
        return None
    if wrapped.target is not None:
        return "destination" if wrapped.target in urls else None
    host = normalise_host(wrapped.target_host) if wrapped.target_host else None
    return "destination" if host and host in domains else None


def load(corpus: Path, limit: int | None) -> list[bytes]:
    lists = [sorted((corpus / folder).glob("*.eml")) for folder in FOLDERS]
    paths = [p for group in zip_longest(*lists) for p in group if p is not None]
    return [p.read_bytes() for p in paths[:limit]]


def digest(docs: list[Document]) -> str:
    """SHA-256 over each analysis as canonical JSON, one line per email, in order (outside any clock)."""
    sha = hashlib.sha256()
    for doc in docs:
        record = Analysis.from_document(doc).to_dict()
        record["risk_unrounded"] = repr(doc.risk)
        sha.update(json.dumps(record, ensure_ascii=False, sort_keys=True, default=str).encode("utf-8", "surrogatepass"))
        sha.update(b"\n")
    return sha.hexdigest()


def mb(n: int) -> float:
    return n / 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=3000, help="messages to read (default 3000)")
    parser.add_argument(
        "--peer-limit", type=int, default=None, help="bodies given to ioc-finder (default: all; it is slow)"
    )
    parser.add_argument("--stages", action="store_true", help="also time each pipeline stage (a second pass)")
    parser.add_argument("--digest", action="store_true", help="print a SHA-256 of every email's analysis JSON")
    args = parser.parse_args()

    if not any((args.corpus / folder).is_dir() for folder in FOLDERS):
        print(f"No corpus at {args.corpus} (expected {', '.join(FOLDERS)} folders of .eml); nothing to do.")
        return 0
    raws = load(args.corpus, args.limit)
    if not raws:
        print(f"No .eml files under {args.corpus}; nothing to do.")
        return 0
    raw_bytes = sum(map(len, raws))
    print(f"corpus: {len(raws)} messages, {mb(raw_bytes):.1f} MB raw, from {args.corpus}")

    # 1. The whole pipeline.
    start, wall_start = clock(), time.perf_counter()
    docs = [run(Document(kind="email", raw=raw)) for raw in raws]
    elapsed = clock() - start
    wall = time.perf_counter() - wall_start
    print(
        f"pipeline: {len(docs) / elapsed:,.0f} emails/s per core, {mb(raw_bytes) / elapsed:.1f} MB/s "
        f"({elapsed:.2f} s CPU, {wall:.2f} s wall)"
    )
    failures = sum(1 for d in docs for w in d.warnings if " failed: " in w)
    print(f"  stage failures recorded in warnings: {failures}")
    if args.digest:
        seed = os.environ.get("PYTHONHASHSEED", "unset")
        print(f"  analyses: {digest(docs)} (SHA-256 of {len(docs)} JSON lines, PYTHONHASHSEED={seed})")
    if args.stages:
        # A second pass, stage by stage, to see where the time goes.
        spent = dict.fromkeys((stage.__name__ for stage in STAGES), 0.0)
        for raw in raws:
            doc = Document(kind="email", raw=raw)
            for stage in STAGES:
                t0 = clock()
                stage(doc)
                spent[stage.__name__] += clock() - t0
        for name, seconds in spent.items():
            print(f"  {name:24} {1000 * seconds / len(raws):6.3f} ms/email")

    # 2. Indicator extraction alone, on the decoded bodies.
    bodies = [(d, "\n".join(d.text_parts + d.html_parts)) for d in docs]
    bodies = [(d, body) for d, body in bodies if body.strip()]
    body_bytes = sum(len(b.encode("utf-8", "surrogatepass")) for _, b in bodies)
    print(f"bodies: {len(bodies)} with text or HTML, {mb(body_bytes):.1f} MB decoded")

    start = clock()
    for d, _ in bodies:
        fresh = Document(
            kind="email", subject=d.subject, headers=d.headers, text_parts=d.text_parts, html_parts=d.html_parts
        )
        extract_text_and_links(fresh)
        extract_indicators(fresh)
    ours_stages = clock() - start
    start = clock()
    for _, body in bodies:
        find_indicators(body)
    ours_scan = clock() - start
    print(
        f"  ours, text+links+indicators stages: {mb(body_bytes) / ours_stages:.1f} MB/s, "
        f"{len(bodies) / ours_stages:,.0f} bodies/s"
    )
    print(
        f"  ours, find_indicators on the joined text+HTML: {mb(body_bytes) / ours_scan:.1f} MB/s, "
        f"{len(bodies) / ours_scan:,.0f} bodies/s"
    )

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ioc_finder import find_iocs
    except ImportError:
        find_iocs = None
        print("  ioc-finder not installed (pip install .[bench]); peer columns skipped")

    peer = bodies[: args.peer_limit] if args.peer_limit else bodies
    peer_bytes = sum(len(b.encode("utf-8", "surrogatepass")) for _, b in peer)
    if find_iocs is not None:
        start = clock()
        for _, body in peer:
            find_iocs(body)
        peer_time = clock() - start
        peer_rate = mb(peer_bytes) / peer_time
        print(
            f"  ioc-finder find_iocs on the same text ({len(peer)} bodies): {peer_rate:.2f} MB/s, "
            f"{len(peer) / peer_time:,.0f} bodies/s"
        )
        print(
            f"  ratio: stages {mb(body_bytes) / ours_stages / peer_rate:.1f}x, "
            f"scan {mb(body_bytes) / ours_scan / peer_rate:.1f}x ioc-finder's MB/s"
        )

    # 3. href recall.
    peer_ids = {id(d) for d, _ in peer}
    total = found = via_destination = unparsable = peer_total = peer_found = 0
    missed: list[str] = []
    href_exact: set[str] = set()  # exact <a href> targets: a trailing `.` there is the author's, not junk
    for d in docs:
        if not d.html_parts:
            continue
        urls = {i.value for i in d.indicators if i.type == "url"}
        domains = {i.value for i in d.indicators if i.type == "domain"}
        for html in d.html_parts:
            walker = _Hrefs()
            try:
                walker.feed(html)
                walker.close()
            except Exception:  # noqa: BLE001 - html.parser on hostile HTML; skip the part, not the run
                continue
            targets = []
            for href in walker.hrefs:
                href = href.strip()
                if not href.lower().startswith(("http://", "https://")):
                    continue
                norm = normalise_url(href)
                if norm is None:
                    unparsable += 1
                    continue
                targets.append(norm)
                href_exact.add(norm)
            total += len(targets)
            for t in targets:
                how = href_found(t, urls, domains)
                if how is not None:
                    found += 1
                    via_destination += how == "destination"
                elif len(missed) < 5:
                    missed.append(t)
            if find_iocs is not None and id(d) in peer_ids and targets:
                peer_urls = find_iocs(" ".join(walker.text)).get("urls", [])
                normalised = {normalise_url(u if "://" in u else "http://" + u) for u in peer_urls}
                peer_total += len(targets)
                peer_found += sum(1 for t in targets if t in normalised)
    if total:
        print(
            f"href recall: ours {found}/{total} = {100 * found / total:.1f}% "
            f"({via_destination} of them redirectors found by their destination; "
            f"{unparsable} http(s) hrefs with no valid host left out)"
        )
        for sample in missed:
            print(f"  missed: {sample[:120]}")
    if peer_total:
        print(
            f"href recall: ioc-finder on HTML-stripped text {peer_found}/{peer_total} = "
            f"{100 * peer_found / peer_total:.1f}%"
        )

    # 4. Junk in url values.
    url_values = [i.value for d in docs for i in d.indicators if i.type == "url"]
    junk = [u for u in url_values if is_junk(u)]
    from_text = [u for u in junk if u not in href_exact]
    print(
        f"junk: {len(junk)} of {len(url_values)} url indicator values "
        f"({len(junk) - len(from_text)} of them exact <a href> targets that really end so)"
    )
    for sample in junk[:5]:
        print(f"  e.g. {sample[:120]}{'  [exact href]' if sample in href_exact else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
