"""Sender authentication, address mismatches, display-name spoofing and lookalike domains."""

from __future__ import annotations

import random

import pytest

from watchword.analysis.auth import lookalike_of, organisational_domain, read_authentication
from watchword.analysis.urls import registrable_domain
from watchword.domain import Document


def _auth(**headers: str) -> Document:
    doc = Document(kind="email", headers={k.replace("_", "-"): v for k, v in headers.items()})
    read_authentication(doc)
    return doc


def test_topmost_authentication_results_win() -> None:
    """GIVEN the receiver's header on top and a forged one below WHEN read THEN the receiver's verdicts count."""
    doc = _auth(
        authentication_results="mx.example.org; spf=fail smtp.mailfrom=evil.test; dkim=none; dmarc=fail "
        "header.from=paypal.com\nforged.test; spf=pass; dkim=pass; dmarc=pass",
        **{"from": "service@paypal.com"},
    )
    assert doc.auth is not None
    assert (doc.auth.spf, doc.auth.dkim, doc.auth.dmarc) == ("fail", "none", "fail")


def test_folded_header_continuation_is_one_occurrence() -> None:
    doc = _auth(
        authentication_results="spf=softfail (sender IP is 192.0.2.1)\n smtp.mailfrom=x.test; dkim=pass\n "
        "header.d=x.test;dmarc=pass action=none header.from=x.test"
    )
    assert doc.auth is not None
    assert (doc.auth.spf, doc.auth.dkim, doc.auth.dmarc) == ("softfail", "pass", "pass")


def test_arc_and_received_spf_are_fallbacks() -> None:
    doc = _auth(
        arc_authentication_results="i=1; mx.google.com; dkim=pass header.i=@x.test; dmarc=pass",
        received_spf="SoftFail (protection.outlook.com: domain of x.test does not designate 192.0.2.1)",
    )
    assert doc.auth is not None
    assert (doc.auth.spf, doc.auth.dkim, doc.auth.dmarc) == ("softfail", "pass", "pass")


def test_unknown_verdicts_and_missing_headers_read_as_none() -> None:
    doc = _auth(authentication_results="spf=bananas; dmarc=bestguesspass")
    assert doc.auth is not None
    assert (doc.auth.spf, doc.auth.dkim, doc.auth.dmarc) == ("none", "none", "none")
    empty = _auth()
    assert empty.auth is not None
    assert empty.auth.from_address == ""


def test_reply_to_on_another_registrable_domain_is_a_mismatch() -> None:
    doc = _auth(**{"from": "Accounts <billing@mail.acme-corp.co.uk>", "reply-to": "acme.billing@gmail.com"})
    assert doc.auth is not None
    assert doc.auth.from_domain == "mail.acme-corp.co.uk"
    assert doc.auth.reply_to == "acme.billing@gmail.com"
    assert doc.auth.reply_to_mismatch


def test_subdomains_of_the_same_registrable_domain_are_not_a_mismatch() -> None:
    doc = _auth(
        **{
            "from": "a@news.acme-corp.co.uk",
            "reply-to": "b@support.acme-corp.co.uk",
            "return-path": "<bounce@bounces.acme-corp.co.uk>",
        }
    )
    assert doc.auth is not None
    assert not doc.auth.reply_to_mismatch
    assert not doc.auth.return_path_mismatch


def test_return_path_mismatch_uses_the_topmost_return_path() -> None:
    doc = _auth(**{"from": "a@shop.test", "return-path": "<x@bulk-sender.test>\n<y@shop.test>"})
    assert doc.auth is not None
    assert doc.auth.return_path == "x@bulk-sender.test"
    assert doc.auth.return_path_mismatch


@pytest.mark.parametrize(
    ("from_header", "claims"),
    [
        ("PayPal Support <x@random.xyz>", "PayPal"),
        ('"Microsoft 365 Team" <alerts@m365-notice.top>', "Microsoft"),
        ('"service@paypal.com" <bob@example.net>', "service@paypal.com"),
        ("DHL Express <noreply@dhl-parcel.info>", "DHL"),
        ("Netflix <info@mailer.streaming-hub.test>", "Netflix"),
    ],
)
def test_display_name_claiming_a_brand_or_address_it_is_not_is_spoofing(from_header: str, claims: str) -> None:
    doc = _auth(**{"from": from_header})
    assert doc.auth is not None
    assert doc.auth.display_name_spoof
    assert doc.auth.display_name_claims == claims


@pytest.mark.parametrize(
    "from_header",
    [
        "PayPal <service@paypal.com>",
        "PayPal Deutschland <service@paypal.de>",
        "Amazon.de <versandbestaetigung@amazon.de>",
        "Jane Doe <jane@example.org>",
        '"jane@example.org" <jane@mail.example.org>',
        "The Outlook for Tuesday <weather@example.org>",
        "",
    ],
)
def test_honest_display_names_are_not_spoofing(from_header: str) -> None:
    doc = _auth(**{"from": from_header})
    assert doc.auth is not None
    assert not doc.auth.display_name_spoof


@pytest.mark.parametrize(
    ("host", "brand"),
    [
        ("paypa1.com", "PayPal"),
        ("rnicrosoft.com", "Microsoft"),
        ("micros0ft-support.net", "Microsoft"),
        ("pаypal.com".encode("idna").decode(), "PayPal"),  # Cyrillic "а", as it arrives: punycode
        ("paypal.com.secure-login.xyz", "PayPal"),
        ("secure-paypal-login.top", "PayPal"),
        ("g00gle.com", "Google"),
        ("amaz0n.de", "Amazon"),
        ("linkedln.com", "LinkedIn"),
        ("netfIix.com", "Netflix"),
        ("dhl-tracking.top", "DHL"),
        ("docusign.secure.xyz", "DocuSign"),
        ("coinbase-help.io", "Coinbase"),
        ("appleid-verify.com", "Apple"),
        ("wellsfargo-secure.online", "Wells Fargo"),
        ("metamask-wallet.app", "MetaMask"),
    ],
)
def test_lookalike_domains_name_the_brand_they_imitate(host: str, brand: str) -> None:
    assert lookalike_of(host) == brand


@pytest.mark.parametrize(
    "host",
    [
        "paypal.com",
        "www.paypal.com",
        "login.microsoftonline.com",
        "mail.python.org",
        "pineapple.com",
        "example.org",
        "lists.sourceforge.net",
        "linkedin.com",
        "ups.com",
        "groups.google.com",
        "bankofamerica.com",
        "wise-owl.org",
        "live-music.test",
        "box-office.net",
        "",
        "localhost",
        "192.0.2.1",
    ],
)
def test_real_brand_domains_and_unrelated_names_are_not_lookalikes(host: str) -> None:
    assert lookalike_of(host) == ""


def test_one_edit_keeps_the_first_or_the_last_character() -> None:
    """lookalike_of tries _within_one_edit only on brand labels sharing the first or the last character
    with the label (pipe8): every one-edit neighbour of every brand label passes that test, and so
    does every random pair _within_one_edit accepts."""
    from watchword.analysis.auth import _LABELS_BY_LEN, _within_one_edit

    letters = "abcdeilmnorst01-"
    pairs: list[tuple[str, str]] = []
    for labels in _LABELS_BY_LEN.values():
        for brand, _name in labels:
            for i in range(len(brand) + 1):
                pairs += [(brand[:i] + c + brand[i:], brand) for c in letters]  # insertions
            for i in range(len(brand)):
                pairs.append((brand[:i] + brand[i + 1 :], brand))  # deletions
                pairs += [(brand[:i] + c + brand[i + 1 :], brand) for c in letters]  # substitutions
            for i in range(len(brand) - 1):
                pairs.append((brand[:i] + brand[i + 1] + brand[i] + brand[i + 2 :], brand))  # swaps
    rng = random.Random(8)
    for _ in range(20_000):
        a = "".join(rng.choice("abc") for _ in range(rng.randint(3, 7)))
        b = "".join(rng.choice("abc") for _ in range(rng.randint(3, 7)))
        pairs.append((a, b))
    accepted = [(a, b) for a, b in pairs if _within_one_edit(a, b)]
    assert len(accepted) > 20_000
    assert [(a, b) for a, b in accepted if a[0] != b[0] and a[-1] != b[-1]] == []


def test_sender_lookalike_is_recorded_on_the_auth_result() -> None:
    doc = _auth(**{"from": "Security <no-reply@paypa1.com>"})
    assert doc.auth is not None
    assert doc.auth.lookalike_of == "PayPal"


def test_organisational_domain_uses_the_public_suffix_list_offline() -> None:
    assert organisational_domain("a.b.example.co.uk") == "example.co.uk"
    assert organisational_domain("MAIL.Example.COM.") == "example.com"
    assert organisational_domain("") == ""


def test_one_registrable_domain_and_an_ip_has_none() -> None:
    """There is one registrable_domain (analysis/urls.py); an address is nobody's domain, in both
    it and the sender comparison built on it (auth.py once answered with the IP itself)."""
    for ip in ("192.0.2.7", "[2001:db8::1]", "[192.0.2.7]", "2001:db8::1", "::ffff:192.0.2.7"):
        assert registrable_domain(ip) == "" and organisational_domain(ip) == ""
    # Listed endings: the same answer from both, private suffixes included (each app is its own owner).
    for host, expected in (("mail.corp.co.uk", "corp.co.uk"), ("phish.evil-app.web.app", "evil-app.web.app")):
        assert registrable_domain(host) == expected == organisational_domain(host)
    # An ending the list lacks has no registrable domain; comparing senders still needs an
    # owner, and takes the list's default rule (the last two labels), never the bare ending.
    assert registrable_domain("mail.corp.test") == ""
    assert organisational_domain("mail.corp.test") == "corp.test" != organisational_domain("mail.other.test")
    import watchword.analysis.auth as auth_module

    assert not hasattr(auth_module, "registrable_domain") or auth_module.registrable_domain is registrable_domain


def test_free_text_reports_have_no_sender_authentication() -> None:
    doc = Document(kind="text", text_input="someone asked for my password")
    read_authentication(doc)
    assert doc.auth is None


@pytest.mark.parametrize(
    "value",
    ["", "<<<>>>", "=?utf-8?b?////?=", "a@" * 5000, "\x00\n\n\n spf=", "spf=" * 10000, '"unterminated <x@y'],
)
def test_hostile_headers_never_raise(value: str) -> None:
    doc = _auth(
        **{
            "from": value,
            "reply-to": value,
            "return-path": value,
            "authentication-results": value,
            "received-spf": value,
        }
    )
    assert doc.auth is not None
