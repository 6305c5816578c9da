"""Who opens a socket: the user of the Django session cookie, read once at the handshake."""

from importlib import import_module

from channels.auth import get_user
from django.conf import settings
from django.http import parse_cookie


class SessionUserMiddleware:
    """Puts ``scope["session"]`` and ``scope["user"]`` for the websocket consumers.

    Channels' ``AuthMiddlewareStack`` does the same, and also wraps every message the server
    sends to save a modified session, which a live socket never modifies: in a 1000-socket
    fan-out that wrapper took a tenth of the server's time (docs/benchmarks-live.md).
    """

    def __init__(self, inner):
        self.inner = inner
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        cookies = {}
        for name, value in scope.get("headers", ()):
            if name == b"cookie":
                cookies.update(parse_cookie(value.decode("latin-1")))
        scope = {
            **scope,
            "session": self.session_store(cookies.get(settings.SESSION_COOKIE_NAME)),
        }
        scope["user"] = await get_user(scope)
        return await self.inner(scope, receive, send)
