"""Every write of the engine layer: atomic, permission-checked, recorded in the audit log.

``by`` is the user who performs the action; ``None`` means the system itself (management
commands run by the operator), which skips the permission check but is still audited.
"""

import datetime
import json
from pathlib import Path

import yaml
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import (
    ATTACHMENTS_FOLDER,
    Appointment,
    Attachment,
    AuditChainHead,
    AuditEvent,
    Delegation,
    DelegationScope,
    IssuedNumber,
    Organisation,
    OrganisationKind,
    SigningPrefix,
    canonical_json,
    floats_as_text,
)
from workflows.storage import store_content

STANDARD_KINDS_FILE = Path(__file__).parent / "data" / "organisation_kinds.yaml"


def record_event(action: str, *, actor=None, on_behalf_of=None, obj=None, data=None) -> AuditEvent:
    """Append one event to the hash chain (inside the caller's transaction, if any)."""
    with transaction.atomic():
        head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            position=head.position + 1,
            occurred_at=timezone.now(),
            actor=actor,
            on_behalf_of=on_behalf_of,
            action=action,
            # Store exactly what is hashed: the JSON round trip fixes types and key order.
            data=json.loads(canonical_json(floats_as_text(data or {}))),
            previous_hash=head.hash,
        )
        if obj is not None:
            event.object_type = obj._meta.label_lower
            event.object_id = str(obj.pk)
            event.object_repr = str(obj)[:255]
        event.hash = event.compute_hash()
        event.save()
        head.position, head.hash = event.position, event.hash
        head.save(update_fields=["position", "hash"])
    return event


def require_permission(by, permission: str, message: str) -> None:
    if by is not None and not by.has_perm(permission):
        raise PermissionDenied(message)


def ensure_standard_kinds() -> list[OrganisationKind]:
    """Create the standard organisation kinds that are missing; never changes existing ones."""
    kinds = []
    for row in yaml.safe_load(STANDARD_KINDS_FILE.read_text(encoding="utf-8")):
        kind, _created = OrganisationKind.objects.get_or_create(
            code=row["code"],
            defaults={"name": row["name"], "is_jurisdiction": row.get("is_jurisdiction", False)},
        )
        kinds.append(kind)
    return kinds


@transaction.atomic
def create_organisation(
    *,
    code: str,
    name: str,
    kind: OrganisationKind,
    by,
    parent: Organisation | None = None,
    **details,
) -> Organisation:
    require_permission(by, "workflows.add_organisation", _("You may not create organisations."))
    organisation = Organisation(code=code, name=name, kind=kind, parent=parent, **details)
    organisation.full_clean()
    organisation.save()
    record_event(
        "organisation.created",
        actor=by,
        obj=organisation,
        data={
            "code": code,
            "name": name,
            "kind": kind.code,
            "parent": parent.code if parent else None,
        },
    )
    return organisation


def _lock_organisations(*organisation_ids) -> None:
    # Appointments of one organisation are checked against each other (one head at a time):
    # concurrent writers must not both pass the overlap check.
    list(Organisation.objects.select_for_update().filter(pk__in=organisation_ids).order_by("pk"))


@transaction.atomic
def appoint(
    *,
    user,
    organisation: Organisation,
    role: str,
    valid_from: datetime.date,
    valid_to: datetime.date | None = None,
    title: str = "",
    by,
) -> Appointment:
    """Give ``user`` the ``role`` at ``organisation`` for the closed period given."""
    require_permission(by, "workflows.add_appointment", _("You may not appoint officials."))
    _lock_organisations(organisation.pk)
    appointment = Appointment(
        user=user,
        organisation=organisation,
        role=role,
        title=title,
        valid_from=valid_from,
        valid_to=valid_to,
    )
    appointment.full_clean()
    appointment.save()
    record_event(
        "appointment.created", actor=by, obj=appointment, data=_appointment_data(appointment)
    )
    return appointment


@transaction.atomic
def change_appointment(*, appointment: Appointment, by, **changes) -> Appointment:
    """Change fields of an appointment (period, title, even role or organisation).

    Its delegations are fitted to the new period: none outlives the appointment it delegates.
    """
    require_permission(by, "workflows.change_appointment", _("You may not change appointments."))
    moved_to = [changes["organisation"].pk] if "organisation" in changes else []
    _lock_organisations(appointment.organisation_id, *moved_to)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    for field, value in changes.items():
        setattr(appointment, field, value)
    appointment.full_clean()
    appointment.save()
    record_event(
        "appointment.changed",
        actor=by,
        obj=appointment,
        data={**_appointment_data(appointment), "changed": sorted(changes)},
    )
    _fit_delegations(appointment, by)
    return appointment


def end_appointment(*, appointment: Appointment, valid_to: datetime.date, by) -> Appointment:
    """End an appointment on ``valid_to``, the last day its holder holds the role."""
    return change_appointment(appointment=appointment, valid_to=valid_to, by=by)


def _fit_delegations(appointment: Appointment, by) -> None:
    delegations = Delegation.objects.select_for_update().filter(
        appointment=appointment, revoked_at__isnull=True
    )
    for delegation in delegations:
        if appointment.covers(delegation.valid_from) and appointment.covers(delegation.valid_to):
            continue
        if appointment.covers(delegation.valid_from):
            delegation.valid_to = appointment.valid_to
            delegation.save(update_fields=["valid_to"])
            record_event(
                "delegation.shortened",
                actor=by,
                on_behalf_of=appointment.user,
                obj=delegation,
                data=_delegation_data(delegation),
            )
        else:
            _revoke(delegation, by)


def _appointment_data(appointment: Appointment) -> dict:
    return {
        "user": appointment.user.get_username(),
        "organisation": appointment.organisation.code,
        "role": appointment.role,
        "valid_from": appointment.valid_from,
        "valid_to": appointment.valid_to,
    }


@transaction.atomic
def delegate(
    *,
    appointment: Appointment,
    substitute,
    valid_from: datetime.date,
    valid_to: datetime.date,
    by,
    scope: str = DelegationScope.ALL,
    prefix: str = SigningPrefix.KT,
    reason: str = "",
) -> Delegation:
    """Let ``substitute`` act in ``appointment`` for ``scope`` during the closed period given.

    The holder of the appointment delegates his own work; administrators may record a
    delegation for him.
    """
    if by is not None and by.pk != appointment.user_id:
        require_permission(
            by, "workflows.add_delegation", _("Only the holder of the appointment may delegate it.")
        )
    delegation = Delegation(
        appointment=appointment,
        substitute=substitute,
        scope=scope,
        prefix=prefix,
        valid_from=valid_from,
        valid_to=valid_to,
        reason=reason,
    )
    delegation.full_clean()
    delegation.save()
    record_event(
        "delegation.created",
        actor=by,
        on_behalf_of=appointment.user,
        obj=delegation,
        data=_delegation_data(delegation),
    )
    return delegation


@transaction.atomic
def revoke_delegation(*, delegation: Delegation, by) -> Delegation:
    if by is not None and by.pk != delegation.appointment.user_id:
        require_permission(
            by,
            "workflows.change_delegation",
            _("Only the holder of the appointment may revoke its delegation."),
        )
    delegation = Delegation.objects.select_for_update().get(pk=delegation.pk)
    if delegation.revoked_at is None:
        _revoke(delegation, by)
    return delegation


def _revoke(delegation: Delegation, by) -> None:
    delegation.revoked_at = timezone.now()
    delegation.save(update_fields=["revoked_at"])
    record_event(
        "delegation.revoked",
        actor=by,
        on_behalf_of=delegation.principal,
        obj=delegation,
        data=_delegation_data(delegation),
    )


def _delegation_data(delegation: Delegation) -> dict:
    return {
        "principal": delegation.principal.get_username(),
        "substitute": delegation.substitute.get_username(),
        "organisation": delegation.appointment.organisation.code,
        "role": delegation.appointment.role,
        "scope": delegation.scope,
        "prefix": delegation.prefix,
        "valid_from": delegation.valid_from,
        "valid_to": delegation.valid_to,
    }


@transaction.atomic
def issue_number(
    *, organisation: Organisation, symbol: str, on: datetime.date, summary: str, by
) -> IssuedNumber:
    """The next number of ``organisation``'s register for the year of ``on`` (01 on 1 January).

    The organisation row is locked, so two clerks numbering at the same moment get consecutive
    numbers; the unique constraint is the last guard.
    """
    _lock_organisations(organisation.pk)
    last = (
        IssuedNumber.objects.filter(organisation=organisation, year=on.year)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    issued = IssuedNumber.objects.create(
        organisation=organisation,
        year=on.year,
        number=(last or 0) + 1,
        symbol=symbol,
        issued_on=on,
        summary=summary,
        issued_by=by,
    )
    record_event(
        "number.issued",
        actor=by,
        obj=issued,
        data={"organisation": organisation.code, "label": issued.label, "date": on},
    )
    return issued


def check_attachment_size(size: int) -> None:
    """Refuse a file larger than ``ATTACHMENT_MAX_BYTES``, naming both sizes."""
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The file is too large: %(size)s, at most %(limit)s are accepted.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)}
        )


@transaction.atomic
def attach(*, owner, name: str, upload, by, on_behalf_of=None) -> Attachment:
    """Attach the uploaded file ``upload`` to ``owner`` (any model instance) as ``name``.

    The flow's service decides who may attach what, and when; this stores the content once
    under its SHA-256 and records the attachment.
    """
    check_attachment_size(upload.size)
    content = upload.read()
    file_name = Path(upload.name or "").name or "tep-dinh-kem"
    attachment = Attachment.objects.create(
        owner_type=ContentType.objects.get_for_model(owner),
        owner_id=owner.pk,
        name=(name or "").strip() or file_name,
        file_name=file_name[:255],
        sha256=store_content(content, ATTACHMENTS_FOLDER),
        size=len(content),
        uploaded_by=by,
    )
    record_event(
        "attachment.added",
        actor=by,
        on_behalf_of=on_behalf_of,
        obj=attachment,
        data={
            "owner": f"{attachment.owner_type.model}:{owner.pk}",
            "name": attachment.name,
            "sha256": attachment.sha256,
        },
    )
    return attachment


def copy_attachments(*, source, target) -> list[Attachment]:
    """Attach to ``target`` the files attached to ``source`` (the same content, new rows)."""
    source_type = ContentType.objects.get_for_model(source)
    target_type = ContentType.objects.get_for_model(target)
    return Attachment.objects.bulk_create(
        Attachment(
            owner_type=target_type,
            owner_id=target.pk,
            name=attachment.name,
            file_name=attachment.file_name,
            sha256=attachment.sha256,
            size=attachment.size,
            uploaded_by_id=attachment.uploaded_by_id,
        )
        for attachment in Attachment.objects.filter(owner_type=source_type, owner_id=source.pk)
    )
