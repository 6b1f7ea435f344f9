"""Queueing background jobs (mostly email) from a web request."""

from __future__ import annotations


def enqueue(task, **kwargs) -> bool:
    """Queue the task with its keyword arguments (ids only)."""
    task.delay(**kwargs)
    return True
