"""Tamper detection: selectors.verify_audit_chain and ``manage.py audit_verify``.

The tampering is done with raw SQL, as someone with database access would, since the ORM
refuses to change audit rows.
"""

import datetime
import io
import json
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, connections

from workflows import services
from workflows.management.commands.audit_verify import Command
from workflows.models import AuditEvent
from workflows.selectors import verify_audit_chain

TABLE = connection.ops.quote_name(AuditEvent._meta.db_table)


def mentions(text: str, number: int) -> bool:
    """``number`` appears in ``text`` as a number of its own (not inside 13 or 2024)."""
    return re.search(rf"(?<!\d){number}(?!\d)", text) is not None


def execute(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=TABLE), params)
        return cursor.rowcount


@pytest.fixture
def chain(db, make_user):
    """Five events, with actors and data, as the services write them."""
    clerk, head = make_user(), make_user()
    return [
        services.record_event(
            f"test.event{n}",
            actor=clerk,
            on_behalf_of=head if n % 2 else None,
            data={"n": n, "day": datetime.date(2024, 12, n), "unit": "Sở Nội vụ"},
        )
        for n in range(1, 6)
    ]


def failure_of_command() -> str:
    with pytest.raises(CommandError) as caught:
        call_command("audit_verify", stdout=io.StringIO())
    return str(caught.value)


class TestIntactChain:
    def test_the_report_counts_every_entry(self, chain):
        report = verify_audit_chain()
        assert (report.intact, report.checked, report.problem, report.position) == (
            True,
            5,
            None,
            None,
        )

    def test_the_command_exits_normally_and_prints_the_count(self, chain):
        out = io.StringIO()
        call_command("audit_verify", stdout=out)
        assert mentions(out.getvalue(), 5)

    def test_an_empty_log_is_intact(self, db):
        report = verify_audit_chain()
        assert (report.intact, report.checked) == (True, 0)
        out = io.StringIO()
        call_command("audit_verify", stdout=out)
        assert mentions(out.getvalue(), 0)


class TestExitStatus:
    """As run from a shell: an exit status of 1 on tampering, none when intact."""

    @pytest.fixture(autouse=True)
    def _keep_the_test_connection(self, monkeypatch):
        # run_from_argv closes every connection when it ends, which would end the test's
        # transaction.
        monkeypatch.setattr(connections, "close_all", lambda: None)

    def test_an_intact_log_exits_with_status_zero(self, chain, capsys):
        Command().run_from_argv(["manage.py", "audit_verify"])
        assert mentions(capsys.readouterr().out, 5)

    def test_a_tampered_log_exits_with_status_one(self, chain, capsys):
        execute("DELETE FROM {table} WHERE position = %s", [3])

        with pytest.raises(SystemExit) as caught:
            Command().run_from_argv(["manage.py", "audit_verify"])

        assert caught.value.code == 1
        assert mentions(capsys.readouterr().err, 3)


class TestTampering:
    def test_altered_data_is_reported_at_its_position(self, chain):
        changed = execute(
            "UPDATE {table} SET data = %s WHERE position = %s",
            [json.dumps({"n": 300, "unit": "Sở Nội vụ"}), 3],
        )
        assert changed == 1

        report = verify_audit_chain()

        assert not report.intact
        assert (report.position, report.checked) == (3, 2)
        assert mentions(report.problem, 3)
        assert mentions(failure_of_command(), 3)

    @pytest.mark.parametrize("position", [1, 5])
    def test_the_first_and_the_last_entries_are_checked_too(self, chain, position):
        execute("UPDATE {table} SET data = %s WHERE position = %s", ["{}", position])

        assert verify_audit_chain().position == position
        assert mentions(failure_of_command(), position)

    def test_an_entry_rehashed_after_its_change_is_caught_by_the_next_one(self, chain):
        tampered = AuditEvent.objects.get(position=3)
        tampered.data = {**tampered.data, "n": 300}
        execute(
            "UPDATE {table} SET data = %s, hash = %s WHERE position = %s",
            [json.dumps(tampered.data), tampered.compute_hash(), 3],
        )
        assert AuditEvent.objects.get(position=3).compute_hash() == tampered.compute_hash()

        report = verify_audit_chain()

        assert (report.intact, report.position, report.checked) == (False, 4, 3)
        assert mentions(failure_of_command(), 4)

    def test_a_deleted_middle_entry_is_reported_missing_at_its_position(self, chain):
        execute("DELETE FROM {table} WHERE position = %s", [3])

        report = verify_audit_chain()

        assert (report.intact, report.position, report.checked) == (False, 3, 2)
        assert mentions(report.problem, 3)
        assert mentions(failure_of_command(), 3)

    def test_a_deleted_last_entry_is_reported_against_the_chain_head(self, chain):
        execute("DELETE FROM {table} WHERE position = %s", [5])

        report = verify_audit_chain()

        assert (report.intact, report.position, report.checked) == (False, 5, 4)
        message = failure_of_command()
        assert mentions(message, 4)  # the last entry left
        assert mentions(message, 5)  # the count the chain head records

    def test_deleted_last_entries_are_reported_against_the_chain_head(self, chain):
        execute("DELETE FROM {table} WHERE position >= %s", [4])

        report = verify_audit_chain()

        assert (report.intact, report.position, report.checked) == (False, 4, 3)

    def test_a_changed_time_is_reported(self, chain):
        moved = chain[2].occurred_at - datetime.timedelta(days=1)
        execute(
            "UPDATE {table} SET occurred_at = %s WHERE position = %s",
            [connection.ops.adapt_datetimefield_value(moved), 3],
        )
        assert AuditEvent.objects.get(position=3).occurred_at == moved

        assert (verify_audit_chain().position, verify_audit_chain().intact) == (3, False)
        assert mentions(failure_of_command(), 3)

    @pytest.mark.parametrize("column", ["actor_id", "on_behalf_of_id"])
    def test_a_changed_person_is_reported(self, chain, make_user, column):
        someone_else = make_user()
        execute(f"UPDATE {{table}} SET {column} = %s WHERE position = %s", [someone_else.pk, 3])

        assert (verify_audit_chain().position, verify_audit_chain().intact) == (3, False)
        assert mentions(failure_of_command(), 3)

    @pytest.mark.parametrize(
        ("column", "value"),
        [("action", "test.forged"), ("object_repr", "Sở Tài chính"), ("previous_hash", "f" * 64)],
    )
    def test_other_changed_columns_are_reported(self, chain, column, value):
        execute(f"UPDATE {{table}} SET {column} = %s WHERE position = %s", [value, 3])

        assert (verify_audit_chain().position, verify_audit_chain().intact) == (3, False)
