"""Shares built by hand for the export tests: values chosen to break naive exports, and misp-stix's view."""

from __future__ import annotations

import datetime as dt
from typing import Any

from watchword.intel.selection import CampaignFacts, SharedIndicator, ShareSet

T0 = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=2, hours=3)


def hostile_share(level: str = "amber") -> ShareSet:
    """Values chosen to break naive exports: quotes, backslashes, Unicode, every type."""
    values = [
        ("url", 'https://evil.example.com/a\'b\\c?x="1"&y=%27'),
        ("url", "http://xn--80ak6aa92e.com/путь?q=1"),
        ("domain", "login.evil.example.com"),
        ("ipv4", "203.0.113.7"),
        ("ipv6", "2001:db8::7"),
        ("email", "o'brien@evil.example.com"),
        ("email", "hr.desk@evil.example.com"),
        ("md5", "d41d8cd98f00b204e9800998ecf8427e"),
        ("sha1", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
        ("sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("btc", "1BoatSLRpp6qzT7cUuHGR3GNXbc8GPJhcU"),
        ("iban", "GB82WEST12345698765432"),
        ("phone", "+442079460958"),
        ("eth", "0x" + "ab" * 20),
        ("social", "t.me/fake_recruiter"),
    ]
    indicators = [SharedIndicator(t, v, T0, T1, 3, 7, sender=t == "email") for t, v in values]
    campaign = CampaignFacts(42, 'Fake "recruiter" \\ wave', "fake_recruitment", T0, T1, T1, 3, 2, 7, "malicious")
    return ShareSet("Acme Security", level, campaign, indicators)


def misp_stix(event: dict[str, Any]) -> str:
    """misp-stix's STIX 2.1 conversion of a MISP event, as a partner running misp-stix makes it."""
    from misp_stix_converter import MISPtoSTIX21Parser

    parser = MISPtoSTIX21Parser()
    parser.parse_misp_event(event)
    return str(parser.bundle.serialize())
