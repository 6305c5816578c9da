"""Live events sent by background work reach the server's loop at once (embedded default)."""

import asyncio
import time
import uuid

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connections
from django.tasks import task

from config.worker import InProcessWorker
from notifications import live


@task
def announce(group: str) -> None:
    live.send_to_group(group, {"type": "covenant.signed", "sent_at": time.monotonic()})


def enqueue_and_close(group: str) -> None:
    # sync_to_async runs this on asgiref's executor thread: close the connection it opened there.
    try:
        announce.enqueue(group)
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_an_event_sent_by_the_in_process_worker_arrives_promptly():
    group = f"test-{uuid.uuid4().hex}"

    async def server():
        # This loop plays uvicorn's: idle but for the receiver, as between requests.
        live.bind_server_loop(asyncio.get_running_loop())
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        worker = InProcessWorker()
        worker.start()
        try:
            await sync_to_async(enqueue_and_close)(group)
            message = await asyncio.wait_for(layer.receive(channel), timeout=5)
            return time.monotonic() - message["sent_at"]
        finally:
            await asyncio.to_thread(worker.stop)
            live.bind_server_loop(None)

    delay = asyncio.run(server())
    # Without the hand-over to the server's loop the message waits for the loop's next wake-up
    # (here the 5 s timeout). The bound is loose: it separates "at once" from "at the timeout".
    assert delay < 2


def test_send_to_group_without_a_server_loop_uses_the_layer_directly():
    group = f"test-{uuid.uuid4().hex}"
    layer = get_channel_layer()

    async def receive_one():
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await asyncio.to_thread(live.send_to_group, group, {"type": "x.y", "n": 1})
        return await asyncio.wait_for(layer.receive(channel), timeout=5)

    assert asyncio.run(receive_one()) == {"type": "x.y", "n": 1}
