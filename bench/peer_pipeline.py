"""Whole processes: `watchword analyze --json` against a peer pipeline on the same emails.

    PYTHONPATH=src .venv/bin/python bench/peer_pipeline.py [--limit 1500] [--corpus DIR]

The peer pipeline is what a team would assemble from common libraries: the
standard library's email parser (compat32) for the MIME tree and decoding,
selectolax (lexbor) for HTML to text, and ioc-finder for indicators, one JSON
line per email. Ours is the real command line entry, `watchword analyze
--json FILE...`, which runs the whole pipeline (MIME, forwards, text and
links, indicators, attachments, authentication, classification, scope,
fingerprint) and prints one JSON line per email.

Each side is one child process given the same file paths (the first N of
DIR/{phishing,spam,ham}, interleaved; read from the corpus, never copied),
its output discarded. Start-up, imports, reading the files and writing the
JSON all count. The figure is CPU time (user + system, from the child's own
rusage), which a shared machine's load disturbs less than wall time; wall
time is printed beside it. ioc-finder is a benchmark-only dependency
(`pip install .[bench]`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import zip_longest
from pathlib import Path

DEFAULT_CORPUS = Path("/work/shared/data")
FOLDERS = ("phishing", "spam", "ham")


def peer_child(list_file: Path) -> int:
    """The peer pipeline, run as its own process over the listed files."""
    import email
    import warnings
    from email import policy

    from selectolax.lexbor import LexborHTMLParser

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ioc_finder import find_iocs

    out = sys.stdout
    for line in list_file.read_text(encoding="utf-8").splitlines():
        raw = Path(line).read_bytes()
        msg = email.message_from_bytes(raw, policy=policy.compat32)
        texts: list[str] = []
        for part in msg.walk():
            ctype = part.get_content_type()
            if ctype not in ("text/plain", "text/html"):
                continue
            payload = part.get_payload(decode=True)
            if not isinstance(payload, bytes):
                continue
            charset = part.get_content_charset() or "utf-8"
            try:
                text = payload.decode(charset, errors="replace")
            except LookupError:
                text = payload.decode("utf-8", errors="replace")
            if ctype == "text/html":
                text = LexborHTMLParser(text).text(separator=" ") or ""
            texts.append(text)
        result = {"path": line, "subject": str(msg.get("subject", "")), "iocs": find_iocs("\n".join(texts))}
        out.write(json.dumps(result, ensure_ascii=False, default=str) + "\n")
    return 0


def run_child(argv: list[str]) -> tuple[float, float, int]:
    """CPU seconds (user + system) and wall seconds of one child process, and its exit status."""
    wall = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - wall, child.returncode


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=1500, help="emails given to each side (default 1500)")
    parser.add_argument("--peer-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.peer_child:
        return peer_child(args.peer_child)

    lists = [sorted((args.corpus / folder).glob("*.eml")) for folder in FOLDERS]
    paths = [p for group in zip_longest(*lists) for p in group if p is not None][: args.limit]
    if not paths:
        print(f"No .eml files under {args.corpus}; nothing to do.")
        return 0
    try:
        import ioc_finder  # noqa: F401 - only whether it is installed
    except ImportError:
        print("ioc-finder is not installed (pip install .[bench]): no peer to compare with.")
        return 0
    cli = shutil.which("watchword", path=str(Path(sys.executable).parent))
    ours_argv = [cli] if cli else [sys.executable, "-c", "from watchword.cli import main; main()"]
    ours_argv += ["analyze", "--json", *map(str, paths)]
    print(f"{len(paths)} emails from {args.corpus}, one process per side, output discarded")
    with tempfile.TemporaryDirectory() as tmp:
        list_file = Path(tmp) / "paths.txt"
        list_file.write_text("\n".join(map(str, paths)) + "\n", encoding="utf-8")
        peer_argv = [sys.executable, str(Path(__file__).resolve()), "--peer-child", str(list_file)]
        ours_cpu, ours_wall, ours_rc = run_child(ours_argv)
        peer_cpu, peer_wall, peer_rc = run_child(peer_argv)
    if ours_rc or peer_rc:
        print(f"a child failed: watchword exit {ours_rc}, peer exit {peer_rc}")
        return 1
    n = len(paths)
    for name, cpu, wall in (
        ("watchword analyze --json", ours_cpu, ours_wall),
        ("stdlib+selectolax+ioc-finder", peer_cpu, peer_wall),
    ):
        print(f"  {name:30} {cpu:6.2f} s CPU, {wall:6.2f} s wall, {n / cpu:5.0f} emails/s per core")
    print(f"  ratio (peer CPU / ours): {peer_cpu / ours_cpu:.2f}x; by wall time {peer_wall / ours_wall:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
