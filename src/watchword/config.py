"""Configuration from the environment, with embedded defaults that just run.

Every setting is a `WATCHWORD_*` variable; `docs/configuration` in the README
lists them. Defaults keep everything under `./var/` on SQLite.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path


def _env(name: str, default: str) -> str:
    return os.environ.get(f"WATCHWORD_{name}", default)


def _flag(value: str) -> bool:
    return value.strip().lower() not in ("", "0", "false", "no", "off")


def _list(value: str) -> tuple[str, ...]:
    return tuple(item.strip().lower() for item in value.split(",") if item.strip())


def _path(value: str) -> Path | None:
    return Path(value) if value else None


def _secret(name: str) -> str:
    """A password from `WATCHWORD_<NAME>`, or from the file `WATCHWORD_<NAME>_FILE` names
    (so that it need not sit in the environment of every process)."""
    path = os.environ.get(f"WATCHWORD_{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return _env(name, "")


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    blob_dir: Path
    host: str = "127.0.0.1"
    port: int = 8000
    max_upload_bytes: int = 25 * 1024 * 1024
    secret_key_file: Path = field(default=Path("var/secret.key"))
    # The audit chain's signed checkpoint (store/audit.py); None: `<data_dir>/audit.anchor`.
    audit_anchor_file: Path | None = None
    run_worker_in_process: bool = True
    worker_poll_seconds: float = 0.2
    job_max_attempts: int = 5
    job_lease_seconds: float = 60.0
    # The worker claims this many analysis jobs per transaction and writes their
    # results in one (each still guarded by its own lease). A batch must be written
    # well within the lease: at ~300 reports/s a batch of 64 takes a fraction of a second.
    # 0: the default for the store (worker.batch_size_for): 64 on SQLite, whose one write
    # lock the intake waits for while a batch is written; 256 on PostgreSQL, where it does not.
    worker_batch_size: int = 0
    # Processes that run the pure pipeline for one worker; 0: the default, one per core on
    # SQLite, one fewer than the cores (at least one, in a pool) on PostgreSQL. With 1 the
    # pipeline runs in the worker's own process (no pool).
    worker_processes: int = 0
    # Dask scheduler for archive-scale re-analysis (`watchword reanalyse`); empty: a local cluster.
    dask_scheduler: str = ""
    # -- mail intake: SMTP listener (`watchword smtp`) ---------------------------
    # Every console account must have two-factor sign-in (TOTP): one without it reaches only the
    # page that sets it up, and sign-out, until it is on (WATCHWORD_REQUIRE_TOTP=1).
    require_totp: bool = False
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_hostname: str = "watchword"  # EHLO name; set explicitly so no DNS lookup happens
    smtp_addresses: tuple[str, ...] = ()  # report addresses accepted; anything else gets 550
    smtp_max_message_bytes: int = 25 * 1024 * 1024
    smtp_tls_cert: Path | None = None  # STARTTLS is offered when a certificate is configured
    smtp_tls_key: Path | None = None
    smtp_require_tls: bool = False
    # Threads that run the blocking intake for the listener. Many, because each
    # mostly waits on an fsync and the disk merges concurrent ones; the database
    # writes themselves are group-committed, so more threads do not mean more locking.
    smtp_threads: int = 64
    smtp_in_serve: bool = False  # `watchword serve` also starts the listener
    # The address the reporter pages tell people to forward suspicious mail to. Empty: the first
    # of smtp_addresses; none at all: the pages name no address.
    forward_address: str = ""
    # Flood limits on the mailbox. Over them the listener answers 451: the sending server keeps
    # the mail and retries later, so a flood is slowed and nothing is lost. Per sender address,
    # per connecting server (generous: one organisation's relay carries all its staff's reports),
    # and for all mail together.
    smtp_per_sender_per_minute: int = 60
    smtp_per_peer_per_minute: int = 3000
    smtp_global_per_minute: int = 60000
    # -- text messages: an SMS gateway's webhook (intake/sms.py) -----------------
    # Empty: that format's endpoint answers 404. Twilio signs with the account's auth token.
    sms_twilio_auth_token: str = ""
    # The webhook URL exactly as entered in Twilio's console (Twilio signs the URL it called).
    # Empty: WATCHWORD_PUBLIC_BASE_URL (else the listening address) + /intake/sms/twilio.
    sms_twilio_url: str = ""
    sms_json_secret: str = ""  # HMAC-SHA256 key of the generic JSON format
    # -- mail intake: IMAP mailbox (`watchword imap`) ----------------------------
    imap_host: str = ""
    imap_port: int = 993
    imap_security: str = "ssl"  # ssl | starttls | none (none only for loopback test servers)
    imap_user: str = ""
    imap_password: str = ""
    imap_mailbox: str = "INBOX"
    imap_processed_folder: str = ""  # empty: processed mail stays and gets a keyword instead
    imap_poll_seconds: float = 60.0
    imap_idle: bool = True
    imap_in_serve: bool = False
    # -- replies to reporters who wrote from an address ---------------------------
    reply_from: str = ""  # empty: no replies are queued or sent
    relay_host: str = ""
    relay_port: int = 25
    relay_security: str = "none"  # none | starttls | ssl
    relay_user: str = ""
    relay_password: str = ""
    reply_per_reporter_per_hour: int = 5
    reply_global_per_minute: int = 60
    # -- sharing: exports, TAXII, feeds, bulletins ---------------------------------
    org_name: str = "Watchword"  # the STIX Identity and MISP Orgc of everything exported
    default_tlp: str = "amber"  # clear | green | amber | amber+strict | red
    # Our own domains: never exported as indicators, always redacted from bulletins.
    internal_domains: tuple[str, ...] = ()
    # Absolute links (Atom feed, TAXII discovery, bulletins) start with this, never with the request's
    # Host header, which whoever sends the request chooses. Empty: pages and feeds name the address
    # the server itself listens on, and publishing a bulletin refuses.
    public_base_url: str = ""
    # Host names requests may name (Host header); with public_base_url's host added. Empty and no
    # public_base_url: any (a developer's loopback). Otherwise another name gets 400.
    allowed_hosts: tuple[str, ...] = ()
    # The strictest TLP level TAXII serves. Every read token sees every collection served, and
    # AMBER+STRICT (recipient organisation only) is not for every partner: raise it on purpose.
    taxii_max_tlp: str = "amber"
    # The largest Add Objects envelope the feeds-in collection takes (bytes); over it: 413.
    taxii_max_content_length: int = 10 * 1024 * 1024
    # -- pulling remote feeds (intel/pull.py): remote TAXII 2.1 collections and MISP feeds ----
    # A TOML file of [[feed]] tables (docs/taxii.md); empty: nothing is pulled.
    feeds_file: Path | None = None
    feeds_pull_interval_minutes: float = 60.0  # the worker pulls every feed this often; 0: only `feeds pull`
    feeds_pull_max_bytes: int = 50 * 1024 * 1024  # per feed and pull; the rest waits for the next pull
    feeds_pull_timeout_seconds: float = 120.0  # per feed and pull, all requests together
    bulletin_allowed_contacts: tuple[str, ...] = ()  # addresses/phones bulletins may keep (the SOC's)
    # Argon2id for analysts' passwords (security/passwords.py); RFC 9106's "low memory" profile.
    # A stored hash made at another cost is re-hashed at this one on its next sign-in.
    password_argon2_time_cost: int = 3
    password_argon2_memory_kib: int = 64 * 1024
    # -- reporter pages: receipts, proof of work, rate limits, retention ----------
    receipt_argon2_time_cost: int = 2  # Argon2id for receipt passphrases (OWASP minimum: t=2, m=19 MiB)
    receipt_argon2_memory_kib: int = 19 * 1024
    reporter_session_minutes: int = 30  # how long a returning reporter stays signed in to a receipt
    pow_difficulty_bits: int = 16  # leading zero bits of SHA-256 a browser finds while the form is filled in
    pow_max_age_seconds: int = 4 * 3600  # a form older than this must be reloaded (content is kept)
    pow_nojs_min_age_seconds: float = 3.0  # without JavaScript: the form must have been open this long
    # With proof of work paid. The work is the cost; this is a backstop. It must stay well above what
    # one address can pay for: behind an onion service or a school NAT, a bot solving the work as fast
    # as a core allows (~15/s) shares the address with everyone, and a tight bucket would refuse them.
    rate_submit_per_client_per_minute: int = 1800
    rate_nojs_per_client_per_minute: int = 30  # without proof of work (JavaScript off)
    rate_submit_global_per_minute: int = 12000  # every web submission together
    rate_nojs_global_per_minute: int = 600
    rate_pages_per_client_per_minute: int = 6000  # form pages are cheap (a signed challenge); bounds a GET flood
    rate_status_per_client_per_minute: int = 30  # receipt sign-ins and messages
    rate_api_per_client_per_minute: int = 120
    client_ip_header: str = ""  # e.g. x-forwarded-for, only behind a trusted reverse proxy
    # -- slow clients (web/server.py): a request must arrive within these, or 408 and closed --
    http_header_timeout_seconds: float = 10.0  # request line and headers
    http_body_idle_seconds: float = 15.0  # longest pause while a body is sent
    http_body_total_seconds: float = 300.0  # a whole body (25 MB at ~0.7 Mbit/s)
    http_max_connections: int = 1000  # open connections per server process; over it: 503
    # The public awareness page (/awareness): weeks shown, and the smallest count shown (below it:
    # "fewer than"), so that no single reporter can be picked out of the numbers.
    awareness_weeks: int = 8
    awareness_min_count: int = 5
    retention_benign_days: int = 90  # reports an analyst found genuine
    retention_out_of_scope_days: int = 14  # restricted reports the scope guard turned away
    retention_closed_campaign_days: int = 365  # reports of campaigns closed this long ago
    retention_interval_hours: float = 24.0  # how often the worker's retention job runs
    # Notification events (surges, high-risk reports, reporter replies) once this old: pruned by that job.
    retention_notification_days: int = 30

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
            audit_anchor_file=_path(_env("AUDIT_ANCHOR_FILE", "")),
            run_worker_in_process=_env("WORKER_IN_PROCESS", "1") not in ("0", "false", "no"),
            worker_poll_seconds=float(_env("WORKER_POLL_SECONDS", "0.2")),
            job_max_attempts=int(_env("JOB_MAX_ATTEMPTS", "5")),
            job_lease_seconds=float(_env("JOB_LEASE_SECONDS", "60")),
            worker_batch_size=int(_env("WORKER_BATCH_SIZE", "0")),
            worker_processes=int(_env("WORKER_PROCESSES", "0")),
            dask_scheduler=_env("DASK_SCHEDULER", ""),
            require_totp=_env("REQUIRE_TOTP", "0") not in ("0", "false", "no", ""),
            smtp_host=_env("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(_env("SMTP_PORT", "2525")),
            smtp_hostname=_env("SMTP_HOSTNAME", "watchword"),
            smtp_addresses=_list(_env("SMTP_ADDRESSES", "")),
            smtp_max_message_bytes=int(_env("SMTP_MAX_MESSAGE_BYTES", str(25 * 1024 * 1024))),
            smtp_tls_cert=_path(_env("SMTP_TLS_CERT", "")),
            smtp_tls_key=_path(_env("SMTP_TLS_KEY", "")),
            smtp_require_tls=_flag(_env("SMTP_REQUIRE_TLS", "0")),
            smtp_threads=int(_env("SMTP_THREADS", "64")),
            smtp_in_serve=_flag(_env("SMTP_IN_SERVE", "0")),
            forward_address=_env("FORWARD_ADDRESS", "").strip(),
            smtp_per_sender_per_minute=int(_env("SMTP_PER_SENDER_PER_MINUTE", "60")),
            smtp_per_peer_per_minute=int(_env("SMTP_PER_PEER_PER_MINUTE", "3000")),
            smtp_global_per_minute=int(_env("SMTP_GLOBAL_PER_MINUTE", "60000")),
            sms_twilio_auth_token=_secret("SMS_TWILIO_AUTH_TOKEN"),
            sms_twilio_url=_env("SMS_TWILIO_URL", ""),
            sms_json_secret=_secret("SMS_JSON_SECRET"),
            imap_host=_env("IMAP_HOST", ""),
            imap_port=int(_env("IMAP_PORT", "993")),
            imap_security=_env("IMAP_SECURITY", "ssl"),
            imap_user=_env("IMAP_USER", ""),
            imap_password=_secret("IMAP_PASSWORD"),
            imap_mailbox=_env("IMAP_MAILBOX", "INBOX"),
            imap_processed_folder=_env("IMAP_PROCESSED_FOLDER", ""),
            imap_poll_seconds=float(_env("IMAP_POLL_SECONDS", "60")),
            imap_idle=_flag(_env("IMAP_IDLE", "1")),
            imap_in_serve=_flag(_env("IMAP_IN_SERVE", "0")),
            reply_from=_env("REPLY_FROM", ""),
            relay_host=_env("RELAY_HOST", ""),
            relay_port=int(_env("RELAY_PORT", "25")),
            relay_security=_env("RELAY_SECURITY", "none"),
            relay_user=_env("RELAY_USER", ""),
            relay_password=_secret("RELAY_PASSWORD"),
            reply_per_reporter_per_hour=int(_env("REPLY_PER_REPORTER_PER_HOUR", "5")),
            reply_global_per_minute=int(_env("REPLY_GLOBAL_PER_MINUTE", "60")),
            org_name=_env("ORG_NAME", "Watchword"),
            default_tlp=_env("DEFAULT_TLP", "amber").strip().lower(),
            internal_domains=tuple(
                d.strip().lower().strip(".") for d in _env("INTERNAL_DOMAINS", "").split(",") if d.strip()
            ),
            public_base_url=_env("PUBLIC_BASE_URL", "").rstrip("/"),
            allowed_hosts=_list(_env("ALLOWED_HOSTS", "")),
            taxii_max_tlp=_env("TAXII_MAX_TLP", "amber").strip().lower(),
            taxii_max_content_length=int(_env("TAXII_MAX_CONTENT_LENGTH", str(10 * 1024 * 1024))),
            feeds_file=_path(_env("FEEDS_FILE", "")),
            feeds_pull_interval_minutes=float(_env("FEEDS_PULL_INTERVAL_MINUTES", "60")),
            feeds_pull_max_bytes=int(_env("FEEDS_PULL_MAX_BYTES", str(50 * 1024 * 1024))),
            feeds_pull_timeout_seconds=float(_env("FEEDS_PULL_TIMEOUT_SECONDS", "120")),
            bulletin_allowed_contacts=tuple(
                c.strip().lower() for c in _env("BULLETIN_ALLOWED_CONTACTS", "").split(",") if c.strip()
            ),
            password_argon2_time_cost=int(_env("PASSWORD_ARGON2_TIME_COST", "3")),
            password_argon2_memory_kib=int(_env("PASSWORD_ARGON2_MEMORY_KIB", str(64 * 1024))),
            receipt_argon2_time_cost=int(_env("RECEIPT_ARGON2_TIME_COST", "2")),
            receipt_argon2_memory_kib=int(_env("RECEIPT_ARGON2_MEMORY_KIB", str(19 * 1024))),
            reporter_session_minutes=int(_env("REPORTER_SESSION_MINUTES", "30")),
            pow_difficulty_bits=int(_env("POW_DIFFICULTY_BITS", "16")),
            pow_max_age_seconds=int(_env("POW_MAX_AGE_SECONDS", str(4 * 3600))),
            pow_nojs_min_age_seconds=float(_env("POW_NOJS_MIN_AGE_SECONDS", "3")),
            rate_submit_per_client_per_minute=int(_env("RATE_SUBMIT_PER_CLIENT_PER_MINUTE", "1800")),
            rate_nojs_per_client_per_minute=int(_env("RATE_NOJS_PER_CLIENT_PER_MINUTE", "30")),
            rate_submit_global_per_minute=int(_env("RATE_SUBMIT_GLOBAL_PER_MINUTE", "12000")),
            rate_nojs_global_per_minute=int(_env("RATE_NOJS_GLOBAL_PER_MINUTE", "600")),
            rate_pages_per_client_per_minute=int(_env("RATE_PAGES_PER_CLIENT_PER_MINUTE", "6000")),
            rate_status_per_client_per_minute=int(_env("RATE_STATUS_PER_CLIENT_PER_MINUTE", "30")),
            rate_api_per_client_per_minute=int(_env("RATE_API_PER_CLIENT_PER_MINUTE", "120")),
            client_ip_header=_env("CLIENT_IP_HEADER", "").lower(),
            http_header_timeout_seconds=float(_env("HTTP_HEADER_TIMEOUT_SECONDS", "10")),
            http_body_idle_seconds=float(_env("HTTP_BODY_IDLE_SECONDS", "15")),
            http_body_total_seconds=float(_env("HTTP_BODY_TOTAL_SECONDS", "300")),
            http_max_connections=int(_env("HTTP_MAX_CONNECTIONS", "1000")),
            awareness_weeks=int(_env("AWARENESS_WEEKS", "8")),
            awareness_min_count=int(_env("AWARENESS_MIN_COUNT", "5")),
            retention_benign_days=int(_env("RETENTION_BENIGN_DAYS", "90")),
            retention_out_of_scope_days=int(_env("RETENTION_OUT_OF_SCOPE_DAYS", "14")),
            retention_closed_campaign_days=int(_env("RETENTION_CLOSED_CAMPAIGN_DAYS", "365")),
            retention_interval_hours=float(_env("RETENTION_INTERVAL_HOURS", "24")),
            retention_notification_days=int(_env("RETENTION_NOTIFICATION_DAYS", "30")),
        )

    @property
    def audit_anchor_path(self) -> Path:
        return self.audit_anchor_file or self.data_dir / "audit.anchor"

    @property
    def published_forward_address(self) -> str:
        """The forwarding address the reporter pages name, or "" for none."""
        return self.forward_address or (self.smtp_addresses[0] if self.smtp_addresses else "")

    def trusted_hosts(self) -> tuple[str, ...]:
        """The Host header values accepted; () when no host is configured (then any is)."""
        from urllib.parse import urlsplit

        public = (urlsplit(self.public_base_url).hostname or "") if self.public_base_url else ""
        if not public and not self.allowed_hosts:
            return ()
        # Loopback names stay allowed: a health check or an admin on the machine itself.
        return tuple(
            dict.fromkeys([*self.allowed_hosts, *([public] if public else []), "127.0.0.1", "localhost", "::1"])
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
            _create_key_file(path)
        return bytes.fromhex(path.read_text().strip())


def _create_key_file(path: Path) -> None:
    """Write a new key whole, then link it into place; the first of concurrent callers wins.

    Creating the final name directly let a second thread (two deliveries of one mail at the
    same moment) either fail on the existing name or read the file before the key was in it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, draft = tempfile.mkstemp(dir=path.parent, prefix=".secret-", suffix=".draft")
    try:
        with os.fdopen(fd, "w") as handle:  # mkstemp makes it owner-only (0600)
            handle.write(secrets.token_hex(32))
            handle.flush()
            os.fsync(handle.fileno())
        # When the name exists, another caller's key is in place, complete: everyone reads that one.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        os.unlink(draft)
