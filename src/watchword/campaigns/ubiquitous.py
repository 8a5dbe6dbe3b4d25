"""Indicators that never link two reports on their own.

The frequency caps in engine.py learn ubiquity from the data, but only after
a value has been seen in several unrelated clusters; the bundled lists of
sites everyone uses (`known/sites.py`) and MISP's warninglists
(`known/warninglists.py`) cover the values that are ubiquitous from the first
report. Keys such as `url:bit.ly/abc` or `sender:x@gmail.com` stay usable.
"""

from __future__ import annotations

from functools import lru_cache

from watchword.analysis.redirectors import is_wrapper
from watchword.known.sites import (
    BIG_SITES,
    BULK_MAIL_AND_TRACKING,
    HOSTING_AND_CDN,
    MAIL_PROVIDERS,
    MAILING_LIST_HOSTS,
    SHORTENERS,
)
from watchword.known.warninglists import is_known_domain

UBIQUITOUS_DOMAINS = (
    MAIL_PROVIDERS | SHORTENERS | HOSTING_AND_CDN | BULK_MAIL_AND_TRACKING | BIG_SITES | (MAILING_LIST_HOSTS)
)
# Placeholder and role addresses that unrelated senders all use.
UBIQUITOUS_LOCALPARTS = frozenset(
    {
        "noreply",
        "no-reply",
        "donotreply",
        "do-not-reply",
        "mailer-daemon",
        "postmaster",
        "info",
        "support",
        "admin",
        "root",
        "user",
        "nobody",
    }
)


@lru_cache(maxsize=65536)
def _known_legitimate(domain: str) -> bool:
    return is_known_domain(domain)


def is_ubiquitous_domain(domain: str) -> bool:
    domain = domain.lower().rstrip(".")
    if domain in UBIQUITOUS_DOMAINS or _known_legitimate(domain):
        return True  # ours, or on a MISP warninglist: a well-known site links nothing on its own
    # Subdomains of a ubiquitous domain only when the domain is a site, not a
    # hosting platform: `evil.web.app` is a campaign, `mail.google.com` is not.
    parent = domain.split(".", 1)[1] if "." in domain else ""
    return parent in BIG_SITES or parent in MAIL_PROVIDERS or parent in BULK_MAIL_AND_TRACKING


@lru_cache(maxsize=65536)
def is_ubiquitous_key(key: str) -> bool:
    """True when a `type:value` campaign key must never link on its own."""
    kind, _, value = key.partition(":")
    if kind in ("domain", "sdomain"):
        return is_ubiquitous_domain(value)
    if kind == "url":
        if is_wrapper("https://" + value):
            return True  # a redirector's own path (`www.googleadservices.com/pagead/aclk`)
        host, _, path = value.partition("/")
        # A big site's pages (the real privacy notice a kit links to) and any
        # bare root link nothing; a specific short link or a bucket path does.
        if not path:
            return True
        return is_ubiquitous_domain(host) and host not in SHORTENERS and host not in HOSTING_AND_CDN
    if kind in ("sender", "replyto", "email"):
        local, _, domain = value.rpartition("@")
        return local in UBIQUITOUS_LOCALPARTS and is_ubiquitous_domain(domain)
    return False
