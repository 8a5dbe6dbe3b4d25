"""Preloaded in the worker pool's forkserver only (never import it elsewhere): the
forkserver dies with the worker that started it (see watchword.poolchild), and
builds the pipeline's first-use state once, before any pool process forks from it."""

from watchword.pipeline_process import warm
from watchword.poolchild import die_with_parent

die_with_parent()
warm()
