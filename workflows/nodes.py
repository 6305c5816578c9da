"""Nodes of the engine that viewflow's open-source edition lacks, for every flow.

* :class:`FanOut`: a parallel split creating one task per item of a data source (one review per
  member unit, one signature per member head). viewflow's ``Split`` documents ``data_source``
  but its open-source edition ignores it.
* :class:`RoleTask`: a human task for whoever acts in a role at a unit, found through the role
  resolvers (the holder, or his substitute under a delegation); or, when a fan-out's item names
  an ``appointment``, for that appointment's holder (one council member of many). The task is
  assigned to that person when it is created, and *acting* is checked again each time, on the
  day itself: viewflow would otherwise let the owner act after his appointment or delegation
  ended.
"""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.module_loading import import_string
from viewflow.workflow import flow
from viewflow.workflow.activation import Activation
from viewflow.workflow.exceptions import FlowRuntimeError
from viewflow.workflow.nodes.split import SplitActivation
from viewflow.workflow.nodes.view import ViewActivation

from workflows.deadlines import Deadline
from workflows.models import Appointment, DelegationScope, Organisation, Role
from workflows.resolvers import acting, acting_for, actor_for, actor_in
from workflows.workdays import add_working_days


class FanOutActivation(SplitActivation):
    @Activation.status.super()
    def activate(self):
        for node, condition, data_source in self.flow_task._branches:
            if condition and not condition(self):
                continue
            items = data_source(self) if data_source else [None]
            self.next_tasks.extend((node, item) for item in items)
        if not self.next_tasks:
            raise FlowRuntimeError(f"No next task available for {self.flow_task.name}")


class FanOut(flow.Split):
    activation_class = FanOutActivation

    def Next(self, node, case=None, data_source=None):  # noqa: N802 (viewflow's naming)
        """``data_source(activation)`` returns one ``task.data`` dict per task to create."""
        self._activate_next.append((node, case, data_source))
        return self


class RoleTaskActivation(ViewActivation):
    @classmethod
    def create(cls, flow_task, prev_activation, token, data=None, seed=None):
        data = dict(data or {})
        # A role task straight after another in a fan-out's branch (a unit's officer fills its
        # sheet, then its head signs it) is for the same unit, unless the node names its own.
        previous = prev_activation.task.data or {}
        if "unit" not in data and flow_task.follows_unit and "unit" in previous:
            data["unit"] = previous["unit"]
        data = flow_task.describe(prev_activation.process, data)
        return super().create(flow_task, prev_activation, token, data=data, seed=seed)


#: Who is told when a task of this role is overdue and the flow's rules ask for escalation.
ESCALATION_ROLES = {Role.HEAD: Role.DEPUTY_HEAD}


class RoleTask(flow.View):
    """A task for the person acting in ``role`` at a unit.

    ``view`` is the step's view, or its dotted path (``"flows.x.views.StepView"``): a flow
    module then need not import its views, which import the services that start the flow.
    ``unit(process)`` gives the unit when the task data (from a :class:`FanOut`) has none;
    ``due_days(process)`` the days allowed; ``reason`` says in a few words why the task is the
    holder's ("every member unit comments on the draft"). The task data keeps the unit, the due
    date, the reminder rules and who it was assigned to, so that lists and the reminders need no
    further queries; they read them through :meth:`deadline` and :meth:`unit_name`.
    """

    activation_class = RoleTaskActivation
    # What the task is and for which unit ("Ký giao ước: UBND huyện Tiên Lãng"), read from the
    # task data: an inbox row costs no query for it.
    task_summary_template = "{{ flow_task.task_title }}: {{ task.data.unit_name }}"

    def __init__(self, view, **kwargs):
        super().__init__(view, **kwargs)
        self._role = None
        self._unit = None
        self._action = DelegationScope.ALL
        self._due_days = None
        self._working_days = False
        self._reminders = None
        self._reason = ""

    def Role(  # noqa: N802 (viewflow's naming)
        self,
        role,
        *,
        unit=None,
        action=DelegationScope.ALL,
        due_days=None,
        working_days=False,
        reminders=None,
        reason="",
    ):
        """``reminders(process)``: (days before the due date, escalate when overdue);
        ``working_days``: ``due_days`` counts working days (``workflows.workdays``)."""
        self._role, self._unit, self._action = role, unit, action
        self._due_days, self._working_days = due_days, working_days
        self._reminders, self._reason = reminders, reason
        return self

    @property
    def view(self):
        if isinstance(self._view, str):
            self._view = import_string(self._view).as_view()
        return super().view

    @property
    def role(self) -> str:
        return self._role

    @property
    def follows_unit(self) -> bool:
        """Whether the task takes the unit of the task before it (no ``unit`` of its own)."""
        return self._unit is None

    @property
    def action(self) -> str:
        return self._action

    @property
    def reason(self) -> str:
        return self._reason

    def describe(self, process, data: dict) -> dict:
        today = timezone.localdate()
        if "appointment" in data:
            self._describe_appointment(data, today)
        else:
            unit = (
                Organisation.objects.get(pk=data["unit"]) if "unit" in data else self._unit(process)
            )
            actors = acting(self._role, unit, today, self._action)
            data.update(unit=unit.pk, unit_name=unit.name, role=self._role)
            if actors:
                data["owner"] = actors[0].person.pk
        if self._due_days is not None:
            data["due"] = self._due_on(today, self._due_days(process)).isoformat()
            if self._reminders is not None:
                data["remind_days"], data["escalate"] = self._reminders(process)
        return data

    def _describe_appointment(self, data: dict, today) -> None:
        """A task for one appointment (``data["appointment"]``: one council member's vote):
        its holder's, or his substitute's for the node's action."""
        appointment = Appointment.objects.select_related("organisation").get(pk=data["appointment"])
        unit = appointment.organisation
        data.update(unit=unit.pk, unit_name=unit.name, role=appointment.role)
        actor = acting_for(appointment, today, self._action)
        if actor is not None:
            data["owner"] = actor.person.pk

    def _due_on(self, today, days: int) -> datetime.date:
        if self._working_days:
            return add_working_days(today, days)
        return today + datetime.timedelta(days=days)

    def calc_owner(self, activation):
        owner = activation.task.data.get("owner")
        return get_user_model().objects.get(pk=owner) if owner else None

    def unit_of(self, task) -> Organisation:
        return Organisation.objects.get(pk=task.data["unit"])

    def unit_name(self, task) -> str:
        return task.data.get("unit_name", "")

    def deadline(self, task) -> Deadline | None:
        """When ``task`` is due, and the reminder rules copied when it was created."""
        if not task.data.get("due"):
            return None
        escalate = task.data.get("escalate", False)
        return Deadline(
            due=datetime.date.fromisoformat(task.data["due"]),
            remind_days=task.data.get("remind_days"),
            escalate_to=ESCALATION_ROLES.get(task.data.get("role")) if escalate else None,
            unit_id=task.data.get("unit"),
        )

    def actor(self, user, task, on: datetime.date | None = None):
        """How ``user`` acts on ``task`` today (an Actor), or None if he may not."""
        if user is None or not user.is_authenticated:
            return None
        on = on or timezone.localdate()
        if "appointment" in task.data:
            appointment = Appointment.objects.select_related("user", "organisation").get(
                pk=task.data["appointment"]
            )
            return actor_in(user, appointment, on, self._action)
        return actor_for(user, self._role, self.unit_of(task), on, self._action)

    def can_execute(self, user, task):
        return self.actor(user, task) is not None

    def can_assign(self, user, task):
        # A task nobody held the role for when it was created: the new holder takes it.
        return task.owner_id is None and self.can_execute(user, task)

    def can_unassign(self, user, task):
        # The task is the role's: handed back to a queue, nobody would take it (a holder who
        # cannot act delegates instead, workflows.Delegation).
        return False
