"""Configuration from the environment, with embedded defaults that just run.

Every setting is a `WATCHWORD_*` variable; `docs/configuration` in the README
lists them. Defaults keep everything under `./var/` on SQLite.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WATCHWORD_{name}", default)


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    blob_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 25 * 1024 * 1024
    secret_key_file: Path = field(default=Path("var/secret.key"))
    run_worker_in_process: bool = True
    worker_poll_seconds: float = 0.2
    job_max_attempts: int = 5
    job_lease_seconds: float = 60.0

    @classmethod
    def from_env(cls) -> Settings:
        data_dir = Path(_env("DATA_DIR", "var"))
        return cls(
            data_dir=data_dir,
            database_url=_env("DATABASE_URL", f"sqlite:///{data_dir / 'watchword.db'}"),
            blob_dir=Path(_env("BLOB_DIR", str(data_dir / "blobs"))),
            host=_env("HOST", "127.0.0.1"),
            port=int(_env("PORT", "8000")),
            max_upload_bytes=int(_env("MAX_UPLOAD_BYTES", str(25 * 1024 * 1024))),
            secret_key_file=Path(_env("SECRET_KEY_FILE", str(data_dir / "secret.key"))),
            run_worker_in_process=_env("WORKER_IN_PROCESS", "1") not in ("0", "false", "no"),
            worker_poll_seconds=float(_env("WORKER_POLL_SECONDS", "0.2")),
            job_max_attempts=int(_env("JOB_MAX_ATTEMPTS", "5")),
            job_lease_seconds=float(_env("JOB_LEASE_SECONDS", "60")),
        )

    def secret_key(self) -> bytes:
        """The key that encrypts reporter contact details at rest.

        `WATCHWORD_SECRET_KEY` (64 hex characters) wins; otherwise a key file is
        created once with owner-only permissions, so the embedded default works
        without set-up and a restart can still read what it wrote.
        """
        from_env = os.environ.get("WATCHWORD_SECRET_KEY")
        if from_env:
            return bytes.fromhex(from_env)
        path = self.secret_key_file
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text().strip())
