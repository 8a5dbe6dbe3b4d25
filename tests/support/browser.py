"""A live Watchword (uvicorn and the worker in threads, loopback only) and Debian's chromium, for browser tests
and the screenshot script."""

from __future__ import annotations

import threading
from collections.abc import Callable

from tests.support.ports import reserve_port
from tests.support.waiting import ReadyServer
from watchword.runtime import Runtime
from watchword.worker import Worker

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE = {"width": 390, "height": 844}


class LiveApp:
    """uvicorn and (unless `worker` is False) the analysis worker on 127.0.0.1, in threads of this process."""

    def __init__(self, rt: Runtime, worker: bool = True) -> None:
        import uvicorn

        from watchword.web.app import create_app

        self.rt = rt
        # Held until __exit__: no other process can take the port meanwhile (tests/support/ports.py).
        self.reservation = reserve_port()
        self.port = self.reservation.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(rt), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", access_log=False
        )
        self.server = ReadyServer(config)
        self.thread: threading.Thread | None = None
        self.stop = threading.Event()
        # Notified after each batch the worker analysed: wait_for_work() wakes then, not on a timer.
        self.worked = threading.Condition()
        self.worker = threading.Thread(target=self._work, args=(Worker(rt),), daemon=True) if worker else None

    def _work(self, worker: Worker) -> None:
        run_batches = worker.run_batches

        def run_batches_and_say_so(max_jobs: int | None = None, stop: threading.Event | None = None) -> int:
            done = run_batches(max_jobs=max_jobs, stop=stop)
            if done:
                with self.worked:
                    self.worked.notify_all()
            return done

        worker.run_batches = run_batches_and_say_so  # type: ignore[method-assign]
        worker.run_forever(self.stop)

    def wait_for_work(self, done: Callable[[], bool], seconds: float) -> bool:
        """Wait until `done()` (asked now and after each batch the worker analyses) is true; False after `seconds`."""
        with self.worked:
            return self.worked.wait_for(done, timeout=seconds)

    def __enter__(self) -> LiveApp:
        if self.worker is not None:
            self.worker.start()
        try:
            self.thread = self.server.start_in_thread(15)
        except RuntimeError:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        if self.worker is not None:
            self.worker.join(timeout=10)
        self.reservation.close()
