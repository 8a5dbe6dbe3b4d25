"""Readable text and links: what the recipient saw, and where each link really goes.

Pipeline stage `extract_text_and_links(doc)`:

- doc.body_text: the text parts when the message has any (the sender's own
  plain rendering), else the HTML parts rendered to text with lexbor; for a
  free-text report, the reporter's words and guided-form answers.
- doc.links: every `a[href]`, `area[href]`, `form[action]`, `img[src]`,
  `img[srcset]` and `[background]` of every HTML part, with the visible text
  (or alt text), plus bare URLs in the body text as kind "text". A link
  whose visible text names another registrable domain than its target is a
  mismatch, the classic `<a href="https://evil.example">paypal.com</a>`.

Text hidden with `display:none` / `visibility:hidden` is left out of the body
text (the recipient never saw it) and reported in doc.warnings when there is
more of it than a preheader, since padding mail with invisible words is a
filter-evasion trick. Zero-width characters are removed and counted likewise.
"""

from __future__ import annotations

import itertools
import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from watchword.analysis.patterns import URL_RE, WWW_RE, strip_url_tail
from watchword.analysis.urls import normalise_host, normalise_url, registrable_domain, split_url
from watchword.domain import Document, Link

# Block-level tags and table cells start a new line in the rendered text.
# lexbor's text() concatenates text nodes without regard to layout, so a
# newline is put in front of each such tag in the HTML source before parsing:
# one C-level substitution instead of a Python walk over every node. The
# pattern is led by the literal `<` and spells the common case variants out,
# because IGNORECASE costs a third of the speed here.
_BLOCK_TAG_RE = re.compile(
    r"<(?=/?(?:p|div|br|tr|td|th|li|ul|ol|dl|dt|dd|h[1-6]|table|blockquote|section|article|header|"
    r"footer|center|hr|pre|form|address|main|nav|aside|P|DIV|BR|Br|TR|TD|TH|LI|UL|OL|H[1-6]|TABLE|"
    r"Table|CENTER|HR|FORM|Div|Td|Tr)[\s/>])"
)

_DROPPED_TAGS = ["script", "style", "head", "title", "template", "object", "embed", "iframe", "svg"]
_LINK_SELECTOR = "a[href], area[href], form[action], img[src], img[srcset], [background]"
# Inline styles that hide an element. The selector runs in C over the parsed
# tree; an element matched here is left out of the text.
_HIDDEN_SELECTOR = (
    '[style*="display:none" i], [style*="display: none" i], '
    '[style*="visibility:hidden" i], [style*="visibility: hidden" i], [hidden]'
)
# Preheaders (the inbox preview line) are hidden by design and short; more
# hidden text than this is worth an analyst's attention.
HIDDEN_TEXT_WARN_CHARS = 200
# A plain part shorter than a third of the HTML part's text is a stub.
STUB_RATIO = 3
ZERO_WIDTH_WARN_COUNT = 10

# The HTML parsing algorithm checks "is there a <p> in button scope?" on every
# block start tag by walking the stack of open elements, so N nested <div>s
# cost N^2 (400 kB took 11.3 s, 950 kB over 100 s). Browsers cap the tree
# depth their parser builds (Blink at 512); tags deeper than MAX_HTML_DEPTH are
# dropped here before parsing, their text kept, and the analysis says so.
MAX_HTML_DEPTH = 256
# Elements that never have content, and those a same-named start tag closes.
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track"}
    | {"wbr", "keygen", "frame", "basefont"}
)
_SELF_CLOSING_BY_SIBLING = frozenset({"p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "rb", "rt", "rp"})
# Anchors are kept however deep: an anchor start tag closes an open anchor, so
# they do not build depth, and dropping them would hide where a link goes.
# (Not forms: inside a <template> forms nest.)
_KEEP_DEEP = frozenset({"a"})
# Possessive: a "<" with no ">" after it is scanned once, not once per backtrack.
_ANY_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:_-]*+)([^<>]*+)>")
# An empty comment is put before each start tag with attributes: the parser
# ignores some such tags (a nested <form>, <html> in the body, <tr> outside a
# table), and lexbor then appends the text on either side to one text node by
# copying it whole each time, quadratic in "x<form a=1>" repeated. The comment
# ends the text node and adds no text.
_COMMENT = "<!---->"
# `[^<>=]*+=` holds where `[^<>]*=` does (an "=" before the tag's next "<" or ">"), and is tested by
# reading up to the first "=" rather than to the tag's end and back to its last one: 2.7x faster over
# the corpus's HTML parts, the same rewrite of all 4,413 with attributes.
_ATTRIBUTE_TAG_RE = re.compile(r"<(?=[A-Za-z][A-Za-z0-9:_-]*+\s[^<>=]*+=)")
# Links taken from one HTML part; a real mail has dozens, and each costs ~20 µs.
MAX_HTML_LINKS = 20_000
# Bare URLs in the text taken as links (each costs ~0.2 ms to normalise); the
# indicator scan counts them all, so the analysis still says how many there were.
MAX_TEXT_LINKS = 1_000
# A link's visible text beyond this says nothing more about where it claims to go.
MAX_LINK_TEXT = 2000

# Invisible formatting characters, deleted: they split words to dodge filters.
_ZERO_WIDTH_RE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u034f\u180e\u2061-\u2064\x00]")


def _may_hide(text: str) -> bool:
    """Whether `text` can hold a character of _ZERO_WIDTH_RE: all but NUL are non-ASCII, and
    str.isascii() reads a flag of the string (no scan), so most text skips the regex."""
    return not text.isascii() or "\x00" in text


# Visible link text that is itself a URL or a bare host name.
_NAMED_HOST_RE = re.compile(
    r"(?:[a-zA-Z][a-zA-Z0-9+.-]{0,15}://)?(?:[^\s/@]{1,64}@)?([^\s/:?#@]{1,253}\.[^\s/:?#@.]{2,63})\.?"
    r"(?::\d{1,5})?(?:[/?#]\S*)?"
)


def extract_text_and_links(doc: Document) -> None:
    if doc.kind == "text":
        # The form's key is context, not the reporter's words. A text message's sender is read
        # after a phone word, so that a national number as the phone shows it (07400 123456)
        # counts as a phone number: a bare digit run does not.
        answers = [
            f"Sender (phone or handle): {value}" if key == "sender" else value
            for key, value in doc.answers.items()
            if key != "form" and value and value.strip()
        ]
        doc.body_text = clean_text("\n".join([doc.text_input, *answers]))
        doc.links = text_links(doc.body_text, ())
        return
    links: list[Link] = []
    html_texts: list[str] = []
    for html in doc.html_parts:
        if not html or not html.strip():
            continue
        text, html_links, notes = html_to_text(html)
        html_texts.append(text)
        links.extend(html_links)
        doc.warnings.extend(note for note in notes if note not in doc.warnings)
    plain = "\n".join(t for t in (clean_text(part) for part in doc.text_parts if part and part.strip()) if t)
    rendered = "\n".join(t for t in html_texts if t)
    # The plain part is the sender's own rendering and is preferred, unless it
    # is a stub ("view this message in a browser") beside a real HTML body:
    # then the HTML is what every mail client showed.
    doc.body_text = plain if len(plain) * STUB_RATIO >= len(rendered) else rendered
    zero_width = sum(
        len(_ZERO_WIDTH_RE.findall(p)) for p in doc.text_parts if _may_hide(p) and _ZERO_WIDTH_RE.search(p)
    )
    if zero_width >= ZERO_WIDTH_WARN_COUNT:
        doc.warnings.append(f"text: {zero_width} zero-width characters in the text part")
    links.extend(text_links(doc.body_text, links))
    doc.links = links


def clean_text(text: str) -> str:
    """Drop invisible characters, collapse whitespace within lines, drop blank lines.

    str.split() without arguments splits on every Unicode space (NBSP, thin
    and ideographic spaces, tabs, CR) in C; measured ~4x faster here than the
    equivalent translate() + regex passes over lexbor's whitespace-heavy text. Through `map` rather
    than a generator: no Python step per line (an HTML part's text has hundreds of lines).
    """
    if _may_hide(text) and _ZERO_WIDTH_RE.search(text):
        text = _ZERO_WIDTH_RE.sub("", text)
    return "\n".join(filter(None, map(" ".join, map(str.split, text.split("\n")))))


def html_to_text(html: str) -> tuple[str, list[Link], list[str]]:
    """(readable text, links in document order, warnings) of one HTML part."""
    notes: list[str] = []
    html = _BLOCK_TAG_RE.sub("\n<", html)
    if "=" in html:
        html = _ATTRIBUTE_TAG_RE.sub(_COMMENT + "<", html)
    # Only more start tags than the cap can nest too deep. Every "<" but a closing tag's and a comment's
    # (the ones put in above included) bounds their number: most long messages need no pass over their tags.
    tags = html.count("<")
    if tags > MAX_HTML_DEPTH and tags - html.count("</") - html.count("<!") > MAX_HTML_DEPTH:
        html, dropped = flatten_deep_nesting(html)
        if dropped:
            notes.append(
                f"html: budget hit: nesting deeper than {MAX_HTML_DEPTH} elements; "
                f"{dropped} deeper tags were dropped before parsing (their text is kept)"
            )
    tree = LexborHTMLParser(html)
    links: list[Link] = []
    seen_nodes: set[int] = set()
    link_nodes = tree.css(_LINK_SELECTOR)
    if len(link_nodes) > MAX_HTML_LINKS:
        notes.append(f"html: budget hit: {len(link_nodes)} link elements; the first {MAX_HTML_LINKS} were read")
        link_nodes = link_nodes[:MAX_HTML_LINKS]
    for node in link_nodes:
        # A node matching two selectors of the list (img with src and srcset)
        # comes back twice.
        if node.mem_id not in seen_nodes:
            seen_nodes.add(node.mem_id)
            links.extend(_node_links(node))
    hidden_chars = 0
    # Innermost first: a hidden element inside another is counted and removed
    # before its ancestor, so no text is measured twice (nested hidden <div>s
    # were quadratic) and no node is used after its ancestor freed it.
    for node in reversed(tree.css(_HIDDEN_SELECTOR)):
        hidden_chars += len((node.text(deep=True) or "").strip())
        node.decompose()
    if hidden_chars > HIDDEN_TEXT_WARN_CHARS:
        notes.append(f"html: {hidden_chars} characters of hidden text (display:none / visibility:hidden)")
    tree.strip_tags(_DROPPED_TAGS)
    root = tree.body or tree.root
    text = (root.text(deep=True) if root is not None else "") or ""
    if _may_hide(text) and _ZERO_WIDTH_RE.search(text):
        zero_width = len(_ZERO_WIDTH_RE.findall(text))
        if zero_width >= ZERO_WIDTH_WARN_COUNT:
            notes.append(f"html: {zero_width} zero-width characters in the text")
    return clean_text(text), links, notes


def flatten_deep_nesting(html: str, max_depth: int = MAX_HTML_DEPTH) -> tuple[str, int]:
    """`html` with start and end tags deeper than `max_depth` removed, and how many were.

    One pass over the tags, tracking the stack of open elements the way the
    parser would for well-formed markup: an end tag closes up to its open
    start tag, a same-named <p>, <li>, <td> and the like closes its sibling,
    and void elements never open. Where markup is malformed the estimate can
    only be deeper than the parser's, so the cap holds for the parser too.
    The text is only rewritten when some tag is too deep.
    """
    stack: list[str] = []
    # Plain dicts read with .get(): a Counter's missing key is a Python-level __missing__ call, and most
    # names are missing from `dropped_open` at every end tag (this loop runs over every tag of a long
    # newsletter, ~4% of the corpus's HTML parts).
    open_names: dict[str, int] = {}
    dropped_open: dict[str, int] = {}
    drop: set[int] = set()
    # ASCII markup lower-cased once rather than a name at a time: the same tags match (the pattern
    # and the lower-casing both keep every character's place in ASCII), the same names come out.
    ascii_only = html.isascii()
    for index, (closing, tag_name, rest) in enumerate(_ANY_TAG_RE.findall(html.lower() if ascii_only else html)):
        name = tag_name if ascii_only else tag_name.lower()
        if closing:
            if open_names.get(name):
                while stack:
                    top = stack.pop()
                    open_names[top] -= 1
                    if top == name:
                        break
            elif dropped_open.get(name):
                dropped_open[name] -= 1
                drop.add(index)
            continue
        if name in _VOID_TAGS or rest.endswith("/"):
            continue
        if name in _SELF_CLOSING_BY_SIBLING and stack and stack[-1] == name:
            stack.pop()
            open_names[name] -= 1
        if len(stack) >= max_depth:
            if name not in _KEEP_DEEP:
                dropped_open[name] = dropped_open.get(name, 0) + 1
                drop.add(index)
            continue
        stack.append(name)
        open_names[name] = open_names.get(name, 0) + 1
    if not drop:
        return html, 0
    position = itertools.count()
    return _ANY_TAG_RE.sub(lambda tag: "" if next(position) in drop else tag.group(0), html), len(drop)


def _visible(node: LexborNode) -> str:
    return clean_text((node.text(deep=True) or "")[:MAX_LINK_TEXT]).replace("\n", " ")


def _node_links(node: LexborNode) -> list[Link]:
    attrs = node.attributes
    tag = node.tag
    if tag in ("a", "area"):
        target = _clean_target(attrs.get("href"))
        if not target:
            return []
        text = _visible(node) if tag == "a" else (attrs.get("alt") or "").strip()
        if not text and tag == "a":
            image = node.css_first("img[alt]")
            text = ((image.attributes.get("alt") if image is not None else "") or "").strip()
        out = [Link(target=target, text=text, kind="href", mismatch=is_mismatch(text, target))]
    elif tag == "form":
        target = _clean_target(attrs.get("action"))
        out = [Link(target=target, text="", kind="form")] if target else []
    else:
        alt = (attrs.get("alt") or "").strip()
        targets = [_clean_target(attrs.get("src"))] if tag == "img" else []
        srcset = attrs.get("srcset")
        if srcset:  # "a.png 1x, b.png 2x": the URL is the first word of each candidate
            targets += [_clean_target(c.split(None, 1)[0]) for c in srcset.split(",") if c.strip()]
        out = [Link(target=t, text=alt, kind="img") for t in targets if t]
    background = attrs.get("background") if tag != "img" else None
    if background and _clean_target(background):
        out.append(Link(target=_clean_target(background), text="", kind="img"))
    return out


_TARGET_DROP = str.maketrans("", "", "\t\r\n\x00")


DATA_URI_KEEP = 100


def _clean_target(value: str | None) -> str:
    # Browsers drop tabs and newlines inside a URL and trim the ends; mail
    # composers wrap long hrefs, so a target can arrive with either.
    if not value:
        return ""
    target = value.strip()
    if len(target) > DATA_URI_KEEP * 2 and target[:5].lower() == "data:":
        # An embedded image or page: its media type and size tell the analyst
        # what it is; 100+ kB of base64 in every stored analysis would not.
        # (Cut before any other work: translate() on it costs ~0.1 ms.)
        return f"{target[:DATA_URI_KEEP].translate(_TARGET_DROP)}...[{len(target)} characters]"
    if "\n" in target or "\t" in target or "\r" in target or "\x00" in target:
        target = target.translate(_TARGET_DROP)
    if _COMMENT in target:
        # An unclosed quote (`href="https://x/?a==><img src="`) makes the next tags part of the value,
        # and html_to_text's comment before each of them with it: the href a browser follows has none.
        target = target.replace(_COMMENT + "<", "<")
    return target


def is_mismatch(text: str, target: str) -> bool:
    """True when the visible text names a host whose registrable domain differs from the target's."""
    if not text or "." not in text or len(text) > 2048:
        return False
    named = _NAMED_HOST_RE.fullmatch(text.strip())
    if named is None:
        return False
    shown_host = normalise_host(named.group(1))
    if shown_host is None:
        return False
    url = normalise_url(target)
    parts = split_url(url) if url else None
    if parts is None:
        return False
    shown, real = registrable_domain(shown_host) or shown_host, registrable_domain(parts[2]) or parts[2]
    return shown != real


def text_links(text: str, existing: list[Link] | tuple[Link, ...]) -> list[Link]:
    """Bare http(s)/www URLs in plain text, as links of kind "text", minus ones already linked."""
    if "://" not in text and "www." not in text and "WWW." not in text:
        return []
    seen = {normalise_url(link.target) for link in existing if "://" in link.target}
    # An anchor's visible text is part of that link (and its mismatch), not a link of its own.
    shown = {link.text for link in existing if link.text}
    out: list[Link] = []
    matches = list(URL_RE.finditer(text)) if "://" in text else []
    if "www." in text or "WWW." in text:
        matches = sorted(matches + list(WWW_RE.finditer(text)), key=lambda m: m.start())
    if len(matches) > MAX_TEXT_LINKS:
        matches = matches[:MAX_TEXT_LINKS]
    for match in matches:
        raw = strip_url_tail(match.group())
        url = normalise_url(raw if "://" in raw else "http://" + raw)
        if url is not None and url not in seen and raw not in shown:
            seen.add(url)
            out.append(Link(target=raw, text=raw, kind="text"))
    return out
