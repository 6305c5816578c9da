"""ASGI entry point: ``uvicorn config.asgi:application``."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set up Django before importing anything that touches models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from config.worker import lifespan  # noqa: E402

application = ProtocolTypeRouter({"http": django_asgi_app, "lifespan": lifespan})
