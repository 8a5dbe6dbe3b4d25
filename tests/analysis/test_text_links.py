"""Readable text and links: what the recipient saw, and where each link goes.

All fixtures are written here; nothing depends on the shared corpus.
"""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.mailbuilders import PHISH_HTML
from watchword.analysis.text import (
    HIDDEN_TEXT_WARN_CHARS,
    clean_text,
    extract_text_and_links,
    html_to_text,
    is_mismatch,
)
from watchword.domain import Document, Link


def html_doc(html: str, **kwargs: object) -> Document:
    doc = Document(kind="email", html_parts=[html], **kwargs)  # type: ignore[arg-type]
    extract_text_and_links(doc)
    return doc


# -- text -------------------------------------------------------------------------


def test_html_text_drops_noise_keeps_blocks_and_unescapes() -> None:
    text = html_doc(PHISH_HTML).body_text
    assert "Title noise" not in text
    assert "color" not in text
    assert "script.example.com" not in text
    assert "comment.example.com" not in text
    assert "Dear customer & friend," in text.splitlines()
    assert "Your account" in text.splitlines()
    assert "is locked." in text.splitlines()
    assert "Cell one" in text and "Cell two" in text
    assert "  " not in text and "\n\n" not in text


def test_text_parts_are_preferred_over_html() -> None:
    plain = "Plain\u00a0version of the message\r\n\r\n\r\nsecond line  "
    html = "<p>HTML version of the message</p><p>second line</p>"
    doc = Document(kind="email", text_parts=[plain], html_parts=[html, ""])  # an empty part is skipped
    extract_text_and_links(doc)
    assert doc.body_text == "Plain version of the message\nsecond line"
    doc = Document(kind="email", text_parts=[plain], html_parts=[PHISH_HTML])
    extract_text_and_links(doc)
    assert any(link.kind == "form" for link in doc.links)  # links still come from the HTML


def test_stub_text_part_gives_way_to_the_html() -> None:
    html = "<p>" + "Your mailbox is full. Verify your account now or lose access. " * 5 + "</p>"
    doc = Document(kind="email", text_parts=["View this email in your browser."], html_parts=[html])
    extract_text_and_links(doc)
    assert doc.body_text.startswith("Your mailbox is full.")


def test_clean_text_removes_zero_width_and_collapses_spaces() -> None:
    assert clean_text("pay\u200bpal\u00a0 \t account\u200d\n\n\n  next ") == "paypal account\nnext"
    # NUL is the one ASCII character of the set: an ASCII text is still searched when it holds one.
    assert clean_text("pay\x00pal  account") == "paypal account"


def test_text_report_uses_reporter_words_and_answers() -> None:
    doc = Document(
        kind="text",
        text_input="A man at the conference asked about our  project.",
        answers={"where": "Berlin trade fair", "contact": "", "link": "He sent https://talent.example.com/job"},
    )
    extract_text_and_links(doc)
    assert doc.body_text.splitlines() == [
        "A man at the conference asked about our project.",
        "Berlin trade fair",
        "He sent https://talent.example.com/job",
    ]
    assert [(link.target, link.kind) for link in doc.links] == [("https://talent.example.com/job", "text")]


# -- links --------------------------------------------------------------------------


def test_every_link_kind_is_collected_in_document_order() -> None:
    links = html_doc(PHISH_HTML).links
    assert [(link.kind, link.target) for link in links] == [
        ("href", "https://evil.example.ru/login"),
        ("href", "https://www.paypal.com/help"),
        ("href", "https://t.example.co/x"),
        ("img", "https://cdn.evil.example.ru/btn.png"),
        ("href", "https://area.example.net/"),
        ("form", "https://collect.evil.example.ru/post.php"),
        ("img", "https://img.example.org/a.png"),
        ("img", "https://img.example.org/a.png"),
        ("img", "https://img.example.org/b.png"),
        ("img", "https://bg.example.org/tile.gif"),
    ]


def test_data_uri_images_are_shortened_and_give_no_indicators() -> None:
    blob = "data:image/png;base64," + "iVBORw0KGgoXxPhxxp" * 10000
    doc = html_doc(f'<img src="{blob}" alt="logo"><a href="https://a.example.com/">a</a>')
    image = doc.links[0]
    assert image.kind == "img"
    assert image.target.startswith("data:image/png;base64,")
    assert image.target.endswith(f"[{len(blob)} characters]")
    assert len(image.target) < 200


def test_link_text_falls_back_to_image_alt() -> None:
    links = {link.target: link for link in html_doc(PHISH_HTML).links}
    assert links["https://t.example.co/x"].text == "Log in"
    assert links["https://cdn.evil.example.ru/btn.png"].text == "Log in"
    assert links["https://area.example.net/"].text == "Region"


def test_mismatch_when_text_names_another_domain() -> None:
    links = {link.target: link for link in html_doc(PHISH_HTML).links}
    assert links["https://evil.example.ru/login"].mismatch is True
    assert links["https://www.paypal.com/help"].mismatch is False
    assert links["https://t.example.co/x"].mismatch is False


@pytest.mark.parametrize(
    ("text", "target", "expected"),
    [
        ("https://accounts.google.com/signin", "https://accounts.google.com.evil.example.ru/", True),
        ("www.bank.example.com", "http://bank.example.com/login", False),
        ("BANK.EXAMPLE.COM", "https://secure.bank.example.com/", False),
        ("bank.example.com", "https://bank-example.com/", True),
        ("Click here", "https://evil.example.ru/", False),
        ("Version 2.0", "https://evil.example.ru/", False),
        ("paypal.com", "/relative/path", False),
        ("paypal.com", "mailto:x@evil.example.ru", False),
        ("support@paypal.com", "https://evil.example.ru/", True),
    ],
)
def test_mismatch_rules(text: str, target: str, expected: bool) -> None:
    assert is_mismatch(text, target) is expected


def test_bare_urls_in_text_are_text_links_without_duplicates() -> None:
    doc = Document(
        kind="email",
        text_parts=["Open https://a.example.com/x). Or www.b.example.org. Again https://a.example.com/x"],
        html_parts=['<a href="https://a.example.com/x">https://a.example.com/x</a>'],
    )
    extract_text_and_links(doc)
    assert [(link.kind, link.target) for link in doc.links] == [
        ("href", "https://a.example.com/x"),
        ("text", "www.b.example.org"),
    ]


def test_anchor_text_url_is_not_a_separate_link_in_html_only_mail() -> None:
    doc = html_doc('<p>Go: <a href="https://evil.example.ru/">https://www.bank.example.com/</a></p>')
    assert [(link.kind, link.mismatch) for link in doc.links] == [("href", True)]


# -- hidden text -------------------------------------------------------------------


def test_hidden_text_is_left_out_and_reported_when_long() -> None:
    filler = "harmless words " * (HIDDEN_TEXT_WARN_CHARS // 10)
    html = (
        '<div style="display:none">preheader</div><p>Visible</p>'
        f'<span style="Visibility: Hidden">{filler}</span><div hidden>also hidden</div>'
    )
    doc = html_doc(html)
    assert doc.body_text == "Visible"
    assert any("hidden text" in w for w in doc.warnings)
    short = html_doc('<div style="display: none">Your preview line</div><p>Hi</p>')
    assert short.body_text == "Hi"
    assert short.warnings == []


def test_many_zero_width_characters_are_reported() -> None:
    doc = html_doc("<p>" + "p\u200ba\u200by\u200bp\u200ba\u200bl " * 5 + "</p>")
    assert doc.body_text.startswith("paypal paypal")
    assert any("zero-width" in w for w in doc.warnings)


# -- odd input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "html",
    [
        "",
        "   ",
        "<",
        "<<<>>>",
        "\x00\x00<p>nul</p>",
        "<a href>empty</a><a href=''>blank</a><form></form><img>",
        "<html><body><a href='http://[broken/'>x</a>",
        "<p>" * 5000,
        "<a href='" + "x" * 100000 + "'>long</a>",
        "\udcff<p>lone surrogate</p>",
    ],
)
def test_odd_html_does_not_raise(html: str) -> None:
    doc = html_doc(html)
    assert isinstance(doc.body_text, str)
    assert all(isinstance(link, Link) for link in doc.links)


def test_big_html_is_fast() -> None:
    html = "<div><a href='https://x.example.com/a'>www.y.example.org</a> text &amp; more</div>\n" * 20000
    start = time.process_time()
    text, links, _ = html_to_text(html)
    assert "text & more" in text
    assert time.process_time() - start < 2.0
    assert len(links) == 20000


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*"<>/=\"' apdivhrefstyle:none.com&;#", "http://", "\n"]), max_size=200).map("".join))
def test_property_html_never_raises(html: str) -> None:
    doc = html_doc(html)
    assert "\n\n" not in doc.body_text
