"""What must never leave the building when a campaign is shared (the seeded campaign: tests/support/intel.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.support.intel import (
    INTERNAL,
    INTERNAL_HOST,
    PHISH_HOST,
    RECIPIENTS,
    REPLY_TO,
    SENDER,
    intel_runtime,
    seed_campaign,
)
from watchword.intel import formats
from watchword.intel.selection import gather
from watchword.store.models import Campaign

FORBIDDEN = [address for _, address in RECIPIENTS] + [
    INTERNAL,
    "jane.doe%40acme-intra.com",
    "Jane",
    "Oluwaseun",
    "Adebayo",
    "María",
    "García",
    INTERNAL_HOST,
    "668 18",
    "41446681800",
]


def test_no_export_format_carries_a_recipient_an_internal_host_or_a_phone(tmp_path: Path) -> None:
    """GIVEN a campaign of recruiter approaches addressed to three colleagues
    WHEN it is exported in every format at every shareable TLP level
    THEN no recipient name or address, internal host or phone number appears anywhere,
    while the attacker's sender address, reply-to and host do."""
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt)
        with rt.db.session() as session:
            share = gather(session, rt.settings, campaign_id=seeded.campaign_id, tlp="green")
        for fmt in formats.FORMATS:
            body, _ = formats.render(share, fmt, subject="Exclusive consulting role for [name]")
            for secret in FORBIDDEN:
                assert secret not in body, (fmt, secret)
        stix_body, _ = formats.render(share, "stix.json")
        assert SENDER in stix_body and REPLY_TO in stix_body and PHISH_HOST in stix_body
        # `/form?ref=jane.doe%40acme-intra.com&id=0` goes as the kit's form page, without the query
        assert share.withheld.get("URL cut before a targeted person", 0) >= 1
        assert f"https://{PHISH_HOST}/form" in {i.value for i in share.indicators}
        assert share.withheld.get("internal host or address", 0) >= 1
        assert "type phone not selected" in share.withheld


def test_phone_numbers_go_out_only_when_the_analyst_asks_for_them(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt, count=1)
        with rt.db.session() as session:
            default = gather(session, rt.settings, campaign_id=seeded.campaign_id)
            chosen = gather(session, rt.settings, campaign_id=seeded.campaign_id, types=["phone", "domain"])
        assert not default.of_type("phone")
        assert [i.value for i in chosen.of_type("phone")] == ["+41446681800"]
        assert {i.type for i in chosen.indicators} == {"phone", "domain"}


def test_an_unknown_campaign_is_a_clear_error(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt, rt.db.session() as session:
        assert session.scalar(select(Campaign.id)) is None
        with pytest.raises(LookupError, match="999"):
            gather(session, rt.settings, campaign_id=999)
