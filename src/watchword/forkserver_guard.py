"""Preloaded in the worker pool's forkserver only (never import it elsewhere): the
forkserver dies with the worker that started it (see watchword.poolchild), and
builds the pipeline's first-use state once, before any pool process forks from it."""

import contextlib
import gc

# What pool.derive runs beside the pipeline: imported here once, not in each pool process.
import watchword.campaigns.engine
import watchword.intel.normalise  # noqa: F401
from watchword.known import warninglists
from watchword.pipeline_process import warm
from watchword.poolchild import die_with_parent

die_with_parent()
warm()
with contextlib.suppress(Exception):  # a pool process builds it on first use instead
    warninglists.warm()  # the campaign keys' ubiquity checks read it (pool.derive)
gc.freeze()  # the pipeline's tables, shared by every pool process: never traversed by their collections
