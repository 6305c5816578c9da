"""Role resolvers used by flows: who acts in role R at organisation O on day D.

A person acts either in his own right (he holds a current appointment) or as the substitute of
a principal whose appointment he was delegated for that kind of action. Either way the flows get
an :class:`Actor` carrying both identities and the signing prefix (KT./TL./TUQ./Q.).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q

from workflows.models import Appointment, Delegation, DelegationScope, Organisation


@dataclass(frozen=True)
class Actor:
    """A person acting in an appointment, for himself or for its holder (the principal)."""

    person: object
    appointment: Appointment
    delegation: Delegation | None = None

    @property
    def principal(self):
        return self.appointment.user

    @property
    def organisation(self) -> Organisation:
        return self.appointment.organisation

    @property
    def role(self) -> str:
        return self.appointment.role

    @property
    def is_substitute(self) -> bool:
        return self.delegation is not None

    @property
    def signing_prefix(self) -> str:
        return self.delegation.prefix if self.delegation else ""

    @property
    def on_behalf_of(self):
        """For whom a substitute acts (what records and the audit log keep beside him), or
        None when the holder acts himself."""
        return self.principal if self.is_substitute else None


def _active_delegations(on: datetime.date, action: str):
    # A revoked delegation still answers for the days before its revocation, so that questions
    # about the past keep their answers; from the day of revocation on it no longer applies.
    return (
        Delegation.objects.current(on)
        .filter(
            Q(revoked_at__isnull=True) | Q(revoked_at__date__gt=on),
            scope__in=[DelegationScope.ALL, action],
        )
        .select_related("substitute")
        .order_by("-valid_from", "-pk")
    )


def holders(role: str, organisation: Organisation, on: datetime.date) -> list[Appointment]:
    """Appointments of ``role`` at ``organisation`` current on day ``on``."""
    return list(
        Appointment.objects.current(on)
        .filter(role=role, organisation=organisation)
        .select_related("user", "organisation")
        .order_by("valid_from", "pk")
    )


def acting(
    role: str, organisation: Organisation, on: datetime.date, action: str = DelegationScope.ALL
) -> list[Actor]:
    """Who acts in ``role`` at ``organisation`` on ``on`` for ``action``.

    The holder himself, or, while he has delegated that action, his most recent substitute.
    """
    appointments = (
        Appointment.objects.current(on)
        .filter(role=role, organisation=organisation)
        .select_related("user", "organisation")
        .prefetch_related(
            Prefetch("delegations", queryset=_active_delegations(on, action), to_attr="active")
        )
        .order_by("valid_from", "pk")
    )
    actors = []
    for appointment in appointments:
        delegation = appointment.active[0] if appointment.active else None
        person = delegation.substitute if delegation else appointment.user
        actors.append(Actor(person=person, appointment=appointment, delegation=delegation))
    return actors


def actor_for(
    user,
    role: str,
    organisation: Organisation,
    on: datetime.date,
    action: str = DelegationScope.ALL,
) -> Actor | None:
    """How ``user`` may act in ``role`` at ``organisation`` on ``on``, or ``None``.

    His own current appointment comes first; otherwise a current delegation to him of such an
    appointment, covering ``action``.
    """
    own = (
        Appointment.objects.current(on)
        .filter(user=user, role=role, organisation=organisation)
        .select_related("user", "organisation")
        .first()
    )
    if own is not None:
        return Actor(person=user, appointment=own)
    delegation = (
        _active_delegations(on, action)
        .filter(
            substitute=user,
            appointment__role=role,
            appointment__organisation=organisation,
            appointment__in=Appointment.objects.current(on),
        )
        .select_related("appointment__user", "appointment__organisation")
        .first()
    )
    if delegation is None:
        return None
    return Actor(person=user, appointment=delegation.appointment, delegation=delegation)


def acting_for(appointment: Appointment, on: datetime.date, action: str) -> Actor | None:
    """Who acts in ``appointment`` on ``on`` for ``action`` (one council member's vote): its
    holder, or his most recent substitute while he has delegated it; None once it ended."""
    if not Appointment.objects.current(on).filter(pk=appointment.pk).exists():
        return None
    delegation = _active_delegations(on, action).filter(appointment=appointment).first()
    person = delegation.substitute if delegation else appointment.user
    return Actor(person=person, appointment=appointment, delegation=delegation)


def actor_in(user, appointment: Appointment, on: datetime.date, action: str) -> Actor | None:
    """How ``user`` may act in ``appointment`` on ``on``: as its holder, or as the substitute
    it was delegated to for ``action``; None otherwise."""
    actor = acting_for(appointment, on, action)
    if actor is None:
        return None
    if user == appointment.user:
        return Actor(person=user, appointment=appointment)
    delegation = delegation_to(user, [appointment.pk], on, action)
    return (
        Actor(person=user, appointment=appointment, delegation=delegation) if delegation else None
    )


def delegation_to(user, appointments, on: datetime.date, action: str) -> Delegation | None:
    """The delegation under which ``user`` acts on ``on`` in one of ``appointments`` (ids)."""
    return (
        _active_delegations(on, action)
        .filter(substitute=user, appointment__in=appointments)
        .select_related("appointment__user")
        .first()
    )
