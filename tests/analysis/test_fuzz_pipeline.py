"""Property-based fuzzing of MIME construction and the HTML path, with a time and memory budget per input.

Generated messages (random headers including encoded-words that decode to
control characters, nested multiparts, random and unknown charsets and
transfer encodings, HTML with deep nesting and long tokens) go through the
analysis pipeline and the console's rendering. For every input: nothing
raises, no stage fails, and the work stays within a time budget and a
memory budget proportional to the input. Our own outbound mail is fuzzed
too: no reported value can put a line break into one of its headers.

The normal suite runs a bounded profile (a few hundred examples in all, well
under a minute). `make fuzz` sets WATCHWORD_FUZZ=long for a long run.
"""

from __future__ import annotations

import base64
import os
import quopri
import time
import tracemalloc
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.support.smtp_sink import OUR_REPLY_HEADERS
from watchword.analysis.pipeline import analyze_email
from watchword.analysis.text import html_to_text
from watchword.config import Settings
from watchword.replies.headers import header_text, message_id
from watchword.services import mail_replies, render

LONG = os.environ.get("WATCHWORD_FUZZ", "") == "long"
EXAMPLES = {"mime": 2000 if LONG else 120, "html": 2000 if LONG else 120, "reply": 3000 if LONG else 150}

# Budgets per input, generous for a loaded 2-core machine and the tracing
# overhead (tracemalloc roughly doubles the time): a fixed floor for the
# per-message overhead plus a rate per megabyte of input.
SECONDS_FLOOR, SECONDS_PER_MB = 2.0, 8.0
MEMORY_FLOOR, MEMORY_PER_BYTE = 64 * 2**20, 60


# A failing input can be megabytes: its repr is long, and that is no reason to fail differently.


def _fuzz_settings(kind: str) -> Any:
    return settings(
        max_examples=EXAMPLES[kind],
        deadline=None,
        # Shrinking a multi-megabyte message takes longer than the run itself; the long run
        # reports the failure as found (with its seed) instead.
        phases=[Phase.explicit, Phase.reuse, Phase.generate] if LONG else list(Phase),
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
        derandomize=not LONG,  # the bounded run is the same on every machine; the long one explores
    )


def within_budget(size: int, work: Any) -> Any:
    """Run `work()`, asserting the time and peak traced memory stay within the budgets for `size` bytes."""
    tracemalloc.start()
    try:
        # CPU time: the work is this process's own; the wall clock also counts the time the machine gave
        # to others (a slow input is slow in CPU too).
        started = time.process_time()
        result = work()
        elapsed = time.process_time() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    time_budget = SECONDS_FLOOR + SECONDS_PER_MB * size / 1e6
    memory_budget = MEMORY_FLOOR + MEMORY_PER_BYTE * size
    assert elapsed < time_budget, f"{elapsed:.2f} s for {size} bytes (budget {time_budget:.1f} s)"
    assert peak < memory_budget, f"peak {peak / 2**20:.1f} MiB for {size} bytes"
    return result


# -- strategies ---------------------------------------------------------------------------

CHARSETS = ["utf-8", "iso-8859-1", "windows-1252", "koi8-r", "shift_jis", "gb2312", "utf-16", "x-unknown", "", "utf-7"]
CONTROL = st.sampled_from(["\r\n", "\r", "\n", "\x00", "\x0b", "\x1b", "\u2028", "\x85", "\t"])
WORDS = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
TEXT = st.lists(st.one_of(WORDS, CONTROL, st.just("=?"), st.just("?=")), max_size=12).map("".join)


@st.composite
def encoded_word(draw: st.DrawFn) -> str:
    """An RFC 2047 encoded-word, often carrying CR LF and a header of the attacker's."""
    text = draw(st.one_of(TEXT, st.just("x\r\nReply-To: it-help@evil-recruit.top\r\n\r\nbody")))
    charset = draw(st.sampled_from(["utf-8", "iso-8859-1", "x-unknown", "utf-16"]))
    try:
        payload = text.encode(charset if charset != "x-unknown" else "utf-8")
    except UnicodeEncodeError:
        payload = text.encode("utf-8")
    if draw(st.booleans()):
        return f"=?{charset}?b?{base64.b64encode(payload).decode()}?="
    return f"=?{charset}?q?{quopri.encodestring(payload, header=True).decode().replace(chr(10), '')}?="


HEADER_VALUE = st.one_of(TEXT, encoded_word(), st.text(min_size=500, max_size=5000), st.just(""))


@st.composite
def html_document(draw: st.DrawFn) -> str:
    tags = [
        "div",
        "p",
        "a href='https://x.example/'",
        "table",
        "td",
        "li",
        "ul",
        "span",
        "b",
        "form action=x",
        "svg",
        "template",
        "select",
        "option",
        "img src=x",
        "font",
        "center",
        "button",
        "object",
        "html a=1",
    ]
    unit = "".join(f"<{tag}>" for tag in draw(st.lists(st.sampled_from(tags), min_size=1, max_size=4)))
    text = draw(st.one_of(st.just(""), WORDS, st.just("x" * 2000), st.just("a." * 300)))
    depth = draw(st.integers(min_value=0, max_value=3000))
    closing = draw(st.booleans())
    tail = "".join(f"</{tag.split()[0]}>" for tag in reversed(unit[1:-1].split("><"))) * depth if closing else ""
    noise = draw(
        st.lists(st.one_of(WORDS, st.sampled_from(["<", ">", "</", "<!--", "-->", "&amp;", "&#x0;"])), max_size=8)
    )
    return (unit + text) * depth + "".join(noise) + tail


def _encode_body(body: str, charset: str, cte: str) -> tuple[str, bytes]:
    try:
        data = body.encode(charset or "utf-8")
    except (LookupError, UnicodeEncodeError):
        data = body.encode("utf-8", "surrogatepass")
    if cte == "base64":
        return cte, base64.encodebytes(data)
    if cte == "quoted-printable":
        return cte, quopri.encodestring(data)
    return cte, data


@st.composite
def mime_part(draw: st.DrawFn, depth: int = 0) -> bytes:
    kind = draw(st.sampled_from(["text", "html", "multipart", "rfc822", "binary"] if depth < 6 else ["text", "html"]))
    if kind == "multipart":
        boundary = draw(st.sampled_from(["b1", "=_x", "--", "a" * 70, ""])) + str(depth)
        children = draw(st.lists(mime_part(depth + 1), min_size=0, max_size=3))
        subtype = draw(st.sampled_from(["mixed", "alternative", "related", "digest"]))
        body = b"".join(b"--" + boundary.encode() + b"\r\n" + child + b"\r\n" for child in children)
        closing = b"--" + boundary.encode() + b"--\r\n" if draw(st.booleans()) else b""
        return f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode() + body + closing
    if kind == "rfc822":
        return b"Content-Type: message/rfc822\r\n\r\n" + draw(message(depth + 1))
    charset = draw(st.sampled_from(CHARSETS))
    cte = draw(st.sampled_from(["7bit", "8bit", "base64", "quoted-printable", "x-bogus", "binary"]))
    if kind == "binary":
        name = draw(st.one_of(TEXT, st.just("<img src=x onerror=alert(1)>.pdf"), encoded_word()))
        data = draw(st.binary(max_size=300))
        return (
            f'Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="{name}"\r\n'
            "Content-Transfer-Encoding: base64\r\n\r\n"
        ).encode("utf-8", "surrogatepass") + base64.encodebytes(data)
    body = draw(html_document()) if kind == "html" else draw(st.one_of(TEXT, st.just("a." * 5000)))
    cte, data = _encode_body(body, charset, cte)
    head = f'Content-Type: text/{"html" if kind == "html" else "plain"}; charset="{charset}"\r\n'
    return (head + f"Content-Transfer-Encoding: {cte}\r\n\r\n").encode() + data


@st.composite
def message(draw: st.DrawFn, depth: int = 0) -> bytes:
    headers = {
        "From": draw(st.one_of(HEADER_VALUE, st.just("IT <helpdesk@evil.example>"))),
        "To": draw(HEADER_VALUE),
        "Subject": draw(HEADER_VALUE),
        "Message-ID": draw(st.one_of(HEADER_VALUE, st.just("<a@b>\r\nBcc: x@evil.example"))),
        "Reply-To": draw(HEADER_VALUE),
    }
    head = "".join(
        f"{name}: {value.replace(chr(13), ' ').replace(chr(10), ' ')}\r\n" for name, value in headers.items()
    )
    raw_header = draw(st.one_of(st.just(""), TEXT.map(lambda t: f"X-Raw: {t}\r\n")))
    return (head + raw_header + "MIME-Version: 1.0\r\n").encode("utf-8", "surrogatepass") + draw(mime_part(depth))


# -- properties ------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _pipeline_loaded() -> None:
    """Load what the pipeline builds once per process before anything is timed: the reading's
    automaton and its learned models take ~1.5 s on first use under tracemalloc, a start-up cost that
    a worker pays once, not a cost of the first generated input."""
    warm = (
        b"From: a@b.example\r\nTo: c@d.example\r\nSubject: Your account\r\nContent-Type: text/html\r\n\r\n"
        b"<p>Please confirm your password at https://x.example/login, your account is suspended.</p>"
    )
    _analyse_and_render(warm)


def _analyse_and_render(raw: bytes) -> dict[str, Any]:
    result = analyze_email(raw).to_dict()
    view = render.message_view(result)
    assert view.kind == "email"
    return result


# Timed per input (see SECONDS_FLOOR), in CPU time: serial, and cpu_timed (the parallel pass of `make test` on
# Python 3.12+, whose coverage barely slows it; see the Makefile).
@pytest.mark.serial
@pytest.mark.cpu_timed
@_fuzz_settings("mime")
@given(message())
def test_generated_messages_are_analysed_within_budget_and_never_fail(raw: bytes) -> None:
    result = within_budget(len(raw), lambda: _analyse_and_render(raw))
    failed = [w for w in result["warnings"] if " failed: " in w]
    assert not failed, failed


@pytest.mark.serial  # timed per input, as above
@pytest.mark.cpu_timed
@_fuzz_settings("html")
@given(html_document())
def test_generated_html_is_read_within_budget(html: str) -> None:
    size = len(html.encode("utf-8", "surrogatepass"))
    text, links, _notes = within_budget(size, lambda: html_to_text(html))
    assert isinstance(text, str) and len(links) <= 20_000


REPLY_SETTINGS = Settings(
    data_dir=Path("/nonexistent"),
    database_url="sqlite://",
    blob_dir=Path("/nonexistent"),
    reply_from="Watchword <report@watchword.test>",
)


@_fuzz_settings("reply")
@given(subject=HEADER_VALUE, in_reply_to=st.one_of(HEADER_VALUE, st.just("<ok@corp.example>")))
def test_our_replies_carry_only_our_headers_whatever_the_reported_values(subject: str, in_reply_to: str) -> None:
    clean_subject, clean_id = header_text(subject, 300), message_id(in_reply_to)
    for value in (clean_subject, clean_id):
        assert not any(ch in value for ch in "\r\n\x00\x0b\x0c\x85\u2028\u2029")
    row = SimpleNamespace(id=7, dedupe="d" * 64, subject=clean_subject, in_reply_to=clean_id, body="Thank you.\n")
    msg = mail_replies.build_message(REPLY_SETTINGS, row, "alice@corp.example")  # type: ignore[arg-type]
    parsed = message_from_bytes(msg.as_bytes(), policy=default_policy)
    names = {name.lower() for name in parsed}
    assert names <= OUR_REPLY_HEADERS, names
    assert parsed["To"] == "alice@corp.example" and parsed.get_content().replace("\r\n", "\n") == "Thank you.\n"


pytestmark = pytest.mark.filterwarnings("ignore:Generating overly large repr:hypothesis.errors.HypothesisWarning")
