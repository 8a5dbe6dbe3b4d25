"""Indicator extraction: every type, defanged and decorated forms, false friends, and hostile input.

All fixtures are written here; nothing depends on the shared corpus.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from watchword.analysis.checksums import bech32_ok, iban_ok
from watchword.analysis.indicators import extract_indicators, find_indicators, values
from watchword.analysis.patterns import refang, strip_url_tail
from watchword.analysis.urls import normalise_host, normalise_url, registrable_domain, social_profile
from watchword.domain import Document, Link
from watchword.domain.model import INDICATOR_TYPES


def found(text: str, kind: str) -> list[str]:
    return values(find_indicators(text), kind)


# -- URLs ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("go to https://evil.example.com/login now", "https://evil.example.com/login"),
        ("HTTPS://Evil.Example.COM/Path?Q=1", "https://evil.example.com/Path?Q=1"),
        ("http://evil.example.com", "http://evil.example.com/"),
        ("http://evil.example.com:80/a https://x.example.org:443/", "http://evil.example.com/a"),
        ("http://evil.example.com:8080/a", "http://evil.example.com:8080/a"),
        ("www.evil.example.com/path", "http://www.evil.example.com/path"),
        ("http://paypal.com@evil.example.net/", "http://paypal.com@evil.example.net/"),
        ("http://198.51.100.7/x.php", "http://198.51.100.7/x.php"),
        ("http://[2001:db8::1]/x", "http://[2001:db8::1]/x"),
        ("ftp://files.example.org/a.zip", "ftp://files.example.org/a.zip"),
    ],
)
def test_urls_are_found_and_normalised(text: str, expected: str) -> None:
    assert found(text, "url")[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(see https://a.example.com/x).", "https://a.example.com/x"),
        ("see https://a.example.com/x, then", "https://a.example.com/x"),
        ("end https://a.example.com/x.", "https://a.example.com/x"),
        ('href "https://a.example.com/x"', "https://a.example.com/x"),
        ("'https://a.example.com/x';", "https://a.example.com/x"),
        ("<https://a.example.com/x>", "https://a.example.com/x"),
        ("[https://a.example.com/x]", "https://a.example.com/x"),
        ("Wiki https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("“https://a.example.com/x”", "https://a.example.com/x"),
        ("https://a.example.com/x?a=3D1&b=3D2", "https://a.example.com/x?a=1&b=2"),
        ("https://a.example.com/very/lo=\nng/path", "https://a.example.com/very/long/path"),
    ],
)
def test_url_decoration_and_qp_debris_are_trimmed(text: str, expected: str) -> None:
    assert found(text, "url") == [expected]


def test_parenthesis_inside_url_is_kept_but_unbalanced_closer_dropped() -> None:
    assert strip_url_tail("https://x.example.com/a_(b))") == "https://x.example.com/a_(b)"
    assert strip_url_tail("https://x.example.com/a)") == "https://x.example.com/a"
    assert strip_url_tail("https://x.example.com/" + ")" * 10) == "https://x.example.com/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hxxps://evil[.]example[.]com/login", "https://evil.example.com/login"),
        ("hXXp://evil(.)example(.)com/", "http://evil.example.com/"),
        ("hxxp[:]//evil[.]example[.]com/a", "http://evil.example.com/a"),
        ("http[:]//evil[.]example[.]com/a", "http://evil.example.com/a"),
        ("hxxps://evil[dot]example[dot]com/a", "https://evil.example.com/a"),
        ("hxxps://evil{.}example{.}com/a", "https://evil.example.com/a"),
        ("fxp://files[.]example[.]org/x", "ftp://files.example.org/x"),
    ],
)
def test_defanged_urls_are_refanged(text: str, expected: str) -> None:
    assert found(text, "url") == [expected]


def test_defanged_addresses_and_ips_are_refanged() -> None:
    text = "write to bob[@]evil[.]example.org or alice(at)evil(dot)example.net from 203.0.113[.]9"
    assert found(text, "email") == ["bob@evil.example.org", "alice@evil.example.net"]
    assert found(text, "ipv4") == ["203.0.113.9"]


def test_refang_leaves_ordinary_text_alone() -> None:
    text = "Prices (approx.) for [item] at {place}: see the list (dot points)."
    assert refang(text) == text


def test_idn_hosts_become_punycode() -> None:
    assert found("http://bücher.example/ and http://Bücher.de/x", "url") == ["http://xn--bcher-kva.de/x"]
    assert found("mail info@bücher.de", "email") == ["info@xn--bcher-kva.de"]
    assert "xn--80ak6aa92e.com" in found("visit аррӏе.com today", "domain")  # Cyrillic lookalike of apple.com
    assert normalise_host("ex\u3002ample.com") is None or normalise_host("example\u3002com") == "example.com"


def test_invalid_idn_labels_do_not_raise() -> None:
    for host in ("xn--.com", "a..b.com", "-bad-.com", "\udcff.com", "a" * 300 + ".com", "💩" * 80 + ".la"):
        normalise_host(host)  # no exception
    assert normalise_url("http://xn--/") is None


def test_urls_without_real_host_are_rejected() -> None:
    assert found("http://localhost/ http://intranet/ http://a http://file.txt/", "url") == []
    assert normalise_url("http://evil.example.com:99999/") is None
    assert normalise_url("javascript:alert(1)") is None


def test_urls_inside_urls_are_extracted() -> None:
    redirect = "https://r.example.com/out?url=http%3A%2F%2Fevil.example.net%2Flogin&t=1575"
    assert found(redirect, "url") == [redirect, "http://evil.example.net/login"]
    assert "2fevil.example.net" not in found(redirect, "domain")
    archived = "https://web.archive.org/web/2020/https://evil.example.net/x"
    assert found(archived, "url") == [archived, "https://evil.example.net/x"]


def test_urls_without_scheme() -> None:
    assert found("log in at evil.example.com/login.php.", "url") == ["http://evil.example.com/login.php"]
    assert found("a path ~/docs/notes.example.com/x", "url") == []
    assert found("https://a.example.com/?next=evil.example.org/p&x=1", "url") == [
        "https://a.example.com/?next=evil.example.org/p&x=1"
    ]


# -- domains ---------------------------------------------------------------------


def test_every_url_and_email_yields_host_and_registrable_domain() -> None:
    indicators = find_indicators("https://login.secure.example.co.uk/x and bob@mail.example.org")
    assert values(indicators, "domain") == [
        "login.secure.example.co.uk",
        "example.co.uk",
        "mail.example.org",
        "example.org",
    ]


def test_private_suffixes_keep_the_tenant() -> None:
    assert registrable_domain("phish.evil-app.web.app") == "evil-app.web.app"
    assert registrable_domain("a.b.example.co.uk") == "example.co.uk"


@pytest.mark.parametrize(
    "text",
    ["file.txt", "index.html", "e.g. this", "i.e. that", "report.pdf", "setup.py", "notes.md", "v1.2.3", "Mr.Smith"],
)
def test_file_names_and_abbreviations_are_not_domains(text: str) -> None:
    assert found(text, "domain") == []


def test_bare_domains_in_text_are_found() -> None:
    assert found("Log in at secure-paypal.example.com today.", "domain") == [
        "secure-paypal.example.com",
        "example.com",
    ]


# -- addresses, IPs ----------------------------------------------------------------


def test_emails_are_lowercased_and_stripped_of_quotes() -> None:
    assert found("Contact 'Bob.Smith@Example.COM' or <x+tag@example.org>.", "email") == [
        "bob.smith@example.com",
        "x+tag@example.org",
    ]


def test_sender_headers_are_sources() -> None:
    doc = Document(
        kind="email",
        headers={
            "from": '"PayPal" <service@paypa1-example.com>',
            "reply-to": "collect@evil.example.net",
            "return-path": "<bounce@mailer.example.org>",
            "to": "victim@corp.example",
        },
        subject="Account notice",
        body_text="Nothing here.",
    )
    extract_indicators(doc)
    assert values(doc.indicators, "email") == [
        "service@paypa1-example.com",
        "collect@evil.example.net",
        "bounce@mailer.example.org",
    ]


def test_ip_addresses() -> None:
    text = "from 192.0.2.44, not 999.1.1.1 nor 1.2.3.4.5 nor v10.0.0.1; v6 2001:db8::8a2e:370:7334 at 10:30:45"
    assert found(text, "ipv4") == ["192.0.2.44"]
    assert found(text, "ipv6") == ["2001:db8::8a2e:370:7334"]
    assert found("fe80::1 and ::1", "ipv6") == ["fe80::1", "::1"]
    assert found("Name :: value, std::string", "ipv6") == []


# -- hashes, wallets, IBANs ----------------------------------------------------------


def test_hashes_by_length_and_not_other_hex() -> None:
    text = (
        "md5 D41D8CD98F00B204E9800998ECF8427E sha1 da39a3ee5e6b4b0d3255bfef95601890afd80709 "
        "sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 "
        "hex48 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934c "
        "hex36 e3b0c44298fc1c149afbf4c8996fb92427ae "
        "digits 12345678901234567890123456789012 "
        "embedded xe3b0c44298fc1c149afbf4c8996fb924"
    )
    assert found(text, "md5") == ["d41d8cd98f00b204e9800998ecf8427e"]
    assert found(text, "sha1") == ["da39a3ee5e6b4b0d3255bfef95601890afd80709"]
    assert found(text, "sha256") == ["e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]


def test_wallets_are_checksum_validated() -> None:
    text = (
        "pay 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa or 3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy or "
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq; not 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb, "
        "not bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr"
    )
    assert found(text, "btc") == [
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa",
        "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy",
        "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq",
    ]
    assert found("ETH 0x742d35Cc6634C0532925a3b844Bc454e4438f44e.", "eth") == [
        "0x742d35cc6634c0532925a3b844bc454e4438f44e"
    ]
    xmr = "4AdUndXHHZ6cfufTMvppY6JwXNouMBzSkbLYfpAV5Usx3skxNgYeYTRj5UzqtReoS44qo9mtmXCqY45DJ852K5Jv2684Rge"
    assert found(f"XMR: {xmr}", "xmr") == [xmr]
    assert bech32_ok("bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297")  # taproot, bech32m


def test_iban_mod97() -> None:
    text = "IBAN GB82 WEST 1234 5698 7654 32 or DE89370400440532013000; typo GB82 WEST 1234 5698 7654 33"
    assert found(text, "iban") == ["GB82WEST12345698765432", "DE89370400440532013000"]
    assert not iban_ok("XX82WEST12345698765432")


# -- phones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call +44 20 7946 0958 now", ["+442079460958"]),
        ("WhatsApp: +1 (415) 555-2671", ["+14155552671"]),
        ("tel. 0044 20 7946 0958", ["+442079460958"]),
        ("Call us at (415) 555-2671.", ["+14155552671"]),
        ("Phone: 415.555.2671", ["+14155552671"]),
        ("T: 415-555-2671", ["+14155552671"]),
    ],
)
def test_phone_numbers_in_context(text: str, expected: list[str]) -> None:
    assert found(text, "phone") == expected


@pytest.mark.parametrize(
    "text",
    [
        "Order #4155552671 has shipped",
        "Invoice 2024-01-15 total $1,234,567.00",
        "Reference 415 555 2671 in your records",
        "Date 15.01.2024 time 10:30",
        "Tracking 1Z999AA10123456784",
        "version 4.155.552.671",
        "Call us on 12/03/2024",
    ],
)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert found(text, "phone") == []


def test_data_and_defanged_link_targets() -> None:
    doc = Document(
        kind="email",
        links=[
            Link(target="data:text/html;base64,PGgxPmh4eHA6Ly9ldmlsLmNvbTwvaDE+", kind="href"),
            Link(target="hxxps://evil[.]example.com/", kind="href"),
        ],
    )
    extract_indicators(doc)
    assert doc.indicators == []  # a browser cannot follow either; the text scan refangs, targets are literal


def test_tel_links_are_phones() -> None:
    doc = Document(kind="email", links=[Link(target="tel:+442079460958", kind="href")])
    extract_indicators(doc)
    assert values(doc.indicators, "phone") == ["+442079460958"]


# -- social ------------------------------------------------------------------------


def test_social_profile_urls_are_normalised() -> None:
    text = (
        "https://www.linkedin.com/in/Jane-Doe-123/?trk=x https://twitter.com/EvilRecruiter "
        "https://x.com/intent/tweet?text=hi https://t.me/HR_manager https://www.facebook.com/sharer.php "
        "https://github.com/some-user/repo https://www.tiktok.com/@someone https://vk.com/id123"
    )
    assert found(text, "social") == [
        "linkedin.com/in/jane-doe-123",
        "x.com/evilrecruiter",
        "t.me/hr_manager",
        "github.com/some-user",
        "tiktok.com/@someone",
        "vk.com/id123",
    ]
    assert social_profile("https://www.linkedin.com/feed/") is None
    assert social_profile("https://www.facebook.com/n/?notification_id=1") is None
    assert social_profile("https://www.facebook.com/email_open_log_pic.php?mid=1") is None


def test_handles_need_a_platform_word() -> None:
    text = "Add me on Telegram: @Recruiter_Anna or skype @anna.hr. Meeting @ 10, email bob@example.com"
    assert found(text, "social") == ["t.me/recruiter_anna", "skype:anna.hr"]
    assert found("Thanks @everyone for coming", "social") == []


def test_bare_social_paths_and_wa_me() -> None:
    assert found("DM t.me/anna_hr or wa.me/442079460958", "social") == ["t.me/anna_hr", "wa.me/442079460958"]
    assert found("https://wa.me/442079460958", "phone") == ["+442079460958"]
    assert found("WhatsApp me: wa.me/442079460958", "phone") == ["+442079460958"]


# -- the stage -------------------------------------------------------------------------


def test_stage_dedupes_in_first_seen_order_and_uses_only_known_types() -> None:
    doc = Document(
        kind="email",
        subject="Invoice from https://billing.example.com/",
        body_text="Pay at https://billing.example.com/ or mail ap@billing.example.com. md5 "
        "d41d8cd98f00b204e9800998ecf8427e",
        links=[
            Link(target="https://billing.example.com/", text="here"),
            Link(target="mailto:ap@billing.example.com?subject=x", text="mail"),
            Link(target="https://cdn.example.net/logo.png", kind="img"),
            Link(target="/relative/path", text="rel"),
            Link(target="javascript:location='https://js.example.org/x'", text="js"),
        ],
    )
    extract_indicators(doc)
    pairs = [(i.type, i.value) for i in doc.indicators]
    assert len(pairs) == len(set(pairs))
    assert pairs[:3] == [
        ("url", "https://billing.example.com/"),
        ("domain", "billing.example.com"),
        ("domain", "example.com"),
    ]
    assert ("email", "ap@billing.example.com") in pairs
    assert ("url", "https://cdn.example.net/logo.png") in pairs
    assert ("url", "https://js.example.org/x") in pairs
    assert {i.type for i in doc.indicators} <= set(INDICATOR_TYPES)


def test_text_report_uses_body_text() -> None:
    doc = Document(kind="text", body_text="The 'recruiter' used anna.hr@talent-example.com and +44 20 7946 0958")
    extract_indicators(doc)
    assert values(doc.indicators, "email") == ["anna.hr@talent-example.com"]
    assert values(doc.indicators, "phone") == ["+442079460958"]


# -- hostile input -------------------------------------------------------------------

ADVERSARIAL = {
    "http://a": "http://a" * 12500,
    "http://a spaced": "http://a " * 11000,
    "a.": "a." * 50000,
    "a@": "a@" * 50000,
    "@a.": "@a." * 33000,
    "a.b@": "a.b@" * 25000,
    "digits": "1" * 100000,
    "digits spaced": "1 " * 50000,
    "1.": "1." * 50000,
    "hex": "a" * 100000,
    "hex then g": "a" * 99999 + "g",
    "colons": ":" * 100000,
    "a:": "a:" * 50000,
    "1:2:": "1:2:" * 25000,
    "[.]": "a[.]" * 25000,
    "hxxp": "hxxp://a[.]" * 9000,
    "closing parens": "http://a.example.com/" + ")" * 100000,
    "opening parens": "http://a.example.com/" + "(" * 100000,
    "=3D": "=3D" * 33000,
    "www.": "www." * 25000,
    "x.com/": "x.com/" * 16000,
    "plus": "+1 " * 33000,
    "tel": "tel 1-" * 16000,
    "telegram @": "telegram @a " * 9000,
    "IBAN-ish": "GB82 WEST " * 10000,
    "base58": "1" + "z" * 99999,
    "bc1": "bc1" + "q" * 99997,
    "0x": "0x" * 50000,
    "unicode dots": "ü." * 50000,
    "long label": "a" * 100000 + ".com",
    "dash labels": "-." * 50000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_input_runs_in_linear_time(name: str) -> None:
    text = ADVERSARIAL[name]
    start = time.process_time()
    find_indicators(text)
    assert time.process_time() - start < 1.0
    start = time.process_time()
    extract_indicators(Document(kind="text", body_text=text, links=[Link(target=text)]))
    assert time.process_time() - start < 1.0


JUNK_END = (")", '"', ">", ".", "'", ",", ";")
TRICKY = st.sampled_from(
    [*"ab1.:/@[]()<>\"' \n=-_%#?&+", "http://", "https://", "www.", "hxxp", "[.]", ".com", "=3D", "ü", "xn--"]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TRICKY, max_size=60).map("".join))
def test_property_url_values_are_clean(text: str) -> None:
    for value in found(text, "url"):
        assert not value.endswith(JUNK_END), value
        assert "=3D" not in value
        assert not any(c.isspace() for c in value)
        assert normalise_url(value) == value  # normalisation is idempotent


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_property_never_raises_on_any_text(text: str) -> None:
    doc = Document(kind="email", subject=text[:50], body_text=text, links=[Link(target=text[:80])])
    extract_indicators(doc)
    assert all(i.type in INDICATOR_TYPES for i in doc.indicators)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TRICKY, min_size=1, max_size=8).map("".join))
def test_property_repeated_units_stay_linear(unit: str) -> None:
    text = unit * (60000 // len(unit))
    start = time.process_time()
    find_indicators(text)
    assert time.process_time() - start < 1.0
