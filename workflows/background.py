"""Background work of every app: named jobs, enqueued once the caller's transaction commits.

A service asks for work by the job's name, as a page links to a view by its URL name; each
app's ``tasks.py`` registers its ``django.tasks`` tasks under their names with :func:`job`
(``workflows`` discovers every installed app's ``tasks`` module when Django starts). So
imports go one way — tasks import services, services never import tasks — and the engine
knows every kind of background work there is.

Tasks take ids, never objects: the row is read again when the work runs.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.tasks import Task
from django_tasks_db.management.commands.db_worker import Worker

#: Every registered job: its name → the ``django.tasks`` task that does it.
JOBS: dict[str, Task] = {}


def job(name: str):
    """Register the decorated task (put it above ``@task``) under ``name``."""

    def register(task: Task) -> Task:
        if JOBS.setdefault(name, task) is not task:
            raise ImproperlyConfigured(f"Two background jobs are named {name!r}.")
        return task

    return register


def enqueue_on_commit(name: str, *args, run_after=None, **kwargs) -> None:
    """Run the job ``name`` with these arguments once the current transaction commits (at
    once outside one), not before ``run_after`` when given. Nothing runs if it rolls back."""
    try:
        task = JOBS[name]
    except KeyError:
        raise LookupError(f"No background job is named {name!r}.") from None
    if run_after is not None:
        task = task.using(run_after=run_after)
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def run_queued_tasks(max_tasks: int = 200) -> None:
    """Run the tasks queued now, in this thread, then return (commands and tests).

    Bounded by ``max_tasks`` so a task that keeps enqueueing others cannot loop forever.
    """
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=f"command-{os.getpid()}",
        excluded_queue_names=[],
    ).run()
