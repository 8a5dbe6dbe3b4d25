"""The sharing commands as an analyst runs them: export, feeds import, taxii publish, bulletin draft/publish."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from stix2validator import ValidationOptions, validate_file

from tests.test_intel_data import INTERNAL, intel_runtime, seed_campaign


def _run(args: list[str], data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WATCHWORD_DATA_DIR": str(data_dir),
        "WATCHWORD_INTERNAL_DOMAINS": INTERNAL,
        "WATCHWORD_ORG_NAME": "Acme Security",
        "WATCHWORD_PUBLIC_BASE_URL": "https://watchword.acme.example",
    }
    return subprocess.run(
        [sys.executable, "-m", "watchword", *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_an_analyst_shares_a_campaign_and_publishes_a_bulletin_from_the_command_line(tmp_path: Path) -> None:
    rt = intel_runtime(tmp_path)
    campaign = seed_campaign(rt, count=2).campaign_id
    rt.close()

    out = tmp_path / "bundle.json"
    exported = _run(["export", "stix", str(campaign), "--tlp", "green", "-o", str(out)], tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert "at TLP:GREEN" in exported.stderr and "withheld" in exported.stderr
    assert validate_file(str(out), ValidationOptions(version="2.1")).is_valid

    blocklist = _run(["export", "blocklist", "domains", str(campaign)], tmp_path)
    assert blocklist.returncode == 0, blocklist.stderr
    assert blocklist.stdout.startswith("# TLP:AMBER") and "talent-partners-global.com" in blocklist.stdout
    assert INTERNAL not in blocklist.stdout

    feed = tmp_path / "feed.csv"
    feed.write_text("type,value,confidence\ndomain,talent-partners-global.com,90\n")
    imported = _run(["feeds", "import", str(feed), "--source", "partner-isac"], tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert f"campaigns raised: [{campaign}]" in imported.stdout

    published = _run(["taxii", "publish", str(campaign), "--tlp", "green"], tmp_path)
    assert published.returncode == 0 and "new object versions" in published.stdout

    drafted = _run(["bulletin", "draft", str(campaign)], tmp_path)
    assert drafted.returncode == 0, drafted.stderr
    assert "Jane" not in drafted.stdout and "jane.doe" not in drafted.stdout
    bulletin_id = re.search(r"bulletin (\d+) drafted", drafted.stdout)
    assert bulletin_id
    done = _run(["bulletin", "publish", bulletin_id.group(1)], tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("published: /bulletins/")

    missing = _run(["export", "misp", "999"], tmp_path)
    assert missing.returncode == 1 and "999" in missing.stderr
    assert json.loads(out.read_text())["type"] == "bundle"
