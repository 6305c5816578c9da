"""Websocket URLs (config/asgi.py mounts them behind the session and origin checks)."""

from django.urls import path

from notifications import consumers

websocket_urlpatterns = [
    path("ws/inbox/", consumers.InboxConsumer.as_asgi()),
    path("ws/board/<int:jurisdiction>/<int:year>/", consumers.BoardConsumer.as_asgi()),
    path("ws/covenant/<int:pk>/", consumers.DocumentConsumer.as_asgi(), {"kind": "covenant"}),
]
