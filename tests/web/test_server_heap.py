"""A server process sets its start-up heap aside from the garbage collector (issue 14).

A full collection of the ~200,000 objects start-up leaves (modules, the app, the store's models)
cost 80-110 ms of CPU under wrk, with the GIL held: the event loop, the intake writer inside its
transaction and the blob syncer all stopped, and the HTTP intake's p99 with them. `serve` freezes
them once the app is built (`web/app.py:settle_heap`), in its one process and in each process of
`serve --workers N`, and the frozen server still takes reports.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from typer.testing import CliRunner

import watchword.web.app as web_app
from tests.support.settings import make_settings
from watchword.cli.app import app as cli
from watchword.runtime import open_runtime

_CHILD = """
import gc, json
from fastapi.testclient import TestClient
from watchword.web.app import serve_app_from_env

app = serve_app_from_env()
frozen, tracked = gc.get_freeze_count(), len(gc.get_objects())
with TestClient(app) as client:
    answer = client.post("/api/v1/reports", json={"text": "A stranger asked me about the lab's door codes."})
print(json.dumps({"frozen": frozen, "tracked": tracked, "status": answer.status_code}))
"""


def test_a_serve_child_freezes_what_start_up_built_and_still_takes_reports(tmp_path: Path) -> None:
    with open_runtime(make_settings(tmp_path), migrate=True):
        pass  # the schema first, as `watchword migrate` would
    env = {**os.environ, "WATCHWORD_DATA_DIR": str(tmp_path), "WATCHWORD_WORKER_IN_PROCESS": "0"}
    env.pop("WATCHWORD_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    # Most of the heap is out of the collector's sight: a full collection walks what is left.
    assert seen["frozen"] > 50_000
    assert seen["tracked"] < seen["frozen"] // 10
    assert seen["status"] == 201


@pytest.mark.parametrize("workers", [1, 2])
def test_serve_sets_the_heap_aside_in_every_server_process(
    workers: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_runtime(make_settings(tmp_path), migrate=True):
        pass
    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WATCHWORD_DATABASE_URL", raising=False)
    events: list[str] = []
    ran: list[Any] = []
    # Recorded, not run: a freeze here would keep the test process's objects for ever.
    monkeypatch.setattr(web_app, "settle_heap", lambda: events.append("settled"))

    def run(served: Any, **_options: Any) -> None:
        events.append("run")
        ran.append(served)

    monkeypatch.setattr(uvicorn, "run", run)
    result = CliRunner().invoke(cli, ["serve", "--no-worker", "--workers", str(workers)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    if workers == 1:
        # The app is built, its heap settled, then served.
        assert events == ["settled", "run"] and isinstance(ran[0], FastAPI)
    else:
        # Each server process imports the factory by name: the one that settles its own heap.
        assert events == ["run"] and ran == ["watchword.web.app:serve_app_from_env"]
