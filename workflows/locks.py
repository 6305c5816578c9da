"""The process lock of our flows.

viewflow's ``select_for_update_lock`` tries ``SELECT … FOR UPDATE NOWAIT`` and catches the
database error *inside* its ``atomic`` block. As the outermost transaction that works (the
failed transaction is thrown away), but inside a caller's transaction it leaves that
transaction aborted: a service that locks the flow within its own ``transaction.atomic``
failed with "current transaction is aborted" as soon as two heads signed at the same moment
(tests/flows/pledges/test_concurrency.py).

This lock waits for the row instead (PostgreSQL detects deadlocks and bounds the wait with
``lock_timeout`` when one is set), in a savepoint when nested: the row lock is kept until the
outermost transaction ends. On SQLite, whose transactions take the database's write lock, the
SELECT is a plain read.
"""

from contextlib import contextmanager

from django.db import transaction


@contextmanager
def process_row_lock(flow_class, process_pk):
    with transaction.atomic():
        flow_class.process_class._default_manager.select_for_update().filter(pk=process_pk).exists()
        yield
