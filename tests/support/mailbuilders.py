"""Builders of real RFC 822 bytes for tests: no corpus, no network, every byte chosen here.

The messages are written out by hand (not through email.generator) so that
the tests control exactly what arrives: the transfer encoding, a lying
charset, a soft line break inside a URL, an encoded-word split mid-character.
"""

from __future__ import annotations

import base64
import binascii
import itertools
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

_counter = itertools.count(1)

# The forwarded original and the reporter, shared by the forward tests.
ORIGINAL_SUBJECT = "Your mailbox is almost full"
ORIGINAL_FROM_NAME = "IT Helpdesk"
ORIGINAL_FROM = "helpdesk@mai1box-support.example"
ORIGINAL_URL = "https://mai1box-support.example/verify?account=4711&token=a8f3e2"
ORIGINAL_BODY = f"Dear user,\nYour mailbox is 98% full. Verify your account now:\n{ORIGINAL_URL}\nIT Team\n"
REPORTER = "alice.reporter@corp.example"
REPORTER_COMMENT = "Is this legit? It looks odd to me."
SIGNATURE_URL = "https://www.corp.example/about-us"
DISCLAIMER = "CONFIDENTIALITY NOTICE: this e-mail is intended only for the named addressee."

# A phishing page's HTML with the traps a text extractor meets (a script, a comment, a link whose
# text names another site, an image link), for the text and pipeline tests.
PHISH_HTML = """<!DOCTYPE html>
<html><head><title>Title noise</title><style>p { color: red }</style>
<script>var u = 'http://script.example.com/';</script></head>
<body>
<p>Dear&nbsp;customer &amp; friend,</p><div>Your account<br>is <b>locked</b>.</div>
<table><tr><td>Cell one</td><td>Cell two</td></tr></table>
<!-- a comment with http://comment.example.com/ -->
<a href=" https://evil.example.ru/login
">www.paypal.com</a>
<a href="https://www.paypal.com/help">paypal.com</a>
<a href="https://t.example.co/x"><img src="https://cdn.evil.example.ru/btn.png" alt="Log in"></a>
<map><area href="https://area.example.net/" alt="Region"></map>
<form action="https://collect.evil.example.ru/post.php" method="post"><input name="p"></form>
<img srcset="https://img.example.org/a.png 1x, https://img.example.org/b.png 2x" src="https://img.example.org/a.png">
<table background="https://bg.example.org/tile.gif"><tr><td>x</td></tr></table>
</body></html>"""


def boundary() -> str:
    return f"==b{next(_counter):04d}_watchword_test=="


def headers(**fields: str) -> bytes:
    """Header lines from keyword arguments: reply_to= becomes Reply-To:."""
    lines = []
    for name, value in fields.items():
        key = "-".join(word.capitalize() for word in name.rstrip("_").split("_"))
        key = {"Message-Id": "Message-ID", "Mime-Version": "MIME-Version"}.get(key, key)
        lines.append(f"{key}: {value}".encode("utf-8", "surrogateescape"))
    return b"\r\n".join(lines) + b"\r\n"


def encode_body(data: bytes, cte: str) -> bytes:
    if cte == "base64":
        return base64.encodebytes(data).replace(b"\n", b"\r\n")
    if cte == "quoted-printable":
        return binascii.b2a_qp(data).replace(b"\n", b"\r\n")
    return data


def part(
    ctype: str,
    body: bytes | str,
    *,
    charset: str | None = "utf-8",
    cte: str = "7bit",
    filename: str | None = None,
    disposition: str | None = None,
    extra: bytes = b"",
) -> bytes:
    """One MIME entity (headers and encoded body)."""
    data = body.encode(charset or "utf-8") if isinstance(body, str) else body
    content_type = ctype + (f'; charset="{charset}"' if charset and ctype.startswith("text/") else "")
    if filename is not None and disposition is None:
        disposition = "attachment"
    if filename is not None:
        content_type += f'; name="{filename}"'
    head = f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: {cte}\r\n".encode()
    if disposition:
        fn = f'; filename="{filename}"' if filename is not None else ""
        head += f"Content-Disposition: {disposition}{fn}\r\n".encode()
    return head + extra + b"\r\n" + encode_body(data, cte)


def multipart(subtype: str, parts: list[bytes], *, outer: bytes = b"", bnd: str | None = None) -> bytes:
    """A multipart entity; `outer` are extra header lines (for a top-level message)."""
    bnd = bnd or boundary()
    head = outer + f'Content-Type: multipart/{subtype}; boundary="{bnd}"\r\n'.encode()
    if outer:
        head += b"MIME-Version: 1.0\r\n"
    delimiter = f"\r\n--{bnd}\r\n".encode()
    body = b"This is a multi-part message in MIME format.\r\n" + b"".join(delimiter + p for p in parts)
    body += f"\r\n--{bnd}--\r\n".encode()
    return head + b"\r\n" + body


def message(
    *,
    subject: str = "Test message",
    from_: str = "Sender <sender@example.org>",
    to: str = "recipient@corp.example",
    body: bytes | None = None,
    extra: bytes = b"",
) -> bytes:
    """A whole message: standard headers, then `body`, which is one MIME entity."""
    head = headers(
        from_=from_,
        to=to,
        subject=subject,
        date="Tue, 05 Mar 2024 09:12:44 +0100",
        message_id=f"<{next(_counter)}@example.org>",
    )
    if body is None:
        body = part("text/plain", "Hello.\r\n")
    return head + extra + b"MIME-Version: 1.0\r\n" + body


def simple(subject: str, text: str, *, from_: str = "Sender <sender@example.org>") -> bytes:
    return message(subject=subject, from_=from_, body=part("text/plain", text))


def rfc822(inner: bytes, filename: str | None = None) -> bytes:
    disp = f'Content-Disposition: attachment; filename="{filename}"\r\n' if filename else ""
    return f"Content-Type: message/rfc822\r\n{disp}\r\n".encode() + inner


# -- the suspicious original and its forwards -------------------------------


def original_message() -> bytes:
    html = (
        f"<html><body><p>Dear user,</p><p>Your mailbox is 98% full.</p>"
        f'<p><a href="{ORIGINAL_URL}">Verify your account</a></p><p>IT Team</p></body></html>'
    )
    body = multipart(
        "alternative", [part("text/plain", ORIGINAL_BODY), part("text/html", html, cte="quoted-printable")]
    )
    return message(
        subject=ORIGINAL_SUBJECT,
        from_=f"{ORIGINAL_FROM_NAME} <{ORIGINAL_FROM}>",
        to="alice.reporter@corp.example",
        body=body,
        extra=b"Reply-To: collect@drop-box.example\r\n"
        b"Received: from mx.mai1box-support.example ([203.0.113.9]) by mx.corp.example\r\n",
    )


def reporter_signature_text() -> str:
    return f"Alice Reporter | Finance\nCorp Example Ltd | {SIGNATURE_URL}\n{DISCLAIMER}\n"


def reporter_signature_html() -> str:
    return (
        f'<div class="sig">Alice Reporter | Finance<br>Corp Example Ltd | <a href="{SIGNATURE_URL}">'
        f"{SIGNATURE_URL}</a><br><small>{DISCLAIMER}</small></div>"
    )


def _wrap(subject: str, text: str, html: str) -> bytes:
    body = multipart("alternative", [part("text/plain", text, cte="quoted-printable"), part("text/html", html)])
    return message(
        subject=subject,
        from_=f"Alice Reporter <{REPORTER}>",
        to="phishing-reports@corp.example",
        body=body,
        extra=b"Authentication-Results: mx.corp.example; spf=pass smtp.mailfrom=corp.example\r\n",
    )


def gmail_forward() -> bytes:
    text = (
        f"{REPORTER_COMMENT}\n\n{reporter_signature_text()}\n"
        "---------- Forwarded message ---------\n"
        f"From: {ORIGINAL_FROM_NAME} <{ORIGINAL_FROM}>\n"
        "Date: Tue, 5 Mar 2024 at 09:12\n"
        f"Subject: {ORIGINAL_SUBJECT}\n"
        "To: <alice.reporter@corp.example>\n\n\n"
        f"{ORIGINAL_BODY}"
    )
    html = (
        f'<div dir="ltr"><div>{REPORTER_COMMENT}</div><br>{reporter_signature_html()}<br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">---------- Forwarded message ---------<br>'
        f'From: <strong class="gmail_sendername" dir="auto">{ORIGINAL_FROM_NAME}</strong> '
        f'<span dir="auto">&lt;{ORIGINAL_FROM}&gt;</span><br>Date: Tue, 5 Mar 2024 at 09:12<br>'
        f"Subject: {ORIGINAL_SUBJECT}<br>To: &lt;alice.reporter@corp.example&gt;<br></div><br><br>"
        f'<p>Dear user,</p><p>Your mailbox is 98% full.</p><p><a href="{ORIGINAL_URL}">Verify your account</a></p>'
        "</div></div>"
    )
    return _wrap(f"Fwd: {ORIGINAL_SUBJECT}", text, html)


def outlook_forward(lang: str = "en", original_marker: bool = False) -> bytes:
    keys = {
        "en": ("From", "Sent", "To", "Subject", "FW"),
        "de": ("Von", "Gesendet", "An", "Betreff", "WG"),
        "fr": ("De", "Envoyé", "À", "Objet", "TR"),
    }[lang]
    k_from, k_sent, k_to, k_subj, prefix = keys
    marker = "-----Original Message-----\n" if original_marker else "________________________________\n"
    text = (
        f"{REPORTER_COMMENT}\n\n{reporter_signature_text()}\n{marker}"
        f"{k_from}: {ORIGINAL_FROM_NAME} [mailto:{ORIGINAL_FROM}]\n"
        f"{k_sent}: Tuesday, March 5, 2024 9:12 AM\n"
        f"{k_to}: Alice Reporter <alice.reporter@corp.example>\n"
        f"{k_subj}: {ORIGINAL_SUBJECT}\n\n"
        f"{ORIGINAL_BODY}"
    )
    html = (
        '<html><body><div class="WordSection1">'
        f'<p class="MsoNormal">{REPORTER_COMMENT}</p>{reporter_signature_html()}'
        '<div><div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        f'<p class="MsoNormal"><b>{k_from}:</b> {ORIGINAL_FROM_NAME} &lt;{ORIGINAL_FROM}&gt;<br>'
        f"<b>{k_sent}:</b> Tuesday, March 5, 2024 9:12 AM<br><b>{k_to}:</b> Alice Reporter<br>"
        f"<b>{k_subj}:</b> {ORIGINAL_SUBJECT}</p></div></div>"
        f'<p class="MsoNormal">Dear user,</p><p class="MsoNormal"><a href="{ORIGINAL_URL}">Verify your account</a></p>'
        "</div></body></html>"
    )
    return _wrap(f"{prefix}: {ORIGINAL_SUBJECT}", text, html)


def owa_forward() -> bytes:
    text = (
        f"{REPORTER_COMMENT}\n\n{reporter_signature_text()}\n________________________________\n"
        f"From: {ORIGINAL_FROM_NAME} <{ORIGINAL_FROM}>\nSent: Tuesday, March 5, 2024 9:12 AM\n"
        f"To: Alice Reporter\nSubject: {ORIGINAL_SUBJECT}\n\n{ORIGINAL_BODY}"
    )
    html = (
        f"<html><body><div>{REPORTER_COMMENT}</div>{reporter_signature_html()}"
        '<hr style="display:inline-block;width:98%" tabindex="-1"><div id="divRplyFwdMsg" dir="ltr">'
        f'<font face="Calibri"><b>From:</b> {ORIGINAL_FROM_NAME} &lt;{ORIGINAL_FROM}&gt;<br><b>Sent:</b> '
        f"Tuesday, March 5, 2024 9:12 AM<br><b>To:</b> Alice Reporter<br><b>Subject:</b> {ORIGINAL_SUBJECT}"
        f'</font><div>&nbsp;</div></div><div><p>Dear user,</p><a href="{ORIGINAL_URL}">Verify</a></div>'
        "</body></html>"
    )
    return _wrap(f"FW: {ORIGINAL_SUBJECT}", text, html)


def apple_forward() -> bytes:
    text = (
        f"{REPORTER_COMMENT}\n\n{reporter_signature_text()}\n"
        "Begin forwarded message:\n\n"
        f"From: {ORIGINAL_FROM_NAME} <{ORIGINAL_FROM}>\n"
        f"Subject: {ORIGINAL_SUBJECT}\n"
        "Date: 5 March 2024 at 09:12:44 CET\n"
        "To: alice.reporter@corp.example\n\n"
        f"{ORIGINAL_BODY}"
    )
    html = (
        f'<html><body dir="auto"><div>{REPORTER_COMMENT}</div>{reporter_signature_html()}<div><br>'
        '<blockquote type="cite"><div>Begin forwarded message:</div><br class="Apple-interchange-newline">'
        f'<div style="margin:0px"><span><b>From: </b></span><span>{ORIGINAL_FROM_NAME} &lt;{ORIGINAL_FROM}&gt;'
        f'</span></div><div style="margin:0px"><span><b>Subject: </b></span><span><b>{ORIGINAL_SUBJECT}</b>'
        '</span></div><div style="margin:0px"><span><b>Date: </b></span><span>5 March 2024</span></div>'
        '<div style="margin:0px"><span><b>To: </b></span><span>alice.reporter@corp.example</span></div><br>'
        f'<div><p>Dear user,</p><a href="{ORIGINAL_URL}">Verify your account</a></div></blockquote></div>'
        "</body></html>"
    )
    return _wrap(f"Fwd: {ORIGINAL_SUBJECT}", text, html)


def thunderbird_forward() -> bytes:
    text = (
        f"{REPORTER_COMMENT}\n\n{reporter_signature_text()}\n\n"
        "-------- Forwarded Message --------\n"
        f"Subject: \t{ORIGINAL_SUBJECT}\n"
        "Date: \tTue, 5 Mar 2024 09:12:44 +0100\n"
        f"From: \t{ORIGINAL_FROM_NAME} <{ORIGINAL_FROM}>\n"
        "To: \talice.reporter@corp.example\n\n\n\n"
        f"{ORIGINAL_BODY}"
    )
    html = (
        f"<html><body><p>{REPORTER_COMMENT}</p>{reporter_signature_html()}"
        '<div class="moz-forward-container"><br><br>-------- Forwarded Message --------'
        '<table class="moz-email-headers-table"><tbody>'
        f'<tr><th align="RIGHT">Subject: </th><td>{ORIGINAL_SUBJECT}</td></tr>'
        f'<tr><th align="RIGHT">From: </th><td>{ORIGINAL_FROM_NAME} &lt;{ORIGINAL_FROM}&gt;</td></tr>'
        "</tbody></table><br><br>"
        f'<p>Dear user,</p><p><a href="{ORIGINAL_URL}">Verify your account</a></p></div></body></html>'
    )
    return _wrap(f"Fwd: {ORIGINAL_SUBJECT}", text, html)


def attached_forward(*originals: bytes, as_eml_file: bool = False) -> bytes:
    """The reporter's mail with the original(s) attached (a "report phishing" button)."""
    parts = [part("text/plain", f"{REPORTER_COMMENT}\n\n{reporter_signature_text()}")]
    for n, raw in enumerate(originals):
        if as_eml_file:
            parts.append(part("application/octet-stream", raw, charset=None, cte="base64", filename=f"report{n}.eml"))
        else:
            parts.append(rfc822(raw, filename=f"original{n}.eml"))
    return message(
        subject=f"Phishing report: {ORIGINAL_SUBJECT}",
        from_=f"Alice Reporter <{REPORTER}>",
        to="phishing-reports@corp.example",
        body=multipart("mixed", parts),
    )


def password_phish() -> bytes:
    """One credential phish, the same bytes each time (several reporters forward the same email)."""
    msg = EmailMessage()
    msg["From"] = "IT Helpdesk <helpdesk@micros0ft-support.example>"
    msg["To"] = "staff@corp.example"
    msg["Subject"] = "Password expires today"
    msg["Message-ID"] = "<phish-1@micros0ft-support.example>"
    msg.set_content("Keep your password: https://login-micros0ft.example/verify\n")
    return msg.as_bytes(policy=SMTP_POLICY)


def forwarded_by(original: bytes, reporter: str, n: int, to: str) -> bytes:
    """`original` forwarded as an attachment by `reporter` to the reporting address `to` (their n-th forward)."""
    msg = EmailMessage()
    msg["From"] = f"Reporter <{reporter}>"
    msg["To"] = to
    msg["Subject"] = f"FW: suspicious {n}"
    msg["Message-ID"] = f"<fwd-{n}-{reporter}>"
    msg.set_content("Is this real?\n")
    msg.add_attachment(original, maintype="message", subtype="rfc822")
    return msg.as_bytes(policy=SMTP_POLICY)
