"""analysis/suffixes.py finds what tldextract finds, on the same bundled snapshot."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import warnings

import pytest

from watchword.analysis import suffixes

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import tldextract

EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

ODD_HOSTS = [
    "",
    ".",
    "com",
    "example.com",
    "a.b.example.co.uk",
    "evil.web.app",
    "web.app",
    "x.y.github.io",
    "EXAMPLE.COM",
    "Example.Co.Uk.",
    "example.com...",
    "www.ck",  # an exception to the wildcard *.ck
    "a.www.ck",
    "foo.ck",
    "a.foo.ck",
    "b.a.foo.ck",
    "city.kawasaki.jp",
    "x.city.kawasaki.jp",
    "x.y.kawasaki.jp",
    "bücher.de",
    "xn--bcher-kva.de",
    "shop.xn--p1ai",
    "shop.рф",
    "xn--.com",
    "xn--zz.xn--p1ai",
    "a\u3002example\u3002com",
    "a\uff0eexample\uff61com",
    "user:pass@example.com:8080",
    "http://user@www.example.org:80/path?q#f",
    "//example.net/x",
    "ftp://[2001:db8::1]/x",
    "[2001:db8::1]",
    "[::1.com]",
    "[not-v6].com",
    "192.168.0.1",
    "192.168.0.1.com",
    "999.1.1.1",
    "01.2.3.4",
    "1.2.3",
    "localhost",
    "file.txt",
    "index.html",
    "a..b.com",
    " example.com ",
    "e.g",
    "ex ample.com",
    "mail.example.com:notaport",
    "x@y@example.org",
    "a:b//example.com",
    "1a://example.com",
    "blogspot.com",
    "me.blogspot.com",
    "s3.amazonaws.com",
    "bucket.s3.amazonaws.com",
    "compute.amazonaws.com",
    "x.eu-west-1.compute.amazonaws.com",
]


def _theirs(host: str) -> tuple[str, str, str]:
    result = EXTRACT(host)
    return result.domain, result.suffix, result.top_domain_under_public_suffix


def _ours(host: str) -> tuple[str, str, str]:
    domain, suffix = suffixes.split(host)
    return domain, suffix, suffixes.registrable(host)


def test_the_suffixes_are_tldextracts() -> None:
    assert suffixes.suffixes() == frozenset(EXTRACT.tlds)


@pytest.mark.parametrize("host", ODD_HOSTS)
def test_odd_hosts_split_as_tldextract_splits_them(host: str) -> None:
    assert _ours(host) == _theirs(host)


def test_every_suffix_of_the_list_splits_as_tldextract_splits_it() -> None:
    # Each suffix bare, under a name, under two (a wildcard's and its exception's rules included),
    # in Unicode and in punycode, upper-cased.
    for suffix in sorted(suffixes.suffixes()):
        bare = suffix.lstrip("*!.")
        forms = [bare, f"name.{bare}", f"a.name.{bare}", f"A.NAME.{bare.upper()}"]
        if not bare.isascii():
            with contextlib.suppress(UnicodeError):
                forms.append("name." + bare.encode("idna").decode("ascii"))
        for host in forms:
            assert _ours(host) == _theirs(host), host


def test_analysis_does_not_import_tldextract_or_requests() -> None:
    code = (
        "import sys; import watchword.analysis.pipeline as p; "
        "p.analyze_email(b'From: a@b.example.com\\r\\nTo: c@d.co.uk\\r\\n"
        "Subject: x\\r\\n\\r\\nsee https://evil.web.app/x'); "
        "print(sorted(m for m in ('tldextract', 'requests', 'urllib3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
