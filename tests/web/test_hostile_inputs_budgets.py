"""Issue 11, "Done when": every input of the adversarial review is analysed within 3 s per MB,
and its console report page answers within 2 s on a real server while other requests stay fast.

The reports are stored through the ordinary funnel, analysed by the worker in
this process (timed one by one), and then read through a real uvicorn server
in its own process on 127.0.0.1, with a health check polled from another thread
all the while. The figures are printed (pytest -s) for docs and review.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.support.console import add_user, sign_in
from tests.support.ports import reserve_port
from tests.support.settings import make_settings
from tests.support.waiting import start_watched
from watchword.domain import Channel, IncomingReport
from watchword.intake.submit import submit
from watchword.runtime import Runtime, open_runtime
from watchword.store.models import Report
from watchword.worker import Worker

# Budgets from the issue, with room for a loaded 2-core machine where the
# quadratic behaviour took minutes (264 s, >100 s, 23.6 s).
ANALYSIS_SECONDS_PER_MB = 3.0
ANALYSIS_FLOOR_SECONDS = 2.0  # small inputs: process overhead, not the input, dominates
PAGE_SECONDS = 2.0
HEALTH_SECONDS = 2.0  # the slowest health check while the heavy pages load (it took 22.6 s)

SERVER = """
import os, uvicorn
from watchword.config import Settings
from watchword.runtime import open_runtime
from watchword.web.app import create_app
rt = open_runtime(Settings.from_env())
uvicorn.run(create_app(rt), host="127.0.0.1", port=int(os.environ["BUDGET_PORT"]), access_log=False,
            log_level="info", server_header=False)  # info: it says "Uvicorn running on" once it listens
"""


def _mail(subject: str, body: str, html: bool = False) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Billing <billing@evil-example.com>"
    msg["To"] = "staff@corp.example"
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{abs(hash(subject))}@evil-example.com>"
    msg.set_content(body, subtype="html" if html else "plain")
    return msg.as_bytes()


def review_inputs() -> dict[str, bytes]:
    depth = 4_000_000 // len("<div></div>")
    return {
        "dots-200k": _mail("Dots", "a." * 200_000),
        "nested-divs-4MB": _mail("Divs", "<div>" * depth + "deep text" + "</div>" * depth, html=True),
        "open-divs-1MB": _mail("Open divs", "<div>" * 200_000, html=True),
        "ignored-forms-1MB": _mail("Forms", "<div>x<form a=1>" * 60_000, html=True),
        "urls-30k": _mail("Links", "\n".join(f"https://h{i}.flood-example.com/p/{i}" for i in range(30_000))),
        "crlf-subject": _mail("=?utf-8?q?Invoice=0D=0AReply-To:_it-help@evil-recruit.top=0D=0A=0D=0Atext?=", "Hi"),
        "markdown-subject": _mail("[Review the shared document](//files-review%2Eonline/login)", "See the link."),
        "markup-attachment": _mail("Invoice", "<img src=x onerror=alert(1)>.pdf " * 2000),
    }


@pytest.fixture
def analysed(tmp_path: Path) -> Iterator[tuple[Runtime, dict[str, tuple[int, int, float]]]]:
    """name -> (report id, size in bytes, seconds the worker took), on the file store a server can share."""
    with open_runtime(make_settings(tmp_path)) as rt:
        out: dict[str, tuple[int, int, float]] = {}
        worker = Worker(rt)
        # One small report first, untimed: the worker's one-off start-up (the warninglist index, the
        # lexicons, the first statements compiled) is not work on the hostile input.
        submit(rt, IncomingReport(channel=Channel.API, raw_email=_mail("Warm-up", "Please see https://example.test/x")))
        assert worker.run_once()
        for name, raw in review_inputs().items():
            receipt = submit(rt, IncomingReport(channel=Channel.API, raw_email=raw))
            started = time.perf_counter()
            assert worker.run_once()
            out[name] = (receipt.report_id, len(raw), time.perf_counter() - started)
        add_user(rt, "ana")
        yield rt, out


@pytest.fixture
def server(tmp_path: Path, analysed: tuple[Runtime, dict[str, tuple[int, int, float]]]) -> Iterator[str]:
    reservation = reserve_port()  # held until the server stops (tests/support/ports.py)
    port = reservation.getsockname()[1]
    env = {
        **os.environ,
        "BUDGET_PORT": str(port),
        "WATCHWORD_DATA_DIR": str(tmp_path),
        "WATCHWORD_SECRET_KEY_FILE": str(tmp_path / "secret.key"),
    }
    env.pop("WATCHWORD_SECRET_KEY", None)
    env.pop("WATCHWORD_DATABASE_URL", None)
    with reservation:
        proc, output = start_watched([sys.executable, "-c", SERVER], env, tmp_path / "server.log")
        base = f"http://127.0.0.1:{port}"
        try:
            output.wait_for("Uvicorn running on", 60)
            assert httpx.get(base + "/api/v1/health", timeout=30).status_code == 200
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=20)


def test_every_review_input_is_analysed_in_budget_and_its_page_answers_in_budget(
    analysed: tuple[Runtime, dict[str, tuple[int, int, float]]], server: str
) -> None:
    rt, reports = analysed
    with rt.db.session() as session:
        for name, (report_id, _, _) in reports.items():
            report = session.get(Report, report_id)
            assert report is not None and report.status == "analysed", name
    for name, (_, size, seconds) in reports.items():
        budget = max(ANALYSIS_FLOOR_SECONDS, ANALYSIS_SECONDS_PER_MB * size / 1e6)
        print(f"analysis {name}: {size / 1e6:.2f} MB in {seconds:.2f} s (budget {budget:.1f} s)")
        assert seconds < budget, f"{name}: {seconds:.1f} s for {size / 1e6:.2f} MB"

    health_times: list[float] = []
    stop = threading.Event()

    def poll_health() -> None:
        with httpx.Client(base_url=server, timeout=30) as probe:
            while not stop.is_set():
                started = time.perf_counter()
                assert probe.get("/api/v1/health").status_code == 200
                health_times.append(time.perf_counter() - started)
                time.sleep(0.05)

    with httpx.Client(base_url=server, timeout=60, follow_redirects=False) as client:
        assert sign_in(client, "ana").status_code == 303  # type: ignore[arg-type]
        # A first report page loads what every one needs once (templates, the suffix list).
        assert client.get(f"/console/reports/{reports['crlf-subject'][0]}").status_code == 200
        poller = threading.Thread(target=poll_health, daemon=True)
        poller.start()
        page_times: dict[str, float] = {}
        try:
            for name, (report_id, _, _) in reports.items():
                started = time.perf_counter()
                response = client.get(f"/console/reports/{report_id}")
                page_times[name] = time.perf_counter() - started
                assert response.status_code == 200, (name, response.status_code)
        finally:
            stop.set()
            poller.join(timeout=30)
    for name, seconds in page_times.items():
        print(f"page {name}: {seconds:.2f} s")
    print(f"health during page loads: {len(health_times)} checks, slowest {max(health_times):.3f} s")
    assert all(seconds < PAGE_SECONDS for seconds in page_times.values()), page_times
    assert health_times and max(health_times) < HEALTH_SECONDS, max(health_times)


# These tests measure time: `make test` runs them in its serial pass, alone on the machine.
pytestmark = pytest.mark.serial
