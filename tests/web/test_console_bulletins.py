"""Bulletins in the console: draft from a campaign, preview without saving, save, publish (refused
without a public address, refused while the text leaks), withdraw; viewers read but never publish."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.support.console import add_user, console_client, page_csrf, sign_in
from tests.support.intel import RECIPIENTS, intel_runtime, seed_campaign
from watchword.runtime import Runtime
from watchword.store.models import AuditEvent
from watchword.store.models_intel import Bulletin


def _analyst(rt: Runtime, name: str = "ana", role: str = "analyst") -> TestClient:
    add_user(rt, name, role)
    client = console_client(rt)
    assert sign_in(client, name).status_code == 303
    return client


def _draft(client: TestClient, campaign_id: int) -> int:
    campaign_page = client.get(f"/console/campaigns/{campaign_id}").text
    assert f'action="/console/campaigns/{campaign_id}/bulletin"' in campaign_page  # the button is there
    response = client.post(f"/console/campaigns/{campaign_id}/bulletin", data={"csrf": page_csrf(client)})
    assert response.status_code == 303
    match = re.match(r"/console/bulletins/(\d+)\?done=drafted$", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


def _actions(rt: Runtime, bulletin_id: int) -> list[str]:
    with rt.db.session() as session:
        return list(
            session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.object_type == "bulletin", AuditEvent.object_id == str(bulletin_id))
                .order_by(AuditEvent.id)
            )
        )


def test_draft_preview_save_publish_withdraw_from_the_console(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt)
        client = _analyst(rt)
        bulletin_id = _draft(client, seeded.campaign_id)
        editor = client.get(f"/console/bulletins/{bulletin_id}").text
        # The draft's preview is the redacted text: no recipient's name or address survives into it.
        preview = editor.split('id="bulletin-preview"', 1)[1].split("</article>", 1)[0]
        assert "What to do" in preview and "can be published" in preview
        for name, address in RECIPIENTS:
            assert name.split()[0] not in preview and address not in preview
        assert "Removed automatically" in editor

        # Preview shows an edit as readers would see it, with what publishing would refuse, and saves nothing.
        with rt.db.session() as session:
            saved_body = session.get(Bulletin, bulletin_id).body_md  # type: ignore[union-attr]
        leaky = saved_body + "\nQuestions? Write to jane.doe@acme-intra.com\n"
        form = {"csrf": page_csrf(client, f"/console/bulletins/{bulletin_id}"), "title": "Fake recruiters"}
        shown = client.post(
            f"/console/bulletins/{bulletin_id}", data={**form, "summary": "S", "body_md": leaky, "action": "preview"}
        )
        assert shown.status_code == 200
        assert "Publishing would be refused" in shown.text and "1 email" in shown.text
        assert "jane.doe@acme-intra.com" in shown.text  # kept in the editor for the analyst to fix
        with rt.db.session() as session:
            assert session.get(Bulletin, bulletin_id).body_md == saved_body  # type: ignore[union-attr]

        # Saved with the leak: publishing is refused with the reason, until it is edited out.
        client.post(
            f"/console/bulletins/{bulletin_id}", data={**form, "summary": "S", "body_md": leaky, "action": "save"}
        )
        refused = client.post(f"/console/bulletins/{bulletin_id}/publish", data={"csrf": form["csrf"]})
        assert refused.status_code == 403 and "still contains" in refused.text
        assert client.get("/bulletins").text.count("Fake recruiters") == 0
        saved = client.post(
            f"/console/bulletins/{bulletin_id}",
            data={
                **form,
                "summary": "Fake recruiters are writing to colleagues.",
                "body_md": saved_body,
                "action": "save",
            },
        )
        assert saved.headers["location"].endswith("done=bulletin_saved")
        published = client.post(f"/console/bulletins/{bulletin_id}/publish", data={"csrf": form["csrf"]})
        assert published.status_code == 303
        with rt.db.session() as session:
            slug = session.get(Bulletin, bulletin_id).slug  # type: ignore[union-attr]
        public = client.get(f"/bulletins/{slug}")
        assert public.status_code == 200 and "Fake recruiters" in public.text
        page = client.get(f"/console/bulletins/{bulletin_id}").text
        assert f'href="/bulletins/{slug}"' in page and "Withdraw" in page
        listing = client.get("/console/bulletins?status=published").text
        assert f'href="/console/bulletins/{bulletin_id}"' in listing
        assert f'href="/console/bulletins/{bulletin_id}"' not in client.get("/console/bulletins?status=draft").text

        client.post(f"/console/bulletins/{bulletin_id}/withdraw", data={"csrf": form["csrf"]})
        assert client.get(f"/bulletins/{slug}").status_code == 404
        # Each step audited; the refused publish left nothing (its transaction did not commit).
        assert _actions(rt, bulletin_id) == [
            "bulletin.draft",
            "bulletin.edit",
            "bulletin.edit",
            "bulletin.publish",
            "bulletin.withdraw",
        ]


def test_publishing_without_a_public_address_is_refused_with_the_reason(tmp_path: Path) -> None:
    with intel_runtime(tmp_path, public_base_url="", allowed_hosts=()) as rt:
        seeded = seed_campaign(rt)
        client = _analyst(rt)
        bulletin_id = _draft(client, seeded.campaign_id)
        editor = client.get(f"/console/bulletins/{bulletin_id}").text
        assert 'id="publish-unavailable"' in editor and 'id="publish-form"' not in editor
        refused = client.post(f"/console/bulletins/{bulletin_id}/publish", data={"csrf": page_csrf(client)})
        assert refused.status_code == 400
        assert "WATCHWORD_PUBLIC_BASE_URL" in refused.text and "text/html" in refused.headers["content-type"]
        with rt.db.session() as session:
            assert session.get(Bulletin, bulletin_id).status == "draft"  # type: ignore[union-attr]


def test_viewers_read_bulletins_but_cannot_draft_edit_or_publish(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt)
        bulletin_id = _draft(_analyst(rt), seeded.campaign_id)
        viewer = _analyst(rt, "vera", "viewer")
        assert f'href="/console/bulletins/{bulletin_id}"' in viewer.get("/console/bulletins").text
        page = viewer.get(f"/console/bulletins/{bulletin_id}").text
        assert 'id="bulletin-form"' not in page and 'id="publish-form"' not in page
        assert '/bulletin"' not in viewer.get(f"/console/campaigns/{seeded.campaign_id}").text
        csrf = page_csrf(viewer, "/console/bulletins")
        for path in (
            f"/console/bulletins/{bulletin_id}/publish",
            f"/console/bulletins/{bulletin_id}/withdraw",
            f"/console/campaigns/{seeded.campaign_id}/bulletin",
        ):
            assert viewer.post(path, data={"csrf": csrf}).status_code == 403, path
        edit = viewer.post(
            f"/console/bulletins/{bulletin_id}", data={"csrf": csrf, "title": "x", "body_md": "x", "action": "save"}
        )
        assert edit.status_code == 403
        with rt.db.session() as session:
            assert session.get(Bulletin, bulletin_id).status == "draft"  # type: ignore[union-attr]


def test_the_preview_fragment_renders_markdown_without_raw_html(tmp_path: Path) -> None:
    with intel_runtime(tmp_path) as rt:
        seeded = seed_campaign(rt)
        client = _analyst(rt)
        bulletin_id = _draft(client, seeded.campaign_id)
        fragment = client.post(
            f"/console/bulletins/{bulletin_id}/preview",
            data={
                "csrf": page_csrf(client),
                "title": "T",
                "body_md": "## Heads up\n<script>alert(1)</script> [x](javascript:alert(1))",
            },
        )
        assert fragment.status_code == 200
        assert "<h2>Heads up</h2>" in fragment.text
        assert "<script>" not in fragment.text and 'href="javascript' not in fragment.text
        assert "<html" not in fragment.text  # a fragment for the editor's script, not a page
