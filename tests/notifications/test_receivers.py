"""The engine announces the tasks a step opened and closed; their owners' inboxes hear of it."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.db import connections

from flows.pledges import services as covenants
from notifications.events import user_group
from tests.flows.pledges.test_flow import draft_and_submit


def _in_thread(work):
    try:
        return work()
    finally:
        connections.close_all()


async def _events(layer, channel, count: int) -> list[dict]:
    return [
        json.loads((await asyncio.wait_for(layer.receive(channel), timeout=5))["text"])
        for _ in range(count)
    ]


@pytest.mark.django_db(transaction=True)
def test_a_step_shows_its_opened_and_closed_tasks_in_their_owners_inboxes(covenant_bloc):
    bloc = covenant_bloc(2)
    layer = get_channel_layer()

    async def watch():
        officer, head = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(user_group(bloc.officer.pk), officer)
        await layer.group_add(user_group(bloc.heads[1].pk), head)
        covenant = await asyncio.to_thread(
            _in_thread, lambda: covenants.start_covenant(term=bloc.term, by=bloc.officer)
        )
        [opened] = await _events(layer, officer, 1)
        await asyncio.to_thread(_in_thread, lambda: draft_and_submit(bloc, covenant))
        return opened, await _events(layer, officer, 1), await _events(layer, head, 1)

    opened, [closed], [review] = asyncio.run(watch())

    assert opened["event"] == "task.created" and opened["status"] == ""
    assert closed["event"] == "task.closed" and closed["task"] == opened["task"]
    assert closed["status"] == "DONE" and closed["process"] == opened["process"]
    assert review["event"] == "task.created" and review["task"] != opened["task"]
