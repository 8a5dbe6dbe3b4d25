"""The IMAP poller: takes reports from an existing mailbox (a security team's abuse inbox).

Nothing is taken twice and nothing is skipped, whatever crashes where:

1. `UID SEARCH` lists what is not yet marked processed (keyword mode) or all
   that is still in the mailbox (folder mode);
2. each message is fetched with BODY.PEEK (the \\Seen flag stays the humans');
3. `take_mail()` makes its reports durable and records the mail (with its
   UIDVALIDITY/UID and the hash of its bytes) in one final transaction;
4. only then is the message marked with a keyword or moved to the folder.

A crash before 3 commits leaves the message unmarked: it is fetched again and,
thanks to the submission tags, adds no second sighting. A crash between 3 and 4
leaves a recorded but unmarked message: the next pass finds its UID (or its
bytes' hash) recorded and only marks it. The marking is therefore the last
step and the database, not the mailbox, is the record of what was taken.

IDLE, where the server offers it, only wakes the loop early; every wake-up
still ends in a full UID SEARCH, so a missed notification delays a report by
at most one poll interval and never loses it. imaplib (standard library) has
no IDLE before Python 3.14, so the few lines of the protocol are written here.
"""

from __future__ import annotations

import imaplib
import logging
import re
import select
import ssl
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from watchword.config import Settings
from watchword.intake.mail import ImapRef, find_imap, is_transient, take_mail
from watchword.intake.submit import IntakeError

if TYPE_CHECKING:
    from watchword.runtime import Runtime

log = logging.getLogger("watchword.mail.imap")

DONE_KEYWORD = "$WatchwordDone"
# Mail we could not accept (over the size limit, unparseable as a report): left
# in the mailbox for a person, and not tried again on every pass.
REFUSED_KEYWORD = "$WatchwordRefused"
# Servers may drop an IDLE after 30 minutes (RFC 2177); renew well before.
MAX_IDLE_SECONDS = 25 * 60
FETCH_CHUNK = 50
_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")


def _quote(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapError(RuntimeError):
    pass


def _ok(result: tuple[str, Any], what: str) -> list[Any]:
    typ, data = result
    if typ != "OK":
        raise ImapError(f"{what} failed: {typ} {data!r}")
    return list(data)


class ImapPoller:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        s: Settings = rt.settings
        if not s.imap_host or not s.imap_user:
            raise ValueError("no IMAP mailbox configured: set WATCHWORD_IMAP_HOST and WATCHWORD_IMAP_USER")
        self.settings = s
        self.conn: imaplib.IMAP4 | None = None
        self.capabilities: frozenset[str] = frozenset()
        self.uidvalidity = 0
        # Set while the server has accepted IDLE and new mail would wake us: what a caller (a test)
        # waits for before delivering mail that only IDLE, not the first poll, can take.
        self.idling = threading.Event()

    # -- connection -----------------------------------------------------------------

    def connect(self) -> imaplib.IMAP4:
        s = self.settings
        conn: imaplib.IMAP4
        if s.imap_security == "ssl":
            conn = imaplib.IMAP4_SSL(s.imap_host, s.imap_port, ssl_context=ssl.create_default_context(), timeout=60)
        else:
            conn = imaplib.IMAP4(s.imap_host, s.imap_port, timeout=60)
            if s.imap_security == "starttls":
                conn.starttls(ssl_context=ssl.create_default_context())
            elif s.imap_security != "none":
                raise ValueError(f"WATCHWORD_IMAP_SECURITY must be ssl, starttls or none, not {s.imap_security!r}")
        try:
            _ok(conn.login(s.imap_user, s.imap_password), "LOGIN")
            caps = _ok(conn.capability(), "CAPABILITY")
            self.capabilities = frozenset(
                c.upper() for c in (caps[0].decode() if isinstance(caps[0], bytes) else "").split()
            )
            if s.imap_processed_folder:
                self._ensure_folder(conn, s.imap_processed_folder)
            _ok(conn.select(_quote(s.imap_mailbox)), f"SELECT {s.imap_mailbox}")
            validity = conn.response("UIDVALIDITY")[1]
            self.uidvalidity = int(validity[0]) if validity and validity[0] else 0
            if not s.imap_processed_folder:
                flags = conn.response("PERMANENTFLAGS")[1]
                allowed = (flags[0] or b"") if flags else b""
                if isinstance(allowed, bytes) and b"\\*" not in allowed and DONE_KEYWORD.encode() not in allowed:
                    raise ImapError(
                        "the server does not keep keywords in this mailbox; "
                        "set WATCHWORD_IMAP_PROCESSED_FOLDER to move processed mail instead"
                    )
        except BaseException:
            self._close(conn)
            raise
        self.conn = conn
        return conn

    @staticmethod
    def _ensure_folder(conn: imaplib.IMAP4, folder: str) -> None:
        typ, _ = conn.create(_quote(folder))
        if typ != "OK":  # usually "already exists": SELECT-ability is what matters
            _ok(conn.status(_quote(folder), "(UIDNEXT)"), f"folder {folder}")

    @staticmethod
    def _close(conn: imaplib.IMAP4) -> None:
        try:
            conn.logout()
        except (imaplib.IMAP4.error, OSError):
            conn.shutdown()

    def close(self) -> None:
        if self.conn is not None:
            self._close(self.conn)
            self.conn = None

    # -- one pass ------------------------------------------------------------------

    def _pending(self, conn: imaplib.IMAP4) -> list[int]:
        criteria = ["UNDELETED", "UNKEYWORD", REFUSED_KEYWORD]
        if not self.settings.imap_processed_folder:
            criteria += ["UNKEYWORD", DONE_KEYWORD]
        data = _ok(conn.uid("SEARCH", *criteria), "UID SEARCH")
        raw = data[0] if data and isinstance(data[0], bytes) else b""
        return sorted(int(uid) for uid in raw.split())

    def _sizes(self, conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
        data = _ok(conn.uid("FETCH", ",".join(map(str, uids)), "(UID RFC822.SIZE)"), "UID FETCH sizes")
        sizes: dict[int, int] = {}
        for item in data:
            line = item[0] if isinstance(item, tuple) else item
            if isinstance(line, bytes):
                m = _SIZE.search(line)
                if m:
                    uid, size = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
                    sizes[int(uid)] = int(size)
        return sizes

    def _fetch(self, conn: imaplib.IMAP4, uid: int) -> bytes | None:
        data = _ok(conn.uid("FETCH", str(uid), "(BODY.PEEK[])"), f"UID FETCH {uid}")
        for item in data:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[1], bytes):
                return item[1]
        return None  # expunged by someone else meanwhile

    def _finish(self, conn: imaplib.IMAP4, uid: int) -> None:
        """Mark a recorded message processed: the last step, after the database commit."""
        folder = self.settings.imap_processed_folder
        if not folder:
            _ok(conn.uid("STORE", str(uid), "+FLAGS.SILENT", f"({DONE_KEYWORD})"), f"UID STORE {uid}")
            return
        if "MOVE" in self.capabilities:
            _ok(conn.uid("MOVE", str(uid), _quote(folder)), f"UID MOVE {uid}")
            return
        _ok(conn.uid("COPY", str(uid), _quote(folder)), f"UID COPY {uid}")
        _ok(conn.uid("STORE", str(uid), "+FLAGS.SILENT", "(\\Deleted)"), f"UID STORE {uid}")
        if "UIDPLUS" in self.capabilities:
            _ok(conn.uid("EXPUNGE", str(uid)), f"UID EXPUNGE {uid}")
        else:
            _ok(conn.expunge(), "EXPUNGE")

    def _refuse(self, conn: imaplib.IMAP4, uid: int, why: str) -> None:
        log.warning("IMAP %s UID %s left in the mailbox: %s", self.settings.imap_mailbox, uid, why)
        _ok(conn.uid("STORE", str(uid), "+FLAGS.SILENT", f"({REFUSED_KEYWORD})"), f"UID STORE {uid}")

    def _chunks(self, uids: list[int]) -> Iterator[list[int]]:
        for start in range(0, len(uids), FETCH_CHUNK):
            yield uids[start : start + FETCH_CHUNK]

    def run_once(self) -> int:
        """Take every pending message once; returns how many were taken (new or already recorded)."""
        conn = self.conn or self.connect()
        s = self.settings
        taken = 0
        for chunk in self._chunks(self._pending(conn)):
            sizes = self._sizes(conn, chunk)
            for uid in chunk:
                ref = ImapRef(mailbox=s.imap_mailbox, uidvalidity=self.uidvalidity, uid=uid)
                if find_imap(self.rt, ref) is not None:
                    self._finish(conn, uid)  # recorded before a crash, never marked
                    taken += 1
                    continue
                if sizes.get(uid, 0) > s.max_upload_bytes:
                    self._refuse(conn, uid, f"{sizes[uid]:,} bytes is over the size limit")
                    continue
                raw = self._fetch(conn, uid)
                if raw is None:
                    continue
                source = f"imap://{s.imap_user}@{s.imap_host}/{s.imap_mailbox};UIDVALIDITY={self.uidvalidity};UID={uid}"
                try:
                    take_mail(self.rt, raw, via="imap", source=source, imap=ref)
                except IntakeError as exc:
                    if is_transient(exc):
                        raise  # the message stays unmarked and is taken on the next pass
                    self._refuse(conn, uid, str(exc))
                    continue
                self._finish(conn, uid)
                taken += 1
        return taken

    # -- waiting -------------------------------------------------------------------

    def wait(self, seconds: float, stop: threading.Event) -> None:
        """Sleep until new mail may be there: IDLE when offered, else a plain poll interval."""
        if self.conn is None or not self.settings.imap_idle or "IDLE" not in self.capabilities:
            stop.wait(seconds)
            return
        self._idle(self.conn, min(seconds, MAX_IDLE_SECONDS), stop)

    def _idle(self, conn: imaplib.IMAP4, seconds: float, stop: threading.Event) -> None:
        tag = conn._new_tag()  # imaplib has no public IDLE before 3.14
        conn.send(tag + b" IDLE\r\n")
        line = conn.readline()
        while line.startswith(b"* "):  # untagged data that raced our command
            line = conn.readline()
        if not line.startswith(b"+"):
            raise ImapError(f"IDLE refused: {line!r}")
        sock = conn.socket()
        deadline = time.monotonic() + seconds
        self.idling.set()
        try:
            # Waking once a second lets `stop` end the wait promptly. Anything
            # the server says ("* 5 EXISTS", "* 3 EXPUNGE") ends the IDLE: the
            # search that follows decides what is new.
            while not stop.is_set() and time.monotonic() < deadline:
                pending = sock.pending() if isinstance(sock, ssl.SSLSocket) else 0
                if pending or select.select([sock], [], [], min(1.0, max(0.0, deadline - time.monotonic())))[0]:
                    conn.readline()
                    break
        finally:
            self.idling.clear()
            conn.send(b"DONE\r\n")
            while True:
                line = conn.readline()
                if not line:
                    raise ImapError("connection closed during IDLE")
                if line.startswith(tag):
                    break

    def run_forever(self, stop: threading.Event) -> None:
        """Poll (or IDLE) until `stop` is set; reconnects with backoff when the server goes away."""
        backoff = 1.0
        log.info(
            "IMAP poller for %s@%s/%s", self.settings.imap_user, self.settings.imap_host, self.settings.imap_mailbox
        )
        while not stop.is_set():
            try:
                taken = self.run_once()
                if taken:
                    log.info("took %s messages", taken)
                backoff = 1.0
                self.wait(self.settings.imap_poll_seconds, stop)
            except (imaplib.IMAP4.error, ImapError, OSError) as exc:
                log.warning("IMAP error, reconnecting in %.0f s: %s", backoff, exc)
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)
            except Exception:  # e.g. the database restarting: the mail stays in the mailbox
                log.exception("IMAP intake error; retrying")
                self.close()
                stop.wait(backoff)
                backoff = min(backoff * 2, 300.0)
        self.close()
