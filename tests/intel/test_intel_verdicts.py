"""Exports follow the analyst's verdict: malicious goes as malicious-activity with to_ids,
suspicious as anomalous-activity without, benign/out of scope/spam are refused with a clear
message, and a campaign nobody judged goes only when asked for explicitly, marked unreviewed."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from sqlalchemy import update

from tests.support.console import signed_in
from tests.support.intel import intel_runtime, seed_campaign
from watchword.intel import formats
from watchword.intel.selection import gather
from watchword.intel.verdicts import ExportRefused
from watchword.store.models import Campaign


def _set(rt: object, campaign_id: int, **values: object) -> None:
    with rt.db.write() as session:  # type: ignore[attr-defined]
        session.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


def _indicators(body: str) -> list[dict[str, object]]:
    return [o for o in json.loads(body)["objects"] if o["type"] == "indicator"]


def _attributes(body: str) -> list[dict[str, object]]:
    return json.loads(body)["Event"]["Attribute"]


def test_each_verdict_exports_as_it_should(tmp_path: Path) -> None:
    # Rendering mints and stores STIX ids through the session the share was gathered in: each
    # export is rendered inside that session's block, as the routes and the CLI do.
    with intel_runtime(tmp_path) as rt:
        campaign_id = seed_campaign(rt).campaign_id
        with rt.db.write() as session:
            malicious = gather(session, rt.settings, campaign_id=campaign_id)
            stix_body, _ = formats.render(malicious, "stix.json")
            assert {tuple(i["indicator_types"]) for i in _indicators(stix_body)} == {("malicious-activity",)}
            assert any(a["to_ids"] for a in _attributes(formats.render(malicious, "misp.json")[0]))
            assert formats.render(malicious, "domains.txt")[0].count("\n") > 3

        _set(rt, campaign_id, verdict="suspicious")
        with rt.db.write() as session:
            suspicious = gather(session, rt.settings, campaign_id=campaign_id)
            assert {tuple(i["indicator_types"]) for i in _indicators(formats.render(suspicious, "stix.json")[0])} == {
                ("anomalous-activity",)
            }
            assert not any(a["to_ids"] for a in _attributes(formats.render(suspicious, "misp.json")[0]))
            with pytest.raises(ExportRefused, match="Blocklists are for campaigns an analyst called malicious"):
                formats.render(suspicious, "domains.txt")
            rows = list(csv.DictReader(io.StringIO(formats.render(suspicious, "csv")[0])))
            assert rows and {r["verdict"] for r in rows} == {"suspicious"}

        for verdict in ("benign", "out_of_scope"):
            _set(rt, campaign_id, verdict=verdict)
            with rt.db.session() as session, pytest.raises(ExportRefused, match="not shared as a threat"):
                gather(session, rt.settings, campaign_id=campaign_id)

        _set(rt, campaign_id, verdict=None, approach_type="scam_or_spam")
        with rt.db.session() as session, pytest.raises(ExportRefused, match="spam"):
            gather(session, rt.settings, campaign_id=campaign_id, unreviewed=True)

        _set(rt, campaign_id, verdict=None, approach_type="fake_recruitment")
        with rt.db.write() as session:
            with pytest.raises(ExportRefused, match="No analyst has given this campaign a verdict"):
                gather(session, rt.settings, campaign_id=campaign_id)
            unreviewed = gather(session, rt.settings, campaign_id=campaign_id, unreviewed=True)
            indicators = _indicators(formats.render(unreviewed, "stix.json")[0])
            assert indicators and all(
                i["indicator_types"] == ["unknown"] and i["labels"] == ["unreviewed"] for i in indicators
            )
            event = json.loads(formats.render(unreviewed, "misp.json")[0])["Event"]
            assert not any(a["to_ids"] for a in event["Attribute"])
        assert 'watchword:review="unreviewed"' in {t["name"] for t in event["Tag"]}


def test_console_refuses_with_the_reason_and_offers_unreviewed_only_explicitly(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        campaign_id = seed_campaign(rt).campaign_id
        client = signed_in(rt)
        _set(rt, campaign_id, verdict="benign")
        refused = client.get(f"/console/campaigns/{campaign_id}/export.stix.json")
        assert refused.status_code == 400 and "not shared as a threat" in refused.text
        assert "/export." not in client.get(f"/console/campaigns/{campaign_id}").text
        _set(rt, campaign_id, verdict=None)
        assert client.get(f"/console/campaigns/{campaign_id}/export.misp.json").status_code == 400
        page = client.get(f"/console/campaigns/{campaign_id}").text
        assert "export.misp.json?unreviewed=1" in page and "export.domains.txt" not in page
        assert client.get(f"/console/campaigns/{campaign_id}/export.misp.json?unreviewed=1").status_code == 200


def test_stored_stix_ids_keep_created_and_move_modified_only_on_change(tmp_path: Path) -> None:
    """Ids are UUIDv4 minted at the first export and kept in the store; a re-export changes
    nothing, a changed campaign gets a new `modified` and keeps its id and `created`."""
    import uuid

    with intel_runtime(tmp_path) as rt:
        campaign_id = seed_campaign(rt).campaign_id

        def export() -> dict[str, dict[str, object]]:
            with rt.db.write() as session:
                share = gather(session, rt.settings, campaign_id=campaign_id)
                body, _ = formats.render(share, "stix.json")
            return {o["id"]: o for o in json.loads(body)["objects"] if o["type"] != "marking-definition"}

        first, second = export(), export()
        assert first == second
        campaign = next(o for o in first.values() if o["type"] == "campaign")
        assert uuid.UUID(str(campaign["id"]).split("--")[1]).version == 4
        _set(rt, campaign_id, title="Fake recruiter: defence consulting (wave 2)")
        third = export()
        changed = next(o for o in third.values() if o["type"] == "campaign")
        assert changed["id"] == campaign["id"] and changed["created"] == campaign["created"]
        assert str(changed["modified"]) > str(campaign["modified"])
        identities = {o["id"] for o in third.values() if o["type"] == "identity"}
        assert identities == {o["id"] for o in first.values() if o["type"] == "identity"}  # one per installation
