"""The register of outgoing documents (``issue_number``): every number once, in order, with no
gap or duplicate when clerks number at the same moment (PostgreSQL row locks)."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction

from workflows.models import IssuedNumber
from workflows.services import issue_number

DAY = datetime.date(2024, 3, 20)


def test_numbers_follow_each_other_and_restart_each_year(db, unit):
    labels = [
        issue_number(organisation=unit, symbol="QĐ-UBND", on=DAY, summary="x", by=None).label
        for _ in range(3)
    ]
    assert [label.split("/")[0] for label in labels] == ["01", "02", "03"]
    next_year = issue_number(
        organisation=unit, symbol="QĐ-UBND", on=datetime.date(2025, 1, 2), summary="x", by=None
    )
    assert next_year.number == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_eight_clerks_numbering_at_once_get_one_to_eight(unit):
    start = threading.Barrier(8)
    errors = []

    def number():
        try:
            start.wait(timeout=10)
            with transaction.atomic():
                issue_number(organisation=unit, symbol="QĐ-UBND", on=DAY, summary="x", by=None)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=number, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    assert not [thread for thread in threads if thread.is_alive()], "clerks did not finish"
    assert errors == []
    numbers = sorted(
        IssuedNumber.objects.filter(organisation=unit).values_list("number", flat=True)
    )
    assert numbers == list(range(1, 9))
