"""Every absolute `<a href>` of a hand-written HTML email is among its indicators, as bench/analyze.py
counts them: a plain link as itself, a redirector's by its destination (the wrapper is never one),
and a link whose quote is never closed as the browser reads it."""

from __future__ import annotations

import importlib.util
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

from watchword.analysis.pipeline import run
from watchword.analysis.urls import normalise_url
from watchword.domain import Document

# An unclosed quote: a browser's href runs to the next `"`, through `><img src=`.
UNCLOSED = "https://track.example-shop.net/c?k=Zm9v==><img src="
EMAIL = b"""From: Shop <news@example-shop.net>
To: someone@example.org
Subject: Your parcel
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body>
<p>Track it <a href="https://parcel-track.example-shop.net/t/123">here</a>.</p>
<p><a href="https://google.com/amp/s/t.co/AbCdEf12">news</a>
<a href="https://www.google.com/url?q=https%3A%2F%2Fbit.ly%2F3xyzAbc&amp;sa=D&amp;usg=AOvVaw0">offer</a></p>
<a href="https://track.example-shop.net/c?k=Zm9v==><img src="https://img.example-shop.net/b.png" width="600"></a>
</body></html>
"""


def _bench() -> ModuleType:
    path = Path(__file__).resolve().parents[2] / "bench" / "analyze.py"
    spec = importlib.util.spec_from_file_location("bench_analyze", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [value for name, value in attrs if tag == "a" and name == "href" and value]


def test_every_href_is_found_as_the_bench_counts_it() -> None:
    doc = run(Document(kind="email", raw=EMAIL))
    urls = {i.value for i in doc.indicators if i.type == "url"}
    domains = {i.value for i in doc.indicators if i.type == "domain"}
    walker = _Hrefs()
    walker.feed(doc.html_parts[0])
    targets = [normalise_url(h) for h in walker.hrefs]
    assert len(targets) == 4 and UNCLOSED in walker.hrefs
    found = {t: _bench().href_found(t, urls, domains) for t in targets if t}
    assert found == {
        "https://parcel-track.example-shop.net/t/123": "exact",
        "https://google.com/amp/s/t.co/AbCdEf12": "destination",
        "https://www.google.com/url?q=https%3A%2F%2Fbit.ly%2F3xyzAbc&sa=D&usg=AOvVaw0": "destination",
        normalise_url(UNCLOSED): "exact",
    }
    # The destinations are the indicators; the wrappers (google.com, shared by everyone) are not.
    assert {"https://t.co/AbCdEf12", "https://bit.ly/3xyzAbc"} <= urls
    assert not any("google.com" in u for u in urls)
    # The comment html_to_text puts before each tag with attributes stays out of the href.
    assert not any("<!---->" in link.target or "%3C!----%3E" in link.target for link in doc.links)
