"""Websocket URLs (config/asgi.py mounts them behind the session and origin checks)."""

from django.urls import path

from notifications import consumers

websocket_urlpatterns = [
    path("ws/inbox/", consumers.InboxConsumer.as_asgi()),
    # A page the flows declared watchable: /ws/covenant/12/, /ws/board/3/2024/.
    path("ws/<slug:kind>/<path:key>/", consumers.WatchConsumer.as_asgi()),
]
