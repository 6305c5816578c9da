"""Who may watch which live page: a registry the flows fill, read by the sockets.

A flow declares each kind of page that updates live (``/ws/<kind>/<key…>/``, for instance
``/ws/covenant/12/``) with :func:`watchable`, naming the rule that says who may watch one: the
socket joins the page's group (``events.live_group``) only for them. A kind nobody declared,
or a key of the wrong length, is refused like a page the user may not see.
"""

from collections.abc import Callable
from dataclasses import dataclass

from asgiref.sync import sync_to_async


@dataclass(frozen=True)
class Watchable:
    kind: str
    #: How many whole numbers identify one page of the kind (a covenant 1, a board 2).
    arity: int
    #: ``may_watch(user, *key)``: synchronous, may query the database.
    may_watch: Callable[..., bool]


WATCHABLE: dict[str, Watchable] = {}


def watchable(kind: str, *, arity: int = 1):
    """Declare the decorated ``may_watch(user, *key)`` as the rule of the pages of ``kind``."""

    def register(may_watch):
        WATCHABLE[kind] = Watchable(kind=kind, arity=arity, may_watch=may_watch)
        return may_watch

    return register


def may_watch_now(user, kind: str, key: tuple[int, ...]) -> bool:
    declared = WATCHABLE.get(kind)
    if declared is None or len(key) != declared.arity:
        return False
    return bool(declared.may_watch(user, *key))


may_watch = sync_to_async(may_watch_now)
