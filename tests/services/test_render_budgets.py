"""Rendering hostile text for the console is linear: no input stalls a page (issue 11, item 2)."""

from __future__ import annotations

import time

import pytest

from watchword.services import render


# Timed: serial (a budget of 2 s for what took 0.3 s at load average 11, when it timed the wall clock
# and ran under the C tracer). CPU time of this process, which the rendering is all in: the wall clock
# also counts what the machine gave to others. cpu_timed: the parallel pass of `make test` runs it on
# Python 3.12+, whose coverage barely slows it (see the Makefile); the serial pass on 3.11.
@pytest.mark.serial
@pytest.mark.cpu_timed
@pytest.mark.parametrize(
    "body",
    [
        "a." * 200_000,  # the review's input: 23.6 s at 30k repetitions, 264 s at 200k
        "a-" * 100_000 + "." + "b." * 100_000,
        "<div " * 100_000,  # a tag that never closes: one scan, not one per "<"
        "x" * 150_000 + ".com",
        "\u00e9." * 200_000,
    ],
    ids=["dots", "hyphens-then-dots", "open-tags", "long-label", "unicode-dots"],
)
def test_hostile_bodies_render_in_linear_time(body: str) -> None:
    started = time.process_time()
    view = render.message_view({"kind": "email", "subject": body[:5000], "body_text": body, "headers": {}})
    elapsed = time.process_time() - started
    assert view.body, "the body is shown"
    # Generous for a loaded 2-core machine; the quadratic pattern took minutes.
    assert elapsed < 2.0, f"{elapsed:.2f} s to render {len(body)} characters"


def test_hosts_are_still_defanged_and_ordinary_dots_left_alone() -> None:
    assert render.defang("see evil.example.com. now") == "see evil[.]example[.]com. now"
    assert render.defang("https://login.evil-example.com/o365") == "hxxps[://]login[.]evil-example[.]com/o365"
    assert render.defang("mail billing@paypal.com") == "mail billing@paypal[.]com"
    assert render.defang("münchen.de and 10.0.0.1") == "münchen[.]de and 10[.]0[.]0[.]1"
    assert render.defang("a..b.com") == "a..b[.]com"
    # Dotted words that are not hosts stay readable.
    assert render.defang("file.txt, e.g. and i.e. v1.2.3") == "file.txt, e.g. and i.e. v1.2.3"
    # A known top label anywhere after the first label is enough: "evil.com.example" is a host.
    assert render.defang("evil.com.example") == "evil[.]com[.]example"
