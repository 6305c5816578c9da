"""The event bus: every domain event goes to the audit log and, once committed, to the live pages.

``publish`` appends the audit entry in the caller's transaction and sends to the channel-layer
groups only after that transaction commits: a rolled-back change publishes nothing. Messages
carry what changed, not the new state: a page re-reads its snapshot when told, so an event
missed while offline is never missing from what the page shows.
"""

import json
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from notifications import live
from workflows.services import record_event

#: The message type every live socket receives (the consumers' ``live_event`` handler).
MESSAGE_TYPE = "live.event"


def user_group(user_id: int) -> str:
    """A person's inbox and notification bell."""
    return f"user.{user_id}"


def live_group(kind: str, *key: int) -> str:
    """The group of one watched page: ``live_group("covenant", 12)`` is ``covenant.12``,
    ``live_group("board", 3, 2024)`` a jurisdiction's board of a year. The socket
    ``/ws/<kind>/<key…>/`` joins it for those allowed (``notifications.access``)."""
    return ".".join([kind, *map(str, key)])


def publish(
    name: str,
    *,
    groups: list[str],
    data: dict | None = None,
    actor=None,
    on_behalf_of=None,
    obj=None,
    audit: bool = True,
) -> None:
    """Record the event and publish it to ``groups`` after the transaction commits.

    ``audit=False`` when the caller's service has already written the audit entry of this
    change (one fact, one entry).
    """
    data = data or {}
    if audit:
        record_event(name, actor=actor, on_behalf_of=on_behalf_of, obj=obj, data=data)
    # Encoded once here, not once per socket by each consumer.
    text = json.dumps({"event": name, **data}, cls=DjangoJSONEncoder, ensure_ascii=False)
    message = {"type": MESSAGE_TYPE, "text": text}
    for group in dict.fromkeys(groups):
        transaction.on_commit(partial(live.send_to_group, group, message), robust=True)
