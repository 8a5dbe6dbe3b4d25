"""No output but the exports carries the targeted people (issue #11.4): bulletins, the search
snippets a viewer sees, and log lines name no recipient, no local part, none of our domains."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import text as sql
from sqlalchemy.exc import IntegrityError

from tests.support.console import add_user, console_client, put_in_campaign, sign_in
from tests.support.settings import make_settings
from watchword import logsafe
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.services import bulletins
from watchword.store.models import utcnow
from watchword.worker import Worker

# Nothing configured as internal: our domain is known only from whom the lures were sent to.
TARGETS = [
    ("Kendra Wright", "kwright@northwind-energy.example"),
    ("Tomasz Zielinski", "tzielinski@northwind-energy.example"),
]
SECRETS = ["kwright", "tzielinski", "Kendra", "Wright", "Tomasz", "Zielinski", "northwind-energy"]


def _lure(n: int, name: str, address: str) -> bytes:
    first = name.split()[0]
    return (
        f"From: Sarah Whitfield <sarah@talent-partners-global.example>\r\nTo: {name} <{address}>\r\n"
        f"Subject: A consulting role for {first}\r\nMessage-ID: <lure-{n}@talent-partners-global.example>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"Dear {first},\r\n\r\nI found your profile while researching the grid modernisation team at "
        f"northwind-energy.example and thought of you, {address.split('@')[0]}. We offer USD 400 an hour "
        "for short calls about your current projects. Book a slot at "
        f"https://talent-partners-global.example/book?u={address.split('@')[0]}&d=northwind-energy.example\r\n"
        "\r\nRegards,\r\nSarah\r\n"
    ).encode()


@pytest.fixture
def seeded(tmp_path: Path) -> tuple[Runtime, int]:
    with open_runtime(make_settings(tmp_path)) as rt:
        ids = [
            submit(rt, IncomingReport(channel=Channel.API, raw_email=_lure(n, name, address))).report_id
            for n, (name, address) in enumerate(TARGETS)
        ]
        Worker(rt).run_until_idle()
        now = utcnow()
        campaign_id = put_in_campaign(
            rt,
            ids,
            "Consulting offers",
            report_scope="in_scope",
            approach_type="fake_recruitment",
            first_seen=now,
            last_seen=now,
            representative_report_id=ids[0],
        )
        yield rt, campaign_id  # type: ignore[misc]


def test_a_bulletin_draft_names_no_recipient_local_part_or_our_domain(seeded: tuple[Runtime, int]) -> None:
    rt, campaign_id = seeded
    with rt.db.write() as session:
        draft = bulletins.draft_from_campaign(session, rt.settings, campaign_id, "ana")
        text = "\n".join([draft.title, draft.summary, draft.body_md])
        assert "talent-partners-global" in text  # the attacker's side stays
        for secret in SECRETS:
            assert secret.lower() not in text.lower(), secret
        # And an analyst who types a local part or our domain back in is stopped at publishing.
        draft.body_md += "\nAsk kwright at northwind-energy.example for details.\n"
        with pytest.raises(bulletins.BulletinError):
            bulletins.publish(session, rt.settings, draft.id, "ana")


def test_search_snippets_shown_to_a_viewer_carry_no_targeted_person(seeded: tuple[Runtime, int]) -> None:
    rt, _ = seeded
    add_user(rt, "vic", "viewer")
    add_user(rt, "ana", "analyst")
    viewer, analyst = console_client(rt), console_client(rt)
    assert sign_in(viewer, "vic").status_code == 303 and sign_in(analyst, "ana").status_code == 303
    for query in ("consulting", "modernisation"):
        page = viewer.get("/console/search", params={"q": query})
        assert page.status_code == 200
        for secret in SECRETS:
            assert secret.lower() not in page.text.lower(), (query, secret)
    # Searching for a person finds the report, but the page shows them only as typed in the box.
    by_name = viewer.get("/console/search", params={"q": "kendra"}).text
    assert "/console/reports/" in by_name and "Kendra" not in by_name and "kwright" not in by_name
    shown = viewer.get("/console/search", params={"q": "modernisation"}).text
    assert "<mark>modernisation</mark>" in shown  # still a useful snippet
    # Analysts act on reports and see the words as they are (here: the subject).
    assert "A consulting role for Kendra" in analyst.get("/console/search", params={"q": "modernisation"}).text


def test_log_lines_carry_no_report_content_or_address(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A failing statement names no values; the worker logs a failure without the report;
    the handler filter masks what any other line might carry."""
    with open_runtime(make_settings(tmp_path)) as rt:
        secret_words = "kwright@northwind-energy.example wrote: the project code is BLUE HERON"
        with pytest.raises(IntegrityError) as failed, rt.db.write() as session:
            session.execute(
                sql("INSERT INTO reports (id, public_id, text) VALUES (1, :p, :t), (2, :p, :t)"),
                {"p": "same", "t": secret_words},
            )
        assert "BLUE HERON" not in str(failed.value) and "kwright" not in str(failed.value)

        from watchword import pipeline_process  # what the worker's pipeline runs, pooled or here

        def crash(*_args: object, **_kwargs: object) -> object:
            raise ValueError(f"could not parse near {secret_words!r}\n" + "x" * 5000)

        original = pipeline_process.analyze_report
        pipeline_process.analyze_report = crash  # type: ignore[assignment]
        try:
            submit(rt, IncomingReport(channel=Channel.API, text=secret_words))
            with caplog.at_level(logging.WARNING, logger="watchword"):
                Worker(rt, processes=1).run_until_idle()  # in this process, where the crash is patched in
        finally:
            pipeline_process.analyze_report = original
        logged = "\n".join(r.getMessage() for r in caplog.records)
        assert "failed (attempt" in logged
        assert "kwright" not in logged and len(logged) < 2000

    handler = logging.StreamHandler()
    logger = logging.Logger("probe")
    logger.addHandler(handler)
    logsafe.install(logger)
    lines: list[str] = []
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    try:
        raise RuntimeError(f"bad header To: Kendra Wright <kwright@northwind-energy.example> {'y' * 9000}")
    except RuntimeError:
        logger.exception("intake failed for %s", "tzielinski@northwind-energy.example")
    assert lines and "northwind-energy" not in lines[0] and len(lines[0]) < 6000


def test_the_server_logs_through_the_filter(capsys: pytest.CaptureFixture[str]) -> None:
    """`watchword serve`'s logging set-up: uvicorn's handlers and Watchword's loggers are filtered."""
    import logging.config

    logging.config.dictConfig(logsafe.uvicorn_log_config())
    try:
        try:
            raise ValueError("unparsable part for tzielinski@northwind-energy.example")
        except ValueError:
            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        logging.getLogger("watchword.worker").warning("job 1 failed: kwright@northwind-energy.example")
        written = capsys.readouterr().err
        assert "Exception in ASGI application" in written and "job 1 failed" in written
        assert "northwind-energy" not in written
    finally:
        logging.getLogger("watchword").handlers.clear()
        logging.getLogger("watchword").propagate = True
