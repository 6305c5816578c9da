"""ASGI entry point: ``uvicorn config.asgi:application``."""

import asyncio
import contextvars
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

from config.worker import lifespan  # noqa: E402
from notifications.middleware import SessionUserMiddleware  # noqa: E402
from notifications.routing import websocket_urlpatterns  # noqa: E402
from signatures.devpki import mount_responders  # noqa: E402

http_app = django_asgi_app
if settings.SIGNING_DEV_PKI:
    # OCSP, CRLs, CA certificates and the TSA of the development PKI under /pki/ (pki_init).
    http_app = mount_responders(
        http_app, directory=settings.SIGNING_DEV_PKI_DIR, url_prefix=settings.SIGNING_DEV_PKI_URL
    )


class FreshContext:
    """Each HTTP request runs in a task of its own with an empty context.

    uvicorn starts the next request of a keep-alive connection from inside the previous
    response's ``send``. The development PKI's responders (WSGI, through asgiref's WsgiToAsgi)
    send from a worker thread with ``async_to_sync``, whose context names that thread's
    executor: the next request inherited it and, once that thread was done, failed with
    "CurrentThreadExecutor already quit or is broken" (HTTP 500 to an OCSP client under
    concurrent signing; tests/e2e/test_responders_under_load.py).
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        request = self.app(scope, receive, send)
        await asyncio.get_running_loop().create_task(request, context=contextvars.Context())


http_app = FreshContext(http_app)

# Live pages: the session authenticates a socket, and only pages of our own hosts may open one.
websocket_app = AllowedHostsOriginValidator(SessionUserMiddleware(URLRouter(websocket_urlpatterns)))

application = ProtocolTypeRouter(
    {"http": http_app, "websocket": websocket_app, "lifespan": lifespan}
)
