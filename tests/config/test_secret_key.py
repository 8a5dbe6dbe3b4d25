"""The embedded default's key file: made once, whole, by whichever of concurrent first callers wins."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from watchword.config import Settings


def _settings(key_file: Path) -> Settings:
    return Settings(
        data_dir=key_file.parent, database_url="sqlite://", blob_dir=key_file.parent / "blobs", secret_key_file=key_file
    )


def test_concurrent_first_callers_all_read_the_one_complete_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN no key file and twelve threads asking for the key at the same moment (CI saw
    FileExistsError from two deliveries of one mail) THEN all get the same 32-byte key,
    the file is owner-only, and no draft is left beside it."""
    monkeypatch.delenv("WATCHWORD_SECRET_KEY", raising=False)
    settings = _settings(tmp_path / "keys" / "secret.key")
    start = threading.Barrier(12)
    keys: list[bytes] = []
    errors: list[BaseException] = []

    def ask() -> None:
        start.wait()
        try:
            keys.append(settings.secret_key())
        except BaseException as error:  # noqa: BLE001 - the test reports any failure below
            errors.append(error)

    threads = [threading.Thread(target=ask) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(keys) == 12 and len(set(keys)) == 1 and len(keys[0]) == 32
    key_file = tmp_path / "keys" / "secret.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["secret.key"]
    assert _settings(key_file).secret_key() == keys[0]
