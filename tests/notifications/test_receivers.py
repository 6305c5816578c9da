"""The lower layers announce changes with signals; the receivers publish them to live pages."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.db import connections

from flows.pledges import services as covenants
from notifications.events import user_group
from signatures.models import Credential, CredentialStatus, Provider
from signatures.services import credentials
from tests.flows.pledges.test_flow import draft_and_submit
from tests.signatures.helpers import run_pending_tasks


def run_tasks_and_close() -> None:
    # A thread of its own, as the in-process worker: close the connection it opened.
    try:
        run_pending_tasks()
    finally:
        connections.close_all()


@pytest.mark.django_db(transaction=True)
def test_the_end_of_a_credential_check_reaches_the_officials_pages(dev_pki, make_user):
    official, other = make_user(), make_user()
    credential = credentials.register_credential(
        user=official,
        provider=Provider.EXTERNAL,
        certificate=dev_pki.certificate_for("an").dump(),
        chain=dev_pki.chain_pem(),
        by=official,
    )
    layer = get_channel_layer()

    async def watch():
        mine, theirs = await layer.new_channel(), await layer.new_channel()
        await layer.group_add(user_group(official.pk), mine)
        await layer.group_add(user_group(other.pk), theirs)
        await asyncio.to_thread(run_tasks_and_close)  # the worker checks, the page hears of it
        message = await asyncio.wait_for(layer.receive(mine), timeout=5)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(theirs), timeout=0.3)
        return message

    message = asyncio.run(watch())

    assert Credential.objects.get(pk=credential.pk).status == CredentialStatus.ACTIVE
    assert message["type"] == "live.event"
    assert json.loads(message["text"]) == {
        "event": "credential.changed",
        "credential": credential.pk,
        "status": CredentialStatus.ACTIVE,
    }


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
