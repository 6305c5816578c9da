"""Websocket consumers: authenticated by the Django session, joined only to groups the user may
see. Each sends the browser the events of its groups; pages then re-read their snapshot."""

import asyncio
import contextlib
import functools

from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer

from notifications import events
from notifications.access import may_watch

#: Close codes sent after accept() (a close before accept is an HTTP 403 the browser cannot read).
UNAUTHENTICATED = 4401
FORBIDDEN = 4403


class LiveConsumer(AsyncJsonWebsocketConsumer):
    """Subclasses name the groups of a connection, or None to refuse it."""

    groups_joined: list[str] = []

    async def groups_for(self, user) -> list[str] | None:
        raise NotImplementedError

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=UNAUTHENTICATED)
            return
        groups = await self.groups_for(user)
        if not groups:
            await self.accept()
            await self.close(code=FORBIDDEN)
            return
        self.groups_joined = groups
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def __call__(self, scope, receive, send):
        """As channels' ``AsyncConsumer.__call__``, with each source read in a loop of its own.

        Channels waits on the client and the channel layer together, creating a task and an
        ``asyncio.wait`` for every message: in a 1000-socket fan-out that was a third of the
        server's time (docs/benchmarks-live.md). Here each source has one long-lived reader.
        """
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.channel_name = await self.channel_layer.new_channel()
        self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
        self.base_send = send

        async def relay(source):
            while True:
                await self.dispatch(await source())

        readers = [
            asyncio.ensure_future(relay(receive)),
            asyncio.ensure_future(relay(self.channel_receive)),
        ]
        try:
            done, _pending = await asyncio.wait(readers, return_when=asyncio.FIRST_EXCEPTION)
            for reader in done:
                if not isinstance(reader.exception(), StopConsumer):
                    reader.result()  # an unexpected error propagates, as in channels
        finally:
            for reader in readers:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopConsumer):
                    await reader

    async def dispatch(self, message):
        # channels >= 4.2 closes old database connections (a hop through one shared thread)
        # before every handler; relaying an event touches no database, so skip that hop: it
        # was 40 % of the server's time in a fan-out (docs/notes, realtime §3).
        if message["type"] == events.MESSAGE_TYPE:
            await self.live_event(message)
        else:
            await super().dispatch(message)

    async def live_event(self, message):
        await self.send(text_data=message["text"])

    async def receive_json(self, content, **kwargs):
        """Clients only listen; anything they send is ignored."""


class InboxConsumer(LiveConsumer):
    """``/ws/inbox/``: the user's own tasks and notifications."""

    async def groups_for(self, user):
        return [events.user_group(user.pk)]


class WatchConsumer(LiveConsumer):
    """``/ws/<kind>/<key…>/``: one page of a kind a flow declared (``notifications.access``),
    for those its rule allows."""

    async def groups_for(self, user):
        kwargs = self.scope["url_route"]["kwargs"]
        parts = kwargs["key"].split("/")
        if not all(part.isdigit() for part in parts):
            return None
        key = tuple(int(part) for part in parts)
        if not await may_watch(user, kwargs["kind"], key):
            return None
        return [events.live_group(kwargs["kind"], *key)]
