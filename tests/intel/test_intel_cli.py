"""The sharing commands as an analyst runs them: export, feeds import, taxii publish, bulletin draft/publish.

In-process through Typer's runner: the same `app` as the `watchword` command, without a Python
start-up and a schema check per command.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from tests.support.intel import INTERNAL, intel_runtime, seed_campaign
from tests.support.stix_check import validate_stix_file

# The checkers this module uses (PyMISP, stix2-validator, openapi-spec-validator) import jsonschema, whose IRI
# format builds 39 parsers at import (rfc3987_syntax: ~1.4 s of CPU). They are imported where used, not at
# collection, and the modules that use them run on one xdist worker, which alone pays for the import.
pytestmark = pytest.mark.xdist_group("jsonschema")


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], Result]:
    """`watchword <args>` with this test's data directory and organisation, as the command sees them."""
    from watchword.cli import app

    monkeypatch.setenv("WATCHWORD_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("WATCHWORD_DATABASE_URL", raising=False)
    monkeypatch.setenv("WATCHWORD_INTERNAL_DOMAINS", INTERNAL)
    monkeypatch.setenv("WATCHWORD_ORG_NAME", "Acme Security")
    monkeypatch.setenv("WATCHWORD_PUBLIC_BASE_URL", "https://watchword.acme.example")
    runner = CliRunner()
    return lambda args: runner.invoke(app, args, catch_exceptions=False)


def test_an_analyst_shares_a_campaign_and_publishes_a_bulletin_from_the_command_line(
    tmp_path: Path, run: Callable[[list[str]], Result]
) -> None:
    from stix2validator import ValidationOptions

    with intel_runtime(tmp_path) as rt:
        campaign = seed_campaign(rt, count=2).campaign_id

    out = tmp_path / "bundle.json"
    exported = run(["export", "stix", str(campaign), "--tlp", "green", "-o", str(out)])
    assert exported.exit_code == 0, exported.stderr
    assert "at TLP:GREEN" in exported.stderr and "withheld" in exported.stderr
    assert validate_stix_file(str(out), ValidationOptions(version="2.1")).is_valid

    blocklist = run(["export", "blocklist", "domains", str(campaign)])
    assert blocklist.exit_code == 0, blocklist.stderr
    assert blocklist.stdout.startswith("# TLP:AMBER") and "talent-partners-global.com" in blocklist.stdout
    assert INTERNAL not in blocklist.stdout

    feed = tmp_path / "feed.csv"
    feed.write_text("type,value,confidence\ndomain,talent-partners-global.com,90\n")
    imported = run(["feeds", "import", str(feed), "--source", "partner-isac"])
    assert imported.exit_code == 0, imported.stderr
    assert f"campaigns raised: [{campaign}]" in imported.stdout

    published = run(["taxii", "publish", str(campaign), "--tlp", "green"])
    assert published.exit_code == 0 and "new object versions" in published.stdout

    drafted = run(["bulletin", "draft", str(campaign)])
    assert drafted.exit_code == 0, drafted.stderr
    assert "Jane" not in drafted.stdout and "jane.doe" not in drafted.stdout
    bulletin_id = re.search(r"bulletin (\d+) drafted", drafted.stdout)
    assert bulletin_id
    done = run(["bulletin", "publish", bulletin_id.group(1)])
    assert done.exit_code == 0, done.stderr
    assert done.stdout.startswith("published: /bulletins/")

    missing = run(["export", "misp", "999"])
    assert missing.exit_code == 3 and "999" in missing.stderr  # 3: not found (cli/errors.py)
    assert json.loads(out.read_text())["type"] == "bundle"
