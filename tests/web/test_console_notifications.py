"""The notification settings page: an analyst saves Apprise URLs and events, sees them masked, sends a
test to a real loopback webhook; viewers have no such page."""

from __future__ import annotations

from tests.support.console import page_csrf, signed_in
from tests.support.http_sink import running_http_sink
from watchword.runtime import Runtime


def test_an_analyst_sets_notifications_and_sends_a_test(rt: Runtime) -> None:
    client = signed_in(rt)
    assert 'href="/console/notifications"' in client.get("/console/").text
    csrf = page_csrf(client, "/console/notifications")
    with running_http_sink() as hook:
        saved = client.post(
            "/console/notifications",
            data={"csrf": csrf, "events": ["surge", "reporter_reply"], "urls": f"json://ops:s3cr3tpw@{hook.url}/t"},
        )
        assert saved.status_code == 303 and saved.headers["location"].endswith("done=notifications_saved")
        page = client.get("/console/notifications").text
        assert "s3cr3tpw" not in page and f"json://ops:****@{hook.url}/t" in page
        assert page.count("checked") == 2
        sent = client.post("/console/notifications/test", data={"csrf": csrf})
        assert sent.status_code == 303 and sent.headers["location"].endswith("done=notification_test")
        hook.wait(1)
    assert hook.payloads()[0]["title"] == "Watchword: test notification"
    # Saving again with the URL box empty keeps the URLs and changes the events.
    client.post("/console/notifications", data={"csrf": csrf, "events": ["high_risk"], "urls": ""})
    page = client.get("/console/notifications").text
    assert f"json://ops:****@{hook.url}/t" in page and page.count("checked") == 1


def test_bad_urls_and_unreachable_targets_are_explained(rt: Runtime, closed_port: int) -> None:
    client = signed_in(rt)
    csrf = page_csrf(client, "/console/notifications")
    refused = client.post("/console/notifications", data={"csrf": csrf, "urls": "https://not-an-apprise-url example"})
    assert refused.status_code == 400 and "Line 1" in refused.text and "not-an-apprise" not in refused.text
    closed = closed_port
    client.post("/console/notifications", data={"csrf": csrf, "urls": f"json://127.0.0.1:{closed}/x"})
    failed = client.post("/console/notifications/test", data={"csrf": csrf})
    assert failed.status_code == 503 and f"127.0.0.1:{closed}" in failed.text
    assert client.post("/console/notifications", data={"csrf": csrf, "clear": "true"}).status_code == 303
    assert "No notification URL yet" in client.get("/console/notifications").text


def test_viewers_have_no_notification_settings(rt: Runtime) -> None:
    viewer = signed_in(rt, "vic", "viewer")
    assert viewer.get("/console/notifications").status_code == 403
    assert 'href="/console/notifications"' not in viewer.get("/console/").text
    csrf = page_csrf(viewer)
    assert viewer.post("/console/notifications", data={"csrf": csrf, "events": ["surge"]}).status_code == 403
