"""A real `watchword serve` process on a free loopback port, for the attack suites (tests/test_attack_*.py).

The store is prepared in-process first (users, tokens, reports, analysed into campaigns), then the
server runs from the same data directory as a separate process, exactly as `watchword serve` runs
in production: uvicorn, its protocol, every middleware. Nothing listens beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import reserve_port
from tests.support.settings import make_settings
from tests.support.waiting import OutputWatch, start_watched
from watchword.runtime import Runtime, open_runtime


@dataclass
class LiveServer:
    base: str
    port: int
    data_dir: Path
    log: Path
    output: OutputWatch  # wait_for("...") a line the server writes (uvicorn's, the mail intake's)


def prepare_store(data_dir: Path) -> Runtime:
    """The runtime the test seeds before the server starts (closed by the caller)."""
    return open_runtime(make_settings(data_dir))


@contextmanager
def serve(data_dir: Path, **env: str) -> Iterator[LiveServer]:
    """Run `python -m watchword serve` on a free port until the block ends; `env`: extra WATCHWORD_* settings."""
    if not (data_dir / "watchword.db").exists():
        with prepare_store(data_dir):
            pass  # the schema first, as `watchword migrate` would
    # Held until the server has stopped: no other process can take it meanwhile (tests/support/ports.py).
    reservation = reserve_port()
    port = reservation.getsockname()[1]
    full_env = {
        **os.environ,
        "WATCHWORD_DATA_DIR": str(data_dir),
        "WATCHWORD_SECRET_KEY_FILE": str(data_dir / "secret.key"),
        "WATCHWORD_WORKER_IN_PROCESS": "0",
        **{f"WATCHWORD_{k}": v for k, v in env.items()},
    }
    full_env.pop("WATCHWORD_SECRET_KEY", None)
    full_env.pop("WATCHWORD_DATABASE_URL", None)
    log_path = data_dir / "server.log"
    log_path.unlink(missing_ok=True)
    with reservation:
        proc, output = start_watched(
            [sys.executable, "-m", "watchword", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-worker"],
            full_env,
            log_path,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            # uvicorn writes this once its socket listens (after the app's start-up); the one request
            # after it is answered as soon as the server reads it.
            output.wait_for("Uvicorn running on", 60)
            assert httpx.get(base + "/api/v1/health", timeout=30).status_code == 200
            yield LiveServer(base, port, data_dir, log_path, output)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
