"""The embedded default runs background work in the web process, started by the ASGI lifespan."""

import asyncio
import time

import pytest
from django.tasks import TaskResultStatus, task

from config.worker import InProcessWorker, lifespan
from workflows.models import AuditEvent
from workflows.services import record_event


@task
def record_test_event(label: str) -> int:
    return record_event("test.background", data={"label": label}).position


def wait_for(result, seconds=15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result.refresh()
        if result.status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
            return result
        time.sleep(0.1)
    raise AssertionError(f"task still {result.status} after {seconds} s")


@pytest.mark.django_db(transaction=True)
def test_in_process_worker_runs_enqueued_tasks():
    worker = InProcessWorker()
    worker.start()
    try:
        result = wait_for(record_test_event.enqueue("Ký giao ước"))
    finally:
        worker.stop()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert AuditEvent.objects.get(action="test.background").data == {"label": "Ký giao ước"}
    assert not worker.thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_lifespan_starts_and_stops_the_worker(settings, monkeypatch):
    started, stopped = [], []
    monkeypatch.setattr(InProcessWorker, "start", lambda self: started.append(self))
    monkeypatch.setattr(InProcessWorker, "stop", lambda self: stopped.append(self))
    settings.TASKS_IN_PROCESS_WORKER = True
    sent = asyncio.run(run_lifespan())
    assert sent == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    assert len(started) == 1 and stopped == started


def test_lifespan_without_in_process_worker(settings, monkeypatch):
    monkeypatch.setattr(InProcessWorker, "start", lambda self: pytest.fail("must not start"))
    settings.TASKS_IN_PROCESS_WORKER = False
    assert asyncio.run(run_lifespan()) == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]


async def run_lifespan():
    messages = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent = []

    async def receive():
        return next(messages)

    async def send(message):
        sent.append(message["type"])

    await lifespan({"type": "lifespan"}, receive, send)
    return sent
