"""ASGI entry point: ``uvicorn config.asgi:application``."""

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

# Live pages: the session authenticates a socket, and only pages of our own hosts may open one.
websocket_app = AllowedHostsOriginValidator(SessionUserMiddleware(URLRouter(websocket_urlpatterns)))

application = ProtocolTypeRouter(
    {"http": http_app, "websocket": websocket_app, "lifespan": lifespan}
)
