"""One error path: a refusal's meaning decides its HTTP status and body, and its exit code."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import watchword
from tests.support.console import console_client, email, page_csrf, put_in_campaign, report_email, signed_in
from watchword import errors
from watchword.cli.errors import EXIT_CODES, exit_code_for
from watchword.runtime import Runtime
from watchword.web.app import create_app
from watchword.web.errors import STATUS, status_for


def _all_error_classes() -> set[type[errors.WatchwordError]]:
    for module in pkgutil.walk_packages(watchword.__path__, "watchword."):
        if ".migrations." not in module.name and module.name != "watchword.__main__":
            importlib.import_module(module.name)
    found: set[type[errors.WatchwordError]] = set()
    todo: list[type[errors.WatchwordError]] = [errors.WatchwordError]
    while todo:
        cls = todo.pop()
        found.add(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_refusal_in_the_code_carries_a_meaning_with_a_status_and_an_exit_code() -> None:
    classes = _all_error_classes()
    assert len(classes) > len(errors.MEANINGS) + 10  # the services' own refusals were found
    for cls in classes - {errors.WatchwordError}:
        meaning = errors.meaning_of(cls)
        assert meaning in errors.MEANINGS, cls
        assert meaning in STATUS and meaning in EXIT_CODES, cls
    # A domain refusal that is also a meaning takes that meaning, not its family's default.
    from watchword.campaigns.services import CampaignConflict, CampaignError, CampaignNotFound

    assert status_for(CampaignNotFound("x")) == 404 and exit_code_for(CampaignNotFound("x")) == 3
    assert status_for(CampaignConflict("x")) == 409 and exit_code_for(CampaignConflict("x")) == 4
    assert status_for(CampaignError("x")) == 400 and exit_code_for(CampaignError("x")) == 2
    # Code that only knows the built-ins still catches them.
    assert isinstance(CampaignNotFound("x"), LookupError) and isinstance(CampaignError("x"), ValueError)


def test_the_api_refuses_with_problem_json(client: TestClient) -> None:
    empty = client.post("/api/v1/reports/email", content=b"  ")
    assert empty.status_code == 400
    assert empty.headers["content-type"] == "application/problem+json"
    body = empty.json()
    assert body["status"] == 400 and body["title"] == "Bad Request" and "empty" in body["detail"]
    missing = client.get("/api/v1/reports/no-such-id")
    assert missing.status_code == 404 and missing.json()["detail"] == "No such report."
    assert missing.headers["content-type"] == "application/problem+json"


def test_people_on_the_console_get_an_html_page_and_scripts_get_json(rt: Runtime) -> None:
    client = signed_in(rt)
    missing = client.get("/console/campaigns/987654")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "No such campaign." in missing.text and 'href="/console/"' in missing.text
    as_json = client.get("/console/campaigns/987654", headers={"Accept": "application/json"})
    assert as_json.status_code == 404 and as_json.json()["detail"] == "No such campaign."
    script = console_client(rt)  # no session: a script with an API token
    token = script.get("/console/campaigns/987654", headers={"Authorization": "Bearer ww_not-a-token"})
    assert token.status_code == 401 and token.headers["content-type"] == "application/problem+json"

    report_id = report_email(rt, email("Invoice 12", "Pay now"))
    campaign_id = put_in_campaign(rt, [report_id], "Invoices")
    itself = client.post(
        f"/console/campaigns/{campaign_id}/merge", data={"csrf": page_csrf(client), "other_id": str(campaign_id)}
    )
    assert itself.status_code == 409 and "cannot be merged into itself" in itself.text
    gone = client.post(
        f"/console/campaigns/{campaign_id}/merge", data={"csrf": page_csrf(client), "other_id": "987654"}
    )
    assert gone.status_code == 404 and "987654 does not exist" in gone.text  # was a 400 for any ValueError


def test_reporters_get_an_html_page_in_their_language_setting(client: TestClient) -> None:
    missing = client.get("/report/no-such-form")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in missing.text and 'href="/"' in missing.text
    assert '"detail"' not in missing.text


def test_taxii_and_throttled_refusals_keep_their_protocols(rt: Runtime) -> None:
    app = create_app(rt)

    @app.get("/taxii2/test-refusal")
    def taxii_refusal() -> Any:
        raise errors.NotFound("No such collection here.")

    @app.get("/api/v1/test-throttled")
    def throttled() -> Any:
        raise errors.Throttled("Too many just now.", retry_after=2.2)

    with TestClient(app) as client:
        taxii = client.get("/taxii2/test-refusal")
        assert taxii.status_code == 404 and taxii.headers["content-type"].startswith("application/taxii+json")
        assert taxii.json() == {"title": "Not Found", "http_status": "404", "description": "No such collection here."}
        slow = client.get("/api/v1/test-throttled")
        assert slow.status_code == 429 and slow.headers["retry-after"] == "3"


@pytest.fixture
def cli(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("WATCHWORD_DATABASE_URL", rt.settings.database_url)
    monkeypatch.setenv("WATCHWORD_SECRET_KEY_FILE", str(rt.settings.secret_key_file))
    return CliRunner()


def test_cli_exit_codes_say_what_kind_of_refusal(rt: Runtime, cli: CliRunner) -> None:
    from watchword.cli import app

    missing = cli.invoke(app, ["campaigns", "--id", "987654"])
    assert missing.exit_code == 3 and "987654 does not exist" in missing.output
    report_id = report_email(rt, email("Invoice 7", "Pay now"))
    campaign_id = put_in_campaign(rt, [report_id], "Invoices")
    bad = cli.invoke(app, ["verdict", str(campaign_id), "dreadful"])
    assert bad.exit_code == 2 and "unknown verdict" in bad.output
    missing_report = cli.invoke(app, ["split", "987654"])
    assert missing_report.exit_code == 3, missing_report.output
    other_id = report_email(rt, email("Unrelated", "Hello"))
    loose = cli.invoke(app, ["split", str(other_id)])
    assert loose.exit_code == 4 and "not in a campaign" in loose.output
    assert cli.invoke(app, ["verdict", str(campaign_id), "benign"]).exit_code == 0


def test_a_field_that_cannot_be_read_is_named_without_echoing_what_was_sent(rt: Runtime) -> None:
    """A 100 kB value over a field's bound: the console gets an HTML page naming the field, the API
    the framework's error shape without the input; neither sends the value back."""
    sent = "A" * 100_000
    analyst = signed_in(rt, "ana", "admin")
    csrf = page_csrf(analyst)
    page = analyst.post("/console/saved", data={"csrf": csrf, "name": sent, "target": "queue", "query": "q"})
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")
    assert "name: String should have at most 100 characters" in page.text
    assert "AAAAAAAAAA" not in page.text and len(page.text) < 20_000
    with TestClient(create_app(rt)) as api:
        answer = api.post("/api/v1/reports", json={"text": "Someone asked for our plans", "contact": sent})
    assert answer.status_code == 422
    problems = answer.json()["detail"]
    assert [p["loc"][-1] for p in problems] == ["contact"]
    assert all(set(p) <= {"type", "loc", "msg"} for p in problems)
    assert "AAAAAAAAAA" not in answer.text
