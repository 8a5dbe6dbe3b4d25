"""Pipeline pool processes die with the worker that started them.

The worker's pool runs under multiprocessing's forkserver: the forkserver is
the worker's child, and the pool processes are the forkserver's. A worker
killed outright (SIGKILL, the OOM killer) runs no clean-up, so each of them
asks the kernel to kill it when its parent goes (Linux PR_SET_PDEATHSIG).
`watchword.forkserver_guard`, preloaded in the forkserver only, does it there;
`die_with_parent` is the pool processes' initializer.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return  # elsewhere the pool processes end when their work queue closes
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent went before the request was in place
        os._exit(1)
