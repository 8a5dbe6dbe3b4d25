"""Waiting for a server a test started, on the server's own word, with a deadline.

The tests used to ask again and again (a connection or a health request, then `time.sleep` for a
tenth of a second or so) until a server answered. Each wait here instead wakes on the event itself:
uvicorn's start-up having bound its socket (`ReadyServer`, a server in a thread of the test), the line
a server process writes once it listens (`OutputWatch`, a server in a process of its own), a process
ending (`wait_for_exit`). A wait that reaches its deadline says what it waited for.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import threading
from pathlib import Path
from typing import IO

import uvicorn


class ReadyServer(uvicorn.Server):
    """A uvicorn server that says when it is serving: `ready` is set once its start-up has bound the
    socket (`started` is then true), or once it gave up (the run ended, `started` false)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.ready.set()

    def _run_then_say_so(self) -> None:
        try:
            self.run()
        finally:
            self.ready.set()  # a run that failed before its start-up (a bad config) wakes the waiter too

    def start_in_thread(self, seconds: float) -> threading.Thread:
        """Run in a daemon thread; return it once the server listens. RuntimeError if it did not within `seconds`
        (the server is told to stop)."""
        thread = threading.Thread(target=self._run_then_say_so, daemon=True)
        thread.start()
        if not self.ready.wait(seconds) or not self.started:
            self.should_exit = True
            raise RuntimeError(f"uvicorn did not start within {seconds:.0f} s")
        return thread


class OutputWatch:
    """Copies a process's output (a pipe) to `log` line by line, and wakes whoever waits for a line."""

    def __init__(self, output: IO[bytes], log: Path) -> None:
        self.log = log
        self._lines: list[bytes] = []
        self._ended = False
        self._changed = threading.Condition()
        threading.Thread(target=self._copy, args=(output,), daemon=True).start()

    def _copy(self, output: IO[bytes]) -> None:
        with output, self.log.open("ab") as log:
            for line in iter(output.readline, b""):
                log.write(line)
                log.flush()  # readable at once, for a failure's message
                with self._changed:
                    self._lines.append(line)
                    self._changed.notify_all()
        with self._changed:
            self._ended = True
            self._changed.notify_all()

    def wait_for(self, text: str, seconds: float) -> None:
        """Return once a line containing `text` has been written; RuntimeError, with the log, if the output
        ended (the process exited) or `seconds` passed first."""
        wanted = text.encode()
        with self._changed:
            seen = self._changed.wait_for(
                lambda: self._ended or any(wanted in line for line in self._lines), timeout=seconds
            )
            found = any(wanted in line for line in self._lines)
        if not found:
            why = "the process ended" if seen else f"{seconds:.0f} s passed"
            raise RuntimeError(f"{why} before it wrote {text!r}:\n" + self.log.read_text(errors="replace"))


def start_watched(args: list[str], env: dict[str, str], log: Path) -> tuple[subprocess.Popen[bytes], OutputWatch]:
    """Start a process with its stdout and stderr going through an `OutputWatch` to `log`."""
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    return proc, OutputWatch(proc.stdout, log)


def wait_for_exit(pid: int, seconds: float) -> bool:
    """Wait until process `pid` (not necessarily a child of ours: a daemon's) has exited; False if it had
    not within `seconds`. A pidfd becomes readable when its process ends."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True  # already gone
    try:
        return bool(select.select([fd], [], [], seconds)[0])
    finally:
        os.close(fd)
