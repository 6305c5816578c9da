"""Sending to channel-layer groups from synchronous code, whatever thread it runs in.

asyncio is not thread-safe. A send made from a thread of our own (the in-process task worker)
with ``async_to_sync`` runs in a private event loop: the in-memory channel layer then wakes
receivers that live on the server's loop without waking that loop, and the event only shows when
the loop next wakes for another reason (9.5 s in a measurement). So the ASGI lifespan binds the
server's loop here, and sends from other threads are scheduled onto it.
"""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

SEND_TIMEOUT_SECONDS = 10

_server_loop: asyncio.AbstractEventLoop | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop | None) -> None:
    """Called by the lifespan: the loop that serves the websockets (``None`` on shutdown)."""
    global _server_loop
    _server_loop = loop


def _on_other_thread_than(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is not loop
    except RuntimeError:  # no loop running in this thread
        return True


def send_to_group(group: str, message: dict) -> None:
    """``group_send`` from synchronous code; returns once the layer has the message."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop
    if loop is not None and loop.is_running() and _on_other_thread_than(loop):
        future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    else:
        async_to_sync(layer.group_send)(group, message)
