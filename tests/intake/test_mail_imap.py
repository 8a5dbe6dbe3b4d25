"""The IMAP poller against a real Dovecot on loopback (Debian's dovecot-imapd; scripts/ci_services.sh).

Each test module run starts its own Dovecot with a config written into a temp
dir: a passwd-file user, Maildir storage, no TLS, 127.0.0.1 on a free port.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.support.ports import reserve_port
from tests.support.settings import make_settings
from tests.support.waiting import wait_for_exit
from watchword.config import Settings
from watchword.intake.imap import DONE_KEYWORD, REFUSED_KEYWORD, ImapPoller
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import AnalysisRecord, Job, Report
from watchword.store.models_mail import MailMessage
from watchword.worker import Worker

# One Dovecot per module (`dovecot`): its tests stay on one xdist worker so it starts once.
pytestmark = pytest.mark.xdist_group("imap-dovecot")

PASSWORD = "not-a-secret"  # a throwaway user of a throwaway server


@dataclass
class Dovecot:
    port: int
    root: Path
    passwd: Path
    users: int = 0

    def new_user(self) -> str:
        """A fresh, empty mailbox for one test: each test takes the next of the users made at start."""
        self.users += 1
        return f"abuse{self.users}"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    binary = shutil.which("dovecot") or ("/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None)
    if binary is None:
        why = "dovecot is not installed: run scripts/ci_services.sh (apt-get install dovecot-imapd)"
        if os.environ.get("CI") == "true":
            # CI (.ci/run) installs it (make services): its absence is a failure, or the IMAP
            # intake tests would pass there by not running.
            pytest.fail(why)
        pytest.skip(why)
    # Not under pytest's tmp_path: when the tests run as root, Dovecot's mail
    # processes run as its own user and must be able to reach the mail store.
    root = Path(tempfile.mkdtemp(prefix="watchword-dovecot-"))
    root.chmod(0o755)
    mail_root = root / "mail"
    mail_root.mkdir()
    if os.getuid() == 0:
        # Dovecot never runs mail processes as root, and refuses logins as root.
        mail_user, login_user = pwd.getpwnam("dovecot"), "dovenull"
        os.chown(mail_root, mail_user.pw_uid, mail_user.pw_gid)
        internal = "dovecot"
    else:
        mail_user = pwd.getpwuid(os.getuid())
        login_user = internal = mail_user.pw_name
    reservation = reserve_port()  # held until Dovecot stops (tests/support/ports.py)
    port = reservation.getsockname()[1]
    passwd = root / "passwd"
    # Users made up front: Dovecot notices a changed passwd-file by its mtime,
    # which does not tick between two tests a few milliseconds apart.
    passwd.write_text("".join(f"abuse{n}:{{PLAIN}}{PASSWORD}\n" for n in range(1, 101)))
    (root / "run").mkdir()
    config = root / "dovecot.conf"
    config.write_text(f"""
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_internal_group = {pwd.getpwnam(internal).pw_name if os.getuid() == 0 else mail_user.pw_name}
default_login_user = {login_user}
first_valid_uid = {mail_user.pw_uid}
mail_location = maildir:{mail_root}/%u/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={mail_root}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
""")
    # Dovecot's master listens on its sockets before it goes into the background (master/main.c: a port
    # it cannot have fails this command): once the command has returned, a connection is accepted.
    subprocess.run([binary, "-c", str(config)], check=True, timeout=30)
    try:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=15):
                pass
        except OSError as refused:
            raise RuntimeError(f"{refused}\n" + (root / "dovecot.log").read_text()) from None
        yield Dovecot(port=port, root=root, passwd=passwd)
    finally:
        # The master writes its pid file once in the background, long before a test has ended.
        master = int((root / "run" / "master.pid").read_text())
        subprocess.run([binary, "-c", str(config), "stop"], check=False, timeout=30)
        wait_for_exit(master, 5)  # its processes gone before their directory is
        shutil.rmtree(root, ignore_errors=True)
        reservation.close()


def imap_settings(tmp: Path, server: Dovecot, user: str, **overrides: object) -> Settings:
    return make_settings(
        tmp,
        imap_host="127.0.0.1",
        imap_port=server.port,
        imap_security="none",
        imap_user=user,
        imap_password=PASSWORD,
        imap_poll_seconds=30.0,
        **overrides,
    )


@pytest.fixture
def mailbox(dovecot: Dovecot) -> str:
    return dovecot.new_user()


@pytest.fixture
def imap_rt(tmp_path: Path, dovecot: Dovecot, mailbox: str) -> Iterator[Runtime]:
    with open_runtime(imap_settings(tmp_path, dovecot, mailbox), migrate=True) as runtime:
        yield runtime


class Client:
    """A mail client talking to the same mailbox, for delivering and inspecting."""

    def __init__(self, server: Dovecot, user: str) -> None:
        self.conn = imaplib.IMAP4("127.0.0.1", server.port, timeout=10)
        try:
            self.conn.login(user, PASSWORD)
        except imaplib.IMAP4.error:
            self.conn.shutdown()
            raise

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        typ, data = self.conn.append(folder, None, None, raw)
        assert typ == "OK", data

    def uids(self, *criteria: str, folder: str = "INBOX") -> list[int]:
        self.conn.select(folder)
        typ, data = self.conn.uid("SEARCH", *(criteria or ("ALL",)))
        assert typ == "OK", data
        return [int(u) for u in data[0].split()]

    def close(self) -> None:
        self.conn.logout()


@pytest.fixture
def client(dovecot: Dovecot, mailbox: str) -> Iterator[Client]:
    c = Client(dovecot, mailbox)
    yield c
    c.close()


def reported(n: int) -> bytes:
    """A reporter's forward with the suspicious original attached, as a report button sends it."""
    original = EmailMessage()
    original["From"] = "Payroll <payroll@hr-portal.example>"
    original["To"] = "carol@corp.example"
    original["Subject"] = f"Your payslip {n}"
    original["Message-ID"] = f"<payslip-{n}@hr-portal.example>"
    original.set_content(f"View your payslip: https://hr-portal.example/slip/{n}\n")
    wrapper = EmailMessage()
    wrapper["From"] = "Carol <carol@corp.example>"
    wrapper["To"] = "abuse@corp.example"
    wrapper["Subject"] = f"Reported message {n}"
    wrapper["Message-ID"] = f"<report-{n}@corp.example>"
    wrapper.set_content("Reported with the report button.\n")
    wrapper.add_attachment(
        original.as_bytes(policy=SMTP_POLICY), maintype="message", subtype="rfc822", filename="suspicious.eml"
    )
    return wrapper.as_bytes(policy=SMTP_POLICY)


def counts(rt: Runtime) -> dict[str, int]:
    with rt.db.session() as session:
        return {
            "reports": int(session.scalar(select(func.count()).select_from(Report)) or 0),
            "sightings": int(session.scalar(select(func.sum(Report.sightings))) or 0),
            "jobs": int(session.scalar(select(func.count()).select_from(Job).where(Job.kind == "analyze")) or 0),
            "mails": int(session.scalar(select(func.count()).select_from(MailMessage)) or 0),
        }


def test_each_message_is_taken_once_and_marked(imap_rt: Runtime, client: Client) -> None:
    for n in range(3):
        client.append(reported(n))
    poller = ImapPoller(imap_rt)
    try:
        assert poller.run_once() == 3
        assert poller.run_once() == 0
    finally:
        poller.close()
    assert counts(imap_rt) == {"reports": 3, "sightings": 3, "jobs": 3, "mails": 3}
    assert client.uids("KEYWORD", DONE_KEYWORD) == client.uids()
    assert client.uids("SEEN") == []  # the humans' unread marks are left alone


def test_processed_mail_can_be_moved_to_a_folder(
    tmp_path: Path, dovecot: Dovecot, mailbox: str, client: Client
) -> None:
    with open_runtime(
        imap_settings(tmp_path, dovecot, mailbox, imap_processed_folder="Processed"), migrate=True
    ) as runtime:
        for n in range(10, 12):
            client.append(reported(n))
        poller = ImapPoller(runtime)
        try:
            assert poller.run_once() == 2
        finally:
            poller.close()
        assert client.uids() == []
        assert len(client.uids(folder="Processed")) == 2
        assert counts(runtime)["reports"] == 2


def test_too_large_mail_is_left_for_a_person_and_not_retried(
    tmp_path: Path, dovecot: Dovecot, mailbox: str, client: Client
) -> None:
    with open_runtime(imap_settings(tmp_path, dovecot, mailbox, max_upload_bytes=5_000), migrate=True) as runtime:
        client.append(reported(20) + b"\r\n" + b"x" * 10_000 + b"\r\n")
        client.append(reported(21))
        poller = ImapPoller(runtime)
        try:
            assert poller.run_once() == 1
            assert poller.run_once() == 0
        finally:
            poller.close()
        assert len(client.uids("KEYWORD", REFUSED_KEYWORD)) == 1
        assert counts(runtime)["reports"] == 1


def test_idle_takes_new_mail_without_waiting_for_the_poll(imap_rt: Runtime, client: Client) -> None:
    """GIVEN a poller in IDLE with a 30 s poll interval WHEN mail arrives THEN it is taken within seconds."""
    stop = threading.Event()
    poller = ImapPoller(imap_rt)
    took = threading.Event()  # set when a pass of the poller has taken mail (and stored it)
    run_once = poller.run_once

    def run_once_and_say_so() -> int:
        taken = run_once()
        if taken:
            took.set()
        return taken

    poller.run_once = run_once_and_say_so  # type: ignore[method-assign]
    thread = threading.Thread(target=poller.run_forever, args=(stop,), daemon=True)
    thread.start()
    try:
        assert poller.idling.wait(timeout=15), "the poller never entered IDLE"
        assert "IDLE" in poller.capabilities
        client.append(reported(30))
        assert took.wait(timeout=10), "the mail was not taken within 10 s (the poll interval is 30 s)"
        assert counts(imap_rt)["mails"] == 1
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


CRASHING_POLLER = """
import os, signal, sys
from watchword.intake import imap, mail
from watchword.runtime import open_runtime

def die(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: like a power cut

point = sys.argv[1]
if point == "after-fetch":
    imap.take_mail = die
elif point == "before-commit":
    mail._record = die  # blobs fsynced, reports and record not yet committed
elif point == "after-commit":
    imap.ImapPoller._finish = die  # recorded in the database, not yet marked on the server
imap.ImapPoller(open_runtime(migrate=True)).run_once()
"""


@pytest.mark.parametrize("point", ["after-fetch", "before-commit", "after-commit"])
def test_killed_poller_loses_nothing_and_analyses_nothing_twice(
    point: str, tmp_path: Path, dovecot: Dovecot, mailbox: str, client: Client
) -> None:
    """GIVEN a real poller process WHEN it is killed (SIGKILL) between fetch and mark THEN a restart
    takes every message exactly once: one report, one sighting and one analysis each."""
    for n in range(40, 43):
        client.append(reported(n))
    env = {
        **os.environ,
        "WATCHWORD_DATA_DIR": str(tmp_path),
        "WATCHWORD_IMAP_HOST": "127.0.0.1",
        "WATCHWORD_IMAP_PORT": str(dovecot.port),
        "WATCHWORD_IMAP_SECURITY": "none",
        "WATCHWORD_IMAP_USER": mailbox,
        "WATCHWORD_IMAP_PASSWORD": PASSWORD,
    }
    env.pop("WATCHWORD_DATABASE_URL", None)
    env.pop("WATCHWORD_BLOB_DIR", None)
    env.pop("WATCHWORD_SECRET_KEY", None)
    # The store migrated before the poller starts, as `watchword migrate` leaves it in production: a
    # copy of the test process's template (tests/support/settings.py), not every migration run again
    # in the child (0.3-0.7 s of CPU each time). The child's open_runtime(migrate=True) then finds it at head.
    make_settings(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_POLLER, point], env=env, timeout=120, capture_output=True, check=False
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-2000:]
    with open_runtime(make_settings(tmp_path), migrate=True) as runtime:
        before = counts(runtime)
        expected_before = {"after-fetch": 0, "before-commit": 0, "after-commit": 1}[point]
        assert before["reports"] == expected_before
        runtime.settings = imap_settings(tmp_path, dovecot, mailbox)
        poller = ImapPoller(runtime)
        try:
            assert poller.run_once() == 3
        finally:
            poller.close()
        Worker(runtime).run_until_idle()
        assert counts(runtime) == {"reports": 3, "sightings": 3, "jobs": 3, "mails": 3}
        with runtime.db.session() as session:
            assert session.scalar(select(func.count()).select_from(AnalysisRecord)) == 3
            assert set(session.scalars(select(Job.attempts))) == {1}
        assert client.uids("UNKEYWORD", DONE_KEYWORD) == []
