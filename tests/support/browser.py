"""A live Watchword (uvicorn and the worker in threads, loopback only) and Debian's chromium, for browser tests
and the screenshot script."""

from __future__ import annotations

import threading
import time

from tests.support.ports import reserve_port
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
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.stop = threading.Event()
        self.worker = (
            threading.Thread(target=Worker(rt).run_forever, args=(self.stop,), daemon=True) if worker else None
        )

    def __enter__(self) -> LiveApp:
        self.thread.start()
        if self.worker is not None:
            self.worker.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        if self.worker is not None:
            self.worker.join(timeout=10)
        self.reservation.close()
