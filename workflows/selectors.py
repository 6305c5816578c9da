"""Reads of the engine layer for pages, commands and flows."""

import datetime
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext as _

from workflows.models import Appointment, Attachment, AuditChainHead, AuditEvent, Delegation


@dataclass(frozen=True)
class AuditChainReport:
    checked: int
    problem: str | None = None
    position: int | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_audit_chain() -> AuditChainReport:
    """Re-hash the whole log in order; report the first entry that was altered or removed."""
    previous_hash, expected, checked = AuditEvent.GENESIS_HASH, 1, 0
    for event in AuditEvent.objects.order_by("position").iterator(chunk_size=2000):
        problem = _problem_with(event, expected, previous_hash)
        if problem:
            return AuditChainReport(checked=checked, problem=problem, position=expected)
        previous_hash, expected, checked = event.hash, expected + 1, checked + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and (head.position, head.hash) != (checked, previous_hash):
        return AuditChainReport(
            checked=checked,
            position=checked + 1,
            problem=_(
                "Entries after #%(last)s are missing: the chain head records %(count)s entries."
            )
            % {"last": checked, "count": head.position},
        )
    return AuditChainReport(checked=checked)


def _problem_with(event: AuditEvent, expected: int, previous_hash: str) -> str | None:
    if event.position != expected:
        return _("Entry #%(position)s is missing (the next entry is #%(next)s).") % {
            "position": expected,
            "next": event.position,
        }
    if event.compute_hash() != event.hash:
        return _("Entry #%(position)s was altered: its content no longer matches its hash.") % {
            "position": event.position,
        }
    if event.previous_hash != previous_hash:
        return _(
            "Entry #%(position)s does not follow entry #%(previous)s: an earlier entry was "
            "altered or replaced."
        ) % {"position": event.position, "previous": event.position - 1}
    return None


def appointments_of(user, on: datetime.date) -> list[Appointment]:
    """All appointments of ``user``, current ones (``is_current``) first, newest first."""
    rows = list(
        Appointment.objects.filter(user=user)
        .select_related("organisation__kind", "organisation__parent")
        .order_by("-valid_from", "pk")
    )
    for row in rows:
        row.is_current = row.covers(on)
    return sorted(rows, key=lambda row: not row.is_current)


def delegations_given(user) -> list[Delegation]:
    return list(
        Delegation.objects.filter(appointment__user=user)
        .select_related("substitute", "appointment__organisation", "appointment__user")
        .order_by("-valid_from", "-pk")
    )


def delegations_received(user) -> list[Delegation]:
    return list(
        Delegation.objects.filter(substitute=user)
        .select_related("substitute", "appointment__organisation", "appointment__user")
        .order_by("-valid_from", "-pk")
    )


def attachments_of(model):
    """The attachments of every ``model`` instance (filter by ``owner_id``)."""
    return Attachment.objects.filter(owner_type=ContentType.objects.get_for_model(model))
