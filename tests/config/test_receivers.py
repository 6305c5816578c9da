"""The signatures app announces a credential's new state; the site passes it to the live pages."""

import asyncio
import json

import pytest
from channels.layers import get_channel_layer
from django.db import connections

from notifications.events import user_group
from signatures.models import Credential, CredentialStatus, Provider
from signatures.services import credentials
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
