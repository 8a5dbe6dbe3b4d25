"""Full-text search: one function over SQLite FTS5 and PostgreSQL tsvector, the same answers on both."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.support.console import analyse_all, email, put_in_campaign, report_email
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime
from watchword.services import queue as queue_service
from watchword.services import search


def _ids(rt: Runtime, query: str, **kwargs: object) -> list[int]:
    with rt.db.session() as session:
        return [hit.id for hit in search.search(session, query, **kwargs).reports]  # type: ignore[arg-type]


@pytest.fixture
def corpus(any_rt: Runtime) -> dict[str, int]:
    rt = any_rt
    ids = {
        "invoice": report_email(rt, email("Overdue invoice 8812", "Please settle the attached invoice today.")),
        "recruiter": report_email(
            rt,
            email(
                "Exciting consulting role",
                "A research position in Zürich, reply to https://talent.headhunt-example.com/apply",
                sender="anna@headhunt-example.com",
            ),
        ),
        "usb": report_email(rt, email("Found device", "A USB stick was left in the lobby near reception.")),
    }
    analyse_all(rt)
    return ids


def test_finds_by_subject_body_indicator_and_diacritics(any_rt: Runtime, corpus: dict[str, int]) -> None:
    assert _ids(any_rt, "invoice") == [corpus["invoice"]]
    assert _ids(any_rt, "lobby reception") == [corpus["usb"]]
    assert _ids(any_rt, "talent.headhunt-example.com") == [corpus["recruiter"]]
    assert _ids(any_rt, "Zürich") == [corpus["recruiter"]]
    assert _ids(any_rt, "invoice lobby") == []  # every term must match


def test_exact_indicator_and_campaign_notes_are_found_too(any_rt: Runtime, corpus: dict[str, int]) -> None:
    campaign_id = put_in_campaign(any_rt, [corpus["recruiter"]], "Headhunter persona")
    with any_rt.db.write() as session:
        queue_service.add_note(session, "campaign", campaign_id, "linked to the conference approach", "ana")
        queue_service.add_note(session, "report", corpus["usb"], "device handed to forensics", "ana")
    with any_rt.db.session() as session:
        by_note = search.search(session, "conference")
        by_value = search.search(session, "anna@headhunt-example.com")
    assert [c.id for c in by_note.campaigns] == [campaign_id]
    assert [i.type for i in by_value.indicators] == ["email"]
    assert _ids(any_rt, "forensics") == [corpus["usb"]]


HOSTILE = ['"', "NEAR(a b)", "a OR", "*", "title:x", "-", "x AND (y", "'; DROP TABLE", "^a"]


def test_query_syntax_from_users_is_never_an_error(any_rt: Runtime, corpus: dict[str, int]) -> None:
    # Every query against one corpus per store: they only read it, and a corpus (three reports analysed,
    # on a fresh store) cost more than all nine queries (docs/benchmarks.md, "testspeed13").
    for hostile in HOSTILE:
        try:
            _ids(any_rt, hostile)  # no exception, whatever it returns
        except Exception as exc:
            raise AssertionError(f"the query {hostile!r} raised {exc!r}") from exc


def test_newest_first_with_keyset_pages(any_rt: Runtime) -> None:
    ids = [report_email(any_rt, email(f"Shipment {n}", f"parcel notice number {n}")) for n in range(7)]
    analyse_all(any_rt)
    with any_rt.db.session() as session:
        first = search.search(session, "parcel", limit=3)
        second = search.search(session, "parcel", before=first.next_before, limit=3)
        third = search.search(session, "parcel", before=second.next_before, limit=3)
    got = [h.id for h in first.reports + second.reports + third.reports]
    assert got == sorted(ids, reverse=True)
    assert third.next_before is None


def test_common_and_rare_words_page_alike_past_the_recent_window(
    any_rt: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL a word is first looked for in the newest RECENT_SCAN documents only and,
    when those do not fill the page, through the GIN index: both ways give the same pages."""
    monkeypatch.setattr(search, "RECENT_SCAN", 4)
    ids = [
        report_email(any_rt, email(f"Shipment {n}", f"parcel notice {'rarebird ' if n < 3 else ''}number {n}"))
        for n in range(10)
    ]
    analyse_all(any_rt)
    with any_rt.db.session() as session:
        common = search.search(session, "parcel", limit=3)  # fills its page in the newest four
        common_next = search.search(session, "parcel", before=common.next_before, limit=3)
        rare = search.search(session, "rarebird", limit=2)  # only in the three oldest: past the window
        rare_next = search.search(session, "rarebird", before=rare.next_before, limit=2)
        absent = search.search(session, "nosuchword", limit=2)
    newest_first = sorted(ids, reverse=True)
    assert [h.id for h in common.reports + common_next.reports] == newest_first[:6]
    assert [h.id for h in rare.reports + rare_next.reports] == sorted(ids[:3], reverse=True)
    assert rare_next.next_before is None and absent.reports == []


def test_out_of_scope_reports_are_never_searchable(any_rt: Runtime) -> None:
    rt = any_rt
    receipt = submit(rt, IncomingReport(channel=Channel.WEB, text="unusual zebra words in this report"))
    analyse_all(rt)
    assert _ids(rt, "zebra") == [receipt.report_id]
    from tests.support.analyses import make_analysis
    from watchword.store.models import Report

    with rt.db.write() as session:
        report = session.get(Report, receipt.report_id)
        assert report is not None
        fake = make_analysis(scope="out_of_scope", scope_reason="x", body_text="zebra")
        search.index_report(session, report, fake)
    assert _ids(rt, "zebra") == []


def test_rebuild_refills_the_index(any_rt: Runtime, corpus: dict[str, int]) -> None:
    with any_rt.db.write() as session:
        session.execute(text("DELETE FROM search_reports"))
    assert _ids(any_rt, "invoice") == []
    with any_rt.db.write() as session:
        assert search.rebuild(session) == 3
    assert _ids(any_rt, "invoice") == [corpus["invoice"]]


def test_deleting_a_report_removes_it_from_the_index(any_rt: Runtime, corpus: dict[str, int]) -> None:
    from sqlalchemy import delete

    from watchword.store.models import Report

    with any_rt.db.write() as session:
        session.execute(delete(Report).where(Report.id == corpus["usb"]))
        left = session.scalar(text("SELECT count(*) FROM search_reports"))
    assert left == 2


def test_snippet_marks_the_match_and_the_page_escapes_it(rt: Runtime) -> None:
    report_email(rt, email("Hello", "<b>bold</b> words around the needle and more words"))
    analyse_all(rt)
    with rt.db.session() as session:
        hit = search.search(session, "needle").reports[0]
    parts = search.snippet_parts(hit.snippet)
    assert ("needle", True) in parts


def test_cli_search_and_reindex(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from watchword.cli import app

    report_id = report_email(rt, email("Quarterly bonus form", "Fill in at https://bonus.phish-example.com/f"))
    analyse_all(rt)
    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(rt.settings.data_dir))
    monkeypatch.setenv("WATCHWORD_DATABASE_URL", rt.settings.database_url)
    runner = CliRunner()
    with rt.db.write() as session:
        session.execute(text("DELETE FROM search_reports"))
    assert runner.invoke(app, ["search", "query", "bonus"]).output == ""
    rebuilt = runner.invoke(app, ["search", "reindex"])
    assert rebuilt.exit_code == 0 and "1 reports" in rebuilt.output
    found = runner.invoke(app, ["search", "query", "bonus"])
    assert found.output.startswith(f"{report_id}\t") and "Quarterly bonus form" in found.output
