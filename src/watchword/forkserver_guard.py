"""Preloaded in the worker pool's forkserver only (never import it elsewhere): the
forkserver dies with the worker that started it (see watchword.poolchild)."""

from watchword.poolchild import die_with_parent

die_with_parent()
