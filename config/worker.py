"""The in-process task worker of the embedded default, started by the ASGI lifespan.

With the in-memory channel layer a live event only reaches websockets of the process that
publishes it, so background work must run inside the web process for live pages to update.
With Redis (``TASKS_IN_PROCESS_WORKER`` off) separate ``manage.py db_worker`` processes do the work.
"""

import asyncio
import logging
import os
import threading

from django.conf import settings
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

from notifications import live

logger = logging.getLogger(__name__)

POLL_INTERVAL_SECONDS = 0.5
STOP_TIMEOUT_SECONDS = 30


class InProcessWorker:
    """django-tasks-db's worker loop in a daemon thread (signals stay with the server)."""

    def __init__(self):
        self.worker = Worker(
            queue_names=["*"],
            interval=POLL_INTERVAL_SECONDS,
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=f"in-process-{os.getpid()}",
            excluded_queue_names=[],
        )
        self.thread = threading.Thread(target=self._run, name="task-worker", daemon=True)

    def _run(self) -> None:
        try:
            self.worker.run()
        finally:
            # Database connections are per thread: close this one's, or it outlives the thread.
            connections.close_all()

    def start(self) -> None:
        logger.info("Starting the in-process task worker")
        self.thread.start()

    def stop(self) -> None:
        # The loop checks the flag after its current task or its sleep.
        self.worker.running = False
        self.thread.join(timeout=STOP_TIMEOUT_SECONDS)


async def lifespan(scope, receive, send):
    """ASGI lifespan protocol: run the in-process worker for the life of the server."""
    worker = None
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            live.bind_server_loop(asyncio.get_running_loop())
            if settings.TASKS_IN_PROCESS_WORKER:
                worker = InProcessWorker()
                worker.start()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            if worker is not None:
                await asyncio.to_thread(worker.stop)
            live.bind_server_loop(None)
            await send({"type": "lifespan.shutdown.complete"})
            return
