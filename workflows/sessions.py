"""The database session store, without a write when a page stores what the session holds.

viewflow's list pages store their address in the session on every request
(``StoreRequestPathMixin``: ``vf-pin-location``), and Django marks a session modified on any
assignment, so every view of a list cost an UPDATE of the session row and a commit. Here,
assigning a plain value (text, number, boolean, None) equal to the one held leaves the session
unmodified. Lists and dicts still mark it modified, since code may change one in place and
assign it back. Set as ``SESSION_ENGINE``.
"""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

PLAIN = (str, int, float, bool, type(None))
_MISSING = object()


class SessionStore(DatabaseSessionStore):
    def __setitem__(self, key, value):
        held = self._session.get(key, _MISSING)
        if isinstance(value, PLAIN) and type(held) is type(value) and held == value:
            return
        super().__setitem__(key, value)
