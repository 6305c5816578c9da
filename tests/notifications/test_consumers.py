"""The live sockets: who may open which, what they receive, and nothing after a rollback.

Every test runs on the in-memory layer and, when Redis answers on 127.0.0.1, on the Redis
pub/sub layer of production.
"""

import asyncio
import datetime
import socket

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import AsyncClient

from config.asgi import application
from notifications import consumers, events
from notifications.access import WATCHABLE, watchable
from workflows import services as workflow_services
from workflows.models import Role

REDIS = "redis://127.0.0.1:6379/0"
ORIGIN = (b"origin", b"http://127.0.0.1")


def redis_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
    except OSError:
        return False
    return True


LAYERS = {
    "memory": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
    "redis": {
        "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
        "CONFIG": {"hosts": [{"address": REDIS, "socket_timeout": None}]},
    },
}


@pytest.fixture(params=list(LAYERS))
def layer(request, settings):
    if request.param == "redis" and not redis_answers():
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    settings.CHANNEL_LAYERS = {"default": LAYERS[request.param]}
    return request.param


async def cookie_for(user) -> bytes:
    client = AsyncClient()
    await client.aforce_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def socket_to(path, cookie=None, origin=ORIGIN):
    headers = [origin, (b"host", b"127.0.0.1")] + ([(b"cookie", cookie)] if cookie else [])
    return WebsocketCommunicator(application, path, headers=headers)


async def connected(path, user, layer):
    communicator = socket_to(path, await cookie_for(user))
    ok, _ = await communicator.connect(timeout=5)
    assert ok
    if layer == "redis":
        await asyncio.sleep(0.2)  # SUBSCRIBE is asynchronous: let it land before publishing
    return communicator


@sync_to_async
def make_official(username, role=None, organisation=None):
    user = get_user_model().objects.create_user(username=username, password="x")
    if role:
        workflow_services.appoint(
            user=user,
            organisation=organisation,
            role=role,
            valid_from=datetime.date(2024, 1, 1),
            by=None,
        )
    return user


@sync_to_async
def publish(name, groups, rollback=False):
    try:
        with transaction.atomic():
            events.publish(name, groups=groups, data={"n": 1})
            if rollback:
                raise RuntimeError("rolled back")
    except RuntimeError:
        pass


pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def test_the_inbox_socket_delivers_the_users_own_events_only(layer):
    user = await make_official("an")
    other = await make_official("binh")
    communicator = await connected("/ws/inbox/", user, layer)
    await publish("task.created", [events.user_group(user.pk)])
    message = await communicator.receive_json_from(timeout=5)
    assert message == {"event": "task.created", "n": 1}
    await publish("task.created", [events.user_group(other.pk)])
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


async def test_nothing_is_published_after_a_rollback(layer):
    user = await make_official("an")
    communicator = await connected("/ws/inbox/", user, layer)
    await publish("task.created", [events.user_group(user.pk)], rollback=True)
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


@pytest.fixture
def open_page_kind():
    """A kind of live page every signed-in official may watch (the flows declare real ones)."""
    watchable("example")(lambda user, key: user.is_authenticated)
    yield
    WATCHABLE.pop("example")


async def test_a_page_socket_receives_its_pages_events(layer, open_page_kind):
    user = await make_official("an")
    communicator = await connected("/ws/example/7/", user, layer)
    await publish("covenant.signed", [events.live_group("example", 7)])
    assert (await communicator.receive_json_from(timeout=5))["event"] == "covenant.signed"
    await publish("covenant.signed", [events.live_group("example", 8)])
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.parametrize("path", ["/ws/inbox/", "/ws/covenant/1/", "/ws/board/1/2024/"])
async def test_anonymous_sockets_are_refused(path):
    communicator = socket_to(path)
    ok, _ = await communicator.connect(timeout=5)
    assert ok  # accepted, to tell the browser why it is closed
    assert (await communicator.receive_output(timeout=5))["code"] == consumers.UNAUTHENTICATED


@pytest.mark.parametrize("path", ["/ws/inbox/", "/ws/covenant/1/", "/ws/board/1/2024/"])
async def test_foreign_origin_sockets_are_refused(path):
    user = await make_official("an")
    communicator = socket_to(
        path, await cookie_for(user), origin=(b"origin", b"https://evil.example")
    )
    ok, _ = await communicator.connect(timeout=5)
    assert not ok


async def test_the_board_is_for_the_council_and_home_affairs(layer, kinds):
    jurisdiction, council = await sync_to_async(board_organisations)(kinds)
    member = await make_official("m01", Role.COUNCIL_MEMBER, council)
    outsider = await make_official("head", Role.HEAD, council)
    path = f"/ws/board/{jurisdiction.pk}/2024/"

    refused = socket_to(path, await cookie_for(outsider))
    assert (await refused.connect(timeout=5))[0]
    assert (await refused.receive_output(timeout=5))["code"] == consumers.FORBIDDEN

    communicator = await connected(path, member, layer)
    await publish("covenant.signed", [events.live_group("board", jurisdiction.pk, 2024)])
    assert (await communicator.receive_json_from(timeout=5))["event"] == "covenant.signed"
    await publish("covenant.signed", [events.live_group("board", jurisdiction.pk, 2025)])
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()


@pytest.mark.parametrize(
    "path",
    ["/ws/nothing/1/", "/ws/covenant/1/2/", "/ws/covenant/x/", "/ws/board/1/", "/ws/board/1/y/"],
)
async def test_a_page_nobody_declared_or_a_wrong_key_is_refused(path):
    user = await make_official("an")
    refused = socket_to(path, await cookie_for(user))
    assert (await refused.connect(timeout=5))[0]
    assert (await refused.receive_output(timeout=5))["code"] == consumers.FORBIDDEN


def board_organisations(kinds):
    jurisdiction = workflow_services.create_organisation(
        code="hp", name="Thành phố Hải Phòng", kind=kinds["tinh"], by=None
    )
    council = workflow_services.create_organisation(
        code="hp-council",
        name="Hội đồng Thi đua - Khen thưởng thành phố",
        kind=kinds["hoi-dong"],
        parent=jurisdiction,
        by=None,
    )
    return jurisdiction, council
