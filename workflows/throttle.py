"""Too many wrong secrets lock a door for a while: a password at sign-in, a PIN at signing.

A door counts the failed attempts on one key (an account, a signing certificate) within a
window; at ``LOCKOUT_ATTEMPTS`` failures it locks that key for ``LOCKOUT_MINUTES`` and records
the lock-out in the audit log. While locked, the door refuses before any secret is tried, with
the time it opens again. A success clears the count.

The counts live in the cache: Redis in production, shared by every web and worker process (a
PIN is found wrong by the worker, the next attempt is refused by the web process); the local
memory of the one process in the embedded default. Losing them (a cache restart) only
shortens a lock-out; the audit log keeps every one.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format

from workflows.services import record_event


@dataclass(frozen=True)
class Door:
    """A place where a secret is tried (``name``: "login", "pin")."""

    name: str

    def _key(self, key, part: str) -> str:
        return f"throttle:{self.name}:{key}:{part}"

    def locked_until(self, key) -> datetime.datetime | None:
        """When the door opens again for ``key``, or None if it is open."""
        until = cache.get(self._key(key, "locked"))
        if until is None:
            return None
        until = datetime.datetime.fromisoformat(until)
        return until if until > timezone.now() else None

    def failed(self, key, *, actor=None) -> datetime.datetime | None:
        """Count one wrong secret for ``key``; lock it (and say until when) at the limit."""
        failures_key = self._key(key, "failures")
        window = settings.LOCKOUT_WINDOW_MINUTES * 60
        cache.add(failures_key, 0, window)
        try:
            failures = cache.incr(failures_key)
        except ValueError:  # expired between add and incr
            cache.set(failures_key, 1, window)
            failures = 1
        if failures < settings.LOCKOUT_ATTEMPTS:
            return None
        until = timezone.now() + datetime.timedelta(minutes=settings.LOCKOUT_MINUTES)
        cache.set(self._key(key, "locked"), until.isoformat(), settings.LOCKOUT_MINUTES * 60)
        cache.delete(failures_key)
        record_event(
            "access.locked_out",
            actor=actor,
            data={
                "door": self.name,
                "key": str(key),
                "failures": failures,
                "until": until.isoformat(),
            },
        )
        return until

    def succeeded(self, key) -> None:
        cache.delete(self._key(key, "failures"))


def until_text(until: datetime.datetime) -> str:
    """The time a lock-out ends, as the site writes times (HH:MM dd/mm/yyyy, local time)."""
    return date_format(timezone.localtime(until), "SHORT_DATETIME_FORMAT")


LOGIN = Door("login")
PIN = Door("pin")
