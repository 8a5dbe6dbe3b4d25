"""The CLI contract: `analyze --json` and `import` as other tools and people use them.

Run in-process through Typer's runner (the same `app` the `watchword` command runs); one test
starts a real `python -m watchword` process to prove the entry point and standard input.
"""

from __future__ import annotations

import json
import mailbox
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import func, select
from typer.testing import CliRunner

from tests.support.settings import make_settings
from watchword.runtime import open_runtime
from watchword.store.models import Report, Submission

PHISH = (
    b'From: "Microsoft 365" <no-reply@micros0ft-login.example>\r\nTo: you@example.org\r\n'
    b"Subject: Your mailbox is full\r\nContent-Type: text/html\r\n\r\n"
    b'<a href="http://micros0ft-login.example/verify?id=1">https://outlook.office.com</a>\r\n'
)


def _run(args: list[str], data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    from watchword.cli import app

    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(data_dir))
    monkeypatch.delenv("WATCHWORD_DATABASE_URL", raising=False)
    return CliRunner().invoke(app, args, catch_exceptions=False)


def test_analyze_json_prints_one_object_per_input_and_goes_on_after_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "phish.eml").write_bytes(PHISH)
    (tmp_path / "note.txt").write_text("A stranger asked me where the server room is and who has the keys.")
    result = _run(
        ["analyze", "--json", str(tmp_path / "phish.eml"), str(tmp_path / "missing.eml"), str(tmp_path / "note.txt")],
        tmp_path,
        monkeypatch,
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [obj["path"] for obj in lines] == [str(tmp_path / n) for n in ("phish.eml", "missing.eml", "note.txt")]
    email, missing, note = lines
    required = {
        "path",
        "kind",
        "approach_type",
        "scope",
        "scope_reason",
        "risk",
        "reasons",
        "indicators",
        "links",
        "attachments",
        "auth",
    }
    assert required <= set(email) and required <= set(note)
    assert email["kind"] == "email" and note["kind"] == "text"
    assert "error" in missing and "kind" not in missing
    assert 0.0 <= email["risk"] <= 1.0
    assert all(set(i) == {"type", "value"} for i in email["indicators"])
    assert {"target", "text", "mismatch"} <= set(email["links"][0])
    assert not (tmp_path / "watchword.db").exists()  # analyze stores nothing


def test_the_watchword_command_runs_as_a_real_process_and_reads_standard_input(tmp_path: Path) -> None:
    """The one CLI test that needs a real process: `python -m watchword` is the installed command."""
    env = {**os.environ, "WATCHWORD_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "watchword", "analyze", "--json", "-"],
        input=PHISH,
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    obj = json.loads(result.stdout)
    assert obj["path"] == "-" and obj["kind"] == "email"


def test_import_reads_files_folders_mbox_and_maildir_and_counts_repeats(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "in"
    (inbox / "nested").mkdir(parents=True)
    (inbox / "a.eml").write_bytes(PHISH)
    (inbox / "nested" / "b.eml").write_bytes(PHISH.replace(b"mailbox is full", b"password expires"))
    box = mailbox.mbox(tmp_path / "archive.mbox")
    for n in range(3):
        box.add(mailbox.mboxMessage(f"From: x@example.org\nSubject: mbox {n}\n\nbody {n}\n".encode()))
    box.add(mailbox.mboxMessage(PHISH))  # a repeat of a.eml: a sighting, not a new report
    box.close()
    maildir = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for n in range(2):
        maildir.add(f"From: y@example.org\nSubject: maildir {n}\n\nbody {n}\n".encode())
    assert _run(["migrate"], tmp_path, monkeypatch).exit_code == 0  # a new store: the schema first, as `make run` does
    result = _run(
        ["import", str(inbox), str(tmp_path / "archive.mbox"), str(tmp_path / "Maildir")], tmp_path, monkeypatch
    )
    assert result.exit_code == 0, result.output
    assert "7 new reports, 1 repeats" in result.stdout
    with open_runtime(make_settings(tmp_path), migrate=True) as rt, rt.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Report)) == 7
        assert session.scalar(select(func.count()).select_from(Submission)) == 8


def test_a_loopback_demo_names_its_own_address_so_a_bulletin_can_be_published() -> None:
    """`serve --demo` on the machine itself: publishing needs WATCHWORD_PUBLIC_BASE_URL, and a new analyst
    trying the demo has not set it. A loopback bind gives it; any other bind, or a configured address, does not."""
    from watchword.cli.core import demo_public_base_url

    assert demo_public_base_url(None, None, {}) == "http://127.0.0.1:8000"
    assert demo_public_base_url(None, 8765, {}) == "http://127.0.0.1:8765"
    assert demo_public_base_url("::1", 9000, {}) == "http://[::1]:9000"
    assert demo_public_base_url("localhost", None, {"WATCHWORD_PORT": "8123"}) == "http://localhost:8123"
    assert demo_public_base_url(None, None, {"WATCHWORD_HOST": "0.0.0.0"}) is None
    assert demo_public_base_url("192.0.2.10", 80, {}) is None
    assert demo_public_base_url("watchword.example", 80, {}) is None
    assert demo_public_base_url(None, None, {"WATCHWORD_PUBLIC_BASE_URL": "https://ww.example"}) is None
