"""Who opens a socket: the user of the Django session cookie, read once at the handshake; and
the live pages' refreshes of a page that has gone for its user."""

from importlib import import_module

from channels.auth import get_user
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, parse_cookie
from django.utils.deprecation import MiddlewareMixin

#: The header of a live page's refresh (config/static/thidua/live.js) and of its answer when
#: the page is gone for the user.
REFRESH_HEADER = "X-Live-Refresh"
GONE_HEADER = "X-Live-Gone"


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


class LiveRefreshMiddleware(MiddlewareMixin):
    """A live page that refreshes itself once its user may no longer see it (a task step once
    the task is done, by him or by someone else) is told so quietly: ``204`` with
    ``X-Live-Gone``, and the page moves on to where it says. That end is expected; answered
    with a 403 or 404 it would put a warning and a traceback in the log at every signature.
    """

    def process_exception(self, request, exception):
        if request.headers.get(REFRESH_HEADER) and isinstance(
            exception, (PermissionDenied, Http404)
        ):
            return HttpResponse(status=204, headers={GONE_HEADER: "1"})
        return None
