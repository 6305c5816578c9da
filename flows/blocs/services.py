"""Every write on blocs and terms: atomic, permission-checked, validated, audited."""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from flows.blocs import signals
from flows.blocs.models import Bloc, BlocMembership, BlocTerm, default_period, validate_term
from workflows.models import Organisation
from workflows.services import record_event, require_permission


@transaction.atomic
def create_bloc(
    *,
    code: str,
    name: str,
    kind: str,
    jurisdiction: Organisation,
    by,
    supervising_leader=None,
    historical: bool = False,
    description: str = "",
    **rules,
) -> Bloc:
    """``rules``: the bloc's settings (signing_order, review_days, signing_days,
    reminder_days, escalate_overdue)."""
    require_permission(by, "blocs.add_bloc", _("You may not create emulation blocs."))
    bloc = Bloc(
        code=code,
        name=name,
        kind=kind,
        jurisdiction=jurisdiction,
        supervising_leader=supervising_leader,
        historical=historical,
        description=description,
        **rules,
    )
    bloc.full_clean()
    bloc.save()
    record_event(
        "bloc.created",
        actor=by,
        obj=bloc,
        data={"code": code, "jurisdiction": jurisdiction.code, "kind": kind},
    )
    return bloc


@transaction.atomic
def open_term(
    *,
    bloc: Bloc,
    year: int,
    leader: Organisation,
    members: list[Organisation],
    by,
    deputy: Organisation | None = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
) -> BlocTerm:
    """Open the ``year`` term of ``bloc``; the period defaults to the calendar year."""
    require_permission(by, "blocs.add_blocterm", _("You may not open bloc terms."))
    start, end = default_period(year)
    valid_from, valid_to = valid_from or start, valid_to or end
    _lock_jurisdiction(bloc)
    validate_term(
        bloc=bloc,
        year=year,
        valid_from=valid_from,
        valid_to=valid_to,
        leader=leader,
        deputy=deputy,
        members=members,
    )
    term = BlocTerm.objects.create(
        bloc=bloc, year=year, valid_from=valid_from, valid_to=valid_to, leader=leader, deputy=deputy
    )
    _set_members(term, members)
    record_event("bloc_term.opened", actor=by, obj=term, data=_term_data(term, members))
    return term


@transaction.atomic
def change_term(
    *,
    term: BlocTerm,
    leader: Organisation,
    members: list[Organisation],
    by,
    deputy: Organisation | None,
    valid_from: datetime.date,
    valid_to: datetime.date,
) -> BlocTerm:
    """Change the composition or period of a term (the year and the bloc stay)."""
    require_permission(by, "blocs.change_blocterm", _("You may not change bloc terms."))
    _lock_jurisdiction(term.bloc)
    validate_term(
        bloc=term.bloc,
        year=term.year,
        valid_from=valid_from,
        valid_to=valid_to,
        leader=leader,
        deputy=deputy,
        members=members,
        term=term,
    )
    before = (term.leader_id, list(term.memberships.values_list("organisation_id", flat=True)))
    term.leader, term.deputy = leader, deputy
    term.valid_from, term.valid_to = valid_from, valid_to
    term.save(update_fields=["leader", "deputy", "valid_from", "valid_to"])
    _set_members(term, members)
    record_event("bloc_term.changed", actor=by, obj=term, data=_term_data(term, members))
    after = (leader.pk, [member.pk for member in members])
    signals.term_changed.send(
        sender=BlocTerm,
        term=term,
        by=by,
        members_changed=(before[0], set(before[1])) != (after[0], set(after[1])),
    )
    return term


def _lock_jurisdiction(bloc: Bloc) -> None:
    # Serialises membership checks of one jurisdiction; the unique constraint on
    # (organisation, jurisdiction, year) stays the last line of defence.
    Organisation.objects.select_for_update().filter(pk=bloc.jurisdiction_id).first()


def _set_members(term: BlocTerm, members: list[Organisation]) -> None:
    wanted = {member.pk: position for position, member in enumerate(members, start=1)}
    term.memberships.exclude(organisation_id__in=wanted).delete()
    existing = {m.organisation_id: m for m in term.memberships.all()}
    for organisation_id, position in wanted.items():
        membership = existing.get(organisation_id)
        if membership is None:
            BlocMembership.objects.create(
                term=term,
                organisation_id=organisation_id,
                position=position,
                jurisdiction_id=term.bloc.jurisdiction_id,
                year=term.year,
            )
        elif membership.position != position:
            membership.position = position
            membership.save(update_fields=["position"])


def _term_data(term: BlocTerm, members: list[Organisation]) -> dict:
    return {
        "bloc": term.bloc.code,
        "year": term.year,
        "valid_from": term.valid_from,
        "valid_to": term.valid_to,
        "leader": term.leader.code,
        "deputy": term.deputy.code if term.deputy else None,
        "members": [member.code for member in members],
    }
