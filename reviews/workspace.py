"""The LCSPR page's task list (GOV.UK task-list pattern): one task for each part of the
review, each with its status.

Each part of the review (reviews/selectors/<part>.py) registers its task when the app is
ready, so the page lists them in order without knowing how each is judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from reviews.models import Lcspr


class TaskState(StrEnum):
    """The GOV.UK task list's statuses."""

    CANNOT_START = "cannot_start"
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ATTENTION = "attention"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    TaskState.CANNOT_START: "Cannot start yet",
    TaskState.NOT_STARTED: "Not yet started",
    TaskState.IN_PROGRESS: "In progress",
    TaskState.ATTENTION: "Needs attention",
    TaskState.COMPLETED: "Completed",
}


@dataclass(frozen=True)
class TaskStatus:
    state: TaskState
    # One line under the task's name: what is done, or who or what it waits for.
    hint: str = ""


@dataclass(frozen=True)
class Task:
    order: int  # where the task stands in the list (set up 10, terms 20, appoint 30 ...)
    key: str
    title: str
    url_name: str  # a route taking the case's `reference`
    status: Callable[[Lcspr], TaskStatus]


_tasks: dict[str, Task] = {}


def register(task: Task) -> Task:
    _tasks[task.key] = task
    return task


def tasks(lcspr: Lcspr) -> list[tuple[Task, TaskStatus]]:
    """The review's tasks in order, each with its status now."""
    return [(task, task.status(lcspr)) for task in sorted(_tasks.values(), key=lambda t: t.order)]


@dataclass(frozen=True)
class SummaryRow:
    """One row of the summary above the task list: where the review stands."""

    order: int  # basis 10, terms 20, reviewer and panel 30, next milestone 40, clock 60
    label: str
    value: str
    hint: str = ""  # a second line, e.g. "in 84 working days" or who is missing


_summaries: list[Callable[[Lcspr], list[SummaryRow]]] = []


def register_summary(
    reader: Callable[[Lcspr], list[SummaryRow]],
) -> Callable[[Lcspr], list[SummaryRow]]:
    _summaries.append(reader)
    return reader


def summary(lcspr: Lcspr) -> list[SummaryRow]:
    """Where the review stands and what is due next, each part adding its rows."""
    rows = [row for reader in _summaries for row in reader(lcspr)]
    return sorted(rows, key=lambda row: row.order)
