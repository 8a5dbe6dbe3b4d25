"""The first look's findings in the reporter's language.

The pipeline's reasons are English fragments written for analysts (`analysis/classify.py`:
`REASON_TEXTS`, `_reason`, `_reasons`; `analysis/reading.py`: `act_reasons`, "label: quote").
They are stored as they are, so this module reads each one back into its kind and the values in
it (a domain, a file name, the words quoted) and says it with a sentence marked `N_` here. The
values stay as written, each in a `<bdi>` so that an Arabic page does not reorder them: names,
domains and files always left to right, quoted words in their own direction.

English pages do not come here: they keep `guidance._sentence`, which shows every reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import cache

from markupsafe import Markup, escape

from watchword.analysis.classify import OFFER_REASON, REASON_TEXTS
from watchword.analysis.reading import lexicons
from watchword.translation import N_, gettext_for

__all__ = ["ACT_SENTENCES", "FEATURE_SENTENCES", "translated_findings"]

# One sentence per reason classify.py writes from a fixed text (its REASON_TEXTS keys).
FEATURE_SENTENCES: dict[str, str] = {
    "credential": N_("It asks to verify your account, password or login."),
    "urgency": N_("It pushes you to act fast."),
    "threat": N_("It threatens to close, delete or block something."),
    "prize": N_("It promises a prize, reward or voucher."),
    "advance_fee": N_("It tells a money-transfer or loan story."),
    "crypto": N_("It is about crypto wallets or coins."),
    "payment": N_("It is about invoices, bank details or payments."),
    "extortion": N_("It threatens to expose you unless you pay."),
    "delivery": N_("It is about a parcel, delivery or customs fee."),
    "recruitment": N_("It offers a job, consulting or paid work."),
    "malware_lure": N_("It asks you to open or download a file."),
    "marketing": N_("It reads like bulk marketing."),
    "generic_greeting": N_("It greets you as a generic customer."),
    "subject_alarm": N_("The subject line is alarming or too good to be true."),
    "money": N_("It names sums of money."),
    "shouting": N_("The subject shouts (capitals or exclamation marks)."),
    "link_count": N_("It contains many links."),
    "ip_link": N_("It links to a bare IP address instead of a name."),
    "shortener": N_("It hides a link behind a URL shortener."),
    "script_link": N_("It contains a script or data link."),
    "form": N_("It contains a form to type something into."),
    "redirect_link": N_("Its links pass through redirects that hide the destination."),
    "links_per_word": N_("It is mostly links with little text."),
    "html_only": N_("It is HTML only, without a plain-text version."),
    "little_text": N_("It has very little text of its own."),
    "hidden_text": N_("It contains text hidden from the reader."),
    "html_attachment": N_("It carries a web page as an attachment (a common way to deliver fake login pages)."),
    "dmarc_fail": N_("The sender failed DMARC."),
    "spf_fail": N_("The sender's server is not allowed to send for that domain (SPF fail)."),
    "dkim_fail": N_("The message's DKIM signature does not verify."),
    "reply_to_mismatch": N_("Replies go to a different domain than the sender's."),
    "reply_to_freemail": N_("Replies go to a free-mail address."),
    "from_freemail": N_("It was sent from a free-mail address."),
    "display_name_spoof": N_("The sender's name claims to be someone the address does not belong to."),
    "sender_lookalike": N_("The sender's domain imitates a well-known brand."),
    "wallet_or_iban": N_("It contains a crypto wallet or bank account number."),
    "invisible_chars": N_("It hides invisible characters inside words to slip past filters."),
    "mixed_scripts": N_("It disguises words with look-alike letters from other alphabets."),
    "romance": N_("It is a dating or romance lure."),
    "contact_elsewhere": N_("It asks you to write to a different, free-mail address."),
}
# The lexicon's reasons quote the first phrase found in the message after the sentence.
QUOTED_FROM_MESSAGE = N_('%(finding)s In the message: "%(words)s".')
OFFER_SENTENCE = N_(
    "It offers money together with a paid role or questions about your work: a common recruitment approach."
)

# One sentence per act of analysis/data/acts*.toml (keyed by the act's name, as its label may be
# reworded); `words` are the reporter's own, quoted.
ACT_SENTENCES: dict[str, str] = {
    "credential": N_('They asked for a password, a code or a PIN: "%(words)s".'),
    "login_page": N_('They sent a link to sign in or to verify an account: "%(words)s".'),
    "malicious_file": N_('They sent a file or a download to open or run: "%(words)s".'),
    "payment": N_('They asked for a payment, a transfer or new bank details: "%(words)s".'),
    "job_offer": N_('They offered a job, consulting or paid research: "%(words)s".'),
    "paid_task": N_('They offered money for expert work (a paper, a survey, a call): "%(words)s".'),
    "offer": N_('They offered money, gifts, travel or a favour: "%(words)s".'),
    # Money for a handover of data, or cash: said with the offer's sentence, translated already.
    "exchange": N_('They offered money, gifts, travel or a favour: "%(words)s".'),
    "cash": N_('They offered money, gifts, travel or a favour: "%(words)s".'),
    "hospitality": N_('They offered hospitality: "%(words)s".'),
    "ask_info": N_('They asked about work, colleagues, security or access: "%(words)s".'),
    "questions": N_('They asked about work, colleagues, security or access: "%(words)s".'),
    "impersonation": N_('They pretended to be someone else: "%(words)s".'),
    # Pretending to be the reporter's own organisation: said with impersonation's sentence, translated already.
    "our_name": N_('They pretended to be someone else: "%(words)s".'),
    "denied": N_('The one they claimed to be knows nothing of it: "%(words)s".'),
    "private_address": N_('They wrote from a private or free-mail address: "%(words)s".'),
    "claim": N_('They claimed to be someone: "%(words)s".'),
    # A claimed authority or a claimed pretext for questions (a student, a researcher): the analyst's
    # reason names which; the reporter is told with the claim's sentence, translated already.
    "claimed_authority": N_('They claimed to be someone: "%(words)s".'),
    "pretext": N_('They claimed to be someone: "%(words)s".'),
    "evasion": N_('They made it hard to check who they were: "%(words)s".'),
    "device": N_('A device was found, left or tampered with: "%(words)s".'),
    "physical": N_('Someone photographed, followed or tried to get in: "%(words)s".'),
    "physical_hint": N_('Someone was somewhere without a reason or a badge: "%(words)s".'),
    # A stranger at the reporter's home or standing about in the premises: the same sentence.
    "visit": N_('Someone was somewhere without a reason or a badge: "%(words)s".'),
    "threat": N_('They made a threat to get something: "%(words)s".'),
    "pressure": N_('They put you under pressure: "%(words)s".'),
    "scam": N_('A scam or spam: a prize, an investment or a money story: "%(words)s".'),
    "scam_word": N_('You called it a scam: "%(words)s".'),
    "remote_session": N_('They asked you to share your screen or allow remote access: "%(words)s".'),
    "dating": N_('You met them through a dating app or site: "%(words)s".'),
    "request": N_('They asked you to give or do something: "%(words)s".'),
}

# Reasons classify.py writes with values in them, read back with the same wording; each value is
# named after the placeholder it fills. Kept beside classify's f-strings in meaning: a reworded
# f-string no longer matches, and the reason is then left out on non-English pages (never shown
# in English there); tests/services/test_findings.py writes each one through the pipeline.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"link text shows (?P<shown>.+) but goes to (?P<host>\S+)"),
        N_("The link text shows %(shown)s but the link goes to %(host)s."),
    ),
    (
        re.compile(r"links to (?P<host>\S+), which imitates (?P<brand>\S+)"),
        N_("It links to %(host)s, which imitates %(brand)s."),
    ),
    (
        re.compile(r"links straight to a file that can run or hide a program \((?P<file>.+)\)"),
        N_("It links straight to a file that can run or hide a program (%(file)s)."),
    ),
    (
        re.compile(r"carries a risky attachment \((?P<file>.+)\)"),
        N_("It carries a risky attachment (%(file)s)."),
    ),
    (
        re.compile(r"uses a cheap domain ending often seen in abuse \((?P<ending>\.\S+)\)"),
        N_("It uses a cheap domain ending often seen in abuse (%(ending)s)."),
    ),
    (
        re.compile(r"mentions (?P<brand>.+) but was not sent from (?P=brand)'s domain"),
        N_("It mentions %(brand)s but was not sent from %(brand)s's domain."),
    ),
    (
        re.compile(r"the sender's name shows (?P<name>.+) but the address is not theirs"),
        N_("The sender's name shows %(name)s but the address is not theirs."),
    ),
    (
        re.compile(r"sender domain (?P<domain>\S+) imitates (?P<brand>\S+)"),
        N_("The sender's domain %(domain)s imitates %(brand)s."),
    ),
)
# Values that are the sender's or the reporter's words keep their own direction; the rest
# (hosts, domains, file names) are always laid out left to right.
_OWN_DIRECTION = frozenset({"shown", "name", "words"})

# Type names in reasons ("reported as credential phishing, but the content reads as ..."),
# said with the page's names for the approach types.
_REPORTED_AS = re.compile(r"reported as (?P<reported>[a-z ]+), but the (?:content|words) reads? as (?P<found>[a-z ]+)")
REPORTED_AS_SENTENCE = N_("It was reported as %(reported)s, but it reads as %(found)s.")
_CHOSE = re.compile(r"the reporter chose (?P<kind>[a-z ]+) in the form")
CHOSE_SENTENCE = N_("You chose %(kind)s in the form.")

_QUOTE_TAIL = re.compile(r'(?P<text>.*) \("(?P<words>.*)"\)')
# act_reasons: 'label: "quote"'; a label may itself hold a colon ("a scam or spam: a prize, ..."),
# the quote never starts without its mark.
_ACT_REASON = re.compile(r'(?P<label>.+?): "(?P<words>.*)"')


def _bdi(name: str, value: str) -> Markup:
    if name in _OWN_DIRECTION:
        return Markup("<bdi>{}</bdi>").format(value)
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


def _say(_: Callable[[str], str], msgid: str, values: Mapping[str, str | Markup]) -> Markup:
    """The translated sentence with its values put in, the catalogue's text escaped like any other."""
    text = escape(_(msgid))
    if not values:
        return text
    # Markup % escapes each value that is not already markup; the values here all are.
    return text % {k: v if isinstance(v, Markup) else _bdi(k, v) for k, v in values.items()}


@cache
def _feature_by_text() -> dict[str, str]:
    return {text: name for name, text in REASON_TEXTS.items() if name in FEATURE_SENTENCES}


@cache
def _act_by_label() -> dict[str, str]:
    return {spec.label: spec.name for spec in lexicons().acts if spec.name in ACT_SENTENCES}


def _type_name(words: str, type_names: Mapping[str, str], _: Callable[[str], str]) -> Markup | None:
    name = type_names.get(words.strip().replace(" ", "_"))
    return escape(_(name)) if name else None


def finding_in(reason: str, _: Callable[[str], str], type_names: Mapping[str, str]) -> Markup | None:
    """One reason as a sentence through `_`, or None when it has no translatable sentence yet."""
    reason = " ".join(reason.split())
    features = _feature_by_text()
    if reason in features:
        return _say(_, FEATURE_SENTENCES[features[reason]], {})
    if reason == OFFER_REASON:
        return _say(_, OFFER_SENTENCE, {})
    quoted = _QUOTE_TAIL.fullmatch(reason)
    if quoted and quoted["text"] in features:
        finding = _say(_, FEATURE_SENTENCES[features[quoted["text"]]], {})
        return _say(_, QUOTED_FROM_MESSAGE, {"finding": finding, "words": quoted["words"]})
    for pattern, msgid in _PATTERNS:
        if match := pattern.fullmatch(reason):
            return _say(_, msgid, match.groupdict())
    act = _ACT_REASON.fullmatch(reason)
    if act and act["label"] in _act_by_label():
        return _say(_, ACT_SENTENCES[_act_by_label()[act["label"]]], {"words": act["words"]})
    if match := _REPORTED_AS.fullmatch(reason):
        reported, found = (_type_name(match[k], type_names, _) for k in ("reported", "found"))
        if reported is not None and found is not None:
            return _say(_, REPORTED_AS_SENTENCE, {"reported": reported, "found": found})
    if match := _CHOSE.fullmatch(reason):
        kind = _type_name(match["kind"], type_names, _)
        if kind is not None:
            return _say(_, CHOSE_SENTENCE, {"kind": kind})
    return None


def translated_findings(reasons: list[str], language: str, type_names: Mapping[str, str]) -> list[str]:
    """The reasons that have a sentence, in `language`. A reason without one is left out rather than
    shown in English on a page in another language: the page says nothing it cannot say in the
    reporter's words, and the analyst sees every reason in the console anyway."""
    _ = gettext_for(language)
    return [s for s in (finding_in(r, _, type_names) for r in reasons) if s is not None]
