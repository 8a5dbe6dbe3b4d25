"""The repository's own fixture messages, for the tests that run the whole pipeline on each.

The golden analyses (tests/analysis/pipeline_golden.json) were made from these, and the reuse
tests compare fresh and reused analyses of them.
"""

from __future__ import annotations

import random

from tests.support import campaign_mail as cm
from tests.support import mailbuilders as mb


def fixture_emails() -> list[tuple[str, bytes]]:
    """Every message the test support modules build, plus a few HTML lures assembled from their parts."""
    out: list[tuple[str, bytes]] = [
        ("original", mb.original_message()),
        ("gmail_forward", mb.gmail_forward()),
        ("outlook_forward_en", mb.outlook_forward("en")),
        ("outlook_forward_de", mb.outlook_forward("de", original_marker=True)),
        ("outlook_forward_fr", mb.outlook_forward("fr")),
        ("owa_forward", mb.owa_forward()),
        ("apple_forward", mb.apple_forward()),
        ("thunderbird_forward", mb.thunderbird_forward()),
        ("attached_forward", mb.attached_forward(mb.original_message(), mb.password_phish())),
        ("attached_forward_eml", mb.attached_forward(mb.original_message(), as_eml_file=True)),
        ("password_phish", mb.password_phish()),
        ("forwarded_by", mb.forwarded_by(mb.password_phish(), "bob@corp.example", 3, "report@corp.example")),
        ("simple", mb.simple("Lunch on Friday?", "Hi Sam,\nare we still on for lunch on Friday?\nJo\n")),
        (
            "html_phish",
            mb.message(
                subject="Your PayPal account is locked",
                from_="PayPal Security <service@paypa1-secure.example.ru>",
                body=mb.part("text/html", mb.PHISH_HTML, cte="quoted-printable"),
            ),
        ),
        (
            "html_and_attachment",
            mb.message(
                subject="Invoice 4471 overdue - pay today",
                from_="Accounts <billing@invoices-now.xyz>",
                body=mb.multipart(
                    "mixed",
                    [
                        mb.part("text/html", mb.PHISH_HTML.replace("Dear", "Dear valued"), cte="base64"),
                        mb.part("application/zip", b"PK\x03\x04zip", charset=None, cte="base64", filename="inv.zip"),
                    ],
                ),
            ),
        ),
    ]
    rng = random.Random(14)
    for lure in cm.LURES:
        for encoding in ("8bit", "base64", "qp"):
            out.append((f"campaign_{lure}_{encoding}", cm.make_email(lure, rng, encoding, reorder=encoding == "qp")))
    out += [(f"sorting_thread_{n}", raw) for n, raw in enumerate(cm.sorting_thread(7))]
    return out
