"""What the services of the meeting, the dossier, the hand-over and the province's reception
share: the rules a meeting keeps, who acts for a unit, the audit entry of a step."""

from django.utils import timezone
from django.utils.translation import gettext as _

from flows.nominations import events
from workflows.acting import open_tasks, refuse
from workflows.citations import Citation
from workflows.models import Appointment, Role, TieRule
from workflows.resolvers import actor_for, holders

#: The rules a meeting applies, resolved when it is convened and kept with it.
RULES = [
    "eligibility.blockers",
    "quota.co_tinh.per_bloc",
    "bloc.vote.threshold",
    "bloc.vote.max_rounds",
    "bloc.vote.tie_rule",
    "bloc.vote.voters",
    "vote.ballot_secret",
    "vote.absentee_written_opinion",
]
#: Who convenes the meeting and prepares the vote for the leader unit.
OPENING_ROLES = [Role.EMULATION_OFFICER, Role.HEAD]
#: The rule set's tie rules, as the ballot knows them ("revote" is what rounds do anyway).
TIE_RULES = {"prefer_female": TieRule.PRIORITY, "leader_deputy_decide": TieRule.DECISION}


def audit(action, actor, meeting, **data):
    events.meeting_event(
        action,
        meeting,
        actor=actor.person if actor else None,
        on_behalf_of=actor.on_behalf_of if actor else None,
        **data,
    )


def acting_in(user, unit, roles, today=None):
    today = today or timezone.localdate()
    return next((actor for role in roles if (actor := actor_for(user, role, unit, today))), None)


def rule_citation(meeting, key) -> Citation:
    return Citation(meeting.rulings[key]["source"])


def waiting_task(meeting_id, node, **filters):
    return open_tasks(node, process__meetingprocess__meeting_id=meeting_id, **filters).first()


def holder_of(role, unit, day, what):
    """The user acting in ``role`` at ``unit`` on ``day`` (as ``what``); refused if none."""
    appointments = holders(role, unit, day)
    if not appointments:
        refuse(
            _("%(unit)s has no %(role)s on %(day)s to act as %(what)s: appoint one first.")
            % {
                "unit": unit,
                "role": Role(role).label.lower(),
                "day": day.strftime("%d/%m/%Y"),
                "what": what,
            }
        )
    return appointments[0].user


def electorate_of(units, day) -> list[Appointment]:
    """One vote per member unit, by its head on ``day`` (``bloc.vote.voters``)."""
    electorate = []
    for unit in units:
        appointments = holders(Role.HEAD, unit, day)
        if not appointments:
            refuse(
                _("%(unit)s has no head on %(day)s to vote: appoint one first.")
                % {"unit": unit, "day": day.strftime("%d/%m/%Y")}
            )
        electorate.append(appointments[0])
    return electorate
