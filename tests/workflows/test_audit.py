"""The audit log: every service write appends one hash-chained, immutable event."""

import contextlib
import datetime
import itertools
import threading
import time
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from tests.workflows.helpers import actions, events
from workflows import services
from workflows.models import AuditChainHead, AuditEvent, AuditLogImmutable, Role
from workflows.selectors import verify_audit_chain

D = datetime.date


def snapshot():
    """Every stored column of every audit row, to show that nothing changed."""
    return list(AuditEvent.objects.order_by("position").values())


@pytest.fixture
def chain(db, make_user):
    actor = make_user()
    return [services.record_event("test.event", actor=actor, data={"n": n}) for n in range(3)]


class TestServicesAreAudited:
    def test_each_service_write_appends_its_event(self, make_user, appoint, jurisdiction):
        head, deputy = make_user(), make_user()
        assert actions() == ["organisation.created"]

        unit = services.create_organisation(
            code="so-tu-phap",
            name="Sở Tư pháp",
            kind=jurisdiction.kind,
            parent=jurisdiction,
            by=None,
        )
        appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)
        delegation = services.delegate(
            appointment=appointment,
            substitute=deputy,
            valid_from=D(2024, 3, 1),
            valid_to=D(2024, 3, 31),
            by=head,
            prefix="KT.",
            reason="Đi công tác",
        )
        services.revoke_delegation(delegation=delegation, by=head)

        assert actions() == [
            "organisation.created",
            "organisation.created",
            "appointment.created",
            "delegation.created",
            "delegation.revoked",
        ]
        created, revoked = events("delegation.created")[0], events("delegation.revoked")[0]
        for event in (created, revoked):
            assert (event.actor, event.on_behalf_of) == (head, head)
            assert event.object_type == "workflows.delegation"
            assert event.object_id == str(delegation.pk)
            assert event.data == {
                "principal": head.username,
                "substitute": deputy.username,
                "organisation": "so-tu-phap",
                "role": "head",
                "scope": "all",
                "prefix": "KT.",
                "valid_from": "2024-03-01",
                "valid_to": "2024-03-31",
            }
        assert deputy.get_full_name() in created.object_repr
        assert head.get_full_name() in created.object_repr
        assert "01/03/2024" in created.object_repr
        assert verify_audit_chain().intact

    def test_a_delegation_recorded_by_an_administrator_names_both(
        self, make_user, grant, appoint, unit
    ):
        head, deputy = make_user(), make_user()
        clerk = grant(make_user(), "workflows.add_delegation", "workflows.change_delegation")
        appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)

        delegation = services.delegate(
            appointment=appointment,
            substitute=deputy,
            valid_from=D(2024, 3, 1),
            valid_to=D(2024, 3, 31),
            by=clerk,
        )
        services.revoke_delegation(delegation=delegation, by=clerk)

        for action in ("delegation.created", "delegation.revoked"):
            [event] = events(action)
            assert event.actor == clerk
            assert event.on_behalf_of == head

    def test_a_refused_write_appends_nothing(self, make_user, appoint, unit):
        head = make_user()
        appointment = appoint(head, unit, Role.HEAD, D(2024, 1, 1), None)
        before = snapshot()

        with pytest.raises(ValidationError):
            services.delegate(
                appointment=appointment,
                substitute=head,
                valid_from=D(2024, 3, 1),
                valid_to=D(2024, 3, 31),
                by=head,
            )

        assert snapshot() == before


class TestChain:
    def test_positions_run_from_one_without_gaps_and_each_links_to_the_previous(
        self, make_user, appoint, unit
    ):
        for _index in range(3):
            appoint(make_user(), unit, Role.EMULATION_OFFICER)

        rows = list(AuditEvent.objects.order_by("position"))

        assert [row.position for row in rows] == list(range(1, len(rows) + 1))
        assert len(rows) == 5  # jurisdiction, unit, three appointments
        assert rows[0].previous_hash == AuditEvent.GENESIS_HASH
        for previous, row in itertools.pairwise(rows):
            assert row.previous_hash == previous.hash
        for row in rows:
            assert row.hash == row.compute_hash()
        head = AuditChainHead.objects.get()
        assert (head.position, head.hash) == (rows[-1].position, rows[-1].hash)
        assert verify_audit_chain().intact
        assert verify_audit_chain().checked == 5

    def test_data_round_trips_and_the_chain_verifies(self, make_user):
        actor, principal = make_user(), make_user()
        moment = datetime.datetime(2024, 12, 31, 16, 30, tzinfo=datetime.UTC)
        data = {
            "day": D(2024, 12, 31),
            "moment": moment,
            "amount": Decimal("1500000.50"),
            "unit": "Ủy ban nhân dân thành phố Hải Phòng",
            "nested": {"z": [1, 2, {"đ": "Thi đua – khen thưởng"}], "a": None, "ok": True},
            "count": 12,
            "ratio": 0.25,
        }

        event = services.record_event(
            "test.round_trip", actor=actor, on_behalf_of=principal, data=data
        )
        stored = AuditEvent.objects.get(pk=event.pk)

        assert stored.data == {
            "day": "2024-12-31",
            "moment": "2024-12-31T16:30:00Z",
            "amount": "1500000.50",
            "unit": "Ủy ban nhân dân thành phố Hải Phòng",
            "nested": {"a": None, "ok": True, "z": [1, 2, {"đ": "Thi đua – khen thưởng"}]},
            "count": 12,
            # Floats are kept as text: jsonb would rewrite some of them and break the hash.
            "ratio": "0.25",
        }
        assert stored.data == event.data
        assert (stored.actor, stored.on_behalf_of) == (actor, principal)
        assert stored.compute_hash() == stored.hash == event.hash
        report = verify_audit_chain()
        assert (report.intact, report.checked) == (True, 1)

    def test_large_floats_round_trip_and_the_chain_verifies(self, db):
        event = services.record_event("test.float", data={"population": 1e16, "tiny": 1e-7})

        stored = AuditEvent.objects.get(pk=event.pk)

        assert stored.compute_hash() == stored.hash
        assert verify_audit_chain().intact

    def test_a_rolled_back_transaction_leaves_no_event_and_no_gap(self, chain):
        before = snapshot()

        with contextlib.suppress(RuntimeError), transaction.atomic():
            services.record_event("test.rolled_back", data={"lost": True})
            raise RuntimeError("abort")

        assert snapshot() == before
        assert AuditChainHead.objects.get().position == 3
        after = services.record_event("test.after_rollback")
        assert after.position == 4
        assert after.previous_hash == chain[-1].hash
        assert verify_audit_chain().intact

    def test_a_service_rolled_back_by_its_caller_leaves_no_event(self, make_user, unit):
        before = snapshot()

        with contextlib.suppress(RuntimeError), transaction.atomic():
            services.appoint(
                user=make_user(),
                organisation=unit,
                role=Role.HEAD,
                valid_from=D(2024, 1, 1),
                by=None,
            )
            raise RuntimeError("abort")

        assert snapshot() == before
        assert services.record_event("test.next").position == len(before) + 1
        assert verify_audit_chain().intact


def _save_changed(event):
    event.action = "forged"
    event.save()


def _bulk_update(event):
    event.action = "forged"
    AuditEvent.objects.bulk_update([event], ["action"])


class TestImmutability:
    @pytest.mark.parametrize(
        "attempt",
        [
            pytest.param(_save_changed, id="instance.save"),
            pytest.param(lambda event: event.save(update_fields=["action"]), id="save-fields"),
            pytest.param(
                lambda event: AuditEvent.objects.filter(pk=event.pk).update(action="forged"),
                id="queryset.update",
            ),
            pytest.param(
                lambda event: AuditEvent.objects.update(action="forged"), id="manager.update"
            ),
            pytest.param(_bulk_update, id="bulk_update"),
            pytest.param(
                lambda event: AuditEvent.objects.filter(pk=event.pk).update_or_create(
                    pk=event.pk, defaults={"action": "forged"}
                ),
                id="update_or_create",
            ),
            pytest.param(lambda event: event.delete(), id="instance.delete"),
            pytest.param(
                lambda event: AuditEvent.objects.filter(pk=event.pk).delete(), id="queryset.delete"
            ),
            pytest.param(lambda event: AuditEvent.objects.all().delete(), id="all.delete"),
        ],
    )
    def test_the_orm_refuses_to_change_or_delete_an_event(self, chain, attempt):
        before = snapshot()
        event = AuditEvent.objects.get(position=2)

        # A savepoint, as a caller would have: some of these raise inside their own atomic block.
        with pytest.raises(AuditLogImmutable), transaction.atomic():
            attempt(event)

        assert snapshot() == before
        assert verify_audit_chain().intact

    def test_a_new_instance_with_an_existing_pk_does_not_overwrite_the_row(self, chain):
        before = snapshot()
        original = chain[1]
        forged = AuditEvent(
            pk=original.pk,
            position=original.position,
            occurred_at=original.occurred_at,
            action="forged",
            previous_hash=original.previous_hash,
            hash=original.hash,
        )

        with pytest.raises((AuditLogImmutable, IntegrityError)), transaction.atomic():
            forged.save()

        assert snapshot() == before

    def test_an_upsert_does_not_overwrite_the_row(self, chain):
        before = snapshot()
        forged = AuditEvent(position=2, action="forged", previous_hash="0", hash="f" * 64)

        with (
            contextlib.suppress(AuditLogImmutable, IntegrityError, ValueError),
            transaction.atomic(),
        ):
            AuditEvent.objects.bulk_create(
                [forged],
                update_conflicts=True,
                unique_fields=["position"],
                update_fields=["action"],
            )

        assert snapshot() == before

    def test_the_base_manager_refuses_to_delete_an_event(self, chain):
        before = snapshot()

        with contextlib.suppress(AuditLogImmutable):
            AuditEvent._base_manager.filter(position=2).delete()

        assert snapshot() == before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain_without_gaps():
    threads_count, per_thread = 8, 10
    start = threading.Barrier(threads_count)
    failures = []

    def write(number):
        try:
            start.wait(timeout=10)
            for index in range(per_thread):
                services.record_event("test.concurrent", data={"thread": number, "i": index})
        except Exception as error:  # reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(number,), daemon=True)
        for number in range(threads_count)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))

    assert not [thread for thread in threads if thread.is_alive()], "writers did not finish"
    assert failures == []
    report = verify_audit_chain()
    assert (report.intact, report.checked) == (True, 80)
    positions = list(AuditEvent.objects.order_by("position").values_list("position", flat=True))
    assert positions == list(range(1, 81))
    per_writer = {}
    for data in AuditEvent.objects.values_list("data", flat=True):
        per_writer.setdefault(data["thread"], []).append(data["i"])
    assert {number: sorted(seen) for number, seen in per_writer.items()} == {
        number: list(range(per_thread)) for number in range(threads_count)
    }
    assert AuditChainHead.objects.get().position == 80
